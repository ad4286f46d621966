"""What gets uploaded when a notebook job is deployed, and the checks made before.

The cloud runs the uploaded folder with `vdk run`, after installing its requirements.txt; so a
job is refused here when `vdk run` would refuse one of its notebooks at start, and when
requirements.txt would not install this plugin (the notebooks would then not run at all, and
no error would say why). What is uploaded (docs/deploy-files.md) is a copy holding regular files
only: what the ignore rules (ignore_rules.py, the job's .vdkignore) leave out is not there, a
symbolic link becomes the file it points to only when that is inside the job folder (else the
deploy is refused, naming it), and every notebook is stripped of outputs, execution counts,
widget state and cell metadata that may hold data, or refused when it cannot be. The user's own
files are never changed, and nothing is ever written through a link.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import shutil
import stat
import tempfile
from typing import Any
from typing import Iterable
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.deploy.schedule import ScheduleError
from vdk.plugin.notebook.deploy.schedule import config_schedule
from vdk.plugin.notebook.deploy.schedule import parse
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.prepare import prepare_notebook
from vdk.plugin.notebook.engine.prepare import blank_cell
from vdk.plugin.notebook.deploy.ignore_rules import IGNORE_FILE
from vdk.plugin.notebook.deploy.ignore_rules import IgnoreRules
from vdk.plugin.notebook.engine.reader import needs_nbformat
from vdk.plugin.notebook.engine.reader import read_file
from vdk.plugin.notebook.job.folder import is_job_folder
from vdk.plugin.notebook.job.local_database import job_database_type
from vdk.plugin.notebook.job.notebooks import find_notebooks
from vdk.plugin.notebook.job.template import JOB_NAME
from vdk.plugin.notebook.job.template import JOB_NAME_RULE
from vdk.plugin.notebook.vdk_run.standalone import configured_python_version

DISTRIBUTION = "vdk-jupyter"
POSTGRES_PLUGIN = "vdk-postgres"  # VDK's plugin for PostgreSQL; vdk-jupyter[postgres] brings it
REQUIREMENTS = "requirements.txt"
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class PackageProblem(Exception):
    """Why the job cannot be deployed as it is. `kind` lets a front end offer a fix:
    "requirements" (offer add_to_requirements), "notebook", "unsaved", "job"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class CheckedJob(NamedTuple):
    directory: pathlib.Path
    name: str
    notebooks: list[pathlib.Path]
    files: Optional[JobFiles] = None  # what is uploaded (job_files), listed by check_job


def check_job(job_dir: pathlib.Path, unsaved: Iterable[str] = (),
              adding_requirement: bool = False) -> CheckedJob:
    """Everything that would make the deployed job fail at start, found before anything is
    uploaded. `unsaved`: notebooks open in an editor with changes not on disk (only a front
    end knows them); the upload would not hold those changes. `adding_requirement`: the user
    agreed to add the plugin to requirements.txt, which is done only once every check passed."""
    job_dir = job_dir.resolve()
    if not is_job_folder(job_dir):
        raise PackageProblem("job", f"{job_dir} is not a data job folder: it has no config.ini. "
                             "Deploy the folder that holds the job's config.ini and steps.")
    name = job_dir.name
    if not JOB_NAME.match(name):  # the one rule (job/template.py)
        raise PackageProblem(
            "job", f"The job folder's name {name!r} cannot be a deployed job's name: it must be "
            f"{JOB_NAME_RULE}. Rename the folder.")
    schedule = config_schedule(job_dir)
    if schedule:
        try:
            parse(schedule)
        except ScheduleError as e:
            raise PackageProblem(
                "schedule", f"The schedule in config.ini ([job] schedule_cron = {schedule}) is "
                f"not a valid cron schedule: {e} Correct it, or remove it to deploy without "
                "a schedule.") from None
    unsaved = sorted(set(unsaved))
    if unsaved:
        raise PackageProblem(
            "unsaved", f"Unsaved changes in {', '.join(unsaved)}: the deployed job would not have "
            "them. Save the notebooks, then deploy.")
    if not names_plugin(job_dir) and not (adding_requirement and _can_add_requirement(job_dir)):
        raise PackageProblem(
            "requirements", f"{REQUIREMENTS} of the job does not name {DISTRIBUTION}: the cloud "
            f"installs only what it lists, so its notebooks would not run there. Add a line "
            f"'{DISTRIBUTION}' to {job_dir / REQUIREMENTS}.")
    if needs_postgres_plugin(job_dir) and not (adding_requirement and
                                               _can_add_requirement(job_dir)):
        raise PackageProblem(
            "requirements", f"The job's config.ini sets db_default_type = POSTGRES, and "
            f"{REQUIREMENTS} does not install {POSTGRES_PLUGIN}: the cloud installs only what it "
            f"lists, so the job would have no connection to its database there. Add a line "
            f"'{POSTGRES_PLUGIN}' to {job_dir / REQUIREMENTS} (or write '{DISTRIBUTION}[postgres]' "
            f"instead of '{DISTRIBUTION}').")
    # Before any notebook is read: a link pointing out of the job is refused, not followed.
    files = job_files(job_dir)
    notebooks = find_notebooks(job_dir)
    python_version = configured_python_version(job_dir)
    for path in notebooks:
        try:
            prepared = prepare_notebook(path, None, python_version)
        except NotebookError as e:
            # The words `vdk run` logs when it refuses the notebook at start (step_list.py).
            raise PackageProblem("notebook", f"{path.name} cannot be run.\n{e.message()}") from None
        needing = next((c for c in prepared.cells if c.needs_ipython), None)
        if needing is not None and not names_ipython(job_dir):
            # IPython is an extra (setup.py): installed here, it may be missing in the cloud.
            raise PackageProblem(
                "requirements", f"{path.name}, {needing.cell.label} uses IPython syntax (a magic "
                f"or !command), and {REQUIREMENTS} does not install IPython: the job would stop "
                f"at start in the cloud. Add a line '{DISTRIBUTION}[ipython]' to "
                f"{job_dir / REQUIREMENTS}.")
        if not names_extra(job_dir, "nbformat") and needs_nbformat(path):
            raise PackageProblem(
                "requirements", f"{path.name} is not a current (format 4) notebook as Jupyter "
                f"saves it, and reading it takes nbformat, which {REQUIREMENTS} does not "
                f"install: the job would stop at start in the cloud. Add a line "
                f"'{DISTRIBUTION}[nbformat]' to {job_dir / REQUIREMENTS}, or open the notebook "
                "in Jupyter and save it again.")
    return CheckedJob(job_dir, name, notebooks, files)


