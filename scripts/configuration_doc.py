"""Writes docs/configuration.md from the code, so the page cannot drift from what the plugin reads.

Two sources: the options the plugin declares to vdk-core (vdk_run/option_keys.py, through the
same `declare_options` that `vdk config-help` shows), and the environment variables the code
reads itself, found by reading the source (`os.environ.get("X")`, `environ.get(NAME)`,
`os.environ.pop(...)`, `os.getenv(...)`, with NAME a module-level string constant). Those have
no help text in the code, so their descriptions are below, and a variable the code reads without
a description here (or described here but no longer read) stops the script with a message.
tests/test_docs.py checks that docs/configuration.md is what this script writes.

    python scripts/configuration_doc.py          # rewrite docs/configuration.md
    python scripts/configuration_doc.py --check  # exit 1 if the page differs
"""
from __future__ import annotations

import ast
import pathlib
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src/vdk/plugin/notebook"
PAGE = ROOT / "docs/configuration.md"

# What each environment variable read directly by the code does: (who sets it, description).
ENVIRONMENT = {
    "VDK_DB_DEFAULT_TYPE": (
        "you (or `[vdk] db_default_type` in the job's config.ini)",
        "vdk-core's database type. When neither this nor the job's config.ini names one, runs "
        "started from JupyterLab, the VDK kernel's `job_input` and `vdk start-jupyter` use a "
        "SQLite file of the job's own (see `VDK_SQLITE_FILE`)."),
    "VDK_SQLITE_FILE": (
        "you (or `[vdk] sqlite_file`)",
        "vdk-sqlite's database file. Default for a job without a database: "
        "`$XDG_DATA_HOME/vdk-jupyter/databases/<job>-<hash>.sqlite`."),
    "VDK_INGEST_METHOD_DEFAULT": (
        "you (or `[vdk] ingest_method_default`)",
        "vdk-core's ingestion method. Left as it is when set; with the local SQLite file it "
        "is set to `sqlite` when unset."),
    "XDG_DATA_HOME": (
        "your desktop session",
        "Under it, in `vdk-jupyter/`, go the local SQLite files of jobs without a database and the "
        "records of local runs that `vdk repair` reads (default `~/.local/share`)."),
    "VDK_LOG_LEVEL_VDK": (
        "you",
        "vdk-core's log level for `vdk` loggers. When set, the VDK kernel leaves the levels "
        "alone and shows every line while the job starts; unset, it keeps INFO lines out of "
        "the notebook."),
    "SHELL": (
        "your login",
        "The shell that runs `!command` lines in notebook cells (default `sh`)."),
    "VDK_OP_ID": (
        "the Control Service (its job container)",
        "Set on runs the Control Service starts: such a run keeps no local run record (what "
        "`vdk repair` reads), as a cloud run is never repaired locally."),
    "VDK_JUPYTER_REQUIRE_AUTH": (
        "`vdk start-jupyter` (internal)",
        "Makes the server extension refuse to start a Jupyter server without a token or a "
        "password. Not for users to set."),
    "VDK_NOTEBOOK_EVENTS_FILE": (
        "the server extension (internal)",
        "The pipe through which a `vdk run` started from JupyterLab reports its progress. "
        "Not for users to set."),
    "VDK_NOTEBOOK_ARGUMENTS_FILE": (
        "the server extension (internal)",
        "The open file from which a `vdk run` started from JupyterLab reads its job arguments, "
        "so that they are not in its command line for other local users to read. Not for "
        "users to set."),
}


class _Recorder:
    """Stands in for vdk-core's ConfigurationBuilder: keeps what `declare_options` declares."""

    def __init__(self):
        self.options: list[tuple[str, Any, bool, str]] = []

    def add(self, key, default_value, show_default_value=True, description=None, *args, **kwargs):
        self.options.append((key, default_value, show_default_value, description or ""))


