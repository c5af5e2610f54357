-- A zone's map attributes (code, category, default labels in French, Arabic and English) follow
-- its regulation, whatever writes the zone (admin, OGC API, ingest, SQL) and when the regulation
-- itself is edited. A label written on the zone itself is kept.
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
    NEW.label_ar := coalesce(nullif(NEW.label_ar, ''), reg.label_ar);
    NEW.label_en := coalesce(nullif(NEW.label_en, ''), reg.label_en);
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS follow_regulation ON zoning_zone;
CREATE TRIGGER follow_regulation
BEFORE INSERT OR UPDATE OF regulation_id, code, category, label_fr, label_ar, label_en ON zoning_zone
FOR EACH ROW EXECUTE FUNCTION zoning_zone_follow_regulation();

CREATE OR REPLACE FUNCTION zoning_regulation_propagate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE zoning_zone
     SET code = NEW.code,
         category = NEW.category,
         label_fr = CASE WHEN label_fr = OLD.label_fr THEN NEW.label_fr ELSE label_fr END,
         label_ar = CASE WHEN label_ar = OLD.label_ar THEN NEW.label_ar ELSE label_ar END,
         label_en = CASE WHEN label_en = OLD.label_en THEN NEW.label_en ELSE label_en END
   WHERE regulation_id = NEW.id
     AND (code, category, label_fr, label_ar, label_en)
         IS DISTINCT FROM (NEW.code, NEW.category, NEW.label_fr, NEW.label_ar, NEW.label_en);
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS propagate_to_zones ON zoning_zoneregulation;
CREATE TRIGGER propagate_to_zones
AFTER UPDATE OF code, category, label_fr, label_ar, label_en ON zoning_zoneregulation
FOR EACH ROW EXECUTE FUNCTION zoning_regulation_propagate();

-- Zones already stored take their regulation's Arabic and English labels.
UPDATE zoning_zone AS z
   SET label_ar = r.label_ar, label_en = r.label_en
  FROM zoning_zoneregulation AS r
 WHERE r.id = z.regulation_id
   AND (z.label_ar, z.label_en) IS DISTINCT FROM (r.label_ar, r.label_en)
   AND z.label_ar = '' AND z.label_en = '';
