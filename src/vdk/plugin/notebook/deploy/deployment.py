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
from vdk.plugin.notebook.deploy.job_package import PackageProblem
from vdk.plugin.notebook.deploy.job_package import check_job
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

    def message(self) -> str:
        new = " (new job, created in the Control Service)" if self.created else ""
        return (f"Deployed data job {self.name!r} of team {self.team!r}{new}, version "
                f"{self.version or '?'}, to {self.url}: the Control Service now builds it; its "
                "next execution runs this version. The uploaded copy has no notebook outputs or "
                "execution counts; your files are unchanged.")


def deploy_job(job_dir: pathlib.Path, reason: str, unsaved: Iterable[str] = (),
               url: Optional[str] = None) -> Deployed:
    """Deploys the job in `job_dir` as `vdk deploy` would, after the checks of check_job.
    Raises DeployRefused with one message; nothing is uploaded then."""
    try:
        url = url or configured_url()
    except ControlServiceError as e:
        raise DeployRefused("not-configured", str(e)) from None
    if not reason or not reason.strip():
        raise DeployRefused("job", "Give a reason for the deployment (it is kept with the "
                            "job's version history), for example --reason \"first version\".")
    try:
        job = check_job(pathlib.Path(job_dir), unsaved)
    except PackageProblem as e:
        raise DeployRefused(e.kind, f"{e} Nothing was uploaded.") from None
    team = job_team(job.directory)
    if not team:
        raise DeployRefused("team", "config.ini of the job names no team ([owner] team = ...): "
                            "the Control Service keeps every job under a team. Add it, then "
                            "deploy. Nothing was uploaded.")
    try:
        service = ControlService(url)
        created = not service.job_exists(team, job.name)
        if created:
            service.create_job(team, job.name)
        with tempfile.TemporaryDirectory(prefix="vdk-deploy-") as folder:
            copy = stripped_copy(job, pathlib.Path(folder))
            version = service.deploy(team, job.name, copy, reason.strip())
    except ControlServiceError as e:
        raise DeployRefused("service", str(e), e.status) from None
    deployed = Deployed(job.name, team, version, created, url)
    log.info(deployed.message())
    return deployed
