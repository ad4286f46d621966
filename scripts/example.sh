#!/usr/bin/env bash
# Sets up .venv and runs the example job against an embedded SQLite database file, then shows
# the rows that landed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p .work
export VDK_DB_DEFAULT_TYPE=SQLITE
export VDK_SQLITE_FILE="$PWD/.work/example.sqlite"
export VDK_INGEST_METHOD_DEFAULT=sqlite
rm -f "$VDK_SQLITE_FILE"
.venv/bin/vdk run examples/orders-job
echo
echo "Rows in $VDK_SQLITE_FILE, table daily_revenue:"
.venv/bin/vdk sqlite-query --query "SELECT * FROM daily_revenue ORDER BY day"
echo "View best_day (made by 30_publish.py):"
.venv/bin/vdk sqlite-query --query "SELECT * FROM best_day"
