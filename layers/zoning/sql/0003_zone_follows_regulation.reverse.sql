DROP TRIGGER IF EXISTS propagate_to_zones ON zoning_zoneregulation;
DROP FUNCTION IF EXISTS zoning_regulation_propagate();
DROP TRIGGER IF EXISTS follow_regulation ON zoning_zone;
DROP FUNCTION IF EXISTS zoning_zone_follow_regulation();
