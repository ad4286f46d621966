"""IPython is optional (`pip install "vdk-jupyter[ipython]"`): plain-Python notebooks never need it.

Every installed distribution costs every `vdk run` (vdk-core scans them all at start), and IPython
brings more than a dozen, so a job without notebooks, or with plain-Python ones, is better off
without them. Where a notebook does need IPython (magics, `!shell`) and it is missing, the job
stops at start with this message rather than halfway through.
"""
from __future__ import annotations

import functools
import importlib.util

INSTALL = 'pip install "vdk-jupyter[ipython]"'
TO_DO = (
    f"Install IPython with: {INSTALL} (for a deployed job, list vdk-jupyter[ipython] in the job's "
    "requirements.txt), or rewrite the cell in plain Python."
)


@functools.lru_cache(maxsize=None)
def ipython_installed() -> bool:
    """Whether IPython can be imported, found without importing it (which costs 50 ms)."""
    try:
        return importlib.util.find_spec("IPython") is not None
    except (ImportError, ValueError):
        return False
