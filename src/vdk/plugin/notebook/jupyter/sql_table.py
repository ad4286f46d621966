"""A `%%vdksql` cell in Jupyter: the query runs as `vdk run` runs it, the result shows as a table.

`vdk run` passes the cell to `job_input.execute_query`, which returns rows without column names. A
table needs the names, so here the query goes through a cursor of the same managed connection
(the same validation and decoration hooks), after the same argument substitution that
`execute_query` applies: job properties, execution properties, then job arguments, `{name}` style.
"""
from __future__ import annotations

import html
import textwrap
from typing import Any
from typing import Optional
from typing import Sequence

MAX_ROWS_SHOWN = 50


class QueryFailed(Exception):
    """An SQL error, shown in the notebook as one short message rather than a VDK traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class QueryResult:
    """The rows of a query with their column names; an HTML table in Jupyter, text elsewhere."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]):
        self.columns = list(columns)
        self.rows = [tuple(row) for row in rows]

    def __len__(self) -> int:
        return len(self.rows)

    def _note(self) -> str:
        if len(self.rows) <= MAX_ROWS_SHOWN:
            return f"{len(self.rows)} row{'' if len(self.rows) == 1 else 's'}"
        return (
            f"showing the first {MAX_ROWS_SHOWN} of {len(self.rows)} rows; all rows are in "
            "this result's .rows (install pandas to get a DataFrame instead)"
        )

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>"
            for row in self.rows[:MAX_ROWS_SHOWN]
        )
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p><small>{html.escape(self._note())}</small></p>"
        )

    def __repr__(self) -> str:
        shown = [self.columns] + [[_text(v) for v in row] for row in self.rows[:MAX_ROWS_SHOWN]]
        widths = [max(len(str(line[i])) for line in shown) for i in range(len(self.columns))]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip() for line in shown]
        return "\n".join(lines + [f"({self._note()})"])


def run_query(job_input: Any, sql: str) -> Optional[Any]:
    """Run `sql` on the job's default connection; a DataFrame (with pandas) or QueryResult for
    a query with a result set, None for a statement without one."""
    try:
        result = query_with_columns(job_input, sql)
    except Exception as e:
        raise QueryFailed(f"The query failed: {type(e).__name__}: {e}") from e
    if isinstance(result, int):
        affected = f" ({result} row{'' if result == 1 else 's'} affected)" if result >= 0 else ""
        print(f"Statement executed{affected}.")
        return None
    return _table(result.columns, result.rows)


def query_with_columns(job_input: Any, sql: str) -> Any:
    """Run `sql` as `job_input.execute_query` runs it (same substitution, same managed
    connection and its hooks), keeping the column names a table needs: a QueryResult, or the
    affected row count (-1: unknown) for a statement without a result set. `vdk run` shows a
    %%vdksql cell's result with it too, as Jupyter does; it needs no pandas."""
    query = _substitute(job_input, sql)
    cursor = job_input.get_managed_connection().cursor()
    try:
        cursor.execute(query)
        if not cursor.description:
            return getattr(cursor, "rowcount", -1)
        columns = [d[0] for d in cursor.description]
        return QueryResult(columns, cursor.fetchall())
    finally:
        cursor.close()


def _substitute(job_input: Any, sql: str) -> str:
    from vdk.plugin.notebook.vdk_run.standalone import substitute_sql_arguments

    values: dict = {}
    values.update(job_input.get_all_properties() or {})
    values.update(job_input.get_execution_properties())
    arguments = job_input.get_arguments()
    if isinstance(arguments, dict):
        values.update(arguments)
    return substitute_sql_arguments(values, textwrap.dedent(sql).strip("\n") + "\n")


def _table(columns: list, rows: Sequence[Sequence[Any]]) -> Any:
    try:
        import pandas
    except ImportError:
        return QueryResult(columns, rows)
    return pandas.DataFrame.from_records([tuple(r) for r in rows], columns=columns)


def _text(value: Any) -> str:
    return "NULL" if value is None else str(value)
