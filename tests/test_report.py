"""Every notebook step leaves an executed copy: the outputs a user would see in Jupyter, execution
counts in run order, per-cell timing and status, and on failure a banner pointing at the first
failing cell. The reports are opened with nbformat, as a user's Jupyter would open them."""
from __future__ import annotations

import base64
import json
import os
import pathlib
import stat
import struct
import subprocess
import sys
import zlib

import nbformat
import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import record

VDK = pathlib.Path(sys.executable).with_name("vdk")


def tiny_png() -> bytes:
    """A valid 1x1 red PNG."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def reports(tmp_path: pathlib.Path, name: str = "20_notebook.ipynb") -> list[pathlib.Path]:
    """The reports of `name`, oldest run first."""
    return sorted((tmp_path / "reports" / "my-job").glob(f"*/{name}"))


def open_report(path: pathlib.Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def texts(cell, name: str = "stdout") -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)


def test_the_executed_notebook_shows_outputs_results_counts_and_timing(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    source = job.notebook("20_notebook.ipynb", [
        markdown("# Daily load"),
        code("print('loading', 3, 'rows')\nimport sys\nprint('careful', file=sys.stderr)\n6 * 7"),
        code("this exploration cell would fail", tags=["non-vdk"]),
        code("import time\ntime.sleep(0.2)\n" + record("loaded") + "\n'hidden by the semicolon';"),
        code("class Table:\n    def _repr_html_(self):\n        return '<table><tr><td>1</td></tr></table>'\n"
             "Table()"),
        code(f"from IPython.display import HTML, Image, display\ndisplay(HTML('<b>bold</b>'))\n"
             f"Image(data=bytes.fromhex('{tiny_png().hex()}'))"),
    ])
    before = source.read_bytes()
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["loaded"]
    assert source.read_bytes() == before  # the source notebook is never written

    [path] = reports(tmp_path)
    assert f"executed notebook with outputs written to {path}" in outcome.output
    nb = open_report(path)
    assert nb.cells[0].source == "# Daily load"
    first, left_out, slow, table, rich = code_cells(nb)

    assert [c.execution_count for c in (first, left_out, slow, table, rich)] == [1, None, 2, 3, 4]
    assert texts(first) == "loading 3 rows\n"
    assert texts(first, "stderr") == "careful\n"
    [result] = [o for o in first.outputs if o.output_type == "execute_result"]
    assert result.data["text/plain"] == "42" and result.execution_count == 1

    assert left_out.metadata.vdk.status == "left-out"
    [note] = left_out.outputs  # visible in Jupyter, not only in the metadata
    assert "This cell was left out by vdk run" in note.data["text/plain"]
    assert slow.outputs == []  # a trailing semicolon hides the value, as in Jupyter
    assert slow.metadata.vdk.status == "ok"
    assert slow.metadata.vdk.duration >= 0.2
    assert slow.metadata.vdk.start < slow.metadata.vdk.end
    assert slow.metadata.execution["shell.execute_reply"] == slow.metadata.vdk.end

    assert table.outputs[0].data["text/html"] == "<table><tr><td>1</td></tr></table>"
    kinds = [o.output_type for o in rich.outputs]
    assert kinds == ["display_data", "execute_result"], rich.outputs
    assert rich.outputs[0].data["text/html"] == "<b>bold</b>"
    assert base64.b64decode(rich.outputs[1].data["image/png"]) == tiny_png()
    assert nb.metadata.vdk.status == "succeeded"
    assert nb.metadata.vdk.cells_run == 4


def test_a_value_that_cannot_be_shown_does_not_fail_the_job(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("class Broken:\n    def __repr__(self):\n        raise RuntimeError('no repr')\nBroken()"),
        code(record("after")),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["after"]
    broken, _ = code_cells(open_report(reports(tmp_path)[0]))
    assert broken.metadata.vdk.status == "ok"
    assert "cannot be shown: RuntimeError: no repr" in texts(broken, "stderr")


def test_output_reaches_the_log_while_the_cell_runs(job, run_job, tmp_path):
    job.notebook("20_notebook.ipynb", [
        code("print('first cell says hello')"),
        code("print('second cell says bye')"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    log = outcome.output
    # Printed between the progress lines of the cells: passed through as written, not at the end.
    assert log.index("running code cell 1") < log.index("first cell says hello")
    assert log.index("first cell says hello") < log.index("running code cell 2")


def test_a_failing_run_writes_the_report_with_a_banner_at_the_first_failing_cell(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("print('before')"),
        code("raise ValueError('expected')", tags=["raises-exception"]),
        code("def load():\n    return {}['missing']\nload()", cell_id="the-bad-one"),
        code(record("after")),
        code("raise RuntimeError('never reached')"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 1
    assert db.events() == []
    [path] = reports(tmp_path)
    assert str(path) in outcome.output
    nb = open_report(path)

    banner = nb.cells[0]
    assert banner.cell_type == "markdown"
    assert "vdk run failed" in banner.source
    assert "code cell 3 (id the-bad-one)" in banner.source
    assert "KeyError: &#x27;missing&#x27;" in banner.source or "KeyError: 'missing'" in banner.source
    assert 'href="#vdk-failed-cell"' in banner.source

    marker_index = next(i for i, c in enumerate(nb.cells) if 'id="vdk-failed-cell"' in c.source)
    failed = nb.cells[marker_index + 1]
    assert failed.id == "the-bad-one"
    assert failed.metadata.vdk.status == "failed"
    [error] = [o for o in failed.outputs if o.output_type == "error"]
    assert error.ename == "KeyError"
    assert any("load()" in line for line in error.traceback)

    before, expected, _, after, never = code_cells(nb)
    assert expected.metadata.vdk.status == "expected-error"
    assert expected.outputs[-1].ename == "ValueError"
    for cell in (after, never):
        assert cell.metadata.vdk.status == "not-run"
        assert cell.execution_count is None and cell.outputs == []
    assert nb.metadata.vdk.status == "failed"


def test_each_run_gets_its_own_folder_sorted_by_time(job, run_job, tmp_path):
    job.notebook("20_notebook.ipynb", [code("import random\nprint(random.random())")])
    for _ in range(2):
        assert run_job(job).exit_code == 0
    first, second = reports(tmp_path)
    assert first.parent != second.parent
    assert first.parent.name < second.parent.name
    assert texts(code_cells(open_report(first))[0]) != texts(code_cells(open_report(second))[0])


def test_by_default_reports_go_under_vdks_temporary_directory(job, run_job, tmp_path, monkeypatch):
    monkeypatch.delenv("VDK_NOTEBOOK_REPORT_DIRECTORY", raising=False)
    monkeypatch.setenv("VDK_TEMPORARY_WRITE_DIRECTORY", str(tmp_path / "vdk-temp"))
    job.notebook("20_notebook.ipynb", [code("print(1)")])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    base = tmp_path / "vdk-temp" / f"vdk-notebook-reports-{os.geteuid()}"
    [path] = (base / "my-job").glob("*/20_notebook.ipynb")
    assert str(path) in outcome.output
    for folder in (base, base / "my-job", path.parent):  # only this user can enter or write
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert not list(job.path.rglob("*.ipynb"))[1:]  # nothing written into the job folder


def test_the_report_can_be_switched_off(job, run_job, tmp_path, monkeypatch):
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT", "false")
    job.notebook("20_notebook.ipynb", [code("print(1)")])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert not (tmp_path / "reports").exists()
    assert "executed notebook" not in outcome.output


def test_output_kept_per_cell_is_capped_with_a_note_but_the_log_gets_all(job, run_job, tmp_path, monkeypatch):
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_OUTPUT_LIMIT", "1000")
    job.notebook("20_notebook.ipynb", [
        code("for i in range(500):\n    print(f'line {i:04d} of a chatty loop')"),
        code("print('the next cell has its own budget')"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert "line 0499 of a chatty loop" in outcome.output
    chatty, next_cell = code_cells(open_report(reports(tmp_path)[0]))
    kept = texts(chatty)
    assert len(kept) == 1000 and kept.startswith("line 0000")
    assert "line 0499" not in kept
    note = texts(chatty, "stderr")
    assert "Output truncated" in note and "NOTEBOOK_REPORT_OUTPUT_LIMIT" in note
    assert texts(next_cell) == "the next cell has its own budget\n"


def test_cleared_output_does_not_count_against_the_cap(job, run_job, tmp_path, monkeypatch):
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_OUTPUT_LIMIT", "100")
    job.notebook("20_notebook.ipynb", [code(
        "from IPython.display import clear_output\n"
        "for i in range(50):\n"
        "    clear_output(wait=True)\n"
        "    print(f'progress {i:03d}')"
    )])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    [cell] = code_cells(open_report(reports(tmp_path)[0]))
    assert texts(cell) == "progress 049\n"  # what Jupyter shows at the end
    assert "Output truncated" not in texts(cell, "stderr")


def test_a_display_updated_in_place_shows_its_last_state_as_in_jupyter(job, run_job, tmp_path):
    job.notebook("20_notebook.ipynb", [code(
        "from IPython.display import display, Markdown\n"
        "handle = display(Markdown('step 0'), display_id=True)\n"
        "display(Markdown('stays'))\n"
        "for i in range(1, 4):\n"
        "    handle.update(Markdown(f'step {i}'))"
    )])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    [cell] = code_cells(open_report(reports(tmp_path)[0]))
    assert [o.data["text/markdown"] for o in cell.outputs] == ["step 3", "stays"]


@pytest.mark.parametrize("backend", ["%matplotlib inline", "import matplotlib\nmatplotlib.use('agg')"])
def test_matplotlib_figures_become_png_outputs(job, run_job, tmp_path, backend):
    pytest.importorskip("matplotlib")
    job.notebook("20_notebook.ipynb", [
        code(f"{backend}\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [3, 1, 2])\nplt.show()"),
        code("fig, ax = plt.subplots()\nax.bar(['a', 'b'], [1, 2]);"),
        code("print(len(plt.get_fignums()))"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    shown, unshown, count = code_cells(open_report(reports(tmp_path)[0]))
    for cell in (shown, unshown):
        [image] = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert base64.b64decode(image.data["image/png"]).startswith(b"\x89PNG")
    assert texts(count) == "0\n"  # figures are closed after their cell, as in Jupyter


def test_html_report_when_nbconvert_is_installed(job, run_job, tmp_path, monkeypatch):
    pytest.importorskip("nbconvert")
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_HTML", "true")
    job.notebook("20_notebook.ipynb", [code("print('shown in html')")])
    assert run_job(job).exit_code == 0
    [page] = (tmp_path / "reports" / "my-job").glob("*/20_notebook.html")
    assert "shown in html" in page.read_text(encoding="utf-8")


def test_html_report_without_nbconvert_says_what_to_install(job, run_job, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbconvert", None)  # import nbconvert raises ImportError
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_HTML", "true")
    job.notebook("20_notebook.ipynb", [code("print(1)")])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert "pip install 'vdk-jupyter[html]'" in outcome.output
    assert reports(tmp_path)  # the .ipynb report is there regardless


def test_an_interrupted_run_leaves_a_complete_report(job, tmp_path, db):
    """Ctrl-C in the middle of a cell, through a real `vdk` process."""
    job.notebook("20_notebook.ipynb", [
        code("print('working')"),
        code("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)"),
        code("print('never')"),
    ])
    env = dict(os.environ, VDK_NOTEBOOK_REPORT_DIRECTORY=str(tmp_path / "reports"))
    process = subprocess.run([str(VDK), "run", str(job)], env=env, capture_output=True,
                             text=True, timeout=120)
    assert process.returncode != 0
    [path] = reports(tmp_path)
    nb = open_report(path)
    working, interrupted, never = code_cells(nb)
    assert texts(working) == "working\n"
    assert interrupted.metadata.vdk.status == "interrupted"
    assert interrupted.outputs[-1].ename == "KeyboardInterrupt"
    assert never.metadata.vdk.status == "not-run"
    assert "vdk run interrupted" in nb.cells[0].source
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_a_write_interrupted_midway_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    from vdk.plugin.notebook.engine import report

    target = tmp_path / "run" / "nb.ipynb"
    report.write_atomically(target, json.dumps({"version": "old"}))
    real_file = report._file

    class Interrupting:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, text):  # half the report written, then Ctrl-C
            self.file.write(text[: len(text) // 2])
            self.file.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(report, "_file", lambda *a, **k: Interrupting(real_file(*a, **k)))
    with pytest.raises(KeyboardInterrupt):
        report.write_atomically(target, json.dumps({"version": "new", "padding": "x" * 10000}))
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"version": "old"}
    assert [p.name for p in target.parent.iterdir()] == ["nb.ipynb"]


def test_skip_remaining_steps_is_not_a_failure_in_the_report(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("print('checked: nothing to do')\njob_input.skip_remaining_steps()"),
        code(record("never")),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    nb = open_report(reports(tmp_path)[0])
    stopped, never = code_cells(nb)
    assert stopped.metadata.vdk.status == "stopped"
    assert texts(stopped) == "checked: nothing to do\n"
    assert not [o for o in stopped.outputs if o.output_type == "error"]
    assert never.metadata.vdk.status == "not-run"
    assert nb.cells[0].cell_type == "code"  # no failure banner
    assert nb.metadata.vdk.status == "stopped"


def test_a_notebook_saved_without_cell_ids_gets_a_valid_report(job, run_job, tmp_path):
    old = {"cells": [code("print('old format')")], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    job.notebook("20_notebook.ipynb", old)
    assert run_job(job).exit_code == 0
    nb = open_report(reports(tmp_path)[0])  # validates as nbformat 4.5, ids included
    assert texts(code_cells(nb)[0]) == "old format\n"


def test_a_report_that_cannot_be_written_is_logged_and_the_job_goes_on(job, run_job, db, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_DIRECTORY", str(blocker / "reports"))
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [code(record("ran"))])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["ran"]
    assert "cannot be used" in outcome.output  # said at job start
    assert "executed notebooks are not written in this run" in outcome.output


def test_the_options_are_documented_in_config_help():
    from vdk.plugin.test_utils.util_funcs import CliEntryBasedTestRunner

    from vdk.plugin.notebook.vdk_run import hooks as plugin

    result = CliEntryBasedTestRunner(plugin).invoke(["config-help"])
    assert result.exit_code == 0, result.output
    for option in ("notebook_report ", "notebook_report_directory", "notebook_report_html",
                   "notebook_report_output_limit", "notebook_cell_timeout"):
        assert option in result.output.lower()
