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


# Each folder and what it may import of this package: imports run one way, downwards. The folders
# above vdk_run are what is deployed apart (the kernel, the Jupyter server extension, the `vdk`
# commands); deploy serves both the kernel's `%vdk deploy` and the server's Deploy button.
ALLOWED = {
    "engine": set(),
    "job": {"engine"},
    "vdk_run": {"job", "engine"},
    "deploy": {"vdk_run", "job", "engine"},
    "kernel": {"deploy", "vdk_run", "job", "engine"},
    "server": {"deploy", "job", "engine"},
    "cli": {"server", "deploy", "vdk_run", "job", "engine"},
    # The one module vdk-core loads (entry point `notebook`): vdk_run's hooks, cli's commands by name.
    "vdk_plugin": {"vdk_run"},
}
PREFIX = "vdk.plugin.notebook."


def _module_name(package: pathlib.Path, path: pathlib.Path) -> str:
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return PREFIX + ".".join(parts) if parts else PREFIX.rstrip(".")


def _package_imports(package: pathlib.Path) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (anywhere in the file)."""
    modules = {_module_name(package, path): path for path in package.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = {module for module in found if module in modules and module != name}
    return graph


def layout_violations(package: pathlib.Path) -> list[str]:
    """Imports from a folder into one it may not import (ALLOWED), and unknown folders."""
    found = []
    for module, imported in sorted(_package_imports(package).items()):
        folder = module[len(PREFIX):].split(".")[0] if module.startswith(PREFIX) else ""
        if folder and folder not in ALLOWED and "." in module[len(PREFIX):]:
            found.append(f"{module}: folder {folder}/ is not in tests/test_layout.py's ALLOWED")
            continue
        for target in sorted(imported):
            target_folder = target[len(PREFIX):].split(".")[0]
            if folder and target_folder != folder and target_folder not in ALLOWED.get(folder, ()):
                found.append(f"{module} imports {target}: {folder}/ may not import {target_folder}/")
    return found


def import_cycles(package: pathlib.Path) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a circle (Tarjan)."""
    graph = _package_imports(package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_every_folder_imports_only_the_folders_below_it():
    assert layout_violations(PACKAGE) == []


def test_no_modules_import_each_other_in_a_circle():
    assert import_cycles(PACKAGE) == []


def test_nothing_in_vdk_run_imports_the_plugin_entry_module():
    """hooks.py is the top of vdk_run: loaded by vdk-core (through vdk_plugin.py) on every
    command, lazily pulling in the rest; a module importing it back would make a circle through
    the lazy imports."""
    graph = _package_imports(PACKAGE)
    assert [m for m, imported in graph.items() if PREFIX + "vdk_run.hooks" in imported] == [
        PREFIX + "vdk_plugin"]


def test_every_hook_of_vdk_run_is_registered_through_the_plugin_module():
    """vdk-core registers vdk_plugin.py, which holds hooks.py's hooks as its own attributes: a
    hook added to hooks.py and not named there would never be called."""
    from vdk.api.plugin.hook_markers import GROUP_NAME

    from vdk.plugin.notebook import vdk_plugin
    from vdk.plugin.notebook.vdk_run import hooks

    def hook_names(module) -> set[str]:
        return {name for name in dir(module)
                if hasattr(getattr(module, name), f"{GROUP_NAME}_impl")}

    assert hook_names(hooks) == {"vdk_start", "vdk_configure", "initialize_job", "run_step",
                                 "run_job", "finalize_job"}
    assert hook_names(vdk_plugin) == hook_names(hooks) | {"vdk_command_line"}


def test_the_checks_catch_a_wrong_way_import_and_a_circle(tmp_path):
    """The two checks above fail when the rule is broken: shown on a small package."""
    package = tmp_path / "notebook"
    for folder in ("engine", "job"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "engine" / "reader.py").write_text(
        "from vdk.plugin.notebook.job.notebooks import find_notebooks\n")
    (package / "job" / "notebooks.py").write_text(
        "def find_notebooks():\n    from vdk.plugin.notebook.engine.reader import read\n")
    assert layout_violations(package) == [
        "vdk.plugin.notebook.engine.reader imports vdk.plugin.notebook.job.notebooks: "
        "engine/ may not import job/"]
    assert import_cycles(package) == [
        ["vdk.plugin.notebook.engine.reader", "vdk.plugin.notebook.job.notebooks"]]


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
