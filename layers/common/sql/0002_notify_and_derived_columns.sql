-- Version bumps are announced on the channel ``layers_version`` (payload: the table's name) when
-- the writing transaction commits, so a process holding copies (the tile front's cache) drops
-- them at once instead of polling.
-- The history trigger leaves out the columns named as its arguments: columns the database derives
-- from others (the tile geometry copies of tiles/sql/), which are no part of a feature's history.

CREATE OR REPLACE FUNCTION layers_record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  who text := nullif(current_setting('geoportal.actor', true), '');
  derived text[] := CASE WHEN TG_NARGS > 0 THEN TG_ARGV ELSE '{}'::text[] END;
  old_row jsonb;
  new_row jsonb;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN old_row := to_jsonb(OLD) - derived; END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN new_row := to_jsonb(NEW) - derived; END IF;
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
  PERFORM pg_notify('layers_version', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

-- Attach the triggers to a layer table whose history leaves out the derived columns
-- ``leave_out`` (tiles/sql/ calls it once it has added them).
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
