DROP TABLE IF EXISTS indicators_refreshed;
DROP MATERIALIZED VIEW IF EXISTS ogc."arrondissement-indicators";
