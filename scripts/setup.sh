#!/usr/bin/env bash
# Creates a virtual environment (or reuses it) with vdk-jupyter installed in development mode plus
# what the tests and the example need. Safe to run again.
#   PYTHON  the interpreter (3.9 or newer; default python3)
#   VENV    where (default .venv)
#   EXTRAS  the extras to install (default test,jupyter,dev)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
EXTRAS="${EXTRAS:-test,jupyter,dev}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
# VDK packages build from source with pkg_resources; constraints.txt keeps setuptools below 81.
export PIP_CONSTRAINT="$PWD/constraints.txt"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "setuptools<81" pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$EXTRAS]"
# An editable install does not install data_files: put the "VDK (Python 3)" kernelspec into the
# venv as a regular install would (share/jupyter/kernels/vdk).
# Quiet when it works; on failure, say why instead of stopping without a word.
if ! output=$("$VENV/bin/jupyter" kernelspec install share/jupyter/kernels/vdk --sys-prefix --name vdk 2>&1); then
  echo "$output" >&2
  echo "setup.sh: installing the VDK kernelspec into $VENV failed (see above)." >&2
  exit 1
fi
# Nor the config file that enables the Jupyter server extension (a regular install puts it there).
mkdir -p "$VENV/etc/jupyter/jupyter_server_config.d"
cp etc/jupyter/jupyter_server_config.d/vdk_jupyter.json "$VENV/etc/jupyter/jupyter_server_config.d/"

# --- JupyterLab front end (jupyterlab/, see scripts/build-labextension.sh) ---
# Only with the jupyter extra: the Python 3.9 lane (EXTRAS=test) needs neither Node.js nor
# JupyterLab. An editable install does not install data_files, so the built extension is linked
# into the venv where a wheel would put it; rebuilding shows up without linking again.
if [[ ",$EXTRAS," == *",jupyter,"* ]]; then
  VENV="$VENV" bash scripts/build-labextension.sh
  labextensions="$VENV/share/jupyter/labextensions"
  mkdir -p "$labextensions"
  ln -sfn "$PWD/src/vdk/plugin/notebook/labextension" "$labextensions/vdk-jupyter"
fi
# --- end of the JupyterLab front end ---

# --- JupyterHub's proxy for tests/browser/test_jupyterhub.py (jupyterhub itself is in the test
# extra): configurable-http-proxy from npm, into .work/chp unless one is on PATH.
if [[ ",$EXTRAS," == *",jupyter,"* && ",$EXTRAS," == *",test,"* ]] \
    && ! command -v configurable-http-proxy >/dev/null \
    && [ ! -x .work/chp/node_modules/.bin/configurable-http-proxy ]; then
  mkdir -p .work/chp
  npm install --silent --no-audit --no-fund --prefix .work/chp configurable-http-proxy@5
fi
