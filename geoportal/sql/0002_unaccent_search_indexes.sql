-- Accent-insensitive trigram indexes (migration 0002), as first applied: frozen, never
-- regenerated. portal_unaccent(column) replaces the plain column, so "ecole" finds "École".
DROP INDEX CONCURRENTLY IF EXISTS "portal_parcels_parcel_reference_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_parcels_parcel_address_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_roads_roadsegment_name_fr_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_roads_roadsegment_name_ar_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_facilities_facility_name_fr_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_facilities_facility_name_ar_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_greenspaces_greenspace_name_fr_trgm";
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_parcels_parcel_reference_unaccent_trgm" ON "parcels_parcel" USING gin ((portal_unaccent("reference")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_parcels_parcel_address_unaccent_trgm" ON "parcels_parcel" USING gin ((portal_unaccent("address")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_roads_roadsegment_name_fr_unaccent_trgm" ON "roads_roadsegment" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_roads_roadsegment_name_ar_unaccent_trgm" ON "roads_roadsegment" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_name_fr_unaccent_trgm" ON "facilities_facility" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_name_ar_unaccent_trgm" ON "facilities_facility" USING gin ((portal_unaccent("name_ar")) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_greenspaces_greenspace_name_fr_unaccent_trgm" ON "greenspaces_greenspace" USING gin ((portal_unaccent("name_fr")) gin_trgm_ops);
