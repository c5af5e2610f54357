-- Publication views read by OGC API Features, written by `manage.py ogc_views` from the layer
-- registry (tests/ogc/test_publication.py checks this file is exactly its output): each view ends
-- with the geometry's Web Mercator copy, from which the provider writes WGS 84 output.
CREATE SCHEMA IF NOT EXISTS ogc;
CREATE OR REPLACE VIEW "ogc"."prefectures" AS SELECT "id", "code", "name_fr", "name_ar", "population_2024", "households_2024", "geom", "tile_geom" FROM "boundaries_prefecture";
CREATE OR REPLACE VIEW "ogc"."arrondissements" AS SELECT "id", "code", "name_fr", "name_ar", "population_2024", "households_2024", "geom", "tile_geom" FROM "boundaries_arrondissement";
CREATE OR REPLACE VIEW "ogc"."communes" AS SELECT "id", "code", "name_fr", "name_ar", "commune_type", "province_fr", "population_2024", "geom", "tile_geom" FROM "boundaries_commune";
CREATE OR REPLACE VIEW "ogc"."planning-documents" AS SELECT "id", "name", "reference", "approval_date", "decree", "status", "geom", "tile_geom" FROM "zoning_planningdocument";
CREATE OR REPLACE VIEW "ogc"."zoning" AS SELECT "id", "code", "label_fr", "label_ar", "label_en", "category", "regulation_id" AS "regulation", "geom", "tile_geom" FROM "zoning_zone";
CREATE OR REPLACE VIEW "ogc"."servitudes" AS SELECT "id", "kind", "label", "label_ar", "label_en", "legal_reference", "effect", "effect_ar", "effect_en", "width_m", "geom", "tile_geom" FROM "zoning_servitude";
CREATE OR REPLACE VIEW "ogc"."reserved-land" AS SELECT "id", "kind", "label", "label_ar", "label_en", "reference", "road_width_m", "geom", "tile_geom" FROM "zoning_reservedland";
CREATE OR REPLACE VIEW "ogc"."parcels" AS SELECT "id", "reference", "land_status", "official_area_m2", "computed_area_m2", "current_use", "address", "geom", "tile_geom" FROM "parcels_parcel";
CREATE OR REPLACE VIEW "ogc"."roads" AS SELECT "id", "name_fr", "name_ar", "road_class", "surface", "width_m", "lanes", "one_way", "manager", "condition_index", "condition_grade", "last_inspection", "geom", "tile_geom" FROM "roads_roadsegment";
CREATE OR REPLACE VIEW "ogc"."street-lights" AS SELECT "id", "lamp_type", "power_w", "status", "install_date", "geom", "tile_geom" FROM "roads_streetlight";
CREATE OR REPLACE VIEW "ogc"."street-furniture" AS SELECT "id", "kind", "status", "install_date", "geom", "tile_geom" FROM "roads_streetfurniture";
CREATE OR REPLACE VIEW "ogc"."green-spaces" AS SELECT "id", "name_fr", "name_ar", "kind", "area_m2", "manager", "irrigation", "public_access", "opening_hours", "geom", "tile_geom" FROM "greenspaces_greenspace";
CREATE OR REPLACE VIEW "ogc"."trees" AS SELECT "id", "species", "height_m", "planted_year", "condition", "geom", "tile_geom" FROM "greenspaces_tree";
CREATE OR REPLACE VIEW "ogc"."facilities" AS SELECT "id", "kind", "name_fr", "name_ar", "address", "opening_hours", "geom", "tile_geom" FROM "facilities_facility";
CREATE OR REPLACE VIEW "ogc"."citizen-reports" AS SELECT "id", "kind", "description", "status", "reported_at", "resolved_at", "nearest_segment_id" AS "nearest_segment", "nearest_segment_distance_m", "geom", "tile_geom" FROM "facilities_citizenreport";
