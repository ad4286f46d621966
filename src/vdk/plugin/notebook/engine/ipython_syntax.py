"""Which cells IPython would rewrite before running them, decided as IPython decides, while a
cell of plain Python never imports IPython.

IPython rewrites a cell in two passes (InteractiveShell.transform_cell):
- static transforms, on every cell: `%magic`, `!cmd`, `obj?`/`?obj`/`obj??`, pasted prompts
  (`>>> `, `In [1]: `), a cell indented as a whole. Only a cell that does not compile as Python
  can need them, except magics, `!cmd` and the `In [1]:` prompt (valid Python: an annotation),
  which a cheap regex finds. So a plain cell costs one compile, as before; IPython's transformer
  is imported only when the regex matches or the compile fails.
- automagic, on single-line cells only: `pwd`, `ls -d /tmp`, `cd ..` run as line magics unless
  the name is defined in the namespace or builtins (IPython's `is_shadowed`). That depends on the
  namespace when the cell runs, so such a cell is compiled both ways at job start and the choice
  is made when it runs (`choose_code`), as IPython makes it.
"""
from __future__ import annotations

import builtins
import functools
import keyword
import re
from types import CodeType
from typing import Any
from typing import NamedTuple
from typing import Optional


# A line that starts with a magic or !shell, also as the right side of an assignment (`x = !ls`);
# a pasted IPython prompt; a call of get_ipython.
IPYTHON_SYNTAX = r"(?m)^[ \t]*(?:[\w.,()\[\] \t]+?=[ \t]*)?[%!]|\bget_ipython\b|\A\s*In \[\d*\]: "
# The line magics an InteractiveShell serves (aliases of shell commands included), that is what
# automagic may call, in IPython 9 (8.18, the last for Python 3.9, lacks %uv). A test compares
# this list with the installed IPython's, so it cannot drift.
AUTOMAGIC_NAMES = frozenset("""
alias alias_magic autoawait autocall automagic bookmark cat cd code_wrap colors conda config cp
debug dhist dirs doctest_mode ed edit env gui hist history killbgscripts ldir lf lk ll load
load_ext loadpy logoff logon logstart logstate logstop ls lsmagic lx macro magic mamba matplotlib
micromamba mkdir mv notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint
precision prun psearch psource pushd pwd pycat pylab quickref recall rehashx reload_ext rep rerun
reset reset_selective rm rmdir run save sc set_env sx system tb time timeit unalias unload_ext uv
who who_ls whos xdel xmode
""".split())


# IPython is optional (`pip install "vdk-jupyter[ipython]"`): plain-Python notebooks never need it.
# Every installed distribution costs every `vdk run` (vdk-core scans them all at start), and
# IPython brings more than a dozen, so a job without notebooks, or with plain-Python ones, is better
# off without them. Where a notebook does need IPython (magics, `!shell`) and it is missing, the job
# stops at start with this message rather than halfway through.
INSTALL = 'pip install "vdk-jupyter[ipython]"'
TO_DO = (
    f"Install IPython with: {INSTALL} (for a deployed job, list vdk-jupyter[ipython] in the job's "
    "requirements.txt), or rewrite the cell in plain Python."
)


@functools.lru_cache(maxsize=None)
def ipython_installed() -> bool:
    """Whether IPython can be imported, found without importing it (which costs 50 ms)."""
    import importlib.util

    try:
        return importlib.util.find_spec("IPython") is not None
    except (ImportError, ValueError):
        return False


class Automagic(NamedTuple):
    """A single-line cell IPython would run as a line magic unless `name` is defined."""

    name: str
    code: CodeType  # the cell as the magic call
    shows_result: bool
    # Why the cell is not Python (`ls -d /tmp`): raised if the name is defined when it runs, as
    # IPython would raise it.
    plain_error: Optional[SyntaxError] = None


def ipython_syntax(source: str) -> Optional[re.Match]:
    """Where IPYTHON_SYNTAX first matches `source`; a cell with none of the characters the
    pattern needs is not searched."""
    if "%" in source or "!" in source or "get_ipython" in source or "In [" in source:
        return re.search(IPYTHON_SYNTAX, source)
    return None


def transform(source: str) -> str:
    """The cell after IPython's static transforms (magics, !cmd, help, prompts)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def automagic_line(source: str) -> Optional[tuple[str, str]]:
    """`(name, magic call)` when `source` is one line IPython's automagic may run as a magic:
    its first word names a line magic and is not assigned to (`ls = 1`, `ls, x = ...`)."""
    text = source.lstrip()  # IPython drops leading blank lines and the indent first
    if text.endswith("\n"):
        text = text[:-1]
    if not text or "\n" in text:  # automagic is for single-line cells only
        return None
    end = 0
    while end < len(text) and (text[end].isalnum() or text[end] in "_*."):
        end += 1
    name = text[:end]
    if name not in AUTOMAGIC_NAMES:
        return None
    if text[end:].strip()[:1] in ("=", ","):  # IPython's AssignmentChecker: plain Python
        return None
    try:
        from IPython.core.splitinput import LineInfo
    except ImportError:  # without IPython (an optional extra), no automagic either
        return None

    info = LineInfo(next(line for line in source.split("\n") if line.strip()))
    if info.ifun != name:
        return None
    return info.ifun, f"get_ipython().run_line_magic({info.ifun!r}, {info.the_rest!r})\n"


def is_shadowed(name: str, namespace: dict[str, Any]) -> bool:
    """IPython's rule: a name defined by the user, a builtin or a keyword is not a magic."""
    return name in namespace or hasattr(builtins, name) or keyword.iskeyword(name)


def choose_code(cell: Any, namespace: dict[str, Any]) -> tuple[Optional[CodeType], bool, bool]:
    """`(code, needs_ipython, shows_result)` for a compiled cell as it is about to run."""
    magic = cell.automagic
    if magic is None:
        return cell.code, cell.needs_ipython, cell.shows_result
    if not is_shadowed(magic.name, namespace):
        return magic.code, True, magic.shows_result
    if magic.plain_error is not None:
        raise magic.plain_error
    return cell.code, cell.needs_ipython, cell.shows_result
