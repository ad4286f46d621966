"""What a VDK data job folder is, as this package sees it, without vdk-core.

notebooks       which notebooks of a job folder are steps
local_database  the SQLite file a job uses locally when it names no database
template        a new job folder (config.ini, requirements.txt, a first notebook)
run_events      the progress events `vdk run` writes for the Jupyter server: kinds, fields, statuses

May import: `engine` (VDK-free notebooks). Never vdk-core, never the folders above it
(`vdk_run`, `deploy`, `kernel`, `server`, `cli`): they all build on it (tests/test_layout.py).
"""
