#!/usr/bin/env bash
# Builds the JupyterLab front end (jupyterlab/, TypeScript) into
# src/vdk/plugin/notebook/labextension/, the prebuilt extension that setup.py ships in
# the wheel (share/jupyter/labextensions/vdk-jupyter), so users need no Node.js.
# Needs Node.js 20 and npm, and a Python that imports JupyterLab (for its core package list):
# $PYTHON, or else $VENV/bin/python (default .venv). setup.py runs it when a wheel or a source
# distribution is built from a tree without the built extension.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(cd "${VENV:-.venv}" && pwd)/bin/python}"
if ! command -v npm >/dev/null 2>&1; then
  echo "build-labextension.sh: npm (Node.js 20) is needed to build the JupyterLab extension; install Node.js or install without the jupyter extra (EXTRAS=test)." >&2
  exit 1
fi
cd jupyterlab
# npm ci only when package-lock.json changed since the last install (it empties node_modules).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc --sourceMap false
# @jupyterlab/builder's own command, as `jupyter labextension build` ran it before JupyterLab 4.6
# moved that to a separate Python package: webpack with JupyterLab's shared packages, which it
# reads from the installed JupyterLab's core package.json (its "staging" folder).
core="$("$PYTHON" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')"
npx build-labextension --core-path "$core" . >build.log 2>&1 || {
  cat build.log >&2
  echo "build-labextension.sh: building the JupyterLab extension failed (see above)." >&2
  exit 1
}
rm -f build.log
cp install.json ../src/vdk/plugin/notebook/labextension/install.json
