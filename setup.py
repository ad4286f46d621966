import os
import pathlib
import re
import shutil
import subprocess
import sys

import setuptools
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1: wheel's (pyproject.toml's build requirements bring it)
    from wheel.bdist_wheel import bdist_wheel

HERE = pathlib.Path(__file__).parent

# --- JupyterLab front end: the prebuilt extension, built from jupyterlab/ when missing ---
LABEXTENSION = HERE / "src/vdk/plugin/notebook/labextension"
LABEXTENSION_DEST = "share/jupyter/labextensions/vdk-jupyter"
DATA_FILES = [
    # The "VDK (Python 3)" kernel: Jupyter finds kernelspecs under <prefix>/share/jupyter/kernels,
    # so installing the package into a Jupyter server's environment makes the kernel appear.
    ("share/jupyter/kernels/vdk", ["share/jupyter/kernels/vdk/kernel.json"]),
    # The Jupyter server extension (vdk.plugin.notebook.server) is enabled by this config file,
    # which Jupyter reads from <prefix>/etc/jupyter/jupyter_server_config.d.
    ("etc/jupyter/jupyter_server_config.d", ["etc/jupyter/jupyter_server_config.d/vdk_jupyter.json"]),
]


def labextension_files() -> list:
    """The built extension's files, folder by folder, where JupyterLab looks for prebuilt
    extensions (<prefix>/share/jupyter/labextensions/<name>): users need no Node.js."""
    if not (LABEXTENSION / "package.json").is_file():
        return []
    folders = {}
    for path in sorted(LABEXTENSION.rglob("*")):
        if path.is_file():
            dest = pathlib.Path(LABEXTENSION_DEST, path.parent.relative_to(LABEXTENSION))
            folders.setdefault(dest.as_posix(), []).append(path.relative_to(HERE).as_posix())
    return list(folders.items())


def build_front_end(distribution) -> None:
    """Builds the extension when this tree has none (a clone; a source distribution carries it),
    as the JupyterLab extension template's build does, then lists its files for the wheel. A
    wheel or sdist without it would install a JupyterLab without the VDK menu without a word."""
    if not (LABEXTENSION / "package.json").is_file():
        if shutil.which("npm") is None:
            raise SystemExit(
                "setup.py: building the JupyterLab extension needs Node.js 20 with npm "
                "(https://nodejs.org/); install it, or install vdk-jupyter from a wheel or a "
                "source distribution, which carry the built extension."
            )
        # The interpreter of this build: in pip's isolated build it sees the JupyterLab that
        # build_backend.py asked for.
        subprocess.run(["bash", str(HERE / "scripts/build-labextension.sh")], check=True,
                       env=dict(os.environ, PYTHON=sys.executable))
    distribution.data_files = DATA_FILES + labextension_files()


class BdistWheelWithLabextension(bdist_wheel):
    def run(self):
        build_front_end(self.distribution)
        super().run()


class SdistWithLabextension(sdist):
    """The source distribution holds the built extension (MANIFEST.in), so installing from it
    needs no Node.js."""

    def run(self):
        build_front_end(self.distribution)
        super().run()
# --- end of the JupyterLab front end ---

