"""Deploying a notebook job to the VDK Control Service and watching the deployed jobs.

control_service  the only module that calls vdk-control-cli (the client of `vdk deploy`)
job_package      the checks before an upload, the stripped copy, requirements.txt
deployment       deploy_job: the order of setting, checks, create, upload
jobs_view        deployed jobs and executions as rows and text tables

May import: `vdk_run`, `job`, `engine`, and vdk-control-cli. Used by `kernel` (`%vdk deploy`) and
`server` (the Deploy button and the jobs panel) (tests/test_layout.py).
"""
