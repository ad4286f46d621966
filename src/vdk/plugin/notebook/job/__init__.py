"""What a VDK data job folder is, as this package sees it, without vdk-core.

folder          is this folder a data job (config.ini), which job a notebook is a step of
notebooks       which notebooks of a job folder are steps
local_database  the SQLite file a job uses locally when it names no database
data_folder     where the files of a job's local runs go (its database, its run records)
template        a new job folder (config.ini, requirements.txt, a first notebook)
run_events      the progress events `vdk run` writes for the Jupyter server: kinds, fields, statuses

May import: `engine` (VDK-free notebooks). Never vdk-core, never the folders above it
(`vdk_run`, `deploy`, `kernel`, `server`, `cli`): they all build on it (tests/test_layout.py).
"""

# Names the file (a pipe) to which a run started from JupyterLab writes its run events
# (run_events.py). Here, not in run_events.py, because the plugin's hooks read it on every `vdk`
# command, and importing run_events's types would cost each of them about 3 ms.
EVENTS_FILE_VARIABLE = "VDK_NOTEBOOK_EVENTS_FILE"

# Names the file from which a run started from JupyterLab reads its job arguments: an unlinked
# temporary file the server hands to the child as an open descriptor (/dev/fd/N). On the command
# line (`vdk run --arguments`), every local user could read them with `ps`. Here for the same
# reason as EVENTS_FILE_VARIABLE (vdk_run/arguments_file.py reads it, server/runs.py sets it).
ARGUMENTS_FILE_VARIABLE = "VDK_NOTEBOOK_ARGUMENTS_FILE"
