"""The commands this package adds to `vdk`: `vdk start-jupyter` (start_jupyter), `vdk repair`
(repair).

The package's plugin module (../vdk_plugin.py) registers them by name, each without importing
its module until it runs.

May import anything below it: `server` (the extension a started JupyterLab loads), `deploy`,
`vdk_run`, `job`, `engine` (tests/test_layout.py).
"""
