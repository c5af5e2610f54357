-- Accent-insensitive search for the portal: "ecole" finds "École". unaccent() is only STABLE (its
-- dictionary could change), so an IMMUTABLE wrapper naming the dictionary is what indexes can use.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN unaccent('unaccent'::regdictionary, $1);
