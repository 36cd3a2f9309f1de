"""Webhook endpoints, and the log of what was sent to them.

An :class:`Endpoint` is a receiver that a framework admin registered: its URL, its secret
(the key of every signature), the events it wants and the highest confidentiality it is
cleared for. A :class:`Delivery` is one event for one endpoint, sent (and retried) until the
receiver answers 2xx or its retry window closes; each HTTP try is an :class:`Attempt`.
"""

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Confidentiality, Situation

#: Bytes of randomness in a generated secret (shown as twice as many hex digits).
SECRET_BYTES = 32


class Event(models.TextChoices):
    """What an endpoint can be told. ``ping`` is the admin's test event: never subscribed to."""

    SUMMARY_READY = "summary.ready", _("an escalation summary is ready for review")
    ESCALATION_APPROVED = "escalation.approved", _("an escalation was approved")
    ASSESSMENT_RETURNED = "assessment.returned", _("an assessment was returned to its analyst")
    SITUATION_LEVEL_CHANGED = "situation.level_changed", _("a situation's approved level changed")
    PING = "ping", _("test event")


#: The events an endpoint may subscribe to.
SUBSCRIBABLE_EVENTS: tuple[str, ...] = tuple(e.value for e in Event if e != Event.PING)

#: Confidentiality levels from the most open to the most restricted.
CONFIDENTIALITY_ORDER: tuple[str, ...] = tuple(Confidentiality.values)


def generate_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def is_cleared(clearance: str, confidentiality: str) -> bool:
    """May an endpoint cleared up to ``clearance`` receive a situation of ``confidentiality``?
    An unknown level on either side answers no."""
    if clearance not in CONFIDENTIALITY_ORDER or confidentiality not in CONFIDENTIALITY_ORDER:
        return False
    return CONFIDENTIALITY_ORDER.index(confidentiality) <= CONFIDENTIALITY_ORDER.index(clearance)


def http_allowed() -> bool:
    """Plain http endpoints are for local trials: allowed only under WEBHOOK_ALLOW_HTTP
    (which defaults to DEBUG)."""
    return bool(settings.WEBHOOK_ALLOW_HTTP)


def validate_endpoint_url(url: str) -> None:
    """An https URL (or http where :func:`http_allowed`), with no user name or password in it."""
    URLValidator(schemes=["http", "https"])(url)
    parts = urlsplit(url)
    if parts.scheme != "https" and not http_allowed():
        raise ValidationError(_("Enter an https:// URL."), code="https_required")
    if parts.username or parts.password:
        raise ValidationError(
            _("Leave the user name and password out of the URL: the signature authenticates."),
            code="credentials_in_url",
        )


class Endpoint(models.Model):
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[validate_endpoint_url],
        help_text=_("Where events are POSTed, as JSON. https:// (http:// for local trials only)."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=generate_secret,
        editable=False,
        help_text=_(
            "The receiver checks each request's X-R2P-Signature with this secret. Keep it "
            "secret; give it to the receiver's operators only."
        ),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("The events sent to this endpoint."),
    )
    clearance = models.CharField(
        _("cleared up to"),
        max_length=30,
        choices=Confidentiality.choices,
        default=Confidentiality.PUBLIC,
        help_text=_("Events about a situation more confidential than this are never sent here."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to stop sending events here.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(clearance__in=Confidentiality.values),
                name="webhook_endpoint_clearance_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return isinstance(self.events, list) and event in self.events

    def is_cleared_for(self, confidentiality: str) -> bool:
        return is_cleared(self.clearance, confidentiality)


class Delivery(models.Model):
    """One event for one endpoint. Its ``uuid`` is the X-R2P-Delivery header, the same at
    every try: receivers drop a delivery they have already seen."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class StopReason(models.TextChoices):
        """Why a delivery was given up or never sent."""

        WINDOW_OVER = "window_over", _("no 2xx answer within the retry window")
        TEST_FAILED = "test_failed", _("a test event is sent once, not retried")
        ENDPOINT_OFF = "endpoint_off", _("the endpoint was switched off")
        NOT_CLEARED = "not_cleared", _("the endpoint is not cleared for the situation")

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    # The situation the event is about (none for a ping): its confidentiality is checked again
    # at every try, so that a situation made more confidential is not sent on.
    situation = models.ForeignKey(
        Situation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("situation"),
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    stop_reason = models.CharField(
        _("why it stopped"), max_length=20, choices=StopReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivered_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status})"


class Attempt(models.Model):
    """One HTTP try of a delivery: its answer's status code, or the error that stopped it."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("try"))
    at = models.DateTimeField(_("when"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    response_excerpt = models.CharField(_("response (start)"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_number_once"
            ),
        ]

    def __str__(self) -> str:
        outcome = self.status_code if self.status_code is not None else self.error
        return f"#{self.number}: {outcome}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
