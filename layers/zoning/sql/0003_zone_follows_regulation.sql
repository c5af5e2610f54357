-- A zone's map attributes (code, category, default label) follow its regulation, whatever writes the
-- zone (admin, OGC API, ingest, SQL) and when the regulation itself is edited.
CREATE OR REPLACE FUNCTION zoning_zone_follow_regulation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  reg zoning_zoneregulation%ROWTYPE;
BEGIN
  SELECT * INTO reg FROM zoning_zoneregulation WHERE id = NEW.regulation_id;
  IF FOUND THEN
    NEW.code := reg.code;
    NEW.category := reg.category;
    NEW.label_fr := coalesce(nullif(NEW.label_fr, ''), reg.label_fr);
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER follow_regulation
BEFORE INSERT OR UPDATE OF regulation_id, code, category, label_fr ON zoning_zone
FOR EACH ROW EXECUTE FUNCTION zoning_zone_follow_regulation();

CREATE OR REPLACE FUNCTION zoning_regulation_propagate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE zoning_zone
     SET code = NEW.code,
         category = NEW.category,
         label_fr = CASE WHEN label_fr = OLD.label_fr THEN NEW.label_fr ELSE label_fr END
   WHERE regulation_id = NEW.id
     AND (code, category, label_fr) IS DISTINCT FROM (NEW.code, NEW.category, NEW.label_fr);
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER propagate_to_zones
AFTER UPDATE OF code, category, label_fr ON zoning_zoneregulation
FOR EACH ROW EXECUTE FUNCTION zoning_regulation_propagate();
