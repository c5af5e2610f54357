DROP VIEW IF EXISTS ogc."arrondissement-indicators";
