"""Deploying a notebook job, in the order that loses nothing: the Control Service setting first
(so a missing one is said at once, before anything runs), then every check of the job, then the
job registered if new, then the stripped copy uploaded. Shared by `%vdk deploy` and the
JupyterLab Deploy command, so both refuse and succeed alike."""
from __future__ import annotations

import logging
import pathlib
import tempfile
from typing import Iterable
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.deploy.control_service import ControlService
from vdk.plugin.notebook.deploy.control_service import ControlServiceError
from vdk.plugin.notebook.deploy.control_service import configured_url
from vdk.plugin.notebook.deploy.control_service import job_team
from vdk.plugin.notebook.deploy.job_package import CheckedJob
from vdk.plugin.notebook.deploy.job_package import PackageProblem
from vdk.plugin.notebook.deploy.job_package import add_to_requirements
from vdk.plugin.notebook.deploy.job_package import check_job
from vdk.plugin.notebook.deploy.job_package import job_files
from vdk.plugin.notebook.deploy.job_package import stripped_copy

log = logging.getLogger(__name__)


class DeployRefused(Exception):
    """The job was not deployed; nothing was uploaded. `kind`: "not-configured", "job",
    "unsaved", "requirements", "notebook", "team", or "service" (the service said no)."""

    def __init__(self, kind: str, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.kind = kind
        self.status = status


class Deployed(NamedTuple):
    name: str
    team: str
    version: str
    created: bool  # the job did not exist in the Control Service before
    url: str
    files: list  # names of the uploaded files, relative to the job folder
    requirement_added: bool = False
    added_lines: tuple = ()  # the lines added to requirements.txt

    def message(self) -> str:
        new = " (new job, created in the Control Service)" if self.created else ""
        changed = (f"{', '.join(self.added_lines)} added to its requirements.txt; your other "
                   "files are unchanged." if self.requirement_added else
                   "your files are unchanged.")
        return (f"Deployed data job {self.name!r} of team {self.team!r}{new}, version "
                f"{self.version or '?'}, to {self.url}: the Control Service now builds it; its "
                f"next execution runs this version. {len(self.files)} files were uploaded "
                "(see .vdkignore for what is left out), notebooks without outputs or execution "
                f"counts; {changed}")


class DeployPlan(NamedTuple):
    """A deployment that passed every local check: only the Control Service can refuse it."""

    job: CheckedJob
    team: str
    url: str
    reason: str
    add_requirement: bool


def deploy_job(job_dir: pathlib.Path, reason: str, unsaved: Iterable[str] = (),
               url: Optional[str] = None, add_requirement: bool = False) -> Deployed:
    """Deploys the job in `job_dir` as `vdk deploy` would, after the checks of check_job.
    Raises DeployRefused with one message; nothing is uploaded then. `add_requirement`: add
    the plugin to requirements.txt when missing, done only once every check passed and the
    Control Service answered, so a refused deploy changes no file."""
    return upload(plan_deploy(job_dir, reason, unsaved, url, add_requirement))


def plan_deploy(job_dir: pathlib.Path, reason: str, unsaved: Iterable[str] = (),
                url: Optional[str] = None, add_requirement: bool = False) -> DeployPlan:
    """The local part of deploy_job: every check that needs no Control Service (a server
    runs it apart from the calls that wait on the service). Changes nothing."""
    try:
        url = url or configured_url()
    except ControlServiceError as e:
        raise DeployRefused("not-configured", str(e)) from None
    if not reason or not reason.strip():
        raise DeployRefused("job", "Give a reason for the deployment (it is kept with the "
                            "job's version history), for example --reason \"first version\".")
    try:
        job = check_job(pathlib.Path(job_dir), unsaved, adding_requirement=add_requirement)
        team = job_team(job.directory)
    except PackageProblem as e:
        raise DeployRefused(e.kind, f"{e} Nothing was uploaded.") from None
    except ControlServiceError as e:
        raise DeployRefused("job", f"{e} Nothing was uploaded.") from None
    if not team:
        raise DeployRefused("team", "config.ini of the job names no team ([owner] team = ...): "
                            "the Control Service keeps every job under a team. Add it, then "
                            "deploy. Nothing was uploaded.")
    return DeployPlan(job, team, url, reason.strip(), add_requirement)


def upload(plan: DeployPlan) -> Deployed:
    """The Control Service part of deploy_job: the job registered if new, requirements.txt
    completed if agreed (only now that the service answered), the stripped copy uploaded."""
    job, team, url = plan.job, plan.team, plan.url
    try:
        service = ControlService(url)
        created = not service.job_exists(team, job.name)
        requirements = job.directory / "requirements.txt"
        before = len(requirements.read_text(encoding="utf-8").splitlines()) \
            if requirements.is_file() else 0
        try:
            added = plan.add_requirement and add_to_requirements(job.directory)
            if added:  # listed again: requirements.txt may be new
                job = job._replace(files=job_files(job.directory))
        except (PackageProblem, OSError) as e:
            raise DeployRefused("requirements", f"{e} Nothing was uploaded.") from None
        if created:
            service.create_job(team, job.name)
        with tempfile.TemporaryDirectory(prefix="vdk-deploy-") as folder:
            try:
                copy = stripped_copy(job, pathlib.Path(folder))
            except OSError as e:  # a file removed or replaced since the checks
                raise DeployRefused("files", f"A file of the job changed while it was being "
                                    f"deployed ({e}). Deploy again. Nothing was uploaded.") \
                    from None
            version = service.deploy(team, job.name, copy, plan.reason)
    except ControlServiceError as e:
        raise DeployRefused("service", str(e), e.status) from None
    lines = tuple(line.strip() for line in requirements.read_text(encoding="utf-8")
                  .splitlines()[before:]) if added else ()
    deployed = Deployed(job.name, team, version, created, url,
                        [f.name for f in job.files.files], added, lines)
    log.info(deployed.message())
    return deployed
