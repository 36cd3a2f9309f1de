"""The free texts of populations and protected groups at risk become group records.

Each text is split into parts (on semicolons and line breaks, and on commas where the text has
no semicolon); each part becomes a group linked to its situation: those of the protected
groups "not yet classified", those of the populations "other population". The same name in two
situations is one group linked to both. A part too long for a name keeps a shortened name and
every word in its description. Going back composes the texts from the records again.

The splitting is a copy of ``assessments.groups`` as it was when this migration was written:
a migration must not change with the app.
"""

import re

from django.db import migrations

MAX_NAME = 200
ELLIPSIS = "…"
SEPARATOR = "; "
UNCLASSIFIED = "unclassified"
OTHER = "other"


def split_names(text):
    separators = r"[;\n\r]" if ";" in text else r"[,\n\r]"
    parts = []
    for raw in re.split(separators, text):
        part = " ".join(raw.split())
        if part and part not in parts:
            parts.append(part)
    return parts


def name_part(part):
    if len(part) <= MAX_NAME:
        return part, ""
    return part[: MAX_NAME - len(ELLIPSIS)].rstrip() + ELLIPSIS, part


def full_name(name, description):
    if name.endswith(ELLIPSIS) and description.startswith(name[: -len(ELLIPSIS)]):
        return description
    return name


def groups_from_text(apps, schema_editor):
    Situation = apps.get_model("assessments", "Situation")
    ProtectedGroup = apps.get_model("assessments", "ProtectedGroup")
    for situation in Situation.objects.order_by("pk"):
        for text, kind in (
            (situation.protected_groups, UNCLASSIFIED),
            (situation.populations_at_risk, OTHER),
        ):
            for part in split_names(text or ""):
                name, description = name_part(part)
                group, created = ProtectedGroup.objects.get_or_create(
                    name=name,
                    kind=kind,
                    defaults={"description": description, "created_by_id": situation.created_by_id},
                )
                if not created and description and description not in group.description:
                    # Two long parts with the same start: the description keeps both.
                    group.description = f"{group.description}\n\n{description}".strip()
                    group.save(update_fields=["description"])
                group.situations.add(situation)


def text_from_groups(apps, schema_editor):
    Situation = apps.get_model("assessments", "Situation")
    for situation in Situation.objects.order_by("pk"):
        groups = list(situation.groups.order_by("pk"))
        protected = [full_name(g.name, g.description) for g in groups if g.kind != OTHER]
        populations = [full_name(g.name, g.description) for g in groups if g.kind == OTHER]
        situation.protected_groups = SEPARATOR.join(protected)
        situation.populations_at_risk = SEPARATOR.join(populations)
        situation.save(update_fields=["protected_groups", "populations_at_risk"])


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0013_protected_groups'),
    ]

    operations = [
        migrations.RunPython(groups_from_text, text_from_groups),
        migrations.RemoveField(
            model_name='situation',
            name='populations_at_risk',
        ),
        migrations.RemoveField(
            model_name='situation',
            name='protected_groups',
        ),
    ]
