"""The HTTP handlers behind JupyterLab's `Deploy data job` and `Show data jobs` (DEPLOY_API.md).

On jupyter_server's APIHandler, so Jupyter's own token and XSRF checks apply. Each handler
parses the request and shapes the answer; the work is in vdk.plugin.notebook.deploy, shared
with `%vdk deploy` and `%vdk jobs`. Control Service calls block (uploads, the client's retries),
so they run on a worker thread and the server stays responsive.

Registered under `<base_url>vdk-jupyter/` by `deploy_handlers(root)`; until the main server
extension registers them, this module is a Jupyter server extension of its own as well.
"""
from __future__ import annotations

import asyncio
import json
import pathlib
from typing import Any
from typing import Callable

import tornado.web
from jupyter_server.base.handlers import APIHandler

URL_PREFIX = "vdk-jupyter"
_NAME = r"([a-z][a-z0-9-]*)"
_TEAM = r"([^/]+)"


class DeployApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.answer = {"message": message, **extra}


class _Handler(APIHandler):
    def initialize(self, root: pathlib.Path) -> None:
        self.root = root

    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError as e:
            raise DeployApiError(400, f"The request body is not valid JSON: {e}.") from None
        if not isinstance(body, dict):
            raise DeployApiError(400, "The request body must be a JSON object.")
        return body

    async def call(self, work: Callable[[], Any]) -> Any:
        """`work` on a worker thread; Control Service failures become one-line answers."""
        from vdk.plugin.notebook.deploy.control_service import ControlServiceError
        from vdk.plugin.notebook.deploy.control_service import NotConfiguredError

        try:
            return await asyncio.get_running_loop().run_in_executor(None, work)
        except NotConfiguredError as e:
            raise DeployApiError(503, str(e), kind="not-configured") from None
        except ControlServiceError as e:
            raise DeployApiError(502, str(e), kind="service", service_status=e.status) from None

    def answer(self, status: int, value: Any) -> None:
        self.set_status(status)
        self.finish(json.dumps(value))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, DeployApiError):
            answer = error.answer
        else:
            answer = {"message": f"Internal error ({self._reason}); the server log has details."}
        self.finish(json.dumps(answer))

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, DeployApiError):
            status_code = error.status
        super().send_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, DeployApiError):  # refused, and answered with its message
            self.log.info("vdk-jupyter: %s %s -> %d %s", self.request.method, self.request.path,
                          value.status, value.answer["message"])
            return
        super().log_exception(typ, value, tb)

    def job_folder(self, path: Any) -> pathlib.Path:
        """A job folder under the server root, from a path relative to it: the folder, or a
        notebook in it."""
        if not isinstance(path, str):
            raise DeployApiError(400, "'path' must be a string: the job folder or one of its "
                                 "notebooks, relative to the server root.")
        relative = pathlib.PurePosixPath(path.replace("\\", "/"))
        if relative.is_absolute() or ".." in relative.parts or "\0" in path:
            raise DeployApiError(403, f"'path' must be relative to the server root, without "
                                 f"'..': {path!r}.")
        absolute = (self.root / relative).resolve()
        if absolute != self.root and self.root not in absolute.parents:
            raise DeployApiError(403, f"'path' leads outside the server root: {path!r}.")
        folder = absolute if absolute.is_dir() else absolute.parent
        if not (folder / "config.ini").is_file():
            raise DeployApiError(400, f"{path!r} is not in a data job folder (a folder with a "
                                 "config.ini).", kind="job")
        return folder


class DeployHandler(_Handler):
    @tornado.web.authenticated
    async def post(self) -> None:
        from vdk.plugin.notebook.deploy.deployment import DeployRefused
        from vdk.plugin.notebook.deploy.deployment import deploy_job
        from vdk.plugin.notebook.deploy.job_package import add_to_requirements

        body = self.json_body()
        folder = self.job_folder(body.get("path"))
        unsaved = body.get("unsaved") or []
        if not isinstance(unsaved, list) or not all(isinstance(p, str) for p in unsaved):
            raise DeployApiError(400, "'unsaved' must be a list of notebook paths.")
        added = bool(body.get("add_requirement")) and add_to_requirements(folder)
        try:
            deployed = await self.call(
                lambda: deploy_job(folder, str(body.get("reason") or ""), unsaved))
        except DeployRefused as e:
            status = {"not-configured": 503, "service": 502}.get(e.kind, 400)
            raise DeployApiError(status, str(e), kind=e.kind, service_status=e.status) from None
        self.answer(200, {"job": deployed.name, "team": deployed.team,
                          "version": deployed.version, "created": deployed.created,
                          "url": deployed.url, "requirement_added": added,
                          "message": deployed.message()})


class JobsHandler(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService
        from vdk.plugin.notebook.deploy.control_service import job_team
        from vdk.plugin.notebook.deploy.jobs_view import job_row

        team = self.get_query_argument("team", None)
        path = self.get_query_argument("path", None)
        if not team:
            if path is None:
                raise DeployApiError(400, "Give 'team', or 'path' of a job whose config.ini "
                                     "names its team.")
            folder = self.job_folder(path)
            team = await self.call(lambda: job_team(folder))
            if not team:
                raise DeployApiError(400, "The job's config.ini names no team ([owner] team = "
                                     "...): give 'team'.", kind="team")

        def work() -> dict[str, Any]:
            service = ControlService()
            return {"team": team, "url": service.url,
                    "jobs": [job_row(job) for job in service.list_jobs(team)]}

        self.answer(200, await self.call(work))


class ExecutionsHandler(_Handler):
    @tornado.web.authenticated
    async def get(self, team: str, name: str) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService
        from vdk.plugin.notebook.deploy.jobs_view import execution_row

        executions = await self.call(lambda: ControlService().executions(team, name))
        self.answer(200, {"team": team, "job": name,
                          "executions": [execution_row(e) for e in executions]})

    @tornado.web.authenticated
    async def post(self, team: str, name: str) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService

        execution_id = await self.call(lambda: ControlService().execute(team, name))
        self.answer(202, {"team": team, "job": name, "execution_id": execution_id})


class DeploymentHandler(_Handler):
    @tornado.web.authenticated
    async def patch(self, team: str, name: str) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService

        enabled = self.json_body().get("enabled")
        if not isinstance(enabled, bool):
            raise DeployApiError(400, "'enabled' must be true or false.")
        await self.call(lambda: ControlService().set_enabled(team, name, enabled))
        self.answer(200, {"team": team, "job": name, "enabled": enabled})


def deploy_handlers(root: pathlib.Path) -> list[tuple[str, type, dict]]:
    """(pattern relative to `<base_url>vdk-jupyter/`, handler, options) for each endpoint."""
    options = {"root": root}
    job = f"deployed-jobs/{_TEAM}/{_NAME}"
    return [("deploy", DeployHandler, options),
            ("deployed-jobs", JobsHandler, options),
            (f"{job}/executions", ExecutionsHandler, options),
            (f"{job}/deployment", DeploymentHandler, options)]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "vdk.plugin.notebook.jupyter.server_deploy"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    import os

    from jupyter_server.utils import url_path_join

    root = pathlib.Path(os.path.expanduser(serverapp.root_dir)).resolve()
    base = url_path_join(serverapp.web_app.settings["base_url"], URL_PREFIX)
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base, pattern), handler, options)
                                           for pattern, handler, options in deploy_handlers(root)])
