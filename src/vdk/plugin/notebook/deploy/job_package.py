"""What gets uploaded when a notebook job is deployed, and the checks made before.

The cloud runs the uploaded folder with `vdk run`, after installing its requirements.txt; so a
job is refused here when `vdk run` would refuse one of its notebooks at start, and when
requirements.txt would not install this plugin (the notebooks would then not run at all, and
no error would say why). What is uploaded is a copy with every notebook's outputs and execution
counts stripped: outputs may hold data that belongs in no source repository, and the user's own
files are never changed.
"""
from __future__ import annotations

import json
import pathlib
import re
import shutil
from typing import Iterable
from typing import NamedTuple

from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.prepare import prepare_notebook
from vdk.plugin.notebook.engine.prepare import blank_cell
from vdk.plugin.notebook.engine.reader import needs_nbformat
from vdk.plugin.notebook.job.folder import is_job_folder
from vdk.plugin.notebook.job.local_database import job_database_type
from vdk.plugin.notebook.job.notebooks import find_notebooks
from vdk.plugin.notebook.vdk_run.standalone import configured_python_version

DISTRIBUTION = "vdk-jupyter"
POSTGRES_PLUGIN = "vdk-postgres"  # VDK's plugin for PostgreSQL; vdk-jupyter[postgres] brings it
REQUIREMENTS = "requirements.txt"
# As vdk-control-cli checks a job name before creating it (`vdk create`).
_JOB_NAME = re.compile(r"^[a-z][a-z0-9-]{4,44}$")
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


def check_job(job_dir: pathlib.Path, unsaved: Iterable[str] = ()) -> CheckedJob:
    """Everything that would make the deployed job fail at start, found before anything is
    uploaded. `unsaved`: notebooks open in an editor with changes not on disk (only a front
    end knows them); the upload would not hold those changes."""
    job_dir = job_dir.resolve()
    if not is_job_folder(job_dir):
        raise PackageProblem("job", f"{job_dir} is not a data job folder: it has no config.ini. "
                             "Deploy the folder that holds the job's config.ini and steps.")
    name = job_dir.name
    if not _JOB_NAME.match(name):
        raise PackageProblem(
            "job", f"The job folder's name {name!r} cannot be a deployed job's name: it must be "
            "5 to 45 characters, lowercase letters, digits and dashes, starting with a letter. "
            "Rename the folder.")
    unsaved = sorted(set(unsaved))
    if unsaved:
        raise PackageProblem(
            "unsaved", f"Unsaved changes in {', '.join(unsaved)}: the deployed job would not have "
            "them. Save the notebooks, then deploy.")
    if not names_plugin(job_dir):
        raise PackageProblem(
            "requirements", f"{REQUIREMENTS} of the job does not name {DISTRIBUTION}: the cloud "
            f"installs only what it lists, so its notebooks would not run there. Add a line "
            f"'{DISTRIBUTION}' to {job_dir / REQUIREMENTS}.")
    if needs_postgres_plugin(job_dir):
        raise PackageProblem(
            "requirements", f"The job's config.ini sets db_default_type = POSTGRES, and "
            f"{REQUIREMENTS} does not install {POSTGRES_PLUGIN}: the cloud installs only what it "
            f"lists, so the job would have no connection to its database there. Add a line "
            f"'{POSTGRES_PLUGIN}' to {job_dir / REQUIREMENTS} (or write '{DISTRIBUTION}[postgres]' "
            f"instead of '{DISTRIBUTION}').")
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
    return CheckedJob(job_dir, name, notebooks)


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
    by the caller. Returns False when nothing was missing."""
    missing = [] if names_plugin(job_dir) else [DISTRIBUTION]
    if needs_postgres_plugin(job_dir):
        missing.append(POSTGRES_PLUGIN)
    if not missing:
        return False
    path = job_dir / REQUIREMENTS
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "".join(f"{line}\n" for line in missing), encoding="utf-8")
    return True


def stripped_copy(job: CheckedJob, parent: pathlib.Path) -> pathlib.Path:
    """A copy of the job folder in `parent`, under the job's name (the archive's top folder),
    with the outputs and execution counts of every notebook in it removed. Checkpoints that
    Jupyter keeps beside notebooks are left out: they are saved outputs too."""
    target = parent / job.name
    shutil.copytree(job.directory, target, symlinks=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for copy in sorted(target.rglob("*.ipynb")):
        if copy.is_symlink() or not copy.is_file():
            continue
        try:
            copy.write_text(strip_outputs(copy.read_text(encoding="utf-8")), encoding="utf-8")
        except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
            # Not a notebook vdk run would read (not a step: a top-level one was checked).
            continue
    return target


def strip_outputs(text: str) -> str:
    """A notebook's JSON without outputs and execution counts; everything else as it was."""
    nb = json.loads(text)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook")
    nb["cells"] = [blank_cell(cell) for cell in nb.get("cells", [])]
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
