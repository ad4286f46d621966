"""`%vdk deploy` and `%vdk jobs`: deploying and watching the deployed jobs from a cell.

Kept apart from the IPython extension, which only hands `%vdk deploy ...` / `%vdk jobs ...`
lines here, so the extension stays about the kernel's job_input.
"""
from __future__ import annotations

import argparse
import pathlib
import shlex
from typing import Optional

from IPython.core.error import UsageError

DEPLOY_HELP = """%vdk deploy --reason "why" [--path DIR] [--add-requirement]

Deploy the data job (the folder of job_input, or --path) to the VDK Control Service, as
`vdk deploy` does: checked first as `vdk run` checks it at start, created in the service if new
(name = folder name, team from config.ini), uploaded with all notebook outputs stripped.
It uploads the files as saved on disk: save this notebook first, since a cell cannot see
unsaved changes in the editor. --add-requirement adds vdk-jupyter to requirements.txt when
missing (the cloud installs only what that file lists)."""

JOBS_HELP = """%vdk jobs [--team TEAM] [--job NAME] [--execute NAME] [--enable NAME] [--disable NAME]

List the team's deployed jobs (team from the job's config.ini, or --team): deployment, enabled,
schedule, last execution. --job NAME shows its recent executions and their logs links;
--execute NAME starts it now; --enable/--disable NAME switch its schedule on or off."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit the kernel's process
        raise UsageError(f"{self.prog}: {message}. See {self.prog} --help.")


def _deploy_parser() -> _Parser:
    parser = _Parser(prog="%vdk deploy", add_help=False)
    parser.add_argument("--reason", "-r")
    parser.add_argument("--path")
    parser.add_argument("--add-requirement", action="store_true")
    parser.add_argument("--help", "-h", action="store_true")
    return parser


def _jobs_parser() -> _Parser:
    parser = _Parser(prog="%vdk jobs", add_help=False)
    parser.add_argument("--team", "-t")
    parser.add_argument("--path")
    group = parser.add_mutually_exclusive_group()
    for option in ("--job", "--execute", "--enable", "--disable"):
        group.add_argument(option, metavar="NAME")
    parser.add_argument("--help", "-h", action="store_true")
    return parser


def vdk_deploy(line: str, job_directory: pathlib.Path) -> None:
    args = _arguments(_deploy_parser(), line, DEPLOY_HELP)
    if args is None:
        return
    from vdk.plugin.notebook.deploy.deployment import DeployRefused
    from vdk.plugin.notebook.deploy.deployment import deploy_job

    folder = _folder(args.path, job_directory)
    print("Deploying the files as saved on disk (save this notebook first: a cell cannot see "
          "unsaved changes in the editor).")
    try:
        deployed = deploy_job(folder, args.reason or "", add_requirement=args.add_requirement)
    except DeployRefused as e:
        hint = " Or rerun with --add-requirement to add it." if e.kind == "requirements" else ""
        raise UsageError(f"Not deployed. {e}{hint}") from None
    if deployed.requirement_added:
        print(f"Added {', '.join(deployed.added_lines)} to {folder / 'requirements.txt'}.")
    print(deployed.message())


def vdk_jobs(line: str, job_directory: pathlib.Path) -> None:
    args = _arguments(_jobs_parser(), line, JOBS_HELP)
    if args is None:
        return
    from vdk.plugin.notebook.deploy.control_service import ControlService
    from vdk.plugin.notebook.deploy.control_service import ControlServiceError
    from vdk.plugin.notebook.deploy.control_service import job_team
    from vdk.plugin.notebook.deploy import jobs_view

    folder = _folder(args.path, job_directory)
    try:
        service = ControlService()
        team = args.team or job_team(folder)
        if not team:
            raise UsageError(f"Which team? {folder / 'config.ini'} names none ([owner] team = "
                             "...): give --team TEAM.")
        if args.execute:
            execution = service.execute(team, args.execute)
            print(f"Started data job {args.execute!r}: execution {execution}. "
                  f"`%vdk jobs --job {args.execute}` shows how it goes.")
        elif args.enable or args.disable:
            name = args.enable or args.disable
            service.set_enabled(team, name, bool(args.enable))
            print(f"Data job {name!r} is now {'enabled' if args.enable else 'disabled'}.")
        elif args.job:
            rows = [jobs_view.execution_row(e) for e in service.executions(team, args.job)]
            print(f"Executions of data job {args.job!r} (team {team!r}), newest first, at "
                  f"{service.url}:")
            _show(jobs_view.executions_table(rows) if rows else "none yet.")
        else:
            rows = [jobs_view.job_row(job) for job in service.list_jobs(team)]
            print(f"Data jobs of team {team!r} at {service.url}:")
            _show(jobs_view.jobs_table(rows) if rows else "none.")
    except ControlServiceError as e:
        raise UsageError(str(e)) from None


def _arguments(parser: _Parser, line: str, help_text: str) -> Optional[argparse.Namespace]:
    """The options of the line, split as a shell splits them; None after showing --help."""
    try:
        argv = shlex.split(line)
    except ValueError as e:
        raise UsageError(f"%vdk: {e} in: {line}") from None
    args = parser.parse_args(argv)
    if args.help:
        print(help_text)
        return None
    return args


def _folder(path: Optional[str], default: pathlib.Path) -> pathlib.Path:
    if path is None:
        return default
    folder = pathlib.Path(path).expanduser()
    folder = (folder if folder.is_absolute() else pathlib.Path.cwd() / folder).resolve()
    if not folder.is_dir():
        raise UsageError(f"--path: there is no folder {folder}.")
    return folder


def _show(table: str) -> None:
    """A table as a notebook shows it best (HTML, fitting the notebook's width), text elsewhere."""
    if not hasattr(table, "_repr_html_"):
        print(table)
        return
    from IPython.display import display

    display(table)
