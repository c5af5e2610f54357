-- The map extract of a note: the layers inside a frame around the land, clipped and simplified,
-- as GeoJSON in the storage SRID (coordinates to the decimetre). Parameters: geom (EWKB hex),
-- xmin, ymin, xmax, ymax (the frame), tolerance (simplification, metres), lang (the note's
-- language: labels in it where the data has them, else French).
WITH f AS (
    SELECT ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, ST_SRID(%(geom)s::geometry)) AS frame
),
clipped AS (
    SELECT 'zone' AS layer, z.code AS label, z.category AS style,
           ST_Intersection(z.geom, f.frame) AS g
    FROM {zone} AS z
    JOIN {regulation} AS r ON r.id = z.regulation_id
    JOIN {document} AS d ON d.id = r.document_id, f
    WHERE z.geom && f.frame AND d.status = 'in_force'
    UNION ALL
    SELECT 'servitude',
           coalesce(nullif(CASE %(lang)s WHEN 'ar' THEN v.label_ar WHEN 'en' THEN v.label_en END, ''),
                    v.label),
           v.kind, ST_Intersection(v.geom, f.frame)
    FROM {servitude} AS v, f WHERE v.geom && f.frame
    UNION ALL
    SELECT 'reserved',
           coalesce(nullif(rl.reference, ''),
                    nullif(CASE %(lang)s WHEN 'ar' THEN rl.label_ar WHEN 'en' THEN rl.label_en END, ''),
                    rl.label),
           rl.kind,
           ST_Intersection(rl.geom, f.frame)
    FROM {reserved} AS rl, f WHERE rl.geom && f.frame
    UNION ALL
    SELECT 'road',
           CASE WHEN %(lang)s = 'ar' THEN coalesce(nullif(rs.name_ar, ''), rs.name_fr)
                ELSE rs.name_fr END,
           rs.road_class, ST_Intersection(rs.geom, f.frame)
    FROM {road} AS rs, f WHERE rs.geom && f.frame
    UNION ALL
    SELECT 'parcel', p.reference, 'neighbour', ST_Intersection(ST_Boundary(p.geom), f.frame)
    FROM {parcel} AS p, f WHERE p.geom && f.frame
)
SELECT layer, label, style,
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(g, %(tolerance)s), 1)::jsonb AS geometry,
       ST_AsGeoJSON(CASE WHEN ST_Dimension(g) = 1 THEN ST_ClosestPoint(g, ST_Centroid(g))
                         ELSE ST_PointOnSurface(g) END, 1)::jsonb AS label_point
FROM clipped
WHERE NOT ST_IsEmpty(g)
ORDER BY CASE layer WHEN 'zone' THEN 0 WHEN 'reserved' THEN 1 WHEN 'servitude' THEN 2
                    WHEN 'road' THEN 3 ELSE 4 END, label
LIMIT %(max_features)s
