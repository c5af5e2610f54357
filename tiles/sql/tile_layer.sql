-- One layer of a vector tile. The braces are filled by tiles/mvt.py with quoted identifiers and
-- placeholders only; every value is a bound parameter.
-- Candidates are found with the storage-SRID index (the envelope is transformed, never the column),
-- capped, then simplified, transformed to the tile SRID and clipped by ST_AsMVTGeom.
SELECT coalesce(ST_AsMVT(q, {name}, %(extent)s, 'geom', '__fid'), '')
  FROM (
    SELECT ST_AsMVTGeom(ST_Transform({geom_expr}, %(tile_srid)s::integer),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s, true) AS geom,
           {columns}, t.id AS __fid
      FROM (SELECT {inner_columns} FROM {table}
             WHERE geom && (SELECT envelope FROM tile_envelope)
             LIMIT {cap}) AS t
    OFFSET 0  -- keeps ST_AsMVTGeom from being evaluated again by the outer filter
  ) AS q
 WHERE q.geom IS NOT NULL
