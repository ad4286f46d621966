def run(job_input):
    payload = {"userId": 2, "id": 2, "title": "ingested by the .py step", "completed": True}
    job_input.send_object_for_ingestion(payload=payload, destination_table="rest_target_table")
