DROP TRIGGER IF EXISTS renseignement_note_immutable ON renseignement_note;
DROP FUNCTION IF EXISTS renseignement_note_immutable();
