from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

# On PostgreSQL the table refuses UPDATE and DELETE of any row, whoever asks; on SQLite the
# chain alone shows a change (manage.py verify_audit_log).
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="number")),
                ("at", models.DateTimeField(editable=False, verbose_name="when")),
                ("actor_name", models.CharField(blank=True, editable=False, max_length=150, verbose_name="who")),
                ("address", models.CharField(blank=True, editable=False, max_length=45, verbose_name="from address")),
                ("action", models.CharField(db_index=True, editable=False, max_length=50, verbose_name="action")),
                ("object_type", models.CharField(blank=True, editable=False, max_length=100, verbose_name="object type")),
                ("object_id", models.CharField(blank=True, editable=False, max_length=64, verbose_name="object id")),
                ("data", models.JSONField(blank=True, default=dict, editable=False, verbose_name="details")),
                ("prev_hash", models.CharField(editable=False, max_length=64, verbose_name="previous hash")),
                ("hash", models.CharField(editable=False, max_length=64, unique=True, verbose_name="hash")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text="Empty for the system's own steps and for visitors not signed in.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit entries",
                "ordering": ["-seq"],
                "indexes": [
                    models.Index(fields=["object_type", "object_id"], name="audit_object"),
                    models.Index(fields=["at"], name="audit_at"),
                ],
            },
        ),
        migrations.RunPython(append_only, not_append_only),
    ]