def _can_add_requirement(job_dir: pathlib.Path) -> bool:
    path = job_dir / REQUIREMENTS
    if path.is_symlink():
        add_to_requirements(job_dir)  # raises the refusal that names the link
    return True


def names_plugin(job_dir: pathlib.Path) -> bool:
    """Whether the job's requirements.txt installs this plugin."""
    return any(name == DISTRIBUTION for name, _ in _requirements(job_dir))


def needs_postgres_plugin(job_dir: pathlib.Path) -> bool:
    """Whether the job's config.ini names PostgreSQL and its requirements.txt installs no
    vdk-postgres (itself, or through this plugin's postgres extra)."""
    if job_database_type(job_dir) != "POSTGRES":
        return False
    return not any(name == POSTGRES_PLUGIN or (name == DISTRIBUTION and "postgres" in extras)
                   for name, extras in _requirements(job_dir))


def names_ipython(job_dir: pathlib.Path) -> bool:
    """Whether the job's requirements.txt installs IPython: itself, or one of this plugin's
    extras that bring it."""
    return names_extra(job_dir, "ipython")


def names_extra(job_dir: pathlib.Path, extra: str) -> bool:
    """Whether the job's requirements.txt installs what this plugin's `extra` brings (ipython,
    nbformat): the package itself, or an extra of this plugin that includes it."""
    return any(name == extra or (name == DISTRIBUTION and extras & {extra, "jupyter"})
               for name, extras in _requirements(job_dir))


def _requirements(job_dir: pathlib.Path) -> list[tuple[str, set[str]]]:
    """(normalised name, extras) of each line of the job's requirements.txt."""
    path = job_dir / REQUIREMENTS
    if not path.is_file():
        return []
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        text = line.split("#", 1)[0]
        match = _REQUIREMENT_NAME.match(text)
        if match:
            rest = text[match.end():].strip()
            extras = rest[1:rest.find("]")] if rest.startswith("[") and "]" in rest else ""
            found.append((_normalise(match.group(1)),
                          {_normalise(e.strip()) for e in extras.split(",") if e.strip()}))
    return found


