"""The run report shows what Jupyter shows: display updates across cells, clear_output(wait=True)
as Jupyter applies it, figure formats, interactive matplotlib backends drawn inline, display
methods that raise, %%vdksql results as tables, left-out cells marked, values pretty-printed."""
from __future__ import annotations

import base64

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record
from test_report import code_cells
from test_report import open_report
from test_report import reports
from test_report import texts


def _report(tmp_path):
    return code_cells(open_report(reports(tmp_path)[0]))


def test_a_progress_bar_shows_its_last_state_and_updates_reach_earlier_cells(job, run_job, tmp_path):
    job.notebook("20_notebook.ipynb", [
        code("from IPython.display import ProgressBar, display, update_display\n"
             "bar = ProgressBar(4)\n"
             "for _ in bar:\n"
             "    pass"),
        code("display('first', display_id='status');"),
        code("update_display('second', display_id='status')"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    bar, status, update = _report(tmp_path)
    [shown] = [o for o in bar.outputs if "text/html" in o.get("data", {})]
    assert "value='4'" in shown.data["text/html"] and "max='4'" in shown.data["text/html"]
    assert [o.data["text/plain"] for o in status.outputs] == ["'second'"]
    assert update.outputs == []


def test_a_trailing_clear_output_wait_keeps_the_output_as_jupyter_does(job, run_job, tmp_path):
    job.notebook("20_notebook.ipynb", [
        code("from IPython.display import clear_output\n"
             "print('Hello world', end='')\n"
             "clear_output(wait=True)"),
        code("print('Hello', end='')\nclear_output(wait=True)\nprint('world', end='')"),
        code("print('gone')\nclear_output()"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    kept, replaced, cleared = _report(tmp_path)
    assert texts(kept) == "Hello world"
    assert texts(replaced) == "world"
    assert cleared.outputs == []


@pytest.mark.parametrize("formats, mime, retina", [
    ("['svg']", "image/svg+xml", False),
    ("['retina']", "image/png", True),
])
def test_inline_figure_formats_are_honoured(job, run_job, tmp_path, formats, mime, retina):
    pytest.importorskip("matplotlib")
    job.notebook("20_notebook.ipynb", [code(
        "%matplotlib inline\n"
        f"%config InlineBackend.figure_formats = {formats}\n"
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3]);"
    )])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    [cell] = _report(tmp_path)
    [figure] = [o for o in cell.outputs if o.output_type == "display_data"]
    assert mime in figure.data
    if mime == "image/svg+xml":
        assert "<svg" in figure.data[mime]
    else:
        assert base64.b64decode(figure.data[mime]).startswith(b"\x89PNG")
    assert ("width" in figure.metadata.get(mime, {})) == retina


@pytest.mark.parametrize("backend", ["notebook", "widget", "qt"])
def test_interactive_matplotlib_backends_fall_back_to_inline_with_a_warning(
    job, run_job, tmp_path, backend
):
    pytest.importorskip("matplotlib")
    job.notebook("20_notebook.ipynb", [
        code(f"%matplotlib {backend}\nimport matplotlib.pyplot as plt\nplt.plot([1, 2]);"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert f"%matplotlib {backend}: an interactive backend needs a front end" in outcome.output
    [cell] = _report(tmp_path)
    assert any("image/png" in o.get("data", {}) for o in cell.outputs)


ODD = ("class Odd:\n"
       "    def _repr_html_(self):\n"
       "        raise ValueError('no html for you')\n"
       "    def __repr__(self):\n"
       "        return 'Odd()'\n")


@pytest.mark.parametrize("last_line", ["Odd()", "%time odd = Odd()\nodd"],
                         ids=["plain cell", "cell with a magic"])
def test_a_display_method_that_raises_is_shown_once_and_the_cell_goes_on(
    job, run_job, db, tmp_path, last_line
):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [code(ODD + last_line), code(record("next cell"))])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["next cell"]
    assert outcome.output.count("ValueError: no html for you") == 1, outcome.output
    cell, _ = _report(tmp_path)
    [error] = [o for o in cell.outputs if o.output_type == "error"]
    assert error.ename == "ValueError" and "_repr_html_" in "\n".join(error.traceback)
    [result] = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert result.data == {"text/plain": "Odd()"}


def test_sql_results_are_tables_and_left_out_cells_are_marked(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code(record("a") + "\n" + record("b")),
        code("%%vdksql\nSELECT seq, what FROM events ORDER BY seq"),
        code("%%vdksql\nINSERT INTO events (what) VALUES ('c')"),
        code("print('exploring')", tags=["non-vdk"]),
        code("# non-vdk\nprint('also exploring')"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["a", "b", "c"]
    _, select, insert, tagged, marked = _report(tmp_path)
    [table] = select.outputs
    assert table.output_type == "execute_result"
    html = table.data["text/html"]
    assert "<th>seq</th><th>what</th>" in html and "<td>1</td><td>a</td>" in html
    assert insert.outputs == []
    for left_out, why in ((tagged, "tagged non-vdk"), (marked, "non-vdk")):
        [note] = left_out.outputs
        assert "left out by vdk run" in note.data["text/plain"] and why in note.data["text/plain"]
        assert left_out.metadata.vdk.status == "left-out"


def test_values_are_pretty_printed_as_in_jupyter(job, run_job, tmp_path):
    job.notebook("20_notebook.ipynb", [
        code("{'numbers': list(range(30)), 'name': 'x' * 40}"),
        code("class Point:\n    pass\nPoint()"),
        code("[1, 'two', None]"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    numbers, point, short = _report(tmp_path)
    text = numbers.outputs[0].data["text/plain"]
    assert text.startswith("{'numbers': [0,\n  1,\n")
    assert text.endswith("'name': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}")
    assert point.outputs[0].data["text/plain"].startswith("<__main__.Point at 0x")
    assert short.outputs[0].data["text/plain"] == "[1, 'two', None]"


def test_figure_formats_and_inline_settings_do_not_leak_into_the_next_step(job, run_job, db, tmp_path):
    # As a new kernel starts afresh, so does the next notebook; a .py step keeps matplotlib's own.
    pytest.importorskip("matplotlib")
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [code(
        "%matplotlib inline\n%config InlineBackend.figure_formats = ['svg']\n"
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);"
    )])
    job.notebook("30_notebook.ipynb", [code(
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2]);"
    )])
    job.notebook("35_notebook.ipynb", [code(
        "%matplotlib inline\n%config InlineBackend.figure_formats = ['svg']\n"
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);"
    )])
    job.py("40_check.py", (
        "import matplotlib\n"
        "same = matplotlib.rcParams['figure.dpi'] == matplotlib.rcParamsDefault['figure.dpi']\n"
        "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{same}')\")"
    ))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    [second] = code_cells(open_report(reports(tmp_path, "30_notebook.ipynb")[0]))
    [figure] = [o for o in second.outputs if o.output_type == "display_data"]
    assert "image/png" in figure.data and "image/svg+xml" not in figure.data
    [third] = code_cells(open_report(reports(tmp_path, "35_notebook.ipynb")[0]))
    [figure] = [o for o in third.outputs if o.output_type == "display_data"]
    assert "image/svg+xml" in figure.data
    assert db.events() == ["True"]
