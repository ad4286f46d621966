"""The Jupyter server extension of vdk-jupyter: the HTTP API that JupyterLab's VDK front end calls
(docs/http-api.md): which cells `vdk run` runs, runs of the job with their progress, reports, new jobs;
and deployment to a VDK Control Service (docs/deploy-api.md).

Enabled by etc/jupyter/jupyter_server_config.d/vdk_jupyter.json, which the package installs.
Nothing here is imported by `vdk` commands: the handlers load with the Jupyter server only.

May import: `deploy`, `job`, `engine`. It runs `vdk run` as a subprocess and never imports
`vdk_run` (vdk-core stays out of the server's process), nor `kernel` or `cli`
(tests/test_layout.py).
"""
from __future__ import annotations

import atexit
import datetime
import os
import pathlib
from typing import Any

# `vdk start-jupyter` sets this: a server it starts must have authentication (see start.py).
REQUIRE_AUTH_VARIABLE = "VDK_JUPYTER_REQUIRE_AUTH"
URL_PREFIX = "vdk-jupyter"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "vdk.plugin.notebook.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from jupyter_server.utils import url_path_join

    from vdk.plugin.notebook.server.deploy_handlers import deploy_handlers
    from vdk.plugin.notebook.server.handlers import handlers
    from vdk.plugin.notebook.server.runs import Runs

    from vdk.plugin.notebook.deploy.control_service import bounded_http_settings

    if os.environ.get(REQUIRE_AUTH_VARIABLE):
        refuse_without_auth(serverapp)
    # Every Control Service call of this server, and of the kernels it starts, is bounded in
    # time (docs/deploy-api.md); the user's own settings are kept.
    bounded_http_settings()
    root = pathlib.Path(os.path.expanduser(serverapp.root_dir)).resolve()
    from jupyter_core.paths import jupyter_data_dir

    runs = Runs(root, on_activity=lambda: mark_activity(serverapp.web_app.settings),
                record=pathlib.Path(jupyter_data_dir(), "vdk-jupyter", "interrupted-runs.json"))
    atexit.register(runs.stop_at_exit)
    base = url_path_join(serverapp.web_app.settings["base_url"], URL_PREFIX)
    serverapp.web_app.add_handlers(
        ".*$", [(url_path_join(base, pattern), handler, options)
                for pattern, handler, options in handlers(root, runs) + deploy_handlers(root)])
    serverapp.log.info("vdk-jupyter: API at %s/ for jobs under %s", base, root)


# jupyter_server counts every setting whose name ends in `_last_activity` in the server's last
# activity (ServerApp.web_app.last_activity, the extension hook it documents), which
# jupyterhub-singleuser reports to the hub and idle culling goes by.
ACTIVITY_SETTING = "vdk_jupyter_last_activity"


def mark_activity(settings: dict) -> None:
    """The server is busy now: a run of a data job is going on (or just ended)."""
    settings[ACTIVITY_SETTING] = datetime.datetime.now(datetime.timezone.utc)


def refuse_without_auth(serverapp: Any) -> None:
    """A server started by `vdk start-jupyter` must check a token or password: one without
    would let any local process (and any web page the user visits) run code as the user."""
    provider = getattr(serverapp, "identity_provider", None)
    if provider is not None and provider.auth_enabled and (
            getattr(provider, "token", None) or getattr(provider, "hashed_password", None)):
        return
    serverapp.log.critical(
        "vdk start-jupyter refuses to start JupyterLab without authentication: your Jupyter "
        "configuration sets an empty token and no password (c.IdentityProvider.token = '' or "
        "c.ServerApp.token = '', or --IdentityProvider.token=). Remove that setting from your "
        "jupyter_server_config.py / jupyter_lab_config.py (see `jupyter --paths`, config), or "
        "set a password with `jupyter server password`, then start it again."
    )
    raise SystemExit(3)
