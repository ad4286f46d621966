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
import inspect
import io
import json
import logging
import os
import pathlib
import re
import stat
import threading
from typing import Any
from typing import Callable
from typing import Iterator
from typing import Optional

from vdk.plugin.notebook.job.folder import is_job_folder

URL_SETTING = "VDK_CONTROL_SERVICE_REST_API_URL"
# vdk-control-cli's own settings, read from the environment on every call. Its defaults (30 s
# to connect, 900 s to read, 10 retries with back-off) keep a user waiting for minutes on a
# service that is down, and forever on one that hangs. Where the user has not set them, calls
# from Jupyter use these (docs/deploy-api.md): a refused connection is said within seconds, a
# service that does not answer within READ_TIMEOUT, a failing one after one retry.
HTTP_DEFAULTS = {
    "VDK_CONTROL_HTTP_CONNECT_TIMEOUT_SECONDS": "5",
    "VDK_CONTROL_HTTP_READ_TIMEOUT_SECONDS": "30",
    "VDK_CONTROL_HTTP_CONNECT_RETRIES": "1",
    # A read that timed out is not retried: the service may have done it, and it doubles the wait.
    "VDK_CONTROL_HTTP_READ_RETRIES": "0",
    "VDK_CONTROL_HTTP_TOTAL_RETRIES": "1",
}
# As vdk-control-cli names the only deployment a job can have.
DEPLOYMENT_ID = "production"
# The secrets of a deployment, as the Control Service's API document (DataJobsSecrets) has them.
SECRETS_PATH = "/data-jobs/for-team/{team_name}/jobs/{job_name}/deployments/{deployment_id}/secrets"
STARTED_BY = "manual/vdk-jupyter"

log = logging.getLogger(__name__)


class ControlServiceError(Exception):
    """One line a user can act on. `status` is the HTTP status where the service answered."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class NotConfiguredError(ControlServiceError):
    """No Control Service is configured: nothing can be deployed or listed."""


def bounded_http_settings() -> None:
    """HTTP_DEFAULTS for the settings the user has not set, in this process (and the kernels
    a Jupyter server starts). The same values each time, so calls on other threads see no
    change; a setting of the user's is never touched."""
    for name, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)


