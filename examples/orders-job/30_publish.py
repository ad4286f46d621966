"""Publishes the best day as a view over what the notebook step ingested."""


def run(job_input):
    job_input.execute_query(
        "CREATE VIEW IF NOT EXISTS best_day AS "
        "SELECT day, revenue FROM daily_revenue ORDER BY revenue DESC LIMIT 1"
    )
