from django.db import migrations, models

BATCH = 500


def fill_levels(apps, schema_editor):
    """Each assessment's crimes' and factors' levels, copied out of its stored result: in
    one statement on PostgreSQL, in batches elsewhere."""
    Assessment = apps.get_model("assessments", "Assessment")
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(Assessment._meta.db_table)
        schema_editor.execute(
            f"UPDATE {table} SET "  # nosec B608: the model's own table name, quoted
            "crime_levels = COALESCE(result->'levels', '{}'::jsonb), "
            "factor_levels = COALESCE(result->'factor_levels', '{}'::jsonb)"
        )
        return
    last = 0
    while True:
        batch = list(
            Assessment.objects.filter(pk__gt=last).order_by("pk").only("pk", "result")[:BATCH]
        )
        if not batch:
            return
        for assessment in batch:
            result = assessment.result or {}
            assessment.crime_levels = result.get("levels") or {}
            assessment.factor_levels = result.get("factor_levels") or {}
        Assessment.objects.bulk_update(batch, ["crime_levels", "factor_levels"])
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0017_summary_pdfs"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="crime_levels",
            field=models.JSONField(blank=True, default=dict, verbose_name="crimes' levels"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="factor_levels",
            field=models.JSONField(blank=True, default=dict, verbose_name="factors' levels"),
        ),
        migrations.RunPython(fill_levels, migrations.RunPython.noop, elidable=True),
    ]
