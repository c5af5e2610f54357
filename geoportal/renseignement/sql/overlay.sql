-- The e-renseignement overlay: everything the note says about a piece of land, in one statement,
-- in the storage SRID (metres). Parameters: geom (EWKB hex of the land, storage SRID), sliver_area,
-- sliver_half_width, frontage_margin, frontage_reach, frontage_min_length.
-- Identifiers in braces are the layer tables, quoted by the caller.
WITH s AS (
    SELECT g AS geom, ST_Area(g) AS area, ST_PointOnSurface(g) AS inside
    FROM (SELECT ST_Multi(%(geom)s::geometry) AS g) AS q
),
doc AS (
    SELECT d.id, d.name, d.reference, d.approval_date, d.decree, d.status
    FROM {document} AS d, s
    WHERE d.geom && s.geom AND ST_Intersects(d.geom, s.geom) AND d.status = 'in_force'
    ORDER BY ST_Covers(d.geom, s.inside) DESC, d.approval_date DESC NULLS LAST, d.id
    LIMIT 1
),
zone_piece AS (
    SELECT z.regulation_id, z.label_fr,
           ST_CollectionExtract(ST_Intersection(z.geom, s.geom), 3) AS piece
    FROM {zone} AS z
    JOIN {regulation} AS r ON r.id = z.regulation_id
    JOIN {document} AS d ON d.id = r.document_id, s
    WHERE z.geom && s.geom AND ST_Intersects(z.geom, s.geom) AND d.status = 'in_force'
),
zone_area AS (
    SELECT regulation_id, min(label_fr) AS label_fr, ST_Union(piece) AS piece
    FROM zone_piece GROUP BY regulation_id
),
uncovered AS (
    SELECT CASE WHEN (SELECT count(*) FROM zone_piece) = 0 THEN s.geom
                ELSE ST_CollectionExtract(
                    ST_Difference(s.geom, (SELECT ST_Union(piece) FROM zone_piece)), 3)
           END AS piece
    FROM s
),
servitude AS (
    SELECT v.kind, v.label, v.label_ar, v.label_en, v.legal_reference,
           v.effect, v.effect_ar, v.effect_en, v.width_m,
           ST_CollectionExtract(ST_Intersection(v.geom, s.geom), 3) AS piece
    FROM {servitude} AS v, s
    WHERE v.geom && s.geom AND ST_Intersects(v.geom, s.geom)
),
reserved AS (
    SELECT rl.kind, rl.label, rl.label_ar, rl.label_en, rl.reference, rl.road_width_m,
           rd.reference AS document_reference,
           ST_CollectionExtract(ST_Intersection(rl.geom, s.geom), 3) AS piece
    FROM {reserved} AS rl
    LEFT JOIN {document} AS rd ON rd.id = rl.document_id, s
    WHERE rl.geom && s.geom AND ST_Intersects(rl.geom, s.geom)
),
road AS (
    SELECT * FROM (
        SELECT rs.name_fr, rs.name_ar, rs.road_class, rs.width_m,
               ST_Distance(rs.geom, s.geom) AS distance_m,
               ST_Length(ST_Intersection(
                   ST_Boundary(s.geom),
                   ST_Buffer(rs.geom, coalesce(rs.width_m, 0) / 2 + %(frontage_margin)s)
               )) AS frontage_m
        FROM {road} AS rs, s
        WHERE ST_DWithin(rs.geom, s.geom, %(frontage_reach)s)
          AND ST_Distance(rs.geom, s.geom) <= coalesce(rs.width_m, 0) / 2 + %(frontage_margin)s
    ) AS near
    WHERE frontage_m >= %(frontage_min_length)s
),
arr AS (
    SELECT a.code, a.name_fr, a.name_ar
    FROM {arrondissement} AS a, s
    WHERE a.geom && s.geom AND ST_Intersects(a.geom, s.geom)
    ORDER BY ST_Covers(a.geom, s.inside) DESC, a.code
    LIMIT 1
)
SELECT jsonb_build_object(
    'area_m2', (SELECT area FROM s),
    'arrondissement', (SELECT to_jsonb(arr) FROM arr),
    'planning_document', (SELECT to_jsonb(doc) - 'id' FROM doc),
    'zones', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'label_fr', za.label_fr,
            'area_m2', ST_Area(za.piece),
            'sliver', ST_Area(za.piece) < %(sliver_area)s
                      OR ST_IsEmpty(ST_Buffer(za.piece, -%(sliver_half_width)s)),
            'regulation', to_jsonb(r) - 'id' - 'document_id',
            'document_reference', d.reference
        ) ORDER BY ST_Area(za.piece) DESC, r.code)
        FROM zone_area AS za
        JOIN {regulation} AS r ON r.id = za.regulation_id
        JOIN {document} AS d ON d.id = r.document_id
    ), '[]'::jsonb),
    'uncovered', (
        SELECT jsonb_build_object(
            'area_m2', ST_Area(piece),
            'sliver', ST_Area(piece) < %(sliver_area)s
                      OR ST_IsEmpty(ST_Buffer(piece, -%(sliver_half_width)s)))
        FROM uncovered
    ),
    'servitudes', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'kind', kind, 'label', label, 'label_ar', label_ar, 'label_en', label_en,
            'legal_reference', legal_reference,
            'effect', effect, 'effect_ar', effect_ar, 'effect_en', effect_en,
            'width_m', width_m, 'area_m2', ST_Area(piece),
            'length_m', CASE WHEN width_m IS NOT NULL AND NOT ST_IsEmpty(piece) THEN (
                SELECT greatest(ST_Distance(ST_PointN(ring, 1), ST_PointN(ring, 2)),
                                ST_Distance(ST_PointN(ring, 2), ST_PointN(ring, 3)))
                FROM (SELECT ST_ExteriorRing(ST_OrientedEnvelope(piece)) AS ring) AS e
                WHERE ST_GeometryType(ring) = 'ST_LineString' AND ST_NPoints(ring) >= 3
            ) END
        ) ORDER BY ST_Area(piece) DESC, label)
        FROM servitude
    ), '[]'::jsonb),
    'reserved_land', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'kind', kind, 'label', label, 'label_ar', label_ar, 'label_en', label_en,
            'reference', reference, 'road_width_m', road_width_m,
            'document_reference', document_reference, 'area_m2', ST_Area(piece)
        ) ORDER BY ST_Area(piece) DESC, label)
        FROM reserved
    ), '[]'::jsonb),
    'roads', coalesce((
        SELECT jsonb_agg(to_jsonb(road) ORDER BY frontage_m DESC, name_fr) FROM road
    ), '[]'::jsonb)
) AS overlay
