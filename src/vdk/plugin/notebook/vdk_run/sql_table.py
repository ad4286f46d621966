"""A `%%vdksql` cell in Jupyter: the query runs as `vdk run` runs it, the result shows as a table.

`vdk run` passes the cell to `job_input.execute_query`, which returns rows without column names. A
table needs the names, so here the query goes through a cursor of the same managed connection
(the same validation and decoration hooks), after the same argument substitution that
`execute_query` applies: job properties, execution properties, then job arguments, `{name}` style.

Only the rows shown are fetched (MAX_ROWS_SHOWN, plus one to know there are more): IPython keeps
every cell's result in its output history, so a million-row result would stay in the kernel's
memory. How many rows there were in all is said when the driver tells it (cursor.rowcount);
counting them would mean running the query to its end, so otherwise it says "more than N".
"""
from __future__ import annotations

import html
import logging
import re
import textwrap
from typing import Any
from typing import Optional
from typing import Sequence

log = logging.getLogger(__name__)
MAX_ROWS_SHOWN = 50


class QueryFailed(Exception):
    """An SQL error, shown in the notebook as one short message rather than a VDK traceback.
    `what_to_do`, where set, replaces the engine's advice to fix the query (there may be none
    to fix: no database is configured)."""

    def __init__(self, message: str, what_to_do: Optional[str] = None):
        super().__init__(message)
        self.what_to_do = what_to_do

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class QueryResult:
    """The first rows of a query with their column names; an HTML table in Jupyter, text
    elsewhere. `more`: the query had more rows than these; `total`: how many, if known."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], more: bool = False,
                 total: Optional[int] = None):
        self.columns = list(columns)
        self.rows = [tuple(row) for row in rows]
        self.more = more
        self.total = total

    def __len__(self) -> int:
        return len(self.rows)

    def _note(self) -> str:
        if not self.more:
            return f"{len(self.rows)} row{'' if len(self.rows) == 1 else 's'}"
        return truncation_note(len(self.rows), self.total)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>"
            for row in self.rows
        )
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p><small>{html.escape(self._note())}</small></p>"
        )

    def __repr__(self) -> str:
        shown = [self.columns] + [[_text(v) for v in row] for row in self.rows]
        widths = [max(len(str(line[i])) for line in shown) for i in range(len(self.columns))]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip() for line in shown]
        return "\n".join(lines + [f"({self._note()})"])


def run_query(job_input: Any, sql: str) -> Optional[Any]:
    """Run `sql` on the job's default connection; a DataFrame (with pandas) or QueryResult for
    a query with a result set, None for a statement without one."""
    try:
        result = query_with_columns(job_input, sql)
    except QueryFailed:
        raise  # no connection: already one line that says what to check
    except Exception as e:
        raise QueryFailed(f"The query failed: {type(e).__name__}: {_first_line(e)}") from e
    if isinstance(result, int):
        affected = f" ({result} row{'' if result == 1 else 's'} affected)" if result >= 0 else ""
        print(f"Statement executed{affected}.")
        return None
    return _table(result)


def unconfigured_database(job_input: Any) -> Optional[tuple[str, str]]:
    """When the job names no database: the message and the advice, naming the SQLite file that
    runs from JupyterLab and its kernel use for this job, so a terminal run can use it too."""
    import os
    import pathlib

    from vdk.plugin.notebook.job.local_database import local_database

    try:
        job_dir = pathlib.Path(job_input.get_job_directory())
    except Exception:  # noqa: BLE001 - a job_input without a folder (a test double, say)
        return None
    database = local_database(job_dir, os.environ)
    if database.type is not None and not database.default:
        return None  # configured, yet no connection: the database's own error says why
    name = job_dir.name
    if database.file is None:
        return (f"No database is configured for data job '{name}' (db_default_type in its "
                "config.ini, or VDK_DB_DEFAULT_TYPE), so the query could not run.",
                "Set db_default_type (and its options) in the [vdk] section of the job's "
                "config.ini, or pip install vdk-sqlite for a local SQLite file.")
    return (f"No database is configured for data job '{name}' (db_default_type in its config.ini, "
            f"or VDK_DB_DEFAULT_TYPE), so the query could not run. Runs from JupyterLab and its "
            f"kernel use the SQLite file {database.file} for this job.",
            f"To use that file from a terminal too: VDK_DB_DEFAULT_TYPE=SQLITE "
            f"VDK_SQLITE_FILE={database.file} vdk run {name}; for another database, set "
            "db_default_type in the [vdk] section of the job's config.ini.")


def query_with_columns(job_input: Any, sql: str) -> Any:
    """Run `sql` as `job_input.execute_query` runs it (same substitution, same managed
    connection and its hooks), keeping the column names a table needs: a QueryResult of the
    first MAX_ROWS_SHOWN rows (the rest are not fetched), or the affected row count (-1:
    unknown) for a statement without a result set. `vdk run` shows a %%vdksql cell's result
    with it too, as Jupyter does; it needs no pandas."""
    query = _substitute(job_input, sql)
    try:
        connection = job_input.get_managed_connection()
        cursor = connection.cursor()
    except Exception as e:  # noqa: BLE001 - no database configured, unreachable, bad credentials
        unconfigured = unconfigured_database(job_input)
        if unconfigured is not None:
            raise QueryFailed(*unconfigured) from None
        raise QueryFailed(
            f"No connection to the job's database: {type(e).__name__}: {_first_line(e)} "
            "Check db_default_type and the database options in the job's config.ini or the "
            "VDK_ environment variables (vdk config-help lists them).",
            "Check the job's database settings named above; the query itself was not run.",
        ) from None
    succeeded = False
    try:
        cursor.execute(query)
        if not cursor.description:
            succeeded = True
            return getattr(cursor, "rowcount", -1)
        columns = [d[0] for d in cursor.description]
        rows = list(cursor.fetchmany(MAX_ROWS_SHOWN + 1))
        count = getattr(cursor, "rowcount", -1)
        succeeded = True
    finally:
        cursor.close()  # the rows not fetched are dropped by the driver
        _end_transaction(connection, succeeded)
    total = count if isinstance(count, int) and count > MAX_ROWS_SHOWN else None
    return QueryResult(columns, rows[:MAX_ROWS_SHOWN], len(rows) > MAX_ROWS_SHOWN, total)


def _end_transaction(connection: Any, succeeded: bool) -> None:
    """Commit what the cell did, or roll back what failed, as `job_input.execute_query` does on a
    transactional database (vdk-postgres commits after each query). Without it a %%vdksql
    cell's CREATE or INSERT on PostgreSQL is rolled back when the connection closes, and after
    a failed statement the connection refuses every later query ("current transaction is
    aborted"). Drivers without transactions may refuse both: nothing to end there."""
    try:
        if succeeded:
            connection.commit()
        else:
            connection.rollback()
    except Exception:  # see docstring; a failed commit shows on the next query
        log.debug("Ending the transaction of a %%vdksql cell failed.", exc_info=True)


def truncation_note(shown: int, total: Optional[int]) -> str:
    how_many = f"{total}" if total is not None else f"more than {shown}"
    return (f"showing the first {shown} of {how_many} rows; the rest were not fetched. To work "
            "with all rows, use job_input.execute_query(...) in a cell, or aggregate or LIMIT "
            "in SQL")


def _substitute(job_input: Any, sql: str) -> str:
    from vdk.plugin.notebook.vdk_run.standalone import substitute_sql_arguments

    values: dict = {}
    values.update(job_input.get_all_properties() or {})
    values.update(job_input.get_execution_properties())
    arguments = job_input.get_arguments()
    if isinstance(arguments, dict):
        values.update(arguments)
    return substitute_sql_arguments(values, textwrap.dedent(sql).strip("\n") + "\n")


def _table(result: QueryResult) -> Any:
    try:
        import pandas
    except ImportError:
        return result
    if result.more:  # a DataFrame has no place for the note: it goes above the table
        print(truncation_note(len(result.rows), result.total).capitalize() + ".")
    return pandas.DataFrame.from_records(result.rows, columns=result.columns)


def _text(value: Any) -> str:
    return "NULL" if value is None else str(value)


_VDK_PREAMBLE = re.compile(r"^(\w+: )?An error of resolvable type \S+ occurred\s*")


def _first_line(error: BaseException) -> str:
    """A one-line message: VDK's errors span many lines (what, why, consequences, countermeasures)
    and start with their class name and blame, which the message already says."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines[:1]) if len(lines) <= 1 else lines[0] + " (...)"
    return _VDK_PREAMBLE.sub("", text)
