import pathlib

import setuptools

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1: wheel's (pyproject.toml's build requirements bring it)
    from wheel.bdist_wheel import bdist_wheel

HERE = pathlib.Path(__file__).parent

# --- JupyterLab front end: the prebuilt extension (built by scripts/build-labextension.sh) ---
LABEXTENSION = HERE / "src/vdk/plugin/notebook/labextension"
LABEXTENSION_DEST = "share/jupyter/labextensions/vdk-jupyter"


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


class bdist_wheel_with_labextension(bdist_wheel):
    """A wheel without the front end would install an extension-less JupyterLab without a
    word: refuse to build one. (Editable installs do not build wheels this way.)"""

    def run(self):
        if not (LABEXTENSION / "package.json").is_file():
            raise SystemExit(
                "setup.py: the JupyterLab extension is not built "
                f"({LABEXTENSION.relative_to(HERE)} is missing); run "
                "`bash scripts/build-labextension.sh` (needs Node.js 20) before building a wheel."
            )
        super().run()
# --- end of the JupyterLab front end ---

setuptools.setup(
    name="vdk-jupyter",
    version="0.1.0",
    description="Run Jupyter notebooks as steps of Versatile Data Kit data jobs.",
    # The README's introduction only: vdk-core parses every plugin's metadata, description
    # included, at the start of every `vdk` command.
    long_description=(HERE / "README.md").read_text(encoding="utf-8").split("\n## ")[0],
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
        "jupyter": ["jupyterlab>=4", "ipykernel>=6", "ipython>=7.23", "nbformat>=5.1", "vdk-sqlite",
                    "vdk-control-cli>=1.3", "vdk-plugin-control-cli>=0.1"],
        # PostgreSQL as the job's database: VDK's own plugin for it (brings psycopg2-binary).
        "postgres": ["vdk-postgres"],
        # HTML copies of run reports (NOTEBOOK_REPORT_HTML); imported only when that is set.
        "html": ["nbconvert>=6", "nbformat>=5.1"],
        # openapi-core checks the test Control Service against the official API document;
        # playwright drives Debian's chromium in the browser tests (tests/browser); it never
        # downloads a browser of its own.
        "test": ["pytest", "ipython>=7.23", "nbformat>=5.1", "vdk-sqlite", "vdk-test-utils", "nbclient",
                 "ipykernel", "matplotlib", "pandas", "openapi-core", "playwright",
                 "vdk-postgres"],
    },
    entry_points={"vdk.plugin.run": ["notebook = vdk.plugin.notebook.vdk_run.hooks",
                                      "notebook-commands = vdk.plugin.notebook.cli.plugin"]},
    # The "VDK (Python 3)" kernel: Jupyter finds kernelspecs under <prefix>/share/jupyter/kernels,
    # so installing the package into a Jupyter server's environment makes the kernel appear.
    # The Jupyter server extension (vdk.plugin.notebook.server) is enabled by this config
    # file, which Jupyter reads from <prefix>/etc/jupyter/jupyter_server_config.d.
    data_files=[
        ("share/jupyter/kernels/vdk", ["share/jupyter/kernels/vdk/kernel.json"]),
        ("etc/jupyter/jupyter_server_config.d", ["etc/jupyter/jupyter_server_config.d/vdk_jupyter.json"]),
    ]
    # The prebuilt JupyterLab extension (see labextension_files above).
    + labextension_files(),
    cmdclass={"bdist_wheel": bdist_wheel_with_labextension},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: Jupyter",
    ],
)
