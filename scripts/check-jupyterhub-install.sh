#!/usr/bin/env bash
# Installs vdk-jupyter[jupyter] beside JupyterHub in fresh virtual environments, both orders
# (the hub first, as a single-user image built FROM a hub image; vdk-jupyter first, then the hub),
# and checks that both work: pydantic 2, JupyterHub 5+, `vdk` with its Control Service commands,
# a notebook job run by `vdk run`, `pip check`. Slow (builds VDK's sdists, installs JupyterLab
# twice: minutes), so run on demand, not in .ci/run. Needs the front end built (setup.sh).
#   PYTHON  the interpreter (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
export PIP_CONSTRAINT="$PWD/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m pip wheel --quiet --no-deps . -w "$work/dist"
wheel="$(ls "$work"/dist/vdk_jupyter-*.whl)"

check() {
  local venv="$1"
  "$venv/bin/python" - <<'PY'
import importlib.metadata as m
pydantic = m.version("pydantic")
hub = m.version("jupyterhub")
assert pydantic.startswith("2."), f"pydantic {pydantic}"
assert int(hub.split(".")[0]) >= 5, f"jupyterhub {hub}"
print(f"  pydantic {pydantic}, jupyterhub {hub}, vdk-control-cli {m.version('vdk-control-cli')}, "
      f"vdk-plugin-control-cli {m.version('vdk-plugin-control-cli')}")
PY
  "$venv/bin/python" -m pip check
  help="$("$venv/bin/vdk" --help 2>&1)"
  for command in run deploy login list; do
    grep -q "^  $command " <<<"$help" || { echo "$help"; echo "vdk has no '$command' command"; exit 1; }
  done
  local job="$work/job-$(basename "$venv")"
  mkdir -p "$job"
  printf '[owner]\nteam = t\n' >"$job/config.ini"
  printf '{"cells":[{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],"source":["job_input.execute_query(\\"CREATE TABLE t (x INTEGER)\\")"]}],"metadata":{},"nbformat":4,"nbformat_minor":5}' >"$job/20_a.ipynb"
  (cd "$work" && HOME="$work" VDK_DB_DEFAULT_TYPE=SQLITE VDK_SQLITE_FILE="$job.sqlite" \
     VDK_INGEST_METHOD_DEFAULT=sqlite "$venv/bin/vdk" run "$job" >"$job.log" 2>&1) \
    || { tail -30 "$job.log"; exit 1; }
  "$venv/bin/jupyter" server extension list 2>&1 | grep -q "vdk.plugin.notebook.server.*enabled"
  "$venv/bin/jupyter" kernelspec list | grep -q "vdk "
  "$venv/bin/jupyter" labextension list 2>&1 | grep -q "vdk-jupyter.*enabled"
}

for order in hub-first vdk-first; do
  start=$(date +%s)
  "$PYTHON" -m venv "$work/$order"
  "$work/$order/bin/pip" install --quiet "setuptools<81"
  if [ "$order" = hub-first ]; then
    "$work/$order/bin/pip" install --quiet jupyterhub jupyterlab
    "$work/$order/bin/pip" install --quiet "$wheel[jupyter]"
  else
    "$work/$order/bin/pip" install --quiet "$wheel[jupyter]"
    "$work/$order/bin/pip" install --quiet jupyterhub
  fi
  echo "$order: installed in $(( $(date +%s) - start )) s"
  check "$work/$order"
  echo "$order: works"
done
