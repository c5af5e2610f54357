-- Trigram indexes of the portal's search (migration 0001), as first applied: frozen, never
-- regenerated. pg_trgm is a trusted extension, the database owner may create it. Indexes are built
-- concurrently, so a city-size table stays writable.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_parcels_parcel_reference_trgm" ON "parcels_parcel" USING gin ("reference" gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_parcels_parcel_address_trgm" ON "parcels_parcel" USING gin ("address" gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_roads_roadsegment_name_fr_trgm" ON "roads_roadsegment" USING gin ("name_fr" gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_roads_roadsegment_name_ar_trgm" ON "roads_roadsegment" USING gin ("name_ar" gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_name_fr_trgm" ON "facilities_facility" USING gin ("name_fr" gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_facilities_facility_name_ar_trgm" ON "facilities_facility" USING gin ("name_ar" gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_greenspaces_greenspace_name_fr_trgm" ON "greenspaces_greenspace" USING gin ("name_fr" gin_trgm_ops);
