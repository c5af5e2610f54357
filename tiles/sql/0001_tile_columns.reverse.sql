-- Derived tile columns, written by `manage.py tile_columns` from the layer registry (tiles/derived.py).

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "boundaries_arrondissement" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "boundaries_arrondissement"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z11";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "boundaries_commune" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "boundaries_commune"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z11";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "boundaries_prefecture" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "boundaries_prefecture"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z11";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "facilities_citizenreport" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "facilities_citizenreport"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "facilities_facility" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "facilities_facility"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "greenspaces_greenspace" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "greenspaces_greenspace"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "greenspaces_tree" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "greenspaces_tree"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "parcels_parcel" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "parcels_parcel"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "roads_roadsegment" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "roads_roadsegment"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z12";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "roads_streetfurniture" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "roads_streetfurniture"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "roads_streetlight" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "roads_streetlight"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "zoning_planningdocument" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "zoning_planningdocument"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "zoning_reservedland" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "zoning_reservedland"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "zoning_servitude" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "zoning_servitude"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

CREATE OR REPLACE TRIGGER layers_history AFTER INSERT OR UPDATE OR DELETE ON "zoning_zone" FOR EACH ROW EXECUTE FUNCTION layers_record_history();
ALTER TABLE "zoning_zone"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";
