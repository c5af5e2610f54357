-- History and version counters, kept by triggers so that every write path is seen.
-- The acting user is read from the session setting geoportal.actor (set by the web middleware,
-- the OGC write path and management commands); it is NULL for anonymous or unknown writers.

CREATE OR REPLACE FUNCTION layers_record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  who text := nullif(current_setting('geoportal.actor', true), '');
  old_row jsonb;
  new_row jsonb;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN old_row := to_jsonb(OLD); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN new_row := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN
    RETURN NEW;  -- nothing but the timestamp changed
  END IF;
  INSERT INTO layers_history (table_name, row_id, op, at, actor, old, new)
  VALUES (TG_TABLE_NAME, coalesce(NEW.id, OLD.id), left(TG_OP, 1), now(), who, old_row, new_row);
  RETURN coalesce(NEW, OLD);
END
$$;

CREATE OR REPLACE FUNCTION layers_bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO layers_version (table_name, version, changed_at)
  VALUES (TG_TABLE_NAME, 1, now())
  ON CONFLICT (table_name)
  DO UPDATE SET version = layers_version.version + 1, changed_at = now();
  RETURN NULL;
END
$$;

-- Attach both triggers to a layer table; called by each layer app's migrations.
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

CREATE OR REPLACE FUNCTION layers_untrack(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS layers_version ON %s', tbl);
END
$$;