def add_to_requirements(job_dir: pathlib.Path) -> bool:
    """Adds the lines the job's requirements.txt lacks (creating it): `vdk-jupyter`, and
    `vdk-postgres` for a job whose config.ini names PostgreSQL; with the user's consent, asked
    by the caller. Returns False when nothing was missing. Never writes through a symbolic
    link: the file it points to may be anywhere, outside the job too."""
    missing = [] if names_plugin(job_dir) else [DISTRIBUTION]
    if needs_postgres_plugin(job_dir):
        missing.append(POSTGRES_PLUGIN)
    if not missing:
        return False
    path = job_dir / REQUIREMENTS
    if path.is_symlink():
        raise PackageProblem(
            "requirements", f"{REQUIREMENTS} of the job is a symbolic link (to "
            f"{os.readlink(path)}): it is not changed through it. Add the lines "
            f"{', '.join(repr(line) for line in missing)} to the file yourself, or replace the "
            "link with a file.")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    # A new file put in place: a link planted meanwhile is replaced, not written through.
    fd, temporary = tempfile.mkstemp(prefix=".requirements-", dir=job_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "".join(f"{line}\n" for line in missing))
        if path.exists():
            shutil.copymode(path, temporary)
        else:
            os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class PackagedFile(NamedTuple):
    """A file of the deployment: `name` in the archive (relative to the job folder,
    `/`-separated), read from `source` (the file itself, or what a link in the job points to,
    inside the job folder); notebooks are stripped (`text`)."""

    name: str
    source: pathlib.Path
    text: Optional[str] = None


class JobFiles(NamedTuple):
    files: list[PackagedFile]
    left_out: list[str]  # relative paths the ignore rules left out (folders end with '/')


def job_files(job_dir: pathlib.Path) -> JobFiles:
    """What a deployment of `job_dir` uploads, after the ignore rules (ignore_rules.py).
    Raises PackageProblem("files") for an entry that cannot be uploaded as what it is: a link
    pointing out of the job folder, broken or looping, a link to a folder, a FIFO or device,
    a notebook that cannot be stripped of its outputs. Nothing is read but notebooks."""
    job_dir = job_dir.resolve()
    rules = IgnoreRules.for_job(job_dir)
    files: list[PackagedFile] = []
    left_out: list[str] = []
    for folder, folders, names in os.walk(job_dir, onerror=_unreadable, followlinks=False):
        base = pathlib.Path(folder)
        relative_base = base.relative_to(job_dir).as_posix()
        prefix = "" if relative_base == "." else relative_base + "/"
        kept = []
        for name in sorted(folders):
            relative = prefix + name
            if rules.ignored(relative, True):
                left_out.append(relative + "/")
            elif (base / name).is_symlink():
                raise _link_problem(job_dir, relative, "a folder")
            else:
                kept.append(name)
        folders[:] = kept
        for name in sorted(names):
            relative = prefix + name
            if rules.ignored(relative, False):
                left_out.append(relative)
                continue
            source = _source(job_dir, base / name, relative, rules)
            text = _stripped_notebook(source, relative) if _is_notebook(name) else None
            files.append(PackagedFile(relative, source, text))
    return JobFiles(sorted(files, key=lambda f: f.name), sorted(left_out))


def _source(job_dir: pathlib.Path, path: pathlib.Path, relative: str,
            rules: IgnoreRules) -> pathlib.Path:
    """The regular file whose content is uploaded as `relative`."""
    if not path.is_symlink():
        mode = path.lstat().st_mode
        if not stat.S_ISREG(mode):
            raise PackageProblem(
                "files", f"{relative} in the job folder is not a regular file (a FIFO, socket "
                f"or device): it cannot be uploaded. Remove it, or add it to {IGNORE_FILE}.")
        return path
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise _link_problem(job_dir, relative, "nothing (the link is broken)") from None
    except (RuntimeError, OSError):
        raise _link_problem(job_dir, relative, "itself (the link loops)") from None
    if target != job_dir and job_dir not in target.parents:
        raise PackageProblem(
            "files", f"{relative} in the job folder is a symbolic link to {target}, outside the "
            f"job folder: deploying would upload that file. Copy the file into the job folder "
            f"if it belongs in the deployment, or add {relative} to {IGNORE_FILE}.")
    if not target.is_file():
        raise _link_problem(job_dir, relative, "a folder or a special file")
    inside = target.relative_to(job_dir).as_posix()
    if rules.ignored(inside, False) or any(rules.ignored(part, True)
                                           for part in _parents(inside)):
        raise PackageProblem(
            "files", f"{relative} in the job folder is a symbolic link to {inside}, which "
            f"deployments leave out ({IGNORE_FILE} or its built-in rules): its content would be "
            f"uploaded anyway. Remove the link, or add {relative} to {IGNORE_FILE}.")
    if _is_notebook(relative) != _is_notebook(inside):
        # A notebook uploaded under another name would escape the stripping, or the reverse.
        raise _link_problem(job_dir, relative, f"{inside} (the names differ in being a "
                                               "notebook, *.ipynb)")
    return target


