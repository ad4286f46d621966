"""Counting what a kernel's cells send for ingestion, so the kernel knows when to flush and can
say how many rows went where.

vdk-core's ingestion is asynchronous: rows wait in queues until the job is finalised. A Jupyter
kernel is shut down (or restarted) with only a few seconds before it is killed, often too few to
write thousands of rows, so the kernel flushes at the end of each cell that sent rows (the
extension's post_run_cell). vdk-core has no public way to ask whether rows are pending, so the
sends are counted as they pass through the kernel's `job_input`.
"""
from __future__ import annotations

import collections
from typing import Any
from typing import Callable

SENDERS = {
    # method name -> position of destination_table among the positional arguments
    "send_object_for_ingestion": 1,
    "send_tabular_data_for_ingestion": 2,
}


class Tally:
    """Rows sent for ingestion, per destination table."""

    def __init__(self) -> None:
        self.rows: collections.Counter = collections.Counter()

    def __bool__(self) -> bool:
        return bool(self.rows)

    def add_from(self, other: "Tally") -> None:
        self.rows.update(other.rows)

    def clear(self) -> None:
        self.rows.clear()

    def describe(self) -> str:
        """`20,000 rows: 19,000 to 'sales', 1,000 to 'returns'`."""
        total = sum(self.rows.values())
        where = ", ".join(f"{count:,} to {table!r}" if table else f"{count:,} to the default table"
                          for table, count in sorted(self.rows.items(), key=lambda i: str(i[0])))
        return f"{total:,} row{'' if total == 1 else 's'}: {where}"


def counting(name: str, send: Callable[..., Any], tally: Tally) -> Callable[..., Any]:
    """`send` (a job_input sender), counting into `tally` what it accepted."""
    position = SENDERS[name]

    def counted(*args: Any, **kwargs: Any) -> Any:
        data = args[0] if args else kwargs.get("payload", kwargs.get("rows"))
        table = kwargs.get("destination_table", args[position] if len(args) > position else None)
        if name == "send_object_for_ingestion":
            rows = len(data) if hasattr(data, "columns") else 1  # a DataFrame is many rows
            result = send(*args, **kwargs)
        elif hasattr(data, "__len__"):
            rows = len(data)
            result = send(*args, **kwargs)
        else:  # an iterator: counted as vdk-core consumes it, in this thread
            seen = [0]

            def each(iterable):
                for row in iterable:
                    seen[0] += 1
                    yield row

            if args:
                args = (each(data),) + args[1:]
            else:
                kwargs["rows"] = each(data)
            try:
                result = send(*args, **kwargs)
            finally:
                tally.rows[table] += seen[0]
            return result
        tally.rows[table] += rows
        return result

    return counted
