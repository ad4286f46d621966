"""The VDK Control Service (the cloud runtime), reached only through vdk-control-cli.

vdk-control-cli is the client behind `vdk deploy`, `vdk create --cloud`, `vdk list` and
`vdk execute`; deploying from a notebook goes through the same classes, so it uploads, versions
and configures a job exactly as `vdk deploy` does, and reads the same settings
(VDK_CONTROL_SERVICE_REST_API_URL, `vdk login` / VDK_API_TOKEN, VDK_CONTROL_HTTP_...). Every
call into vdk-control-cli is in this module, and every failure leaves it as one readable
ControlServiceError line instead of vdk-control-cli's multi-line banner.
"""
from __future__ import annotations

import contextlib
import json
import pathlib
import re
from typing import Any
from typing import Iterator
from typing import Optional

from vdk.plugin.notebook.job.folder import is_job_folder

URL_SETTING = "VDK_CONTROL_SERVICE_REST_API_URL"
# As vdk-control-cli names the only deployment a job can have.
DEPLOYMENT_ID = "production"
STARTED_BY = "manual/vdk-jupyter"


class ControlServiceError(Exception):
    """One line a user can act on. `status` is the HTTP status where the service answered."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class NotConfiguredError(ControlServiceError):
    """No Control Service is configured: nothing can be deployed or listed."""


def configured_url() -> str:
    """The Control Service URL as `vdk deploy` finds it: the environment variable, else the
    default saved by `vdk set-default -u`. Raises NotConfiguredError naming the setting."""
    _require_client()
    from vdk.internal.control.configuration.defaults_config import load_default_rest_api_url
    from vdk.internal.control.configuration.vdk_config import VDKConfig

    url = VDKConfig().control_service_rest_api_url or load_default_rest_api_url()
    if not url:
        raise NotConfiguredError(
            f"No Control Service is configured: set {URL_SETTING} to its URL (for example "
            f"http://localhost:8092 for quickstart-vdk), or run `vdk set-default -u <url>`, "
            "then log in with `vdk login` if it requires it."
        )
    return url.rstrip("/")


def job_team(job_dir: pathlib.Path) -> Optional[str]:
    """`team` of the [owner] section of the job's config.ini, read as `vdk deploy` reads it."""
    _require_client()
    from vdk.internal.control.job.job_config import JobConfig

    if not is_job_folder(job_dir):
        return None
    with _readable_errors("", "read config.ini"):
        return (JobConfig(str(job_dir)).get_team() or "").strip() or None


