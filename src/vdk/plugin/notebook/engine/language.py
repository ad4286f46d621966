"""Whether a notebook is written for Python, judged from what Jupyter saved about its kernel.

`language` and `language_info.name` say it outright. Kernels that do not write them (IRkernel's
spec `ir` with display name "R", for one) are known by their kernelspec name or display name:
`vdk run` executes cells as Python, and R code run as Python fails in confusing ways, or worse,
does something.
"""
from __future__ import annotations

import pathlib
import re
from typing import Any
from typing import Optional

from vdk.plugin.notebook.engine.errors import InvalidNotebookError
from vdk.plugin.notebook.engine.errors import Location

_PYTHON = ("python", "python2", "python3")
# Kernelspec names of well-known kernels for other languages, and the language they run.
_KERNEL_NAMES = (
    (r"^(ir|irkernel|r)(\d|[-_]|$)", "R"),
    (r"^julia", "Julia"),
    (r"^(ijavascript|javascript|tslab|deno)", "JavaScript"),
    (r"^(bash|zsh)$", "Bash"),
    (r"^(ijava|java)", "Java"),
    (r"^(almond|scala|spylon)", "Scala"),
    (r"^(xcpp|cling)", "C++"),
    (r"^(gophernotes|gonb)", "Go"),
    (r"^(evcxr|rust)", "Rust"),
    (r"^(ruby|iruby)", "Ruby"),
)
# A display name whose first word is a language name (IRkernel's is just "R").
_DISPLAY_LANGUAGES = {"r": "R", "julia": "Julia", "javascript": "JavaScript", "bash": "Bash",
                      "java": "Java", "scala": "Scala", "c++": "C++", "go": "Go", "rust": "Rust",
                      "ruby": "Ruby", "sas": "SAS", "stata": "Stata", "matlab": "MATLAB",
                      "octave": "Octave", "sql": "SQL", "typescript": "TypeScript"}


def check_language(path: pathlib.Path, metadata: dict[str, Any]) -> None:
    """Raise InvalidNotebookError if the notebook's kernel is not a Python kernel."""
    language = saved_language(metadata)
    if language and language.lower() not in _PYTHON:
        raise InvalidNotebookError(
            f"The notebook is written for a {language} kernel; vdk run executes Python notebooks.",
            Location(path.name),
            "Rewrite it for a Python kernel, or move it out of the top level of the job folder.",
        )


def saved_language(metadata: dict[str, Any]) -> Optional[str]:
    # Metadata beyond the schema's required keys can hold anything; only a name counts.
    kernelspec = metadata.get("kernelspec") or {}
    kernelspec = kernelspec if isinstance(kernelspec, dict) else {}
    info = metadata.get("language_info") or {}
    info = info if isinstance(info, dict) else {}
    for name in (kernelspec.get("language"), info.get("name")):
        if isinstance(name, str) and name:
            return name
    name, display = kernelspec.get("name"), kernelspec.get("display_name")
    if isinstance(name, str):
        for pattern, language in _KERNEL_NAMES:
            if re.match(pattern, name, re.IGNORECASE):
                return language
    if isinstance(display, str) and display.split():
        return _DISPLAY_LANGUAGES.get(display.split()[0].lower())
    return None
