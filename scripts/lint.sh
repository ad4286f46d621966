#!/usr/bin/env bash
# The linters, as .ci/run runs them after the tests: ruff for Python (pyproject.toml), eslint
# and prettier for the TypeScript (jupyterlab/, the JupyterLab extension template's settings).
# Needs the set-up of scripts/setup.sh (ruff in the venv, jupyterlab/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
"${VENV:-.venv}/bin/ruff" check .
cd jupyterlab
npx prettier --check "src/**/*.ts" "style/**/*.css"
npx eslint --quiet .  # errors only: the warnings are untranslated strings (npm run eslint:check)
