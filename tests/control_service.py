"""A VDK Control Service for the tests: the endpoints vdk-control-cli calls when deploying,
listing and executing, on 127.0.0.1, as the official API document (datajob-api.yaml) specifies.

Every request is checked against the document (parameters, body, and the bearer token when the
service requires one) and so is every answer; what does not match is kept in `violations`,
which the fixture asserts empty. Where the running service is known to answer other than the
document says, both are accepted (api_document.known_deviation). Every request is recorded, so a test can
prove that a refused deploy uploaded nothing. On an execution it plays the cloud (cloud.py):
it runs the archive it received and reports the real outcome. A test fixture, never shipped.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from typing import Any
from typing import Callable
from typing import Optional

from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from api_document import ApiDocument
from api_document import known_deviation
JOBS = "/data-jobs/for-team/<team>/jobs"
JOB = JOBS + "/<name>"

ROUTES = Map([
    Rule(JOBS, methods=["GET"], endpoint="jobsQuery"),
    Rule(JOBS, methods=["POST"], endpoint="dataJobCreate"),
    Rule(JOB, methods=["GET"], endpoint="dataJobRead"),
    Rule(JOB, methods=["PUT"], endpoint="dataJobUpdate"),
    Rule(JOB + "/sources", methods=["POST"], endpoint="sourcesUpload"),
    Rule(JOB + "/deployments", methods=["POST"], endpoint="deploymentUpdate"),
    Rule(JOB + "/deployments/<deployment>", methods=["PATCH"], endpoint="deploymentPatch"),
    Rule(JOB + "/deployments/<deployment>/executions", methods=["POST"],
         endpoint="dataJobExecutionStart"),
    Rule(JOB + "/executions", methods=["GET"], endpoint="dataJobExecutionList"),
    Rule(JOB + "/executions/<execution>", methods=["GET"], endpoint="dataJobExecutionRead"),
    # Not the API: where logs_url points, as an operator's log service would.
    Rule("/logs/<execution>", methods=["GET"], endpoint="logs"),
])


@dataclass
class Recorded:
    method: str
    path: str
    operation: str
    status: int
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class _Job:
    team: str
    name: str
    data: dict[str, Any]
    archives: dict[str, bytes] = field(default_factory=dict)
    deployment: Optional[dict[str, Any]] = None
    executions: list[dict[str, Any]] = field(default_factory=list)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class ControlServiceStandIn:
    """`run_archive(job_name, archive) -> (status, logs)` plays the cloud on an execution."""

    def __init__(self, run_archive: Callable[[str, bytes], tuple[str, str]],
                 token: Optional[str] = None):
        self.run_archive = run_archive
        self.token = token  # None: no authentication, as quickstart-vdk
        self.requests: list[Recorded] = []
        self.uploads: list[tuple[str, bytes]] = []
        self.violations: list[str] = []
        self.jobs: dict[tuple[str, str], _Job] = {}
        self.fail_with: Optional[int] = None  # answer every API call with this status
        self.delay = 0.0  # seconds before every answer: a slow service
        # Misbehaving on purpose, as a proxy, a login page or a hung service does; these
        # answers are off the document by design and not counted as violations.
        self.answer_html = False  # 200 with an HTML page for every API call
        self.hang = False  # accept every request and never answer it
        self.waiting = 0  # requests held by `hang` right now
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._document = ApiDocument(self.url)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "ControlServiceStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._released.set()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def refuse_connections(self) -> None:
        """Stops listening: every connection to `url` is refused, as to a service that is down."""
        self._server.shutdown()
        self._server.server_close()

    def add_job(self, team: str, name: str) -> None:
        """A job created by someone else (another team, another tool)."""
        self.jobs[(team, name)] = _Job(team, name, {"job_name": name, "team": team,
                                                   "description": "", "config": {}})

    def operations(self) -> list[str]:
        return [r.operation for r in self.requests]

    # ---- HTTP ----

    def _wsgi(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        adapter = ROUTES.bind_to_environ(environ)
        try:
            operation, params = adapter.match()
        except Exception:  # noqa: BLE001 - werkzeug's NotFound / MethodNotAllowed
            operation, params = "unknown", {}
        if self.hang and operation != "logs":
            with self._lock:
                self.waiting += 1
            self._released.wait()
        misbehaving = self.answer_html and operation != "logs"
        response = Response("<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>",
                            status=200, mimetype="text/html") if misbehaving \
            else self._answer(request, operation, params)
        body = response.get_data()
        with self._lock:
            self.requests.append(Recorded(request.method, request.path, operation,
                                          response.status_code, dict(request.args)))
        if operation != "logs" and not misbehaving and \
                not known_deviation(operation, response.status_code, body):
            problem = self._document.answer_problem(request, response)
            if problem:
                self.violations.append(f"answer {response.status_code} to {operation}: {problem}")
        return response(environ, start_response)

    def _answer(self, request: Request, operation: str, params: dict) -> Response:
        if operation == "logs":
            return self._logs(params["execution"])
        if operation == "unknown":
            self.violations.append(f"{request.method} {request.path}: not an endpoint the "
                                   "stand-in serves")
            return Response(status=404)
        if self.token is not None and \
                request.headers.get("Authorization") != f"Bearer {self.token}":
            return Response(status=401)
        problem = self._document.request_problem(request, with_security=self.token is not None)
        if problem:
            self.violations.append(f"request {operation}: {problem}")
            return _json(400, {"messages": [problem]})
        time.sleep(self.delay)
        if self.fail_with:
            return _json(self.fail_with, {"messages": ["stand-in: failing on purpose"]})
        with self._lock:
            return getattr(self, "_" + operation)(request, **params)

    # ---- operations, named by the document's operationId ----

    def _jobsQuery(self, request: Request, team: str) -> Response:
        query = request.args.get("query", "")
        pattern = re.search(r'property: "config.team", pattern: "([^"]*)"', query)
        # The service matches the pattern as a substring, ignoring case.
        wanted = pattern.group(1).lower() if pattern else ""
        content = [self._job_view(job) for job in self.jobs.values()
                   if wanted in job.team.lower()]
        return _json(200, {"data": {"content": content, "totalItems": len(content),
                                    "totalPages": 1}})

    def _job_view(self, job: _Job) -> dict[str, Any]:
        config = job.data.get("config") or {}
        view: dict[str, Any] = {"jobName": job.name, "config": {
            "team": job.team, "description": job.data.get("description", ""),
            "schedule": {"scheduleCron": (config.get("schedule") or {}).get("schedule_cron")}}}
        if job.deployment:
            d = job.deployment
            view["deployments"] = [{
                "enabled": d["enabled"], "status": "success", "jobVersion": d["job_version"],
                "lastDeployedBy": "stand-in-user", "lastDeployedDate": d["deployed_date"],
                "executions": [{"id": e["id"], "type": e["type"], "status": e["status"],
                                "startTime": e["start_time"], "endTime": e.get("end_time"),
                                "opId": e["op_id"], "startedBy": e["started_by"]}
                               for e in job.executions]}]
        return view

    def _dataJobCreate(self, request: Request, team: str) -> Response:
        data = request.get_json()
        name = request.args.get("name") or data["job_name"]
        if (team, name) in self.jobs:
            return Response(status=409)
        self.jobs[(team, name)] = _Job(team, name, data)
        return Response(status=201)

    def _dataJobRead(self, request: Request, team: str, name: str) -> Response:
        job = self.jobs.get((team, name))
        return _json(200, job.data) if job else Response(status=404)

    def _dataJobUpdate(self, request: Request, team: str, name: str) -> Response:
        job = self.jobs.get((team, name))
        if not job:
            return Response(status=404)
        job.data = request.get_json()
        return Response(status=200)  # the running service; the document says 201 or 204

    def _sourcesUpload(self, request: Request, team: str, name: str) -> Response:
        job = self.jobs.get((team, name))
        if not job:
            return Response(status=404)
        archive = request.get_data()
        version = hashlib.sha1(archive).hexdigest()
        job.archives[version] = archive
        self.uploads.append((name, archive))
        return _json(200, {"version_sha": version})

    def _deploymentUpdate(self, request: Request, team: str, name: str) -> Response:
        job = self.jobs.get((team, name))
        data = request.get_json() or {}
        if not job or data.get("job_version") not in job.archives:
            return _json(404, {"messages": [f"No version {data.get('job_version')} of {name}"]})
        enabled = data.get("enabled")
        previous = job.deployment or {}
        job.deployment = {"job_version": data["job_version"], "deployed_date": _now(),
                          "enabled": previous.get("enabled", True) if enabled is None else enabled}
        return Response(status=202)

    def _deploymentPatch(self, request: Request, team: str, name: str,
                         deployment: str) -> Response:
        job = self.jobs.get((team, name))
        if not job or not job.deployment:
            return _json(404, {"messages": [f"Data job {name} is not deployed"]})
        enabled = (request.get_json() or {}).get("enabled")
        if enabled is not None:
            job.deployment["enabled"] = enabled
        return Response(status=202)

    def _dataJobExecutionStart(self, request: Request, team: str, name: str,
                               deployment: str) -> Response:
        job = self.jobs.get((team, name))
        if not job or not job.deployment:
            return _json(400, {"messages": [f"Data job {name} of team {team} is not deployed"]})
        if any(e["status"] in ("submitted", "running") for e in job.executions):
            return _json(409, {"messages": [f"Data job {name} is already executing"]})
        data = request.get_json() or {}
        execution = {
            "id": f"{name}-{int(time.time())}-{uuid.uuid4().hex[:5]}", "job_name": name,
            "status": "submitted", "type": "manual", "start_time": _now(),
            "started_by": data.get("started_by") or "manual", "op_id": uuid.uuid4().hex[:16],
            "logs_url": f"{self.url}/logs/", "message": "",
            "deployment": {"job_version": job.deployment["job_version"],
                           "enabled": job.deployment["enabled"]},
            "log_text": "",
        }
        execution["logs_url"] += execution["id"]
        job.executions.insert(0, execution)
        archive = job.archives[job.deployment["job_version"]]
        threading.Thread(target=self._execute, args=(execution, name, archive),
                         daemon=True).start()
        response = Response(status=202)
        response.headers["Location"] = f"{request.path.split('/deployments/')[0]}" \
                                       f"/executions/{execution['id']}"
        return response

    def _execute(self, execution: dict, name: str, archive: bytes) -> None:
        execution["status"] = "running"
        try:
            status, logs = self.run_archive(name, archive)
        except Exception as e:  # noqa: BLE001 - the runtime itself broke
            status, logs = "platform_error", f"stand-in: {e!r}"
        with self._lock:
            execution.update(status=status, end_time=_now(), log_text=logs,
                             message=f"Execution finished: {status}")

    def _dataJobExecutionList(self, request: Request, team: str, name: str) -> Response:
        job = self.jobs.get((team, name))
        if not job:
            return _json(404, {"messages": [f"Data job {name} of team {team} not found"]})
        wanted = request.args.getlist("execution_status")
        return _json(200, [_public(e) for e in job.executions
                           if not wanted or e["status"] in wanted])

    def _dataJobExecutionRead(self, request: Request, team: str, name: str,
                              execution: str) -> Response:
        job = self.jobs.get((team, name))
        for e in job.executions if job else []:
            if e["id"] == execution:
                return _json(200, _public(e))
        return _json(404, {"messages": [f"No execution {execution}"]})

    def _logs(self, execution_id: str) -> Response:
        for job in self.jobs.values():
            for e in job.executions:
                if e["id"] == execution_id:
                    return Response(e["log_text"], status=200, mimetype="text/plain")
        return Response(status=404)

    def execution(self, name: str) -> dict[str, Any]:
        """The newest execution of job `name`, as the service holds it (with its log)."""
        return next(job for (team, n), job in self.jobs.items() if n == name).executions[0]


def _public(execution: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in execution.items() if k != "log_text" and v is not None}


def _json(status: int, data: Any) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")
