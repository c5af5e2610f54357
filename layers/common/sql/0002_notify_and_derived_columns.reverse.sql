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
    RETURN NEW;
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

DROP FUNCTION IF EXISTS layers_track(regclass, text[]);
