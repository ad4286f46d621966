"""Executing one cell's code in the notebook's namespace, with top-level `await` as Jupyter
allows it.

Jupyter runs cells on a persistent event loop, so `await fetch()` works at the top of a cell and
a task started in one cell keeps running in the next. Cells compiled with top-level await become
coroutines; this runs them on one loop per notebook, created only if a cell needs it.
"""
from __future__ import annotations

import ast
import inspect
from types import CodeType
from typing import Any
from typing import Optional

COMPILE_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


class CellRunner:
    """Executes cell code in a namespace, awaiting the cells that are coroutines."""

    def __init__(self) -> None:
        self._loop: Optional[Any] = None

    def __call__(self, code: CodeType, namespace: dict[str, Any]) -> None:
        if not code.co_flags & inspect.CO_COROUTINE:
            exec(code, namespace)
            return
        if self._loop is None:
            import asyncio

            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(eval(code, namespace))

    def close(self) -> None:
        """Cancel what the notebook left running and close the loop, as a kernel shutdown does."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        import asyncio

        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
