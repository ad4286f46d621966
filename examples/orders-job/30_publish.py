"""Publishes the best day as a view over what the notebook step ingested.

Dropped and created again rather than CREATE VIEW IF NOT EXISTS (SQLite only) or CREATE OR
REPLACE VIEW (PostgreSQL only), so the job runs unchanged on both."""


def run(job_input):
    job_input.execute_query("DROP VIEW IF EXISTS best_day")
    job_input.execute_query(
        "CREATE VIEW best_day AS "
        "SELECT day, revenue FROM daily_revenue ORDER BY revenue DESC LIMIT 1"
    )
