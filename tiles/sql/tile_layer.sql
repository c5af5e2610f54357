-- One layer of a vector tile. The braces are filled by tiles/mvt.py with quoted identifiers and
-- placeholders only; every value is a bound parameter.
-- Candidates come from the Web Mercator copy's index, filtered by the zoom's band (classes, least
-- size), the largest first up to the cap; then clipped and quantised by ST_AsMVTGeom. The id is
-- the feature id only, never an attribute as well.
SELECT coalesce(ST_AsMVT(q, {name}, %(extent)s, 'geom', '__fid'), '')
  FROM (
    SELECT ST_AsMVTGeom({geom_expr}, (SELECT bounds FROM tile_envelope), %(extent)s,
                        %(buffer)s, true) AS geom,
           {columns}t.id AS __fid
      FROM (SELECT {inner_columns} FROM {table}
             WHERE tile_geom && (SELECT search FROM tile_envelope){filters}
             {order}
             LIMIT {cap}) AS t
    OFFSET 0  -- keeps ST_AsMVTGeom from being evaluated again by the outer filter
  ) AS q
 WHERE q.geom IS NOT NULL