def configured_url() -> str:
    """The Control Service URL as `vdk deploy` finds it: the environment variable, else the
    default saved by `vdk set-default -u`. Raises NotConfiguredError naming the setting."""
    _require_client()
    bounded_http_settings()
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
        bounded_http_settings()
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
        with self._errors(f"deploy data job {name!r} of team {team!r}"), \
                _job_deploy(self.url) as (job_deploy, result):
            job_deploy.create(name, team, str(job_dir), reason, None, None)
        return str((result() or {}).get("job_version") or "")

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

    def execution(self, team: str, name: str, execution_id: str) -> dict[str, Any]:
        """One execution, as `vdk execute --show`."""
        with self._errors(f"read execution {execution_id!r} of data job {name!r}"):
            found = self._factory.get_execution_api().data_job_execution_read(
                team_name=team, job_name=name, execution_id=execution_id,
                _request_timeout=self._timeout)
        return found.to_dict()

    def execute(self, team: str, name: str) -> str:
        """Starts an execution now, as `vdk execute --start`; returns its id."""
        from taurus_datajob_api import DataJobExecutionRequest

        request = DataJobExecutionRequest(started_by=STARTED_BY, args={})
        with self._errors(f"start data job {name!r}"):
            response = self._factory.get_execution_api().data_job_execution_start_with_http_info(
                team_name=team, job_name=name, deployment_id=DEPLOYMENT_ID,
                data_job_execution_request=request, _request_timeout=self._timeout)
        # An ApiResponse in newer API clients, a (data, status, headers) tuple in 1.0.9.
        headers = response[2] if isinstance(response, tuple) else response.headers
        status = response[1] if isinstance(response, tuple) else response.status_code
        location = (headers or {}).get("Location") or ""
        execution_id = location.rstrip("/").rsplit("/", 1)[-1] if "/executions/" in location \
            else ""
        if not execution_id:
            raise ControlServiceError(
                f"Could not start data job {name!r}: the Control Service at {self.url} answered "
                f"HTTP {status} without the new execution's id (no Location header): the URL "
                f"may not be a Control Service. Check {URL_SETTING}, and the job's executions "
                "before starting it again.")
        return execution_id

    def cancel(self, team: str, name: str, execution_id: str) -> None:
        """Cancels a submitted or running execution, as `vdk execute --cancel`."""
        with self._errors(f"cancel execution {execution_id!r} of data job {name!r}"):
            self._factory.get_execution_api().data_job_execution_cancel(
                team_name=team, job_name=name, execution_id=execution_id,
                _request_timeout=self._timeout)

    def logs(self, team: str, name: str, execution_id: str) -> Optional[str]:
        """The execution's logs as the service keeps them while it runs, as `vdk execute
        --logs`; None where it has none (the API promises them only while an execution runs:
        afterwards the execution's logs_url is where they are)."""
        from taurus_datajob_api import ApiException

        with self._errors(f"read the logs of execution {execution_id!r} of data job {name!r}"):
            try:
                answer = self._factory.get_execution_api().data_job_logs_download(
                    team_name=team, job_name=name, execution_id=execution_id,
                    _request_timeout=self._timeout)
            except ApiException as e:
                if e.status in (404, 400):
                    return None
                raise
        return answer.logs if answer is not None else None

    def properties(self, team: str, name: str) -> dict[str, Any]:
        """The job's properties, as `vdk properties --list`."""
        with self._errors(f"read the properties of data job {name!r}"):
            found = self._factory.get_properties_api().data_job_properties_read(
                team_name=team, job_name=name, deployment_id=DEPLOYMENT_ID,
                _request_timeout=self._timeout)
        return dict(found or {})

    def set_properties(self, team: str, name: str, properties: dict[str, Any]) -> None:
        """Replaces all of the job's properties, as `vdk properties --overwrite-all`."""
        with self._errors(f"write the properties of data job {name!r}"):
            self._factory.get_properties_api().data_job_properties_update(
                team_name=team, job_name=name, deployment_id=DEPLOYMENT_ID,
                request_body=properties, _request_timeout=self._timeout)

    def secret_names(self, team: str, name: str) -> list[str]:
        """The names of the job's secrets; their values are read here and dropped."""
        with self._errors(f"read the secrets of data job {name!r}"):
            return sorted(self._secrets_call("GET", team, name) or {})

    def set_secret(self, team: str, name: str, key: str, value: Optional[str]) -> None:
        """Sets one secret (None: deletes it), keeping the others, as `vdk secrets --set` /
        `--delete` do: the API writes all of them at once."""
        with self._errors(f"read the secrets of data job {name!r}"):
            secrets = dict(self._secrets_call("GET", team, name) or {})
        if value is None:
            if key not in secrets:
                raise ControlServiceError(f"Data job {name!r} has no secret {key!r}.", 404)
            del secrets[key]
        else:
            secrets[key] = value
        with self._errors(f"write the secrets of data job {name!r}"):
            self._secrets_call("PUT", team, name, secrets)

    def _secrets_call(self, method: str, team: str, name: str,
                      body: Optional[dict[str, Any]] = None) -> Optional[dict[str, Any]]:
        """The secrets endpoint through the installed client. The vdk-control-service-api that
        installs beside JupyterHub (1.0.9, pydantic 1 style) was generated before the API
        document gained DataJobsSecrets; its ApiClient, set up by vdk-control-cli with the
        same login, URL and timeouts as every other call, sends the documented request."""
        if hasattr(self._factory, "get_secrets_api"):
            secrets_api = self._factory.get_secrets_api()
            if method == "GET":
                return secrets_api.data_job_secrets_read(
                    team_name=team, job_name=name, deployment_id=DEPLOYMENT_ID,
                    _request_timeout=self._timeout)
            return secrets_api.data_job_secrets_update(
                team_name=team, job_name=name, deployment_id=DEPLOYMENT_ID,
                request_body=body, _request_timeout=self._timeout)
        api_client = self._factory.get_properties_api().api_client
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return api_client.call_api(
            SECRETS_PATH, method,
            path_params={"team_name": team, "job_name": name, "deployment_id": DEPLOYMENT_ID},
            query_params=[], header_params=headers, body=body,
            response_types_map={"200": "Dict[str, object]"} if method == "GET" else {},
            auth_settings=["bearerAuth"], _return_http_data_only=True,
            _request_timeout=self._timeout)

    def set_enabled(self, team: str, name: str, enabled: bool) -> None:
        """Enables or disables the job's deployment, as `vdk deploy --enable/--disable`."""
        action = "enable" if enabled else "disable"
        with self._errors(f"{action} data job {name!r}"), _job_deploy(self.url) as (job_deploy, _):
            job_deploy.update(name, team, enabled, None, None)

    def _errors(self, doing: str) -> contextlib.AbstractContextManager:
        return _readable_errors(self.url, doing)


