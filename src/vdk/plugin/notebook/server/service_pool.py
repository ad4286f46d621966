"""The threads that wait on the Control Service, apart from everything else the server does.

A Control Service call blocks until it answers or its timeout ends (control_service.py bounds
both). On the event loop's default executor, a few dozen calls to a service that hangs would
take every worker thread, and requests that need none of the service (a deploy refused for a
local reason, Jupyter's own work) would wait behind them. Here they have threads of their own,
a fixed number, with a bounded queue: past it a call is refused at once with a message, not
queued for minutes. The threads are daemons, so a server told to stop does not wait for an
answer that may never come.
"""
from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any
from typing import Callable
from typing import Optional

THREADS = 4
WAITING_LIMIT = 16  # calls waiting for a thread; past it, refused at once


class PoolBusy(Exception):
    """Too many Control Service calls are waiting already."""


class ServicePool:
    def __init__(self, threads: int = THREADS, waiting_limit: int = WAITING_LIMIT):
        self._queue: "queue.Queue[Optional[tuple]]" = queue.Queue()
        self._limit = threads + waiting_limit
        self._pending = 0
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._work, name=f"vdk-control-service-{i}",
                                          daemon=True) for i in range(threads)]
        for thread in self._threads:
            thread.start()

    async def run(self, work: Callable[[], Any]) -> Any:
        """`work()` on one of the pool's threads; raises PoolBusy when too many are pending."""
        with self._lock:
            if self._pending >= self._limit:
                raise PoolBusy(f"{self._pending} calls to the Control Service are still waiting "
                               "for its answer")
            self._pending += 1
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((work, loop, future))
        return await future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            work, loop, future = item
            try:
                result, error = work(), None
            except BaseException as e:  # noqa: BLE001 - handed to the waiting request
                result, error = None, e
            finally:
                with self._lock:
                    self._pending -= 1
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop has closed: the server is stopping
                return


def _settle(future: asyncio.Future, result: Any, error: Optional[BaseException]) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_pool: list[ServicePool] = []


def service_pool() -> ServicePool:
    """The server's one pool, started on first use."""
    if not _pool:
        _pool.append(ServicePool())
    return _pool[0]
