"""The Jupyter side: the same notebooks, cell by cell, while they are being written.

`extension` is the IPython extension (`%load_ext vdk.plugin.notebook`, `%vdk`, `%%vdksql`) that
gives a kernel the job's `job_input` (`kernel_job`) and shows SQL results as tables
(`sql_table`); `start` is `vdk start-jupyter` and the kernelspec. VDK itself is reached through
`vdk_run`, never directly.
"""
