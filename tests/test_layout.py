"""The package's parts keep to their boundaries.

The engine is meant to be usable without VDK (the Jupyter server asks it which cells run, a test
can run it alone), and vdk-core is reached from one folder only, so that what this package
borrows from vdk-core is in one place. Docstrings say so; these tests make it true.
"""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import textwrap

import vdk.plugin.notebook

PACKAGE = pathlib.Path(vdk.plugin.notebook.__file__).parent


def _imports(path: pathlib.Path) -> list[str]:
    """Every module a file imports, at the top or inside functions."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _vdk_imports(path: pathlib.Path) -> list[str]:
    """Every `vdk...` module a file imports, at the top or inside functions."""
    return [name for name in _imports(path) if name == "vdk" or name.startswith("vdk.")]


def _modules(folder: str) -> list[pathlib.Path]:
    found = sorted((PACKAGE / folder).rglob("*.py"))
    assert found, f"no modules under {folder}/"
    return found


def test_the_engine_imports_nothing_of_vdk_but_itself():
    offending = {
        str(path.relative_to(PACKAGE)): name
        for path in _modules("engine")
        for name in _vdk_imports(path)
        if not name.startswith("vdk.plugin.notebook.engine")
    }
    assert offending == {}


# vdk-control-cli, the Control Service's client, and its login library: other distributions in
# the same namespace.
CONTROL_CLI = ("vdk.internal.control", "vdk.plugin.control_api_auth", "taurus_datajob_api")


def test_only_vdk_run_imports_vdk_core():
    outside = [path for path in PACKAGE.rglob("*.py") if "vdk_run" not in path.parts]
    offending = {
        str(path.relative_to(PACKAGE)): name
        for path in outside
        for name in _vdk_imports(path)
        if not name.startswith(("vdk.plugin.notebook", *CONTROL_CLI))
    }
    assert offending == {}


def test_only_one_module_talks_to_the_control_service():
    """Deploying, listing and executing go through vdk-control-cli, from one module."""
    users = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.startswith(CONTROL_CLI)
    }
    assert users == {"deploy/control_service.py"}


def test_the_engine_runs_a_notebook_where_vdk_core_cannot_be_imported(tmp_path):
    """Not only the import statements: nothing the engine does at run time reaches vdk-core."""
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(
        '{"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], '
        '"execution_count": null, "source": "x = 20 + 1\\nx * 2"},'
        '{"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], '
        '"execution_count": null, "source": "print(\'value\', x * 2)"}], '
        '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        encoding="utf-8",
    )
    script = textwrap.dedent(f"""
        import importlib.abc, sys

        class NoVdkCore(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.startswith(("vdk.internal", "vdk.api")):
                    raise ImportError("vdk-core is not importable here: " + name)
                return None

        sys.meta_path.insert(0, NoVdkCore())
        import pathlib
        from vdk.plugin.notebook.engine.execute import run_cells
        from vdk.plugin.notebook.engine.prepare import prepare_notebook

        prepared = prepare_notebook(pathlib.Path({str(notebook)!r}))
        run_cells(prepared.name, prepared.cells, {{}}, run_sql=print)
        print("vdk-core modules loaded:", sorted(m for m in sys.modules if m.startswith("vdk.internal")))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["value 42", "vdk-core modules loaded: []"]
