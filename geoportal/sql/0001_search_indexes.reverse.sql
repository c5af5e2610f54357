DROP INDEX CONCURRENTLY IF EXISTS "portal_greenspaces_greenspace_name_fr_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_facilities_facility_name_ar_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_facilities_facility_name_fr_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_roads_roadsegment_name_ar_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_roads_roadsegment_name_fr_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_parcels_parcel_address_trgm";
DROP INDEX CONCURRENTLY IF EXISTS "portal_parcels_parcel_reference_trgm";
