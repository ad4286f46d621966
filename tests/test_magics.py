"""Cells written with IPython syntax run as they do in Jupyter, in the job's process and namespace;
package installs are refused; plain-Python notebooks never import IPython."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record

SAVE = "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{value}')\")"


def save(expression: str) -> str:
    """A cell line that records the value of `expression`, as computed in the notebook."""
    return f"value = {expression}\n" + SAVE


def test_magics_and_shell_lines_run_in_the_notebooks_namespace(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_magics.ipynb", [
        code("%time a = 1 + 1"),
        code(save("a")),
        code("%%time\nb = a * 10"),
        code(save("b")),
        code("%%capture captured\nprint('captured text')"),
        code(save("captured.stdout.strip()")),
        code("!echo shell ran > shell.txt\n" + save("open('shell.txt').read().strip()")),
        code("lines = !echo hi\n" + save("lines[0]")),
        code("name = 'python'\ngreeting = !echo hello {name}\n" + save("greeting[0]")),
        code("%%bash\necho from bash > bash.txt"),
        code(save("open('bash.txt').read().strip()")),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["2", "20", "captured text", "shell ran", "hi", "hello python", "from bash"]


def test_the_jupyter_extensions_own_lines_are_harmless(job, run_job, db):
    # In Jupyter they give the kernel a job_input; under vdk run the notebook has the run's.
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [
        code("%load_ext vdk.plugin.notebook\n" + record("after load_ext")),
        code("%reload_ext vdk.plugin.notebook\n" + record("after reload_ext")),
        code("%vdk\n%vdk --arguments '{\"day\": \"2024-01-01\"}'\n" + record("after %vdk")),
        code(record("same job_input") + "\nassert job_input.get_name() == 'my-job'"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["after load_ext", "after reload_ext", "after %vdk", "same job_input"]
    assert (
        "20_nb.ipynb, code cell 3, line 2: `%vdk --arguments '{\"day\": \"2024-01-01\"}'` is for "
        "Jupyter and is ignored by vdk run" in outcome.output
    )


@pytest.mark.parametrize("line", [
    "%pip install requests",
    "%pip install -q requests==2.31",
    "!pip install requests",
    "!pip3 install requests",
    "!pip3.11 install requests",
    "!uv pip install requests",
    "!{sys.executable} -m pip install requests",
    "!python -m pip install requests",
    "%conda install requests",
    "pip install --user requests",  # in a %%bash cell
])
def test_installing_packages_fails_before_any_step_with_a_pointer_to_requirements(job, run_job, db, line):
    job.sql("10_create.sql", CREATE_EVENTS)
    first = "%%bash" if line.startswith("pip") else "import os"
    job.notebook("20_nb.ipynb", [code("x = 1"), code(f"{first}\n{line}", cell_id="installs")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "events" not in db.tables(), "the .sql step before the notebook must not have run"
    assert "requirements.txt" in outcome.output
    assert "20_nb.ipynb, code cell 2 (id installs), line 2" in outcome.output
    assert line in outcome.output
    assert outcome.status == "User error"


def test_old_plugins_vdkingest_cells_fail_before_any_step_saying_what_instead(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [
        code("x = 1"),
        code("\n%%vdkingest\n[[flows]]\nname = 'rest'", cell_id="ingest"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "events" not in db.tables(), "the .sql step before the notebook must not have run"
    assert "%%vdkingest cells of the old vdk-notebook plugin are not supported" in outcome.output
    assert "20_nb.ipynb, code cell 2 (id ingest), line 2" in outcome.output
    assert "job_input.send_object_for_ingestion" in outcome.output
    assert outcome.status == "User error"


def test_install_lines_in_cells_left_out_do_not_matter(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [
        code("%pip install requests", tags=["non-vdk"]),
        code("# non-vdk\n!pip install requests"),
        code("%pip list > /dev/null\n" + record("listing is not installing")),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["listing is not installing"]


def run_vdk(job, env: dict) -> subprocess.CompletedProcess:
    vdk = os.path.join(os.path.dirname(sys.executable), "vdk")
    return subprocess.run(
        [vdk, "run", str(job)], env=env, cwd=job.path.parent, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("cell, imported", [
    ("%load_ext vdk.plugin.notebook\nx = [i * 2 for i in range(3)]", ""),
    ("x = 1\n# %time and !ls in a comment or 'a %string' are not magics\ns = '!ls'", ""),
    ("%time x = 1", "IPython"),
], ids=["plain python with load_ext", "percent signs in comments", "line magic"])
def test_only_notebooks_that_use_ipython_syntax_import_ipython(job, db, tmp_path, cell, imported):
    # A real process: in-process runs share sys.modules with pytest and other tests. A notebook
    # as Jupyter saves it is read without nbformat either (its import alone costs ~0.06 s).
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [code(cell), code(record("notebook ran"))])
    job.py("30_check.py", "import sys\n" + save("' '.join(m for m in ('IPython', 'nbformat') if m in sys.modules)"))
    result = run_vdk(job, dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr
    assert db.events() == ["notebook ran", imported]


def test_errors_that_ipython_only_shows_fail_the_cell_unless_jupyter_goes_on_too(job, run_job, db):
    # %run shows a failing script's error and carries on; a job must not.
    script = job.file("failing_script.py", "raise ValueError('the script failed')\n")
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [code(record("before")), code(f"%run {script}\n" + record("after"))])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "the script failed" in outcome.output, outcome.output
    assert db.events() == ["before"]


def test_a_value_ipython_cannot_display_does_not_fail_the_job(job, run_job, db):
    # Jupyter shows the formatter's error and goes on: so does the job.
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [code(
        "class Odd:\n"
        "    def _repr_html_(self):\n"
        "        raise ValueError('no html for you')\n"
        "%time odd = Odd()\n"
        "from IPython.display import display\n"
        "display(odd)\n" + record("displayed")
    )])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["displayed"]


@pytest.mark.parametrize("cell", [
    "%%capture out\njob_input.skip_remaining_steps()",
    "%time job_input.skip_remaining_steps()",
])
def test_skip_remaining_steps_inside_a_magic_still_stops_the_job_successfully(job, run_job, db, cell):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [code(record("before")), code(cell), code(record("next cell"))])
    job.py("30_next.py", record("next step"))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert outcome.status == "Success"
    assert db.events() == ["before"]
