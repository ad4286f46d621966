"""The deployed jobs and their executions as a person reads them: one flat row each, with the
same keys for `%vdk jobs` and the JupyterLab panel (which receives them as JSON)."""
from __future__ import annotations

import datetime
import html
from typing import Any
from typing import Optional

# Every execution status of the Control Service's API, as one word each, the same in `%vdk
# jobs`, the panel, the log view and notifications: "failed" for both kinds of failure, with whose
# fault it was after it. The REST API says user_error, the GraphQL jobs query USER_ERROR: both are
# read lower case. "finished" and "failed" are older services' words.
STATUS_WORDS = {
    "submitted": "submitted",
    "running": "running",
    "succeeded": "succeeded",
    "cancelled": "cancelled",
    "skipped": "skipped",
    "user_error": "failed (user error)",
    "platform_error": "failed (platform error)",
    "failed": "failed",
    "finished": "finished",
}
ACTIVE = {"submitted", "running"}


def job_row(job: dict[str, Any]) -> dict[str, Any]:
    """A job of the GraphQL query (`vdk list -mmm` fields) as a row."""
    config = job.get("config") or {}
    deployments = job.get("deployments") or []
    deployment = deployments[0] if deployments else None
    executions = (deployment or {}).get("executions") or []
    last = max(executions, key=lambda e: str(e.get("startTime") or ""), default=None)
    cron = (config.get("schedule") or {}).get("scheduleCron") or None
    schedule = _schedule(cron) or {}
    return {
        "name": job.get("jobName"),
        "team": config.get("team"),
        "deployed": deployment is not None,
        "deployment_status": str((deployment or {}).get("status") or "").lower() or
        ("deployed" if deployment else "not deployed"),
        "enabled": (deployment or {}).get("enabled") if deployment else None,
        "schedule": cron,
        "schedule_words": schedule.get("words"),
        "schedule_next": schedule.get("next", []),
        "version": (deployment or {}).get("jobVersion"),
        "deployed_by": (deployment or {}).get("lastDeployedBy"),
        "deployed_date": (deployment or {}).get("lastDeployedDate"),
        "last_execution": _execution(last.get("id"), last.get("status"), last.get("type"),
                                     last.get("startTime"), last.get("endTime"),
                                     last.get("startedBy")) if last else None,
    }


def execution_row(execution: dict[str, Any]) -> dict[str, Any]:
    """An execution of the executions API (vdk-control-cli's model as a dict) as a row."""
    row = _execution(execution.get("id"), execution.get("status"), execution.get("type"),
                     execution.get("start_time"), execution.get("end_time"),
                     execution.get("started_by"))
    row["logs_url"] = execution.get("logs_url") or None
    row["message"] = execution.get("message") or None
    return row


def _execution(id_: Any, status: Optional[str], kind: Optional[str], start: Any, end: Any,
               started_by: Optional[str]) -> dict[str, Any]:
    # One vocabulary: the GraphQL API says SUCCEEDED where the executions API says succeeded.
    status = status.lower() if isinstance(status, str) and status else None
    start_time, end_time = _time(start), _time(end)
    seconds = (end_time - start_time).total_seconds() if start_time and end_time else None
    return {
        "id": id_,
        "status": status,
        "status_text": status_text(status),
        "finished": status not in ACTIVE,
        "type": kind,
        "start": start_time.isoformat() if start_time else None,
        "end": end_time.isoformat() if end_time else None,
        "seconds": seconds,
        "started_by": started_by,
    }


def _schedule(cron: Optional[str]) -> Optional[dict[str, Any]]:
    from vdk.plugin.notebook.deploy.schedule import summary

    return summary(cron, datetime.datetime.now(datetime.timezone.utc))


def status_text(status: Optional[str]) -> str:
    """The word for an execution status; one this plugin does not know is named as such, never
    read as a success."""
    if not status:
        return "status unknown"
    return STATUS_WORDS.get(status.lower(), f"status unknown ({status})")


def _time(value: Any) -> Optional[datetime.datetime]:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def duration_text(seconds: Optional[float]) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {seconds:02d}s" if minutes \
        else f"{seconds}s"


def start_text(iso: Optional[str]) -> str:
    return iso.replace("T", " ")[:19] + " UTC" if iso else ""


def jobs_table(rows: list[dict[str, Any]]) -> str:
    """The jobs as a plain-text table, for `%vdk jobs`."""
    header = ["job", "deployment", "enabled", "schedule", "last execution", "started (UTC)",
              "took", "started by"]
    lines = []
    for row in rows:
        last = row["last_execution"] or {}
        enabled = {True: "yes", False: "no", None: ""}[row["enabled"]]
        lines.append([row["name"] or "", row["deployment_status"], enabled,
                      row["schedule_words"] or row["schedule"] or "",
                      last.get("status_text", "none"),
                      start_text(last.get("start"))[:19], duration_text(last.get("seconds")),
                      last.get("started_by") or ""])
    return _table(header, lines)


def executions_table(rows: list[dict[str, Any]]) -> str:
    header = ["execution", "status", "type", "started (UTC)", "took", "started by", "logs"]
    lines = [[row["id"] or "", row["status_text"], row["type"] or "",
              start_text(row["start"])[:19], duration_text(row["seconds"]),
              row["started_by"] or "", row["logs_url"] or ""] for row in rows]
    return _table(header, lines)


class Table(str):
    """A plain-text table (what print() and a terminal show) that a notebook shows as an HTML
    table instead: its columns wrap to the notebook's width rather than running off its edge."""

    header: list[str]
    lines: list[list[str]]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in self.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in line)
                       + "</tr>" for line in self.lines)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        return str(self)


def _table(header: list[str], lines: list[list[str]]) -> Table:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]
    out = [header, ["-" * width for width in widths], *lines]
    table = Table("\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths))
                             .rstrip() for line in out))
    table.header, table.lines = header, lines
    return table