class ControlService:
    """The Control Service at `url` (default: configured_url())."""

    def __init__(self, url: Optional[str] = None):
        self.url = url or configured_url()
        from vdk.internal.control.configuration.vdk_config import VDKConfig
        from vdk.internal.control.rest_lib.factory import ApiClientFactory

        # Reads the login (`vdk login`, VDK_API_TOKEN), refreshing it at the authorization
        # server where it has expired: that can fail too.
        with _readable_errors(self.url, "log in to the Control Service"):
            self._factory = ApiClientFactory(self.url)
        config = VDKConfig()
        self._timeout = (config.http_connect_timeout_seconds, config.http_read_timeout_seconds)

    def job_exists(self, team: str, name: str) -> bool:
        from taurus_datajob_api import ApiException

        with self._errors(f"look up data job {name!r} of team {team!r}"):
            try:
                self._factory.get_jobs_api().data_job_read(
                    team_name=team, job_name=name, _request_timeout=self._timeout)
            except ApiException as e:
                if e.status == 404:
                    return False
                raise
        return True

    def create_job(self, team: str, name: str) -> None:
        """Registers the job in the service, as `vdk create --cloud -n <name> -t <team>`."""
        from vdk.internal.control.command_groups.job.create import JobCreate

        with self._errors(f"create data job {name!r} of team {team!r}"):
            JobCreate(self.url).create_job(name, team, None, cloud=True, local=False)

    def deploy(self, team: str, name: str, job_dir: pathlib.Path, reason: str) -> str:
        """Uploads `job_dir` (a folder named `name`) and deploys it, as `vdk deploy -p job_dir
        -n name -t team -r reason`. Returns the deployed job version."""
        from vdk.internal.control.command_groups.job.deploy_cli_impl import JobDeploy

        printer = _result_printer()
        with self._errors(f"deploy data job {name!r} of team {team!r}"):
            JobDeploy(self.url, printer).create(name, team, str(job_dir), reason, None, None)
        return str((printer.result or {}).get("job_version") or "")

    def list_jobs(self, team: str) -> list[dict[str, Any]]:
        """The team's jobs with their deployment and last execution, through the same query as
        `vdk list -t <team> -mmm`; filtered to the team here too, since the service matches the
        team as a substring and may ignore the filter."""
        from vdk.internal.control.command_groups.job.list import JobList

        jobs: list[dict[str, Any]] = []
        api = self._factory.get_jobs_api()
        page, size = 1, 100
        with self._errors(f"list the data jobs of team {team!r}"):
            while True:
                query = JobList.build_jobs_query(page, size, team, False, 3)
                response = api.jobs_query(team_name=team, query=query,
                                          _request_timeout=self._timeout)
                content = (response.data.content if response.data else None) or []
                jobs.extend(content)
                if len(content) < size:
                    break
                page += 1
        return [job for job in jobs if (job.get("config") or {}).get("team") == team]

    def executions(self, team: str, name: str) -> list[dict[str, Any]]:
        """The job's recent executions, newest first, as `vdk execute --list` reads them."""
        with self._errors(f"list the executions of data job {name!r}"):
            found = self._factory.get_execution_api().data_job_execution_list(
                team_name=team, job_name=name, _request_timeout=self._timeout)
        rows = [execution.to_dict() for execution in found or []]
        return sorted(rows, key=lambda e: str(e.get("start_time") or ""), reverse=True)

    def execute(self, team: str, name: str) -> str:
        """Starts an execution now, as `vdk execute --start`; returns its id."""
        from taurus_datajob_api import DataJobExecutionRequest

        request = DataJobExecutionRequest(started_by=STARTED_BY, args={})
        with self._errors(f"start data job {name!r}"):
            response = self._factory.get_execution_api().data_job_execution_start_with_http_info(
                team_name=team, job_name=name, deployment_id=DEPLOYMENT_ID,
                data_job_execution_request=request, _request_timeout=self._timeout)
        location = (response.headers or {}).get("Location") or ""
        return location.rstrip("/").rsplit("/", 1)[-1]

    def set_enabled(self, team: str, name: str, enabled: bool) -> None:
        """Enables or disables the job's deployment, as `vdk deploy --enable/--disable`."""
        from vdk.internal.control.command_groups.job.deploy_cli_impl import JobDeploy

        action = "enable" if enabled else "disable"
        with self._errors(f"{action} data job {name!r}"):
            JobDeploy(self.url, _result_printer()).update(name, team, enabled, None, None)

    def _errors(self, doing: str) -> contextlib.AbstractContextManager:
        return _readable_errors(self.url, doing)


def _require_client() -> None:
    try:
        import vdk.internal.control  # noqa: F401
    except ImportError:
        raise ControlServiceError(
            "Deploying needs vdk-control-cli, which is not installed: pip install "
            "\"vdk-jupyter[jupyter]\" (or vdk-control-cli vdk-plugin-control-cli)."
        ) from None


def _result_printer() -> Any:
    """vdk-control-cli's JSON printer, keeping the result instead of printing it (a Jupyter
    server's stdout is no place for it); being a JSON printer, it keeps the console spinner off."""
    from vdk.internal.control.utils.output_printer import PrinterJson

    class ResultPrinter(PrinterJson):
        result: Optional[dict] = None

        def print_dict(self, data: Optional[dict]) -> None:
            self.result = data

        def print_table(self, data: Any) -> None:
            self.result = {"table": data}

    return ResultPrinter()


