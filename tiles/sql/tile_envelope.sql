-- The tile, and the tile with its buffer, in the tile SRID: the derived column tile_geom is
-- compared with the buffered one directly, through its GiST index (tiles/derived.py).
WITH tile_envelope AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS bounds,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s) AS search
)
