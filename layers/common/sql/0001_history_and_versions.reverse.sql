DROP FUNCTION IF EXISTS layers_untrack(regclass);
DROP FUNCTION IF EXISTS layers_track(regclass);
DROP FUNCTION IF EXISTS layers_bump_version();
DROP FUNCTION IF EXISTS layers_record_history();
