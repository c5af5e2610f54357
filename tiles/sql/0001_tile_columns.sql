-- Derived tile columns, written by `manage.py tile_columns` from the layer registry (tiles/derived.py).

ALTER TABLE "boundaries_arrondissement"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED,
  ADD COLUMN "tile_geom_z11" geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Simplify(ST_Transform("geom", 3857), 38.218514, true)) STORED;
CREATE INDEX "boundaries_arrondissement_tile_geom" ON "boundaries_arrondissement" USING gist ("tile_geom");
SELECT layers_track('boundaries_arrondissement'::regclass, ARRAY['tile_geom', 'tile_size', 'tile_geom_z11']);
ANALYZE "boundaries_arrondissement";

ALTER TABLE "boundaries_commune"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED,
  ADD COLUMN "tile_geom_z11" geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Simplify(ST_Transform("geom", 3857), 38.218514, true)) STORED;
CREATE INDEX "boundaries_commune_tile_geom" ON "boundaries_commune" USING gist ("tile_geom");
SELECT layers_track('boundaries_commune'::regclass, ARRAY['tile_geom', 'tile_size', 'tile_geom_z11']);
ANALYZE "boundaries_commune";

ALTER TABLE "boundaries_prefecture"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED,
  ADD COLUMN "tile_geom_z11" geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Simplify(ST_Transform("geom", 3857), 38.218514, true)) STORED;
CREATE INDEX "boundaries_prefecture_tile_geom" ON "boundaries_prefecture" USING gist ("tile_geom");
SELECT layers_track('boundaries_prefecture'::regclass, ARRAY['tile_geom', 'tile_size', 'tile_geom_z11']);
ANALYZE "boundaries_prefecture";

ALTER TABLE "facilities_citizenreport"
  ADD COLUMN "tile_geom" geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "facilities_citizenreport_tile_geom" ON "facilities_citizenreport" USING gist ("tile_geom");
SELECT layers_track('facilities_citizenreport'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "facilities_citizenreport";

ALTER TABLE "facilities_facility"
  ADD COLUMN "tile_geom" geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "facilities_facility_tile_geom" ON "facilities_facility" USING gist ("tile_geom");
SELECT layers_track('facilities_facility'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "facilities_facility";

ALTER TABLE "greenspaces_greenspace"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "greenspaces_greenspace_tile_geom" ON "greenspaces_greenspace" USING gist ("tile_geom");
SELECT layers_track('greenspaces_greenspace'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "greenspaces_greenspace";

ALTER TABLE "greenspaces_tree"
  ADD COLUMN "tile_geom" geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "greenspaces_tree_tile_geom" ON "greenspaces_tree" USING gist ("tile_geom");
SELECT layers_track('greenspaces_tree'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "greenspaces_tree";

ALTER TABLE "parcels_parcel"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "parcels_parcel_tile_geom" ON "parcels_parcel" USING gist ("tile_geom");
SELECT layers_track('parcels_parcel'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "parcels_parcel";

ALTER TABLE "roads_roadsegment"
  ADD COLUMN "tile_geom" geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED,
  ADD COLUMN "tile_geom_z12" geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Simplify(ST_Transform("geom", 3857), 19.109257, true)) STORED;
CREATE INDEX "roads_roadsegment_tile_geom" ON "roads_roadsegment" USING gist ("tile_geom");
SELECT layers_track('roads_roadsegment'::regclass, ARRAY['tile_geom', 'tile_size', 'tile_geom_z12']);
ANALYZE "roads_roadsegment";

ALTER TABLE "roads_streetfurniture"
  ADD COLUMN "tile_geom" geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "roads_streetfurniture_tile_geom" ON "roads_streetfurniture" USING gist ("tile_geom");
SELECT layers_track('roads_streetfurniture'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "roads_streetfurniture";

ALTER TABLE "roads_streetlight"
  ADD COLUMN "tile_geom" geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "roads_streetlight_tile_geom" ON "roads_streetlight" USING gist ("tile_geom");
SELECT layers_track('roads_streetlight'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "roads_streetlight";

ALTER TABLE "zoning_planningdocument"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "zoning_planningdocument_tile_geom" ON "zoning_planningdocument" USING gist ("tile_geom");
SELECT layers_track('zoning_planningdocument'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "zoning_planningdocument";

ALTER TABLE "zoning_reservedland"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "zoning_reservedland_tile_geom" ON "zoning_reservedland" USING gist ("tile_geom");
SELECT layers_track('zoning_reservedland'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "zoning_reservedland";

ALTER TABLE "zoning_servitude"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "zoning_servitude_tile_geom" ON "zoning_servitude" USING gist ("tile_geom");
SELECT layers_track('zoning_servitude'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "zoning_servitude";

ALTER TABLE "zoning_zone"
  ADD COLUMN "tile_geom" geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform("geom", 3857)) STORED,
  ADD COLUMN "tile_size" double precision GENERATED ALWAYS AS (ST_Area("geom") + ST_Length("geom")) STORED;
CREATE INDEX "zoning_zone_tile_geom" ON "zoning_zone" USING gist ("tile_geom");
SELECT layers_track('zoning_zone'::regclass, ARRAY['tile_geom', 'tile_size']);
ANALYZE "zoning_zone";
