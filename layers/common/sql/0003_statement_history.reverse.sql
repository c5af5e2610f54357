-- Back to the row-level history trigger, with the same arguments.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgrelid::regclass AS tbl,
           string_to_array(regexp_replace(encode(tg.tgargs, 'escape'), '\\000$', ''), '\000')
             AS leave_out
      FROM pg_trigger tg
     WHERE tg.tgname = 'layers_history_insert' AND NOT tg.tgisinternal
  LOOP
    EXECUTE format('DROP TRIGGER layers_history_insert ON %s', t.tbl);
    EXECUTE format('DROP TRIGGER layers_history_update ON %s', t.tbl);
    EXECUTE format('DROP TRIGGER layers_history_delete ON %s', t.tbl);
    EXECUTE format(
      'CREATE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON %s '
      'FOR EACH ROW EXECUTE FUNCTION layers_record_history(%s)', t.tbl,
      coalesce((SELECT string_agg(quote_literal(c), ', ') FROM unnest(t.leave_out) AS c), ''));
  END LOOP;
END
$$;

DROP FUNCTION layers_track(regclass);
DROP FUNCTION layers_track(regclass, text[]);
DROP FUNCTION layers_record_changes();

CREATE OR REPLACE FUNCTION layers_track(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON %s '
    'FOR EACH ROW EXECUTE FUNCTION layers_record_history()', tbl);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION layers_bump_version()', tbl);
  INSERT INTO layers_version (table_name, version) VALUES (tbl::text, 0)
  ON CONFLICT (table_name) DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION layers_track(tbl regclass, leave_out text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM layers_track(tbl);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON %s '
    'FOR EACH ROW EXECUTE FUNCTION layers_record_history(%s)',
    tbl, (SELECT string_agg(quote_literal(c), ', ') FROM unnest(leave_out) AS c));
END
$$;

CREATE OR REPLACE FUNCTION layers_untrack(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS layers_version ON %s', tbl);
END
$$;
