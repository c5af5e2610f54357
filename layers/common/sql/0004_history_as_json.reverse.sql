-- Back to 0003: its layers_record_changes() (writing jsonb) is made again by running
-- 0003_statement_history.sql after this file (migration 0006's reverse).
DROP FUNCTION IF EXISTS layers_row_json(json, text[]);
