-- History recorded per statement: three AFTER ... FOR EACH STATEMENT triggers a layer table, which
-- read the statement's rows from its transition tables (old_rows, new_rows) and write them into
-- layers_history with one INSERT ... SELECT. A 100,000-row COPY or INSERT ... SELECT is one
-- history statement instead of 100,000 trigger calls. What is recorded is what the row triggers
-- recorded: the actor (session setting geoportal.actor), the time (the transaction's), the row
-- before and after as JSON with the geometry as GeoJSON and its CRS, no record for an update that
-- changed nothing but updated_at. The columns named as the triggers' arguments (the derived tile
-- columns) are left out.

CREATE OR REPLACE FUNCTION layers_record_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  who text := nullif(current_setting('geoportal.actor', true), '');
  leave_out text[] := CASE WHEN TG_NARGS > 0 THEN TG_ARGV ELSE '{}'::text[] END;
  few boolean;
  cols text;
  head text;
BEGIN
  -- A statement of a few rows (an edit) is recorded by the plain statements below, planned once
  -- per table. A larger one by a statement built for the table, where each geometry is cast to
  -- GeoJSON by name: to_jsonb() of a whole row looks that cast up again for every row, which
  -- makes it five times slower per row, but building the statement costs as much as ten rows.
  -- (The cast is to json, which to_jsonb() reads into the same jsonb a quarter faster than it
  -- copies a jsonb value.)
  IF TG_OP = 'DELETE' THEN
    few := (SELECT count(*) FROM (SELECT 1 FROM old_rows LIMIT 11) AS c) <= 10;
  ELSE
    few := (SELECT count(*) FROM (SELECT 1 FROM new_rows LIMIT 11) AS c) <= 10;
  END IF;
  IF few THEN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO layers_history (table_name, row_id, op, at, actor, old, new)
      SELECT TG_TABLE_NAME, r.id, 'I', now(), who, NULL, to_jsonb(r) - leave_out
        FROM new_rows AS r;
    ELSIF TG_OP = 'DELETE' THEN
      INSERT INTO layers_history (table_name, row_id, op, at, actor, old, new)
      SELECT TG_TABLE_NAME, r.id, 'D', now(), who, to_jsonb(r) - leave_out, NULL
        FROM old_rows AS r;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO layers_history (table_name, row_id, op, at, actor, old, new)
      SELECT TG_TABLE_NAME, id, 'U', now(), who, o.j, n.j
        FROM (SELECT r.id, to_jsonb(r) - leave_out AS j FROM old_rows AS r) AS o
        FULL JOIN (SELECT r.id, to_jsonb(r) - leave_out AS j FROM new_rows AS r) AS n USING (id)
       WHERE (o.j - 'updated_at') IS DISTINCT FROM (n.j - 'updated_at')
       ORDER BY id;
    END IF;
    RETURN NULL;
  END IF;
  -- The recorded columns, in table order. Read per statement, so a column added or dropped
  -- later is followed without re-making the triggers.
  SELECT string_agg(
           CASE WHEN t.typname IN ('geometry', 'geography')
                THEN format('%1$I::json AS %1$I', a.attname)
                ELSE quote_ident(a.attname) END,
           ', ' ORDER BY a.attnum) INTO cols
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
   WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
     AND NOT (a.attname = ANY (leave_out));
  head := 'INSERT INTO layers_history (table_name, row_id, op, at, actor, old, new) ';
  IF TG_OP = 'INSERT' THEN
    EXECUTE head || format(
      'SELECT %L, r.id, ''I'', now(), $1, NULL, to_jsonb(r) FROM (SELECT %s FROM new_rows) AS r',
      TG_TABLE_NAME, cols) USING who;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE head || format(
      'SELECT %L, r.id, ''D'', now(), $1, to_jsonb(r), NULL FROM (SELECT %s FROM old_rows) AS r',
      TG_TABLE_NAME, cols) USING who;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Before and after are paired by id; an update that changed the id shows as a row without
    -- a before and a row without an after.
    EXECUTE head || format(
      'SELECT %L, id, ''U'', now(), $1, o.j, n.j '
      'FROM (SELECT r.id, to_jsonb(r) AS j FROM (SELECT %s FROM old_rows) AS r) AS o '
      'FULL JOIN (SELECT r.id, to_jsonb(r) AS j FROM (SELECT %s FROM new_rows) AS r) AS n '
      'USING (id) '
      'WHERE (o.j - ''updated_at'') IS DISTINCT FROM (n.j - ''updated_at'') '
      'ORDER BY id',
      TG_TABLE_NAME, cols, cols) USING who;
  END IF;
  RETURN NULL;
END
$$;

-- Attach the history and version triggers to a layer table; ``leave_out``: the columns the history
-- does not record. Re-running it re-makes the triggers (and drops the row-level one of old).
CREATE OR REPLACE FUNCTION layers_track(tbl regclass, leave_out text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  args text := coalesce((SELECT string_agg(quote_literal(c), ', ') FROM unnest(leave_out) AS c), '');
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history ON %s', tbl);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_history_insert AFTER INSERT ON %s '
    'REFERENCING NEW TABLE AS new_rows '
    'FOR EACH STATEMENT EXECUTE FUNCTION layers_record_changes(%s)', tbl, args);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_history_update AFTER UPDATE ON %s '
    'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
    'FOR EACH STATEMENT EXECUTE FUNCTION layers_record_changes(%s)', tbl, args);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_history_delete AFTER DELETE ON %s '
    'REFERENCING OLD TABLE AS old_rows '
    'FOR EACH STATEMENT EXECUTE FUNCTION layers_record_changes(%s)', tbl, args);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER layers_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION layers_bump_version()', tbl);
  INSERT INTO layers_version (table_name, version) VALUES (tbl::text, 0)
  ON CONFLICT (table_name) DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION layers_track(tbl regclass) RETURNS void
LANGUAGE sql AS $$ SELECT layers_track(tbl, '{}'::text[]) $$;

CREATE OR REPLACE FUNCTION layers_untrack(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history_insert ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history_update ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS layers_history_delete ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS layers_version ON %s', tbl);
END
$$;

-- Every table with the row-level trigger gets the statement-level ones, with the same arguments.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgrelid::regclass AS tbl,
           -- tgargs holds the arguments each ended by a zero byte, which encode() writes \000
           string_to_array(regexp_replace(encode(tg.tgargs, 'escape'), '\\000$', ''), '\000')
             AS leave_out
      FROM pg_trigger tg
     WHERE tg.tgname = 'layers_history' AND NOT tg.tgisinternal
  LOOP
    PERFORM layers_track(t.tbl, t.leave_out);
  END LOOP;
END
$$;