@contextlib.contextmanager
def _readable_errors(url: str, doing: str) -> Iterator[None]:
    from taurus_datajob_api import ApiException
    from urllib3.exceptions import HTTPError
    from vdk.internal.control.exception.vdk_exception import VDKException
    from vdk.plugin.control_api_auth.auth_exception import VDKAuthException

    try:
        yield
    except ControlServiceError:
        raise
    except (VDKException, VDKAuthException, ApiException, HTTPError) as e:
        cause = e
        while isinstance(cause, VDKException) and cause.__cause__ is not None:
            cause = cause.__cause__
        raise ControlServiceError(_one_line(url, doing, cause),
                                  getattr(cause, "status", None)) from None


def _one_line(url: str, doing: str, error: BaseException) -> str:
    from taurus_datajob_api import ApiException
    from urllib3.exceptions import HTTPError
    from urllib3.exceptions import MaxRetryError
    from urllib3.exceptions import ResponseError
    from vdk.internal.control.exception.vdk_exception import VDKException
    from vdk.plugin.control_api_auth.auth_exception import VDKAuthException

    failed = f"Could not {doing}"
    where = f"the Control Service at {url}"
    if isinstance(error, ApiException):
        status = error.status
        said = _service_message(error.body)
        said = f": {said}" if said else ""
        if status == 401:
            return (f"{failed}: {where} needs you to log in (HTTP 401){said}. Run `vdk login`, "
                    "or set VDK_API_TOKEN, then try again.")
        if status == 403:
            return f"{failed}: {where} does not allow it to your login (HTTP 403){said}."
        if status == 404:
            return f"{failed}: {where} does not know it (HTTP 404){said}."
        if status == 409:
            return f"{failed}: {where} refused it as a conflict (HTTP 409){said}."
        if status is not None and status >= 500:
            return (f"{failed}: {where} failed (HTTP {status}){said}. Try again later; if it "
                    "persists, tell the service's operators.")
        return f"{failed}: {where} answered HTTP {status} {error.reason or ''}{said}".rstrip() + "."
    if isinstance(error, MaxRetryError) and error.reason is not None:
        error = error.reason
    if isinstance(error, ResponseError):  # retried on 5xx until the retries ran out
        status = re.search(r"\b(5\d\d)\b", str(error))
        return (f"{failed}: {where} failed (HTTP {status.group(1) if status else '5xx'}, "
                "also when retried). Try again later; if it persists, tell the service's "
                "operators.")
    if isinstance(error, HTTPError):
        # Without urllib3's "HTTPConnectionPool(host=..., port=...): ": the URL is said already.
        text = re.sub(r"\w*Connection(Pool)?\([^)]*\): ", "", str(error))
        if "timed out" in text.lower() or "timeout" in type(error).__name__.lower():
            return (f"{failed}: {where} did not answer in time ({_short(text)}). Check that it is "
                    "running, or raise VDK_CONTROL_HTTP_READ_TIMEOUT_SECONDS.")
        return (f"{failed}: cannot reach {where} ({_short(text)}). Check {URL_SETTING} and that "
                "the service is running.")
    if isinstance(error, (VDKException, VDKAuthException)):
        return f"{failed}: {_vdk_exception_line(error)}"
    return f"{failed}: {_short(str(error))}"


def _service_message(body: Any) -> str:
    """The message in an error body: the document's {"messages": [...]}, or the running
    service's {"what", "why", ...}; empty bodies are common (404, 409)."""
    if not body:
        return ""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return _short(body.decode(errors="replace") if isinstance(body, bytes) else str(body))
    if isinstance(data, dict):
        if data.get("messages"):
            return _short("; ".join(str(m) for m in data["messages"]))
        parts = [str(data[key]) for key in ("what", "why") if data.get(key)]
        if parts:
            return _short(" ".join(parts))
    return _short(json.dumps(data))


def _vdk_exception_line(error: BaseException) -> str:
    """vdk-control-cli's own checks (job name, keytab in the folder, config.ini) and its login
    failures, as one line: their what, why and countermeasures."""
    fields = {}
    for line in str(getattr(error, "message", error)).splitlines():
        key, _, value = line.partition(": ")
        if key.lower() in ("what", "why", "countermeasures"):
            fields[key.lower()] = value.strip()
    text = " ".join(fields[k] for k in ("what", "why", "countermeasures") if fields.get(k))
    return _short(text or str(error))


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
