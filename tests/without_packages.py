"""`vdk run` in a subprocess whose import system refuses some packages (a meta-path finder placed
first), as a Python without them installed would: for the optional extras (IPython, nbformat)."""
from __future__ import annotations

import os
import subprocess
import sys

# `vdk` as the installed console script runs it, with the named top-level packages unimportable.
_WITHOUT = """
import sys

REFUSED = set(sys.argv.pop(1).split(","))

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in REFUSED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Refuse())
sys.argv[0] = "vdk"
from vdk.internal.cli_entry import main
main()
"""


def run_without(packages: str, job, db, tmp_path) -> tuple[subprocess.CompletedProcess, str]:
    """`vdk run job` with `packages` (comma-separated) unimportable; (result, stdout + stderr)."""
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite",
               VDK_NOTEBOOK_REPORT_DIRECTORY=str(tmp_path / "reports"))
    result = subprocess.run([sys.executable, "-c", _WITHOUT, packages, "run", str(job)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    return result, result.stdout + result.stderr
