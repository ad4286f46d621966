import pathlib

import setuptools

HERE = pathlib.Path(__file__).parent

setuptools.setup(
    name="vdk-jupyter",
    version="0.1.0",
    description="Run Jupyter notebooks as steps of Versatile Data Kit data jobs.",
    # The README's introduction only: vdk-core parses every plugin's metadata, description
    # included, at the start of every `vdk` command.
    long_description=(HERE / "README.md").read_text(encoding="utf-8").split("\n## ")[0],
    long_description_content_type="text/markdown",
    package_dir={"": "src"},
    packages=setuptools.find_namespace_packages(where="src", include=["vdk.*"]),
    python_requires=">=3.9",
    install_requires=[
        "vdk-core>=0.3",
        # vdk-core imports pkg_resources at start-up; setuptools 81 removed it.
        "setuptools<81",
        "nbformat>=5.1",
    ],
    extras_require={
        # Only notebooks that use magics or !shell lines need IPython. Not required, because
        # every installed distribution costs every `vdk run` (vdk-core scans them all at start)
        # and IPython brings more than a dozen; a notebook that needs it and does not find it
        # stops the job at start, saying what to install.
        "ipython": ["ipython>=7.23"],
        # JupyterLab, and deploying from it: vdk-control-cli is the Control Service's client (the
        # `vdk deploy` behind the Deploy command and %vdk deploy); vdk-plugin-control-cli adds
        # `vdk deploy`, `vdk login`, `vdk list`, `vdk execute` to the `vdk` command.
        "jupyter": ["jupyterlab>=4", "ipykernel>=6", "ipython>=7.23", "vdk-control-cli>=1.3",
                    "vdk-plugin-control-cli>=0.1"],
        # HTML copies of run reports (NOTEBOOK_REPORT_HTML); imported only when that is set.
        "html": ["nbconvert>=6"],
        "test": ["pytest", "ipython>=7.23", "vdk-sqlite", "vdk-test-utils", "nbclient", "ipykernel",
                 "matplotlib", "pandas",
                 # checks the test Control Service against the official API document
                 "openapi-core"],
    },
    entry_points={"vdk.plugin.run": ["notebook = vdk.plugin.notebook.vdk_run.hooks"]},
    # The "VDK (Python 3)" kernel: Jupyter finds kernelspecs under <prefix>/share/jupyter/kernels,
    # so installing the package into a Jupyter server's environment makes the kernel appear.
    data_files=[("share/jupyter/kernels/vdk", ["share/jupyter/kernels/vdk/kernel.json"])],
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: Jupyter",
    ],
)
