"""Entries for the events of accounts: sign-in and its failures, lockouts, accounts created,
roles given and taken, and an account's access switched on or off."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save

from audit.log import record

# The account switches whose change is a change of what a person may do.
ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("sign_in", obj=user, actor=user)


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("sign_out", obj=user, actor=user)


def _sign_in_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    # The name typed, cut short; never the password (Django has already masked it).
    username = str((credentials or {}).get("username", ""))[:150]
    record("sign_in_failed", data={"username": username}, actor=None)


def _locked_out(sender: Any, request: Any, username: Any, ip_address: Any, **kwargs: Any) -> None:
    record(
        "locked_out",
        data={"username": str(username or "")[:150], "address": str(ip_address or "")},
        actor=None,
    )


def _before_user_saved(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    if instance.pk is None or (update_fields and not set(update_fields) & set(ACCESS_FLAGS)):
        instance._audit_flags = None
        return
    instance._audit_flags = sender.objects.filter(pk=instance.pk).values(*ACCESS_FLAGS).first()


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        record(
            "account_created",
            obj=instance,
            data={
                "username": instance.get_username(),
                **{f: getattr(instance, f) for f in ACCESS_FLAGS},
            },
        )
        return
    before = getattr(instance, "_audit_flags", None)
    if not before:
        return
    changed = {f: getattr(instance, f) for f in ACCESS_FLAGS if before[f] != getattr(instance, f)}
    if changed:
        record(
            "account_changed",
            obj=instance,
            data={"username": instance.get_username(), "changed": changed},
        )


def _groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    """A role given or taken, from either side (user.groups or group.user_set)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    User = get_user_model()
    if reverse:  # group.user_set: instance is the group, pk_set its users
        pairs = [(user, [instance.name]) for user in User.objects.filter(pk__in=pk_set or ())]
        if action == "pre_clear":
            pairs = [(user, [instance.name]) for user in instance.user_set.all()]
    else:
        names = (
            list(instance.groups.values_list("name", flat=True))
            if action == "pre_clear"
            else list(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
        )
        pairs = [(instance, names)]
    verb = "added" if action == "post_add" else "removed"
    for user, names in pairs:
        if names:
            record(
                "role_change",
                obj=user,
                data={"username": user.get_username(), verb: sorted(names)},
            )


def connect() -> None:
    User = get_user_model()
    user_logged_in.connect(_signed_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit_sign_in_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit_locked_out")
    pre_save.connect(_before_user_saved, sender=User, dispatch_uid="audit_user_before")
    post_save.connect(_user_saved, sender=User, dispatch_uid="audit_user_saved")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="audit_groups")
