-- The tile with its buffer, densified in EPSG:3857 and transformed to the storage SRID, so that
-- its curved outline in the local CRS is followed closely and the GiST index on geom is used.
WITH tile_envelope AS (
  SELECT ST_Transform(
           ST_Segmentize(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), %(segment)s),
           %(storage_srid)s::integer) AS envelope
)
