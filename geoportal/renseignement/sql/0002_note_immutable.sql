-- An issued note is a legal snapshot: it is never updated nor deleted.
CREATE OR REPLACE FUNCTION renseignement_note_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued note % is immutable', OLD.number USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER renseignement_note_immutable
    BEFORE UPDATE OR DELETE ON renseignement_note
    FOR EACH ROW EXECUTE FUNCTION renseignement_note_immutable();
