DROP TABLE IF EXISTS rest_target_table;