def _is_notebook(name: str) -> bool:
    return name.lower().endswith(".ipynb")


def _unreadable(error: OSError) -> None:
    """A folder that cannot be listed: its files would be missing from the upload unsaid."""
    raise PackageProblem(
        "files", f"{error.filename} cannot be read ({error.strerror}): its files would be "
        f"missing from the deployment. Make it readable, or add it to {IGNORE_FILE}.")


def _parents(relative: str) -> list[str]:
    parts = relative.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _link_problem(job_dir: pathlib.Path, relative: str, what: str) -> PackageProblem:
    return PackageProblem(
        "files", f"{relative} in the job folder is a symbolic link to {what}: deploy uploads "
        f"files as they are, not links. Replace the link with the file itself, or add "
        f"{relative} to {IGNORE_FILE}.")


def _stripped_notebook(source: pathlib.Path, relative: str) -> str:
    try:
        return strip_outputs(read_file(source).decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise PackageProblem(
            "files", f"{relative} cannot be stripped of its outputs before uploading "
            f"({_short(why)}): it may hold data that must not leave this machine. Open it in "
            f"Jupyter and save it again, or add it to {IGNORE_FILE}.") from None


def write_files(job_files_: JobFiles, target: pathlib.Path) -> None:
    """The files, copied into `target`: regular files only (no link is copied as a link, so
    the archive made of `target` holds exactly these), notebooks stripped."""
    target.mkdir(parents=True)
    for file in job_files_.files:
        out = target.joinpath(*file.name.split("/"))
        out.parent.mkdir(parents=True, exist_ok=True)
        if file.text is not None:
            out.write_text(file.text, encoding="utf-8")
            continue
        # O_NOFOLLOW: a file swapped for a link since it was listed is not followed.
        fd = os.open(file.source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as source, open(out, "wb") as copy:
            shutil.copyfileobj(source, copy)
        shutil.copymode(file.source, out)


def stripped_copy(job: CheckedJob, parent: pathlib.Path) -> pathlib.Path:
    """A copy of the job folder in `parent`, under the job's name (the archive's top folder),
    holding what job_files lists: notebooks stripped, ignored files left out, no links."""
    target = parent / job.name
    write_files(job.files if job.files is not None else job_files(job.directory), target)
    return target


# Cell metadata that says how a cell runs or shows, and holds no data; everything else
# (timings, widget and extension state, papermill's records) is left out of the upload.
KEPT_CELL_METADATA = ("tags", "name", "editable", "deletable", "collapsed", "scrolled",
                      "jupyter", "slideshow", "vdk")
LEFT_OUT_NOTEBOOK_METADATA = ("widgets",)


def strip_outputs(text: str) -> str:
    """A notebook's JSON without outputs, execution counts, widget state and cell metadata
    that may hold data; everything else as it was. Format 4, and format 3 (its worksheets).
    Raises ValueError for anything that is not a notebook."""
    nb = json.loads(text)
    if not isinstance(nb, dict):
        raise ValueError("not a notebook: not a JSON object")
    if isinstance(nb.get("metadata"), dict):
        nb["metadata"] = {k: v for k, v in nb["metadata"].items()
                          if k not in LEFT_OUT_NOTEBOOK_METADATA}
    if nb.get("nbformat") == 3 or "worksheets" in nb:
        worksheets = nb.get("worksheets")
        if not isinstance(worksheets, list) or not all(
                isinstance(w, dict) and isinstance(w.get("cells"), list) for w in worksheets):
            raise ValueError("not a notebook: format 3 without worksheets of cells")
        for worksheet in worksheets:
            worksheet["cells"] = [_blank_v3(cell) for cell in worksheet["cells"]]
    else:
        if not isinstance(nb.get("cells"), list):
            raise ValueError("not a notebook: no list of cells")
        nb["cells"] = [_blank_v4(cell) for cell in nb["cells"]]
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _blank_v4(cell: Any) -> dict[str, Any]:
    if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
        raise ValueError("not a notebook: a cell is not an object with a cell_type")
    cell = blank_cell(cell)
    cell["metadata"] = _kept_metadata(cell["metadata"])
    return cell


def _blank_v3(cell: Any) -> dict[str, Any]:
    if not isinstance(cell, dict):
        raise ValueError("not a notebook: a cell is not an object")
    cell = {k: v for k, v in cell.items() if k != "prompt_number"}
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
    cell["metadata"] = _kept_metadata(cell.get("metadata") or {})
    return cell


def _kept_metadata(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, dict):
        return {}
    return {k: v for k, v in metadata.items() if k in KEPT_CELL_METADATA}


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
