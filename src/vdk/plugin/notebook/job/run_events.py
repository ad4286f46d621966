"""The progress events a `vdk run` started from JupyterLab writes, and the Jupyter server reads.

`vdk_run/events.py` writes them; `server/runs.py` and `server/result.py` read them; the front end's
`api.ts` mirrors them.
"""
from __future__ import annotations

# Names the file (a pipe) to which a run started from JupyterLab writes its progress events.
EVENTS_FILE_VARIABLE = "VDK_NOTEBOOK_EVENTS_FILE"
