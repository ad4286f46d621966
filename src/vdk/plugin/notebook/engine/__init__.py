"""The notebook engine: everything about a notebook that does not depend on VDK.

Reading and checking a file (`reader`, `schema`), choosing the cells that run (`cells`),
compiling them (`compiler`, `last_expression`), preparing a whole notebook (`prepare`,
`parameters`, `consistency`), running the cells in a namespace (`execute`, `runner`, `timeout`,
`ipython_shell`, `shell_commands`), the process state a run borrows and gives back
(`process_state`), what a cell's run ended as (`outcome`), what it showed (`capture`) and the
executed notebook (`report`). Errors carry their location in the notebook (`errors`).

Nothing here imports `vdk` (a test checks it): `vdk run` is one caller of the engine among others
(the Jupyter server asks it which cells run), and the engine can be tested alone. Nothing is
imported here either, so that importing one module costs only that module.
"""
