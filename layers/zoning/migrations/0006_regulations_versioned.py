"""Zone regulations get a write counter like the layers' (``layers_version``, bumped once per
statement by ``layers_bump_version``): a change of a zone's rules moves the version of the
planning data that notes record. Regulations are not a map layer, so no history trigger."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("zoning", "0005_translations_and_text_url"),
        ("layers", "0002_history_and_versions_sql"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER zoning_zoneregulation_version AFTER INSERT OR UPDATE OR DELETE "
            "OR TRUNCATE ON zoning_zoneregulation "
            "FOR EACH STATEMENT EXECUTE FUNCTION layers_bump_version()",
            reverse_sql="DROP TRIGGER zoning_zoneregulation_version ON zoning_zoneregulation",
        )
    ]
