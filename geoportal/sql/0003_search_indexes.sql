-- Trigram indexes of the portal's search, written by `manage.py search_indexes` from the
-- layer registry's search_fields (tests/geoportal/test_search_indexes.py checks this file is
-- exactly its output).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_boundaries_prefecture_name_fr_unaccent_trgm" ON "boundaries_prefecture" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_boundaries_prefecture_name_ar_unaccent_trgm" ON "boundaries_prefecture" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_boundaries_arrondissement_name_fr_unaccent_trgm" ON "boundaries_arrondissement" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_boundaries_arrondissement_name_ar_unaccent_trgm" ON "boundaries_arrondissement" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_boundaries_commune_name_fr_unaccent_trgm" ON "boundaries_commune" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_boundaries_commune_name_ar_unaccent_trgm" ON "boundaries_commune" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_zoning_planningdocument_name_unaccent_trgm" ON "zoning_planningdocument" USING gin ((portal_unaccent("name")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_zoning_planningdocument_reference_unaccent_trgm" ON "zoning_planningdocument" USING gin ((portal_unaccent("reference")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_zoning_servitude_label_unaccent_trgm" ON "zoning_servitude" USING gin ((portal_unaccent("label")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_zoning_reservedland_label_unaccent_trgm" ON "zoning_reservedland" USING gin ((portal_unaccent("label")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_zoning_reservedland_reference_unaccent_trgm" ON "zoning_reservedland" USING gin ((portal_unaccent("reference")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_parcels_parcel_reference_unaccent_trgm" ON "parcels_parcel" USING gin ((portal_unaccent("reference")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_parcels_parcel_address_unaccent_trgm" ON "parcels_parcel" USING gin ((portal_unaccent("address")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_roads_roadsegment_name_fr_unaccent_trgm" ON "roads_roadsegment" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_roads_roadsegment_name_ar_unaccent_trgm" ON "roads_roadsegment" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_greenspaces_greenspace_name_fr_unaccent_trgm" ON "greenspaces_greenspace" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_greenspaces_greenspace_name_ar_unaccent_trgm" ON "greenspaces_greenspace" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_name_fr_unaccent_trgm" ON "facilities_facility" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_name_ar_unaccent_trgm" ON "facilities_facility" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_address_unaccent_trgm" ON "facilities_facility" USING gin ((portal_unaccent("address")) gin_trgm_ops);
