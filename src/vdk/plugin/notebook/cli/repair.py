"""`vdk repair`: run again only what a job's last local run left undone, or the steps chosen.

The plan (job/run_record.py: `repair_plan`, the same function JupyterLab's Repair run shows) is
printed first; the job then runs through vdk-core's own `run` command, with the same
configuration, hooks, job_input, exit codes and error classification as `vdk run`. The plan
goes to the run through vdk-core's state store, and the steps it skips are taken out of the run
when the job starts (vdk_run/run_recording.py), so VDK's step summary lists them as skipped.
"""
from __future__ import annotations

import json
import pathlib
from typing import Any
from typing import Optional

import click

from vdk.plugin.notebook.job.repair_plan import PlanError
from vdk.plugin.notebook.job.repair_plan import RepairBusy
from vdk.plugin.notebook.job.repair_plan import UnknownStep
from vdk.plugin.notebook.job.repair_plan import repair_lock
from vdk.plugin.notebook.job.repair_plan import repair_plan


@click.command(
    name="repair",
    help="Run a data job again from where its last local run failed: from the first step that "
    "failed, or changed since it last succeeded, and every step after it; the steps before it "
    "are skipped, their data left as they wrote it. The plan (each step: run or skip, and why) "
    "is printed first.\n\n"
    "\b\nExamples:\n"
    "  vdk repair my-job --dry-run          # show the plan, run nothing\n"
    "  vdk repair my-job                    # repair the last run\n"
    "  vdk repair my-job --from-step 30_model.ipynb\n"
    "  vdk repair my-job --step 20_clean.ipynb --step 40_publish.sql\n\n"
    "Steps that a repair runs again should be safe to run twice: see docs/repair.md.",
)
@click.argument("data_job_directory",
                type=click.Path(exists=True, file_okay=False, dir_okay=True, resolve_path=True))
@click.option("--arguments", type=click.STRING, required=False,
              help="Job arguments as JSON, as for vdk run. Arguments that differ from the last "
              "run's count as a change of every step.")
@click.option("--from-step", "from_step", metavar="STEP",
              help="Run STEP and every step after it (a file name, such as 30_model.ipynb).")
@click.option("--step", "steps", metavar="STEP", multiple=True,
              help="Run only this step; repeat for more.")
@click.option("--dry-run", is_flag=True, help="Print the plan and run nothing.")
@click.pass_context
def repair(ctx: click.Context, data_job_directory: str, arguments: Optional[str],
           from_step: Optional[str], steps: tuple[str, ...], dry_run: bool) -> None:
    job_dir = pathlib.Path(data_job_directory)
    values = _arguments(arguments)
    if arguments is None:
        # Started from JupyterLab: the arguments came in a file, not on the command line
        # (vdk_run/arguments_file.py, loaded at start when the server named one).
        from vdk.plugin.notebook.vdk_run import arguments_file

        if arguments_file.given():
            values = arguments_file.value()
    if dry_run:  # reads only: never refused because a repair is going on
        click.echo(_plan(job_dir, values, from_step, steps).text())
        return
    try:
        with repair_lock(job_dir):
            plan = _plan(job_dir, values, from_step, steps)
            click.echo(plan.text())
            if not plan.to_run:
                return
            _run(ctx, job_dir, arguments, plan.as_json())
    except RepairBusy as e:
        raise click.ClickException(str(e)) from None


def _plan(job_dir: pathlib.Path, values: Any, from_step: Optional[str], steps: tuple[str, ...]):
    try:
        return repair_plan(job_dir, values, from_step, steps)
    except UnknownStep as e:
        raise click.BadParameter(str(e), param_hint="'--from-step'" if from_step else "'--step'") from None
    except PlanError as e:
        raise click.ClickException(str(e)) from None


def _arguments(text: Optional[str]) -> Any:
    """Parsed as vdk run parses them; vdk run itself reports bad JSON the same way."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        raise click.BadParameter(f"not valid JSON ({e}): {text}", param_hint="'--arguments'") from None


def _run(ctx: click.Context, job_dir: pathlib.Path, arguments: Optional[str], plan: dict) -> None:
    """vdk-core's own `run` command, as `vdk run` would invoke it, with the plan in its state."""
    from vdk.plugin.notebook.vdk_run.state_keys import set_repair_plan

    root = ctx.find_root()
    run_command = root.command.get_command(root, "run") if isinstance(root.command, click.Group) else None
    if run_command is None:
        raise click.ClickException("vdk-core's run command is not available in this vdk.")
    set_repair_plan(ctx.obj, plan)
    ctx.invoke(run_command, data_job_directory=str(job_dir), arguments=arguments)
