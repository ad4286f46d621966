"""Try a data job against a real PostgreSQL server, with nothing to set up by hand.

    .venv/bin/python scripts/try-postgres.py [JOB_FOLDER]     # default: examples/orders-job
    .venv/bin/python scripts/try-postgres.py --serve          # keep it running, print the settings

Starts a throwaway server from Debian's `postgresql` package (the one the tests use,
tests/postgres_server.py: a temporary folder, a free port on 127.0.0.1, a role with a random
password), runs `vdk run JOB_FOLDER` against it with the VDK_POSTGRES_* settings in the
environment, shows the tables the job left, then stops the server and removes its folder.
With --serve it prints the settings as `export` lines instead (for `vdk run` or
`vdk start-jupyter` in another terminal) and keeps the server until Ctrl-C.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import postgres_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("job", nargs="?", default=str(ROOT / "examples" / "orders-job"))
    parser.add_argument("--serve", action="store_true", help="keep the server running until Ctrl-C")
    args = parser.parse_args()
    try:
        server = postgres_server.start_server()
    except postgres_server.Unavailable as e:
        print(f"No PostgreSQL server could be started: {e}", file=sys.stderr)
        return 1
    try:
        database = server.database("try_vdk")
        settings = database.environment()
        if args.serve:
            print("PostgreSQL is running. In another terminal:\n")
            for key, value in settings.items():
                print(f"export {key}={value}")
            print("\nPress Ctrl-C to stop it (its data is removed).")
            try:
                while True:
                    input()
            except (KeyboardInterrupt, EOFError):
                return 0
        vdk = pathlib.Path(sys.executable).with_name("vdk")
        print(f"vdk run {args.job} against PostgreSQL at {database.address}")
        done = subprocess.run([str(vdk), "run", args.job], env={**os.environ, **settings})
        for table in sorted(database.tables()):
            rows = database.rows(f"SELECT * FROM {table} LIMIT 5")
            print(f"\n{table}: {rows}")
        return done.returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
