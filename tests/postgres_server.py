"""A real PostgreSQL server for the tests: Debian's `postgresql` package, started on loopback.

One server per test session (initdb and start take about two seconds), a fresh database per test.
The server lives in a temporary folder of its own, listens on a free 127.0.0.1 port only, and
answers a password-protected role (scram-sha-256); it is stopped and its folder removed when the
session ends. `initdb` refuses to run as root, so under root the server runs as the `postgres`
user, which owns the folder.

Where no server can be started (no PostgreSQL installed, no psycopg2), the tests that need one
are skipped with one line saying why, unless VDK_JUPYTER_REQUIRE_POSTGRES is set (.ci/run sets
it: CI installs the server, so a skip there would hide a failure).
"""
from __future__ import annotations

import glob
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any
from typing import Optional

ADMIN = "vdk_admin"
ROLE = "vdk_jobs"
REQUIRE_VARIABLE = "VDK_JUPYTER_REQUIRE_POSTGRES"


class Unavailable(Exception):
    """No server could be started here: the reason, one line."""


def binaries() -> Optional[pathlib.Path]:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: (int(pathlib.Path(p).parent.parent.name)
                                  if pathlib.Path(p).parent.parent.name.isdigit() else 0))
    if found:
        return pathlib.Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return pathlib.Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A running server: where it listens and the role's password; `database()` makes one."""

    def __init__(self, bindir: pathlib.Path, folder: pathlib.Path):
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.host = "127.0.0.1"
        self.port = 0
        self.admin_password = secrets.token_hex(12)
        self.password = secrets.token_hex(12)
        self.user = ROLE
        self._as_postgres = os.geteuid() == 0
        self._count = 0

    # --- starting and stopping ---
    def _command(self, *argv: str) -> list[str]:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        return ["runuser", "-u", "postgres", "--", *command] if self._as_postgres else command

    def _run(self, *argv: str, timeout: float = 60) -> None:
        done = subprocess.run(self._command(*argv), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise Unavailable(f"{argv[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")

    def start(self) -> None:
        password_file = self.folder / "admin-password"
        password_file.write_text(self.admin_password + "\n")
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
            shutil.chown(password_file, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, f"--pwfile={password_file}",
                  "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        password_file.unlink()
        last: Optional[Exception] = None
        for _ in range(3):  # a free port may be taken between choosing and listening
            self.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       f"-c unix_socket_directories={self.folder} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                          "-o", options, "-w", "-t", "30", "start")
                break
            except Unavailable as e:
                last = e
        else:
            raise Unavailable(f"{last}; the server log: {self.log_tail()}")
        with self.admin_connection() as connection:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD %s", (self.password,))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return " | ".join((self.folder / "server.log").read_text().strip().splitlines()[-3:])
        except OSError:
            return "(none)"

    # --- using it ---
    def admin_connection(self, dbname: str = "postgres") -> Any:
        import psycopg2

        connection = psycopg2.connect(host=self.host, port=self.port, dbname=dbname, user=ADMIN,
                                      password=self.admin_password, connect_timeout=10)
        connection.autocommit = True
        return connection

    def database(self, name: Optional[str] = None) -> "PostgresDatabase":
        """A new, empty database owned by the password-protected role."""
        self._count += 1
        name = name or f"job_db_{self._count}"
        connection = self.admin_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
                cursor.execute(f"CREATE DATABASE {name} OWNER {ROLE}")
        finally:
            connection.close()
        return PostgresDatabase(self, name)

    def drop(self, name: str) -> None:
        connection = self.admin_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            connection.close()


class PostgresDatabase:
    """One database of the server, as a job's configuration names it and as a test reads it."""

    def __init__(self, server: PostgresServer, name: str):
        self.server = server
        self.name = name

    @property
    def address(self) -> str:
        return f"{self.server.host}:{self.server.port}/{self.name}"

    def environment(self, password: Optional[str] = None, port: Optional[int] = None) -> dict[str, str]:
        """The VDK_ variables a user sets to run a job against this database."""
        return {
            "VDK_DB_DEFAULT_TYPE": "POSTGRES",
            "VDK_INGEST_METHOD_DEFAULT": "POSTGRES",
            "VDK_POSTGRES_HOST": self.server.host,
            "VDK_POSTGRES_PORT": str(port or self.server.port),
            "VDK_POSTGRES_DBNAME": self.name,
            "VDK_POSTGRES_USER": self.server.user,
            "VDK_POSTGRES_PASSWORD": self.server.password if password is None else password,
        }

    def config_ini(self, password: Optional[str] = None, port: Optional[int] = None) -> str:
        """The same settings as a job's config.ini carries them ([vdk] section)."""
        lines = [f"{key[len('VDK_'):].lower()} = {value}"
                 for key, value in self.environment(password, port).items()]
        return "[owner]\nteam = my-team\n\n[vdk]\n" + "\n".join(lines) + "\n"

    def connect(self) -> Any:
        import psycopg2

        return psycopg2.connect(host=self.server.host, port=self.server.port, dbname=self.name,
                                user=self.server.user, password=self.server.password,
                                connect_timeout=10)

    def rows(self, query: str) -> list[tuple]:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(query)
                return cursor.fetchall()
        finally:
            connection.close()

    def tables(self) -> set[str]:
        return {name for (name,) in self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}


def start_server() -> PostgresServer:
    """A running server, or Unavailable saying why not in one line."""
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg2 is not installed (pip install 'vdk-jupyter[postgres]')") from None
    bindir = binaries()
    if bindir is None:
        raise Unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser, and initdb refuses root")
    # Not under pytest's tmp_path: its parents are private to root, and the server runs as
    # `postgres`. /tmp lets every user through; the folder itself is the server's own.
    folder = pathlib.Path(tempfile.mkdtemp(prefix="vdk-jupyter-postgres-"))
    server = PostgresServer(bindir, folder)
    started = time.monotonic()
    try:
        server.start()
    except Exception as e:  # any failure to start means: no server here
        server.stop()
        if isinstance(e, Unavailable):
            raise
        raise Unavailable(f"{type(e).__name__}: {e}".splitlines()[0]) from e
    server.started_in = time.monotonic() - started
    return server
