"""The kernel side: the same notebooks, cell by cell, while they are being written.

extension       the IPython extension (`%load_ext vdk.plugin.notebook`, `%vdk`, `%%vdksql`)
kernel_job      the job's `job_input` in a kernel, through vdk-core's standalone job
ingestion_tally what a kernel's cells sent for ingestion, said after each cell
old_setup       the old vdk-ipython lines (`%reload_VDK`, `VDK.get_initialized_job_input()`)
deploy_magic    `%vdk deploy` and `%vdk jobs`

May import: `deploy`, `vdk_run` (the only way to vdk-core), `job`, `engine`; never `server` or
`cli` (tests/test_layout.py).
"""
