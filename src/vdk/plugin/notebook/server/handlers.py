"""The HTTP handlers of docs/http-api.md, on jupyter_server's APIHandler: Jupyter's own token and XSRF
checks apply to every request (`@authenticated`), there is no second authentication.

Each handler only parses the request and shapes the answer; the work is in plan.py, runs.py and
paths.py. Refusals are ApiError -> `{"message": ...}` with their status, never a traceback.
"""
from __future__ import annotations

import json
import pathlib
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler

from vdk.plugin.notebook.server.paths import DEPTH_LIMIT
from vdk.plugin.notebook.server.paths import ApiError
from vdk.plugin.notebook.server.paths import check_json
from vdk.plugin.notebook.server.paths import check_text
from vdk.plugin.notebook.server.paths import job_at
from vdk.plugin.notebook.server.paths import job_for_run
from vdk.plugin.notebook.server.paths import resolve
from vdk.plugin.notebook.server.plan import plan
from vdk.plugin.notebook.server.repair import plan_answer
from vdk.plugin.notebook.server.repair import plan_for
from vdk.plugin.notebook.server.repair import selection
from vdk.plugin.notebook.server.runs import Runs

LONG_POLL_SECONDS = 25.0


class ApiHandler(APIHandler):
    """Refusals (ApiError) answered as `{"message": ..., **extra}` with their status, and logged
    as one line; anything else as a short message, with the traceback in the server log."""

    def body(self) -> Any:
        try:
            value = json.loads(self.request.body or b"null")
        except RecursionError:
            raise ApiError(400, f"The request body is nested more than {DEPTH_LIMIT} levels "
                                "deep.") from None
        except ValueError as e:
            raise ApiError(400, f"The request body is not valid JSON: {e}.") from None
        check_json(value, "body")
        return value

    def prepare(self) -> Any:
        # Names in the URL (a team, a job) and its query, as text every later step can write.
        for value in list(self.path_kwargs.values()) + list(self.path_args):
            if isinstance(value, str):
                check_text(value, "URL")
        for name, values in self.request.query_arguments.items():
            for value in values:
                try:
                    check_text(value.decode("utf-8"), name)
                except UnicodeDecodeError:
                    raise ApiError(400, f"'{name}' is not UTF-8 text.") from None
        return super().prepare()

    def answer(self, status: int, value: Any) -> None:
        self.set_status(status)
        self.finish(json.dumps(value))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        extra: dict[str, Any] = {}
        if isinstance(error, ApiError):
            message, extra = error.message, error.extra
        elif isinstance(error, tornado.web.HTTPError) and error.log_message:
            message = error.log_message % error.args if error.args else error.log_message
        else:
            message = self._reason
        self.finish(json.dumps({"message": message, **extra}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, ApiError):  # a refused request, answered with its message
            self.log.info("vdk-jupyter: %s %s -> %d %s", self.request.method, self.request.path,
                          value.status, value.message)
            return
        super().log_exception(typ, value, tb)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, ApiError):
            status_code = error.status
        super().send_error(status_code, **kwargs)


class _Handler(ApiHandler):
    def initialize(self, root: pathlib.Path, runs: Runs) -> None:
        self.root = root
        self.runs = runs


class PlanHandler(_Handler):
    @tornado.web.authenticated
    def post(self) -> None:
        self.answer(200, plan(self.root, self.body()))


class RepairPlanHandler(_Handler):
    @tornado.web.authenticated
    def post(self) -> None:
        self.answer(200, plan_answer(self.root, self.body()))


class RunsHandler(_Handler):
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        if not isinstance(body, dict):
            raise ApiError(400, 'The body must be a JSON object: {"path": ..., "arguments": {...}}.')
        arguments = body.get("arguments")
        if arguments is not None and not isinstance(arguments, dict):
            raise ApiError(400, "'arguments' must be a JSON object such as {\"day\": \"2026-11-25\"}, "
                                f"not {_json_kind(arguments)}.")
        job = job_for_run(self.root, body.get("path"))
        repair = selection(body.get("repair"))
        if repair is not None:
            plan_for(job, arguments, repair)  # refused here, with its message, before any start
        run = await self.runs.start(job, arguments, repair)
        if run.database.message and job.directory not in self.runs.told:
            self.runs.told.add(job.directory)  # once per job in the server's log
            self.log.warning("vdk-jupyter: %s", run.database.message)
        self.answer(202, {"run_id": run.id, "job": job.as_json()})

    @tornado.web.authenticated
    def get(self) -> None:
        path = self.get_query_argument("path", None)
        job = job_for_run(self.root, path) if path is not None else None
        self.answer(200, {"runs": [run.summary() for run in self.runs.list(job)],
                          "interrupted": self.runs.interrupted_runs(job)})