setuptools.setup(
    name="vdk-jupyter",
    version="0.1.0",
    description="Run Jupyter notebooks as steps of Versatile Data Kit data jobs.",
    # The README's introduction only (up to its screenshot, whose relative path means nothing on
    # PyPI): vdk-core parses every plugin's metadata, description included, at the start of
    # every `vdk` command.
    long_description=re.split(r"\n(?:## |!\[)", (HERE / "README.md").read_text(encoding="utf-8"))[0],
    long_description_content_type="text/markdown",
    package_dir={"": "src"},
    packages=setuptools.find_namespace_packages(
        where="src", include=["vdk.*"], exclude=["*.labextension", "*.labextension.*"]
    ),
    python_requires=">=3.9",
    install_requires=[
        "vdk-core>=0.3",
        # vdk-core imports pkg_resources at start-up; setuptools 81 removed it.
        "setuptools<81",
    ],
    extras_require={
        # Development tools: ruff, the linter scripts/lint.sh runs (one minor version: its rules
        # change between them); build and twine, with which tests/test_artifacts.py makes and
        # checks the sdist and the wheel.
        "dev": ["ruff>=0.17,<0.18", "build", "twine"],
        # Only notebooks that use magics or !shell lines need IPython. Not required, because
        # every installed distribution costs every `vdk run` (vdk-core scans them all at start)
        # and IPython brings more than a dozen; a notebook that needs it and does not find it
        # stops the job at start, saying what to install.
        "ipython": ["ipython>=7.23"],
        # Only notebooks in the old format 3, or malformed ones (to say what is wrong), need
        # nbformat: current notebooks are read with json and a check of our own (schema.py).
        # Not required for the same reason as IPython: it brings eleven distributions.
        "nbformat": ["nbformat>=5.1"],
        # JupyterLab, and deploying from it: vdk-control-cli is the Control Service's client (the
        # `vdk deploy` behind the Deploy command and %vdk deploy); vdk-plugin-control-cli adds
        # `vdk deploy`, `vdk login`, `vdk list`, `vdk execute` to the `vdk` command.
        # vdk-sqlite: the embedded database of local development when a job names none.
        # The client pair is capped on purpose (docs/jupyterhub.md): this extra is what a
        # JupyterHub single-user image installs, and JupyterHub 5+ needs pydantic 2. Every
        # vdk-control-cli from 1.3.870522728 on pins vdk-control-service-api 1.0.10+, which pins
        # pydantic<2; 1.3.864600569 (vdk-control-service-api 1.0.9, any pydantic) is the newest that
        # installs beside a hub. vdk-plugin-control-cli from 0.1.928743296 on imports
        # `command_groups.job.secrets`, which that vdk-control-cli lacks: with it, every `vdk`
        # command fails ("Plugin load failed"). So both are held to the pair that works with
        # pydantic 1 and 2, in either install order, without pip backtracking through sdists.
        "jupyter": ["jupyterlab>=4", "ipykernel>=6", "ipython>=7.23", "nbformat>=5.1", "vdk-sqlite",
                    "vdk-control-cli>=1.3.854774602,<1.3.870522728",
                    "vdk-plugin-control-cli>=0.1.886059298,<0.1.928743296"],
        # PostgreSQL as the job's database: VDK's own plugin for it (brings psycopg2-binary).
        "postgres": ["vdk-postgres"],
        # HTML copies of run reports (NOTEBOOK_REPORT_HTML); imported only when that is set.
        "html": ["nbconvert>=6", "nbformat>=5.1"],
        # openapi-core checks the test Control Service against the official API document;
        # playwright drives Debian's chromium in the browser tests (tests/browser); it never
        # downloads a browser of its own.
        # jupyterhub and jupyterhub-idle-culler: the real hub of tests/browser/test_jupyterhub.py
        # (its proxy, configurable-http-proxy, comes from npm: scripts/setup.sh); test-only, and
        # only where the browser tests run (the Python 3.9 lane has no JupyterLab).
        "test": ["pytest", "ipython>=7.23", "nbformat>=5.1", "vdk-sqlite", "vdk-test-utils", "nbclient",
                 "ipykernel", "matplotlib", "pandas", "openapi-core", "playwright",
                 "vdk-postgres", "jupyterhub>=5; python_version >= '3.10'",
                 "jupyterhub-idle-culler>=1.4; python_version >= '3.10'"],
    },
    entry_points={"vdk.plugin.run": ["notebook = vdk.plugin.notebook.vdk_plugin"]},
    # Editable installs do not install data files (scripts/setup.sh links them); wheels do, with
    # the built extension added by the commands above.
    data_files=DATA_FILES + labextension_files(),
    cmdclass={"bdist_wheel": BdistWheelWithLabextension, "sdist": SdistWithLabextension},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: Jupyter",
    ],
)
