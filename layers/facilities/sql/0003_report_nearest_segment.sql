-- A citizen report gets its nearest road segment, whatever path wrote it (portal, OGC API, SQL).
CREATE OR REPLACE FUNCTION facilities_report_nearest_segment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NOT ST_OrderingEquals(NEW.geom, OLD.geom) THEN
    SELECT s.id, ST_Distance(s.geom, NEW.geom)
      INTO NEW.nearest_segment_id, NEW.nearest_segment_distance_m
      FROM roads_roadsegment s
     ORDER BY s.geom <-> NEW.geom
     LIMIT 1;
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER nearest_segment
BEFORE INSERT OR UPDATE OF geom ON facilities_citizenreport
FOR EACH ROW EXECUTE FUNCTION facilities_report_nearest_segment();
