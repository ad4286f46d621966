"""The HTTP handlers behind JupyterLab's `Deploy data job` and `Show data jobs` (docs/deploy-api.md).

On jupyter_server's APIHandler, so Jupyter's own token and XSRF checks apply. Each handler
parses the request and shapes the answer; the work is in vdk.plugin.notebook.deploy, shared
with `%vdk deploy` and `%vdk jobs`. Control Service calls block (uploads, the client's retries),
so they run on threads of their own (service_pool.py), bounded in time (control_service.py),
and the server stays responsive.

Registered under `<base_url>vdk-jupyter/` by the server extension (`deploy_handlers(root)`);
requests and refusals are handled as for the rest of the API (handlers.ApiHandler, paths).
"""
from __future__ import annotations

import asyncio
import datetime
import pathlib
from typing import Any
from typing import Callable

import tornado.web

from vdk.plugin.notebook.job.folder import job_folder_of
from vdk.plugin.notebook.server.handlers import ApiHandler
from vdk.plugin.notebook.server.paths import ApiError
from vdk.plugin.notebook.server.paths import resolve
from vdk.plugin.notebook.server.service_pool import PoolBusy
from vdk.plugin.notebook.server.service_pool import service_pool

_NAME = r"([a-z][a-z0-9-]*)"
_TEAM = r"([^/]+)"
_EXECUTION = r"([^/]+)"
_SECRET = r"([^/]+)"


class _Handler(ApiHandler):
    def initialize(self, root: pathlib.Path) -> None:
        self.root = root

    def json_body(self) -> dict[str, Any]:
        body = self.body() or {}
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        return body

    async def call(self, work: Callable[[], Any], local: bool = False) -> Any:
        """`work` on a thread: one of the Control Service's own (service_pool.py), or for
        `local` work (reading the job folder) one of the server's; Control Service failures
        become one-line answers."""
        from vdk.plugin.notebook.deploy.control_service import ControlServiceError
        from vdk.plugin.notebook.deploy.control_service import NotConfiguredError

        try:
            if local:
                return await asyncio.get_running_loop().run_in_executor(None, work)
            return await service_pool().run(work)
        except PoolBusy as e:
            raise ApiError(503, f"The Control Service is not answering fast enough: {e}. Try "
                                "again in a minute.", kind="busy") from None
        except NotConfiguredError as e:
            raise ApiError(503, str(e), kind="not-configured") from None
        except ControlServiceError as e:
            raise ApiError(502, str(e), kind="service", service_status=e.status) from None

    def job_folder(self, path: Any) -> pathlib.Path:
        """A job folder under the server root, from a path relative to it: the folder, or a
        notebook in it."""
        if not isinstance(path, str):
            raise ApiError(400, "'path' must be a string: the job folder or one of its "
                                 "notebooks, relative to the server root.")
        folder = job_folder_of(resolve(self.root, path))
        if folder is None:
            raise ApiError(400, f"{path!r} is not in a data job folder (a folder with a "
                                 "config.ini).", kind="job")
        return folder


class DeployHandler(_Handler):
    @tornado.web.authenticated
    async def post(self) -> None:
        from vdk.plugin.notebook.deploy.deployment import DeployRefused
        from vdk.plugin.notebook.deploy.deployment import plan_deploy
        from vdk.plugin.notebook.deploy.deployment import upload

        body = self.json_body()
        folder = self.job_folder(body.get("path"))
        unsaved = body.get("unsaved") or []
        if not isinstance(unsaved, list) or not all(isinstance(p, str) for p in unsaved):
            raise ApiError(400, "'unsaved' must be a list of notebook paths.")
        add = bool(body.get("add_requirement"))
        try:
            plan = await self.call(lambda: plan_deploy(folder, str(body.get("reason") or ""),
                                                       unsaved, add_requirement=add), local=True)
            deployed = await self.call(lambda: upload(plan))
        except DeployRefused as e:
            status = {"not-configured": 503, "service": 502}.get(e.kind, 400)
            raise ApiError(status, str(e), kind=e.kind, service_status=e.status) from None
        self.answer(200, {"job": deployed.name, "team": deployed.team,
                          "version": deployed.version, "created": deployed.created,
                          "url": deployed.url, "requirement_added": deployed.requirement_added,
                          "files": deployed.files, "message": deployed.message()})


