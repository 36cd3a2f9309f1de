"""Webhooks in the admin: framework admins register endpoints, send them a test event, and read
the delivery log (read-only: deliveries are the system's own record)."""

import json
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from webhooks import services
from webhooks.models import SUBSCRIBABLE_EVENTS, Attempt, Delivery, Endpoint, Event
from webhooks.permissions import may_manage_webhooks


class FrameworkAdminsOnly:
    """Every page and action of a webhook model: for framework admins only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_webhooks(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_webhooks(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may_manage_webhooks(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_webhooks(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_webhooks(request.user)


class ReadOnly(FrameworkAdminsOnly):
    """The delivery log: read, never written by hand."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Endpoints ---------------------------------------------------------------------------------


def _form_field(field: "models.Field[Any, Any]", **kwargs: Any) -> forms.Field | None:
    """A URL typed without its scheme is taken as https://."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(event, Event(event).label) for event in SUBSCRIBABLE_EVENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The events sent to this endpoint."),
    )

    class Meta:
        model = Endpoint
        fields = ("name", "url", "events", "clearance", "is_active")
        formfield_callback = _form_field

    def clean_events(self) -> list[str]:
        chosen = set(self.cleaned_data.get("events") or [])
        return [event for event in SUBSCRIBABLE_EVENTS if event in chosen]


def test_result_message(endpoint: Endpoint, outcome: services.Outcome) -> tuple[str, int]:
    """What the admin is told of a test event, and at which message level."""
    attempt = outcome.attempt
    if outcome.result == "delivered" and attempt is not None:
        return (
            _("Test event delivered to %(name)s: HTTP %(status)s in %(ms)d ms.")
            % {"name": endpoint.name, "status": attempt.status_code, "ms": attempt.duration_ms},
            messages.SUCCESS,
        )
    if attempt is None:
        return _("The test event to %(name)s was not sent.") % {"name": endpoint.name}, (
            messages.ERROR
        )
    if attempt.status_code is not None:
        problem = _("HTTP %(status)s") % {"status": attempt.status_code}
    else:
        problem = attempt.error
    return (
        _("The test event to %(name)s failed: %(problem)s.")
        % {"name": endpoint.name, "problem": problem},
        messages.ERROR,
    )


@admin.register(Endpoint)
class EndpointAdmin(FrameworkAdminsOnly, admin.ModelAdmin):
    form = EndpointForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "url", "event_list", "clearance", "is_active")
    list_filter = ("is_active", "clearance")
    search_fields = ("name", "url")
    readonly_fields = ("secret", "created_at", "updated_at")
    actions = ["send_test_event", "rotate_secrets"]

    def get_fields(self, request: HttpRequest, obj: Endpoint | None = None) -> tuple[str, ...]:
        fields = ("name", "url", "events", "clearance", "is_active")
        # The secret is generated when the endpoint is saved: shown from then on.
        return fields if obj is None else (*fields, "secret", "created_at", "updated_at")

    @admin.display(description=gettext_lazy("events"))
    def event_list(self, obj: Endpoint) -> str:
        return ", ".join(obj.events or []) or _("none")

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        services.save_endpoint(obj, by=cast(User, request.user), changed=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        services.delete_endpoint(obj, by=cast(User, request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.delete_endpoint(endpoint, by=cast(User, request.user))

    def response_change(self, request: HttpRequest, obj: Endpoint) -> HttpResponse:
        """ "Save and send a test event": saved as usual, then the ping, then back here."""
        if "_send_test" in request.POST:
            self._send_test(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _send_test(self, request: HttpRequest, endpoint: Endpoint) -> None:
        message, level = test_result_message(endpoint, services.send_test(endpoint))
        self.message_user(request, message, level)

    @admin.action(description=gettext_lazy("Send a test event to the selected endpoints"))
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            self._send_test(request, endpoint)

    @admin.action(
        description=gettext_lazy("Give the selected endpoints a new secret"), permissions=["change"]
    )
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        count = 0
        for endpoint in queryset:
            services.rotate_secret(endpoint, by=cast(User, request.user))
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d endpoint has a new secret: give it to its receiver.",
                "%(count)d endpoints have a new secret: give each to its receiver.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# The delivery log --------------------------------------------------------------------------


class AttemptInline(ReadOnly, admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("number", "at", "status_code", "error", "duration_ms", "response_excerpt")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "delivered_at",
        "next_attempt_at",
    )
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("uuid",)
    date_hierarchy = "created_at"
    fields = (
        "uuid",
        "endpoint",
        "event",
        "situation",
        "status",
        "stop_reason",
        "attempts",
        "created_at",
        "next_attempt_at",
        "delivered_at",
        "payload_json",
    )
    readonly_fields = fields
    inlines = [AttemptInline]

    @admin.display(description=gettext_lazy("payload"))
    def payload_json(self, obj: Delivery) -> SafeString:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False)
        )
