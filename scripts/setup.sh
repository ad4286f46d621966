#!/usr/bin/env bash
# Creates .venv (or reuses it) with vdk-jupyter installed in development mode plus what the tests
# and the example need. Safe to run again. PYTHON picks the interpreter (3.9 or newer).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# VDK packages build from source with pkg_resources; constraints.txt keeps setuptools below 81.
export PIP_CONSTRAINT="$PWD/constraints.txt"
.venv/bin/python -m pip install --quiet --disable-pip-version-check "setuptools<81" pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,jupyter]"
# An editable install does not install data_files: put the "VDK (Python 3)" kernelspec into the
# venv as a regular install would (share/jupyter/kernels/vdk).
.venv/bin/jupyter kernelspec install share/jupyter/kernels/vdk --sys-prefix --name vdk >/dev/null 2>&1
