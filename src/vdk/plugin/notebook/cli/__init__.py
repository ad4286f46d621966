"""The commands this package adds to `vdk`: `vdk start-jupyter` (start_jupyter).

`plugin` is the vdk plugin module that registers them (entry point `vdk.plugin.run:
notebook-commands`), each without importing its module until it runs.

May import anything below it: `server` (the extension a started JupyterLab loads), `deploy`,
`vdk_run`, `job`, `engine` (tests/test_layout.py).
"""
