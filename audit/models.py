"""The audit log: one append-only, hash-chained list of what people and the system did."""

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Every action the log records, with its name for readers.
ACTIONS = {
    "sign_in": _("signed in"),
    "sign_out": _("signed out"),
    "sign_in_failed": _("sign-in failed"),
    "locked_out": _("sign-in locked out"),
    "password_changed": _("password changed"),
    "signed_out_everywhere": _("signed out everywhere"),
    "mfa_enrolled": _("second factor set up"),
    "mfa_verified": _("second factor given"),
    "mfa_failed": _("second factor refused"),
    "mfa_recovery_codes": _("new recovery codes"),
    "mfa_removed": _("second factor removed"),
    "account_created": _("account created"),
    "invitation_sent": _("invitation sent"),
    "mfa_reset": _("second factor reset by an admin"),
    "account_changed": _("account access changed"),
    "role_change": _("role given or taken"),
    "transition": _("workflow step"),
    "decision": _("escalation decision"),
    "summary_export": _("summary exported"),
    "assessment_export": _("assessment exported"),
    "reference_loaded": _("reference data loaded"),
    "reference_created": _("reference data created"),
    "reference_changed": _("reference data changed"),
    "reference_deleted": _("reference data deleted"),
    "api_token_created": _("API token made"),
    "api_token_revoked": _("API token revoked"),
    "webhook_endpoint_created": _("webhook endpoint registered"),
    "webhook_endpoint_changed": _("webhook endpoint changed"),
    "webhook_endpoint_deleted": _("webhook endpoint deleted"),
    "webhook_secret_rotated": _("webhook secret replaced"),
    "forecasts_imported": _("external forecasts imported"),
    "forecasts_deleted": _("external forecasts deleted"),
    "actions_opened": _("response actions opened"),
    "action_updated": _("response action updated"),
    "dissent": _("dissent recorded"),
}


class AuditEntry(models.Model):
    """One event. ``hash`` is the SHA-256 of the previous entry's hash and this entry's
    canonical content (see :func:`audit.log.digest`), so changing, removing or inserting an
    entry breaks the chain from there on; ``manage.py verify_audit_log`` finds where."""

    seq = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    at = models.DateTimeField(_("when"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("Empty for the system's own steps and for visitors not signed in."),
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True, editable=False)
    address = models.CharField(_("from address"), max_length=45, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=50, db_index=True, editable=False)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, editable=False)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, editable=False)
    data = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def data_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True)

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))
