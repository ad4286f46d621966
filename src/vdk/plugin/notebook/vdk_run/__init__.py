"""The `vdk run` side: the only part that imports vdk-core's internals.

`hooks` holds the hooks vdk-core calls (loaded through ../vdk_plugin.py, entry point
`vdk.plugin.run: notebook`); it stays thin and cheap. A job with notebooks then reads the
options (`options`), prepares every notebook and places one step each in vdk-core's step list
(`step_list`); each step runs the engine with the job's `job_input` (`step`) and turns notebook
errors into VDK user errors (`vdk_errors`).
`standalone` gives the Jupyter side a job outside `vdk run`, through vdk-core's public pieces.
`events` writes a run's progress for the JupyterLab server extension (job/run_events.py).
`sql_table` runs a `%%vdksql` cell's query through `job_input` and shows its rows as a table.

May import: `job` and `engine`. It is the only folder that imports vdk-core; `deploy`, `kernel`,
`server` and `cli` build on it, never the other way (tests/test_layout.py).
"""