def declared_options() -> list[tuple[str, Any, bool, str]]:
    sys.path.insert(0, str(ROOT / "src"))
    from vdk.plugin.notebook.vdk_run.option_keys import declare_options

    recorder = _Recorder()
    declare_options(recorder)
    return recorder.options


def _constants(trees: dict[pathlib.Path, ast.Module]) -> dict[str, str]:
    """Module-level NAME = "string" assignments of the whole package."""
    found = {}
    for tree in trees.values():
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                found[node.targets[0].id] = node.value.value
    return found


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def environment_reads() -> dict[str, list[str]]:
    """Each environment variable the package reads, with the modules that read it."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}
    constants = _constants(trees)
    reads: dict[str, list[str]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            argument = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                if node.func.attr in ("get", "pop") and _is_environ(node.func.value):
                    argument = node.args[0]
                elif node.func.attr == "getenv":
                    argument = node.args[0]
            elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
                argument = node.slice
            if argument is None:
                continue
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                name = argument.value
            elif isinstance(argument, ast.Name) and argument.id in constants:
                name = constants[argument.id]
            else:
                continue  # a variable chosen at run time (restoring saved values, say)
            module = path.relative_to(PACKAGE).as_posix()
            reads.setdefault(name, [])
            if module not in reads[name]:
                reads[name].append(module)
    return reads


def _shown(default: Any, shown: bool) -> str:
    if not shown or default == "":
        return "(see the description)"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    reads = environment_reads()
    undescribed = sorted(set(reads) - set(ENVIRONMENT))
    stale = sorted(set(ENVIRONMENT) - set(reads))
    if undescribed or stale:
        raise SystemExit(
            "scripts/configuration_doc.py: "
            + (f"the code reads {', '.join(undescribed)} without a description in ENVIRONMENT; "
               if undescribed else "")
            + (f"ENVIRONMENT describes {', '.join(stale)}, which the code no longer reads; "
               if stale else "")
            + "update ENVIRONMENT, then run the script again.")
    lines = [
        "# Configuration",
        "",
        "<!-- Generated by scripts/configuration_doc.py from the code; do not edit by hand. "
        "tests/test_docs.py checks it. -->",
        "",
        "## Options of `vdk run`",
        "",
        "Set them in the job's `config.ini`, section `[vdk]` (lower case works: "
        "`notebook_cell_timeout = 600`), or as environment variables (`VDK_<OPTION>`). "
        "`vdk config-help` lists them too. Declared in "
        "`src/vdk/plugin/notebook/vdk_run/option_keys.py`.",
        "",
        "| option | environment variable | default | what it does |",
        "| --- | --- | --- | --- |",
    ]
    for key, default, shown, description in declared_options():
        text = _cell(description).replace("<", "&lt;").replace(">", "&gt;")
        lines.append(f"| `{key}` | `VDK_{key}` | {_shown(default, shown)} | {text} |")
    lines += [
        "",
        "## Environment variables read directly",
        "",
        "Read by the plugin itself rather than through vdk-core's configuration.",
        "",
        "| variable | set by | what it does | read in |",
        "| --- | --- | --- | --- |",
    ]
    for name in sorted(reads):
        setter, description = ENVIRONMENT[name]
        where = ", ".join(f"`{module}`" for module in reads[name])
        lines.append(f"| `{name}` | {setter} | {_cell(description)} | {where} |")
    lines += [
        "",
        "## Options of other packages",
        "",
        "The Control Service client (vdk-control-cli) reads its own settings, among them "
        "`VDK_CONTROL_SERVICE_REST_API_URL`, `VDK_API_TOKEN` and the `VDK_CONTROL_HTTP_*` "
        "time-outs and retries: see [deploying.md](deploying.md). vdk-core's own options "
        "(database, ingestion, logging) are listed by `vdk config-help`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != text:
            print("docs/configuration.md differs from the code: run python scripts/configuration_doc.py",
                  file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