def _require_client() -> None:
    try:
        import vdk.internal.control  # noqa: F401
    except ImportError:
        raise ControlServiceError(
            "Deploying needs vdk-control-cli, which is not installed: pip install "
            "\"vdk-jupyter[jupyter]\" (it installs the client versions that work beside "
            "JupyterHub; see docs/jupyterhub.md)."
        ) from None


_STDOUT_TAKEN = threading.Lock()


@contextlib.contextmanager
def _job_deploy(url: str) -> Iterator[tuple[Any, Callable[[], Optional[dict]]]]:
    """vdk-control-cli's JobDeploy, and a function giving the result it printed.

    Newer vdk-control-cli takes a printer object; 1.3.864600569, the newest whose API client
    works with pydantic 2 (see the jupyter extra in setup.py), takes an output format and prints
    the JSON result to stdout, which is kept here instead (held only for the call)."""
    from vdk.internal.control.command_groups.job.deploy_cli_impl import JobDeploy

    if "printer" in inspect.signature(JobDeploy).parameters:
        printer = _result_printer()
        yield JobDeploy(url, printer), lambda: printer.result
        return
    printed = io.StringIO()
    # sys.stdout is the process's: calls on the server's Control Service threads take turns,
    # so that no two redirections overlap and one call never reads another's result.
    with _STDOUT_TAKEN, contextlib.redirect_stdout(printed):
        yield JobDeploy(url, "JSON"), lambda: _last_json_object(printed.getvalue())


def _last_json_object(text: str) -> Optional[dict]:
    for line in reversed(text.splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                return value
    return None


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

    protect_credentials()
    try:
        yield
    except ControlServiceError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as e:
        if not url:  # not a call to the service (config.ini read as vdk deploy reads it)
            raise ControlServiceError(f"Could not {doing}: {_short(str(e))}") from None
        # The client could not read the answer: a proxy's or login page's HTML with status
        # 200, or JSON of another shape. The traceback stays in the debug log.
        log.debug("Unreadable answer from %s", url, exc_info=True)
        raise ControlServiceError(
            f"Could not {doing}: the answer of {url} is not what a Control Service answers "
            f"({_short(type(e).__name__ + ': ' + str(e), 120)}). Check that {URL_SETTING} is "
            "the Control Service's API URL, not a web page or a proxy's login page.") from None
    except (VDKException, VDKAuthException, ApiException, HTTPError) as e:
        cause = e
        while isinstance(cause, VDKException) and cause.__cause__ is not None:
            cause = cause.__cause__
        raise ControlServiceError(_one_line(url, doing, cause),
                                  getattr(cause, "status", None)) from None
    finally:
        protect_credentials()


def protect_credentials() -> None:
    """vdk-control-cli writes its login (~/.vdk.internal/vdk-cred.json: tokens) with the
    process's umask, readable by every local user under the usual 022. Where a call of ours
    may have written or refreshed it, it is made readable by its owner only (0600)."""
    try:
        from vdk.plugin.control_api_auth.auth_config import AuthConfig
        from vdk.plugin.control_api_auth.auth_config import LocalFolderCredentialsCache

        path = pathlib.Path(AuthConfig().local_config_folder,
                            LocalFolderCredentialsCache.CONFIG_FOLDER_NAME,
                            LocalFolderCredentialsCache.CREDENTIALS_FILE)
        info = path.lstat()
    except (ImportError, AttributeError, OSError):
        return
    if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and info.st_uid == os.getuid():
        try:
            os.chmod(path, 0o600)
        except OSError as e:
            log.warning("Could not make %s readable by you only: %s", path, e)


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
