"""Which files of a job folder never go into a deployment: built-in rules, then the job's own
`.vdkignore`, in the syntax of `.gitignore` (docs/deploy-files.md).

`vdk deploy` uploads the whole folder; a folder a user works in also holds `.env` files, a git
repository, a virtual environment, a local SQLite database and editor settings, none of which
belongs in the cloud and some of which hold secrets. The built-in rules leave those out; the
job's `.vdkignore` adds rules, and a `!pattern` line there brings back a file a built-in rule
left out. The matching is written here (a few dozen lines) rather than taken from a dependency,
so deploying needs nothing more than vdk-control-cli.
"""
from __future__ import annotations

import pathlib
import re
from typing import NamedTuple
from typing import Optional

IGNORE_FILE = ".vdkignore"

DEFAULT_RULES = """\
# Secrets and local settings
.env
.env.*
*.keytab
# Version control, virtual environments, caches
.git/
.hg/
.svn/
.venv/
venv/
__pycache__/
*.py[cod]
.ipynb_checkpoints/
.pytest_cache/
.mypy_cache/
# Local databases
*.sqlite
*.sqlite3
*.db
*.db-journal
*.db-wal
*.sqlite-journal
*.sqlite-wal
# Editors and operating systems
.idea/
.vscode/
*.swp
*.swo
*~
.DS_Store
Thumbs.db
"""


class Rule(NamedTuple):
    pattern: str  # as written, for messages
    regex: "re.Pattern[str]"
    negated: bool
    directory_only: bool
    source: str  # "built-in" or the ignore file's path with its line


class IgnoreRules:
    """The rules of one job folder. `ignored(relative, is_dir)` with a `/`-separated path
    relative to the job folder; the last matching rule decides, as in git."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules

    @classmethod
    def for_job(cls, job_dir: pathlib.Path) -> "IgnoreRules":
        rules = parse(DEFAULT_RULES, "built-in")
        own = job_dir / IGNORE_FILE
        if own.is_file() and not own.is_symlink():
            text = own.read_text(encoding="utf-8", errors="replace")
            rules += parse(text, IGNORE_FILE)
        return cls(rules)

    def rule_for(self, relative: str, is_dir: bool) -> Optional[Rule]:
        """The rule that decides `relative`, or None when none matches."""
        decided = None
        for rule in self.rules:
            if rule.directory_only and not is_dir:
                continue
            if rule.regex.fullmatch(relative):
                decided = rule
        return decided

    def ignored(self, relative: str, is_dir: bool) -> bool:
        rule = self.rule_for(relative, is_dir)
        return rule is not None and not rule.negated


def parse(text: str, source: str) -> list[Rule]:
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        rule = _rule(line, f"{source}:{number}" if source != "built-in" else source)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(line: str, source: str) -> Optional[Rule]:
    # Trailing spaces are dropped unless escaped with a backslash, as git does.
    line = re.sub(r"(?<!\\)\s+$", "", line.rstrip("\r\n"))
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    directory_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    # A pattern with a slash (other than at its end) is anchored at the job folder; one
    # without matches at any depth.
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    regex = body if anchored or line.startswith("**/") else f"(?:.*/)?{body}"
    return Rule(line, re.compile(regex, re.DOTALL), negated, directory_only, source)


def _translate(pattern: str) -> str:
    """A gitignore glob as a regular expression over a `/`-separated relative path."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i) and (i == 0 or pattern[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/") and i + 2 == n:
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "^", "]") else i + 1)
            if end < 0:
                out.append(re.escape(c))
                i += 1
                continue
            inner = pattern[i + 1:end]
            if inner[:1] in ("!", "^"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\").replace("/", "") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)
