"""JupyterLab as `vdk start-jupyter` runs it: `python -m jupyterlab`, refusing to serve without
authentication, whatever the user's Jupyter configuration says.

The same refusal lives in the server extension (server.refuse_without_auth), but a user's
configuration can disable the extension (`jpserver_extensions`), and then the check would
never run: a server with `token = ''` would start open to every local process and web page.
Here it runs in the process that starts the server, on the identity provider the server
actually built from every config file and option, after it is configured and before it
listens: no configuration can skip it.
"""
from __future__ import annotations

import sys
from typing import Optional


def main(argv: Optional[list[str]] = None) -> None:
    from jupyter_server.extension.application import NoStart
    from jupyterlab.labapp import LabApp

    from vdk.plugin.notebook.server import refuse_without_auth

    serverapp = LabApp.initialize_server(argv=sys.argv[1:] if argv is None else argv)
    refuse_without_auth(serverapp)
    try:
        serverapp.start()
    except NoStart:
        pass


if __name__ == "__main__":
    main()
