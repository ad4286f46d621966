#!/usr/bin/env bash
# Sets up the virtual environment (see setup.sh: PYTHON, VENV, EXTRAS) and runs the whole test
# suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${VENV:-.venv}/bin/python" -m pytest tests "$@"
