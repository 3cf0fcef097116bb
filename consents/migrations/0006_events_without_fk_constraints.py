"""Events lose their database FK constraints (checked row by row at commit, the largest cost of
an upload's writes); a trigger now refuses deleting a contact, as 0002 does for consents, so no
event can lose the contact or consent it names."""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
    CREATE TRIGGER contact_never_deleted BEFORE DELETE ON consents_contact
    FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();
"""
BACKWARD = "DROP TRIGGER IF EXISTS contact_never_deleted ON consents_contact;"


def run(statement):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement, params=None)
    return apply


class Migration(migrations.Migration):

    dependencies = [
        ('consents', '0005_transaction_id_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='consentevent',
            name='consent',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='consents.consent', verbose_name='consent'),
        ),
        migrations.AlterField(
            model_name='consentevent',
            name='contact',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='consents.contact', verbose_name='contact'),
        ),
        migrations.RunPython(run(FORWARD), run(BACKWARD)),
    ]