class DeployFilesHandler(_Handler):
    """What a deploy of the job would upload, for the Deploy dialog to show before it."""

    @tornado.web.authenticated
    async def get(self) -> None:
        from vdk.plugin.notebook.deploy.job_package import PackageProblem
        from vdk.plugin.notebook.deploy.job_package import job_files
        from vdk.plugin.notebook.deploy.schedule import config_schedule
        from vdk.plugin.notebook.deploy.schedule import summary

        folder = self.job_folder(self.get_query_argument("path", None))

        def work() -> dict[str, Any]:
            found = job_files(folder)
            now = datetime.datetime.now(datetime.timezone.utc)
            return {"job": folder.name, "files": [f.name for f in found.files],
                    "left_out": found.left_out,
                    "schedule": summary(config_schedule(folder), now)}

        try:
            self.answer(200, await self.call(work, local=True))
        except PackageProblem as e:
            raise ApiError(400, str(e), kind=e.kind) from None


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
                raise ApiError(400, "Give 'team', or 'path' of a job whose config.ini "
                                     "names its team.")
            folder = self.job_folder(path)
            team = await self.call(lambda: job_team(folder), local=True)
            if not team:
                raise ApiError(400, "The job's config.ini names no team ([owner] team = "
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


class ExecutionHandler(_Handler):
    @tornado.web.authenticated
    async def delete(self, team: str, name: str, execution_id: str) -> None:
        """Cancels the execution (the service refuses one that has finished), then answers
        it as it reads afterwards."""
        from vdk.plugin.notebook.deploy.control_service import ControlService
        from vdk.plugin.notebook.deploy.jobs_view import execution_row

        def work() -> dict[str, Any]:
            service = ControlService()
            service.cancel(team, name, execution_id)
            return execution_row(service.execution(team, name, execution_id))

        self.answer(200, {"team": team, "job": name, "execution": await self.call(work)})


class LogsHandler(_Handler):
    @tornado.web.authenticated
    async def get(self, team: str, name: str, execution_id: str) -> None:
        """The execution and its logs: the service's text while it keeps one (`logs`), else
        null, with `logs_url` where the service links them elsewhere."""
        from vdk.plugin.notebook.deploy.control_service import ControlService
        from vdk.plugin.notebook.deploy.jobs_view import execution_row

        def work() -> dict[str, Any]:
            service = ControlService()
            # The status first: logs read after it are at least as new as the status says.
            execution = execution_row(service.execution(team, name, execution_id))
            return {"team": team, "job": name, "execution": execution,
                    "logs": service.logs(team, name, execution_id),
                    "logs_url": execution["logs_url"]}

        self.answer(200, await self.call(work))


class PropertiesHandler(_Handler):
    @tornado.web.authenticated
    async def get(self, team: str, name: str) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService

        found = await self.call(lambda: ControlService().properties(team, name))
        self.answer(200, {"team": team, "job": name, "properties": found})

    @tornado.web.authenticated
    async def put(self, team: str, name: str) -> None:
        """Replaces all properties with `properties`, a JSON object."""
        from vdk.plugin.notebook.deploy.control_service import ControlService

        properties = self.json_body().get("properties")
        if not isinstance(properties, dict):
            raise ApiError(400, "'properties' must be a JSON object of property names to "
                                 "values.")
        if any(not key.strip() for key in properties):
            raise ApiError(400, "A property name cannot be empty.")
        await self.call(lambda: ControlService().set_properties(team, name, properties))
        self.answer(200, {"team": team, "job": name, "properties": properties})


class SecretsHandler(_Handler):
    """The names of a job's secrets; a value goes to the service and never comes back."""

    @tornado.web.authenticated
    async def get(self, team: str, name: str) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService

        names = await self.call(lambda: ControlService().secret_names(team, name))
        self.answer(200, {"team": team, "job": name, "names": names})


class SecretHandler(_Handler):
    @tornado.web.authenticated
    async def put(self, team: str, name: str, key: str) -> None:
        value = self.json_body().get("value")
        if not isinstance(value, str) or not value:
            raise ApiError(400, "'value' must be a non-empty string.")
        await self._set(team, name, key, value)

    @tornado.web.authenticated
    async def delete(self, team: str, name: str, key: str) -> None:
        await self._set(team, name, key, None)

    async def _set(self, team: str, name: str, key: str, value: Any) -> None:
        """Sets (None: deletes) the secret; answers the names the job has afterwards."""
        from vdk.plugin.notebook.deploy.control_service import ControlService

        def work() -> list[str]:
            service = ControlService()
            service.set_secret(team, name, key, value)
            return service.secret_names(team, name)

        self.answer(200, {"team": team, "job": name, "names": await self.call(work)})


class DeploymentHandler(_Handler):
    @tornado.web.authenticated
    async def patch(self, team: str, name: str) -> None:
        from vdk.plugin.notebook.deploy.control_service import ControlService

        enabled = self.json_body().get("enabled")
        if not isinstance(enabled, bool):
            raise ApiError(400, "'enabled' must be true or false.")
        await self.call(lambda: ControlService().set_enabled(team, name, enabled))
        self.answer(200, {"team": team, "job": name, "enabled": enabled})


def deploy_handlers(root: pathlib.Path) -> list[tuple[str, type, dict]]:
    """(pattern relative to `<base_url>vdk-jupyter/`, handler, options) for each endpoint."""
    options = {"root": root}
    job = f"deployed-jobs/{_TEAM}/{_NAME}"
    return [("deploy", DeployHandler, options),
            ("deploy/files", DeployFilesHandler, options),
            ("deployed-jobs", JobsHandler, options),
            (f"{job}/executions", ExecutionsHandler, options),
            (f"{job}/executions/{_EXECUTION}", ExecutionHandler, options),
            (f"{job}/executions/{_EXECUTION}/logs", LogsHandler, options),
            (f"{job}/properties", PropertiesHandler, options),
            (f"{job}/secrets", SecretsHandler, options),
            (f"{job}/secrets/{_SECRET}", SecretHandler, options),
            (f"{job}/deployment", DeploymentHandler, options)]
