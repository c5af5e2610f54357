-- Derived tile columns, written by `manage.py tile_columns` from the layer registry (tiles/derived.py).

SELECT layers_track('boundaries_arrondissement'::regclass);
ALTER TABLE "boundaries_arrondissement"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z11";

SELECT layers_track('boundaries_commune'::regclass);
ALTER TABLE "boundaries_commune"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z11";

SELECT layers_track('boundaries_prefecture'::regclass);
ALTER TABLE "boundaries_prefecture"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z11";

SELECT layers_track('facilities_citizenreport'::regclass);
ALTER TABLE "facilities_citizenreport"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('facilities_facility'::regclass);
ALTER TABLE "facilities_facility"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('greenspaces_greenspace'::regclass);
ALTER TABLE "greenspaces_greenspace"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('greenspaces_tree'::regclass);
ALTER TABLE "greenspaces_tree"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('parcels_parcel'::regclass);
ALTER TABLE "parcels_parcel"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('roads_roadsegment'::regclass);
ALTER TABLE "roads_roadsegment"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size",
  DROP COLUMN "tile_geom_z12";

SELECT layers_track('roads_streetfurniture'::regclass);
ALTER TABLE "roads_streetfurniture"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('roads_streetlight'::regclass);
ALTER TABLE "roads_streetlight"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('zoning_planningdocument'::regclass);
ALTER TABLE "zoning_planningdocument"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('zoning_reservedland'::regclass);
ALTER TABLE "zoning_reservedland"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('zoning_servitude'::regclass);
ALTER TABLE "zoning_servitude"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";

SELECT layers_track('zoning_zone'::regclass);
ALTER TABLE "zoning_zone"
  DROP COLUMN "tile_geom",
  DROP COLUMN "tile_size";