class RunHandler(_Handler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        try:
            after = int(self.get_query_argument("after", "0"))
        except ValueError:
            raise ApiError(400, "'after' must be a whole number: the last seq received.") from None
        events = await run.events_after(after, LONG_POLL_SECONDS)
        self.answer(200, {"events": events, "done": run.done, "result": run.result})


class RunLogHandler(_Handler):
    @tornado.web.authenticated
    def get(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        self.finish(run.log_text(), set_content_type="text/plain; charset=utf-8")


class RunStopHandler(_Handler):
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        if run.done:
            raise ApiError(409, "The run has already ended.")
        self.answer(202, {"run_id": run.id, "stopping": True})
        await run.stop()


class RunReportHandler(_Handler):
    @tornado.web.authenticated
    def get(self, run_id: str) -> None:
        run = self.runs.get(run_id)
        name = self.get_query_argument("notebook", None)
        written = [e for e in run.events if e["type"] == "report"]
        reports = [e for e in written if e["notebook"] == name]
        if not reports:
            names = ", ".join(sorted({str(e["notebook"]) for e in written})) or "none"
            raise ApiError(404, f"Run {run_id} wrote no report for notebook {name!r} "
                                f"(reports of this run: {names}).")
        # Only the file the run said it wrote for one of its own notebook steps, by that name.
        steps = {e["step"] for e in run.events
                 if e["type"] == "step_started" and e["step_type"] == "notebook"}
        file = pathlib.Path(reports[-1]["file"])
        if file.name != name or name not in steps or file.suffix != ".ipynb":
            raise ApiError(404, f"Run {run_id} wrote no report for notebook {name!r}.")
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as e:
            raise ApiError(404, f"The report of {name} is no longer there ({e.strerror}).") from None
        self.finish(text)


class JobsHandler(_Handler):
    @tornado.web.authenticated
    def post(self) -> None:
        from vdk.plugin.notebook.job.template import InvalidJobName
        from vdk.plugin.notebook.job.template import create_job

        body = self.body()
        if not isinstance(body, dict):
            raise ApiError(400, 'The body must be a JSON object: {"parent": "", "name": "my-job"}.')
        parent = resolve(self.root, body.get("parent", ""), "parent")
        if not parent.is_dir():
            raise ApiError(404, f"There is no folder {body.get('parent')!r} under the server root.")
        team = body.get("team")
        try:
            folder = create_job(parent, body.get("name"), *(() if team is None else (team,)))
        except InvalidJobName as e:
            raise ApiError(400, str(e)) from None
        except FileExistsError:
            raise ApiError(409, f"{body.get('name')!r} already exists in "
                                f"{body.get('parent') or 'the server root'!r}: choose another name.") from None
        job = job_at(self.root, folder)
        notebook = "/".join(p for p in (job.path, "10_notebook.ipynb") if p)
        self.answer(201, {"job": job.as_json(), "notebook": notebook})


class TeamHandler(_Handler):
    """`GET team?path=`, `POST team`: the [owner] team of a job's config.ini (the deploy dialog
    shows it and lets it be changed)."""

    @tornado.web.authenticated
    def get(self) -> None:
        from vdk.plugin.notebook.job.template import read_team

        job = job_for_run(self.root, self.get_query_argument("path", ""))
        self.answer(200, {"job": job.name, "team": read_team(job.directory)})

    @tornado.web.authenticated
    def post(self) -> None:
        from vdk.plugin.notebook.job.template import InvalidJobName
        from vdk.plugin.notebook.job.template import set_team

        body = self.body()
        if not isinstance(body, dict) or not isinstance(body.get("team"), str):
            raise ApiError(400, 'The body must be a JSON object: {"path": "my-job", "team": "my-team"}.')
        job = job_for_run(self.root, body.get("path", ""))
        try:
            team = set_team(job.directory, body["team"])
        except InvalidJobName as e:
            raise ApiError(400, str(e)) from None
        except OSError as e:
            raise ApiError(500, f"The team could not be written to {job.path}/config.ini: {e.strerror}.") from None
        self.answer(200, {"team": team})


def _json_kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), "that")


def handlers(root: pathlib.Path, runs: Runs) -> list[tuple[str, type, dict]]:
    options = {"root": root, "runs": runs}
    run = r"runs/(?P<run_id>[0-9a-f]{32})"
    return [
        ("plan", PlanHandler, options),
        ("runs", RunsHandler, options),
        ("repair-plan", RepairPlanHandler, options),
        (run, RunHandler, options),
        (run + "/log", RunLogHandler, options),
        (run + "/stop", RunStopHandler, options),
        (run + "/report", RunReportHandler, options),
        ("jobs", JobsHandler, options),
        ("team", TeamHandler, options),
    ]
