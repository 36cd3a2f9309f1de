"""Every change to the reference data, whoever makes it (the admin, a shell, a command), goes
into the audit log with the object's fields as saved."""

from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from audit import log as audit


def _fields(instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = serializers.serialize("python", [instance])[0]["fields"]
    return data


def _saved(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    audit.record(
        "reference_created" if created else "reference_changed",
        obj=instance,
        data={"code": getattr(instance, "code", ""), "fields": _fields(instance)},
    )


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    audit.record("reference_deleted", obj=instance, data={"code": getattr(instance, "code", "")})


def _links_changed(
    sender: Any, instance: models.Model, action: str, pk_set: Any, **kwargs: Any
) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        audit.record(
            "reference_changed",
            obj=instance,
            data={
                "code": getattr(instance, "code", ""),
                "links": sender._meta.label_lower,
                action.removeprefix("post_"): sorted(pk_set or ()),
            },
        )


def connect() -> None:
    for model in apps.get_app_config("framework").get_models():
        if model._meta.label_lower.startswith("framework.historical"):
            continue  # simple-history's own rows
        uid = model._meta.label_lower
        post_save.connect(_saved, sender=model, dispatch_uid=f"audit_saved_{uid}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit_deleted_{uid}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _links_changed, sender=through, dispatch_uid=f"audit_m2m_{uid}_{field.name}"
            )
