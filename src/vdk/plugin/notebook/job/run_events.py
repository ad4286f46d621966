"""The progress events a `vdk run` started from JupyterLab writes, and the Jupyter server reads.

`vdk_run/events.py` writes them; `server/runs.py` and `server/result.py` read them; the front end's
`api.ts` mirrors them.
"""
from __future__ import annotations

# Names the file (a pipe) to which a run started from JupyterLab writes its progress events.
EVENTS_FILE_VARIABLE = "VDK_NOTEBOOK_EVENTS_FILE"

# Names the file from which a run started from JupyterLab reads its job arguments: an unlinked
# temporary file the server hands to the child as an open descriptor (/dev/fd/N). On the command
# line (`vdk run --arguments`), every local user could read them with `ps`.
ARGUMENTS_FILE_VARIABLE = "VDK_NOTEBOOK_ARGUMENTS_FILE"
