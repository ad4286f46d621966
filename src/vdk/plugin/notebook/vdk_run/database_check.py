"""The job's PostgreSQL server checked once at job start, before the first step (job/postgres_check.py
says why), for `vdk run` and for the job behind a Jupyter kernel's `job_input` alike."""
from __future__ import annotations

import importlib.util
import logging
from typing import Any

from vdk.internal.core.errors import BaseVdkError
from vdk.internal.core.errors import ResolvableBy
from vdk.internal.core.errors import ResolvableByActual

from vdk.plugin.notebook.job.postgres_check import PostgresSettings
from vdk.plugin.notebook.job.postgres_check import PostgresUnreachable
from vdk.plugin.notebook.job.postgres_check import check_postgres
from vdk.plugin.notebook.vdk_run.option_keys import DATABASE_WAIT

log = logging.getLogger(__name__)


class DatabaseUnreachableError(BaseVdkError):
    """The job's database cannot be used: the user's settings to fix, or the server to start."""

    def __init__(self, message: str):
        super().__init__(ResolvableByActual.USER, ResolvableBy.USER_ERROR, message)
        self.message = message


def settings(configuration: Any) -> PostgresSettings:
    """vdk-postgres's keys for the default connection, read as vdk-postgres reads them."""
    value = configuration.get_value
    port = value("POSTGRES_PORT")
    return PostgresSettings(host=value("POSTGRES_HOST"), port=str(port) if port else None,
                            dbname=value("POSTGRES_DBNAME"), user=value("POSTGRES_USER"),
                            password=value("POSTGRES_PASSWORD"), dsn=value("POSTGRES_DSN"))


def check_job_database(configuration: Any) -> None:
    """DatabaseUnreachableError when the job names PostgreSQL and it cannot be used."""
    wait = _wait(configuration)
    if wait < 0:
        return  # the user turned the check off
    if importlib.util.find_spec("vdk.plugin.postgres") is None:
        raise DatabaseUnreachableError(
            "The job's database is PostgreSQL (db_default_type = POSTGRES) but vdk-postgres is not "
            "installed: pip install 'vdk-jupyter[postgres]', and list vdk-postgres in the job's "
            "requirements.txt.")
    job_settings = settings(configuration)
    try:
        seconds = check_postgres(job_settings, wait)
    except PostgresUnreachable as e:
        raise DatabaseUnreachableError(str(e)) from None
    log.info("The job's database, PostgreSQL at %s, answered in %.2f s.", job_settings.address(), seconds)


def _wait(configuration: Any) -> float:
    value = configuration.get_value(DATABASE_WAIT)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DatabaseUnreachableError(
            f"The option {DATABASE_WAIT} is set to {value!r}; it takes a number of seconds "
            "(negative: no check). Set it in the job's config.ini [vdk] section or as "
            f"VDK_{DATABASE_WAIT}.") from None
