"""People, in the admin: framework admins list and find them, invite or create them, give
them roles and switch their access off, without being superusers.

What a framework admin may not do here: delete anyone (an account is deactivated and its
history kept), see or give the superuser flag or single permissions, edit a superuser, or
give any group but the three roles. Roles and access change through the services of
accounts/services.py, which hold the rules (the four-eyes rule on analysts and reviewers,
nobody deactivating themselves) for every caller; staff status follows the framework admin
role there. Every change is in the audit log (audit/signals.py).

People's API tokens are listed and revoked here too (``ApiTokenAdmin``): never made, edited
or deleted.
"""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    SetPasswordMixin,
    UserChangeForm,
    UsernameField,
)
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import services, tokens
from accounts.models import ApiToken
from accounts.roles import ANALYSTS, FRAMEWORK_ADMINS, REVIEWERS, ROLE_GROUPS
from audit import log as audit

ROLE_LABELS = {
    ANALYSTS: gettext_lazy("Analyst"),
    REVIEWERS: gettext_lazy("Reviewer"),
    FRAMEWORK_ADMINS: gettext_lazy("Framework admin"),
}
ROLE_CHOICES = list(ROLE_LABELS.items())
ROLES_HELP = gettext_lazy(
    "Analysts assess the situations assigned to them. Reviewers create situations and decide "
    "on escalations. Framework admins keep the reference data current and manage people in "
    "these administration pages. One person is not both an analyst and a reviewer unless the "
    "office's settings allow it; even then nobody reviews their own assessment."
)


PERSON_FIELDS = ("username", "first_name", "last_name", "email")


def roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=gettext_lazy("Roles"),
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ROLES_HELP,
    )


class PersonChangeForm(UserChangeForm):
    """A person's details, roles and access. Which fields it has is the admin's choice
    (``PeopleAdmin.get_fieldsets``): never the groups themselves, nor the staff status."""

    roles = roles_field()
    # Who is making the change (set by the admin on the form class it builds).
    acting_user: User | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["roles"] = sorted(services.role_names(self.instance))
        if "is_active" in self.fields:
            self.fields["is_active"].help_text = gettext_lazy(
                "Untick to deactivate the account: the person's sessions end at once and they "
                "can no longer sign in. The account and its history are kept."
            )

    def clean_roles(self) -> list[str]:
        roles: list[str] = self.cleaned_data.get("roles") or []
        services.check_roles(self.instance, roles, by=self.acting_user)
        return roles

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        services.check_active(self.instance, active, by=self.acting_user)
        return active


class PersonCreationForm(forms.ModelForm):
    """A new person: either an initial password (checked by the password validators) or an
    emailed invitation to set their own."""

    roles = roles_field()
    invite = forms.BooleanField(
        label=gettext_lazy("Email an invitation"),
        required=False,
        help_text=gettext_lazy(
            "The person gets an email with a link to set their own password; the link works "
            "once and expires. Leave the password fields empty then."
        ),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()
    acting_user: User | None = None

    class Meta:
        model = User
        fields = PERSON_FIELDS
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("password1", "password2"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_username(self) -> str:
        """Refuse a username that differs from another only in case."""
        username: str = self.cleaned_data.get("username") or ""
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A person with this username already exists."), code="unique")
        return username

    def clean_roles(self) -> list[str]:
        roles: list[str] = self.cleaned_data.get("roles") or []
        services.check_roles(self.instance, roles, by=self.acting_user)
        return roles

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if cleaned.get("invite"):
            if not cleaned.get("email") and "email" not in self.errors:
                self.add_error("email", _("An invitation needs an email address."))
            if password1 or password2:
                self.add_error(
                    "password1",
                    _("Either set a password or email an invitation, not both."),
                )
            return cleaned
        if not password1 and "password1" not in self.errors:
            self.add_error("password1", _("Set a password, or tick “Email an invitation” instead."))
        if not password2 and "password2" not in self.errors:
            self.add_error("password2", _("Enter the same password again."))
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1 and password2:
            # The validators see the person as entered (their name and email included).
            person = User(**{f: cleaned.get(f) or "" for f in PERSON_FIELDS})
            try:
                password_validation.validate_password(password2, person)
            except ValidationError as error:
                self.add_error("password2", error)
        return cleaned

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if self.cleaned_data.get("invite"):
            user.set_unusable_password()  # until they set theirs from the invitation
        else:
            user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
            self.save_m2m()
        return user


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """A person's password set by an admin: in the audit log as well as the admin's history."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        audit.record(
            "password_changed",
            obj=user,
            data={
                "username": user.get_username(),
                "via": "admin",
                "usable": user.has_usable_password(),
            },
        )
        return user


class RoleFilter(admin.SimpleListFilter):
    title = gettext_lazy("role")
    parameter_name = "role"
    NONE = "none"
    VALUES = {"analyst": ANALYSTS, "reviewer": REVIEWERS, "framework-admin": FRAMEWORK_ADMINS}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            *((value, ROLE_LABELS[name]) for value, name in self.VALUES.items()),
            (self.NONE, gettext_lazy("No role")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == self.NONE:
            return queryset.exclude(groups__name__in=ROLE_GROUPS)
        if value in self.VALUES:
            return queryset.filter(groups__name=self.VALUES[value])
        return queryset


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PeopleAdmin(UserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    add_form_template = None  # the plain form: no "password-based authentication" switch
    change_password_form = AuditedPasswordChangeForm
    list_display = ("username", "full_name", "email", "role_list", "is_active", "last_login")
    list_filter = (RoleFilter, "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("user_permissions",)
    actions = ["deactivate_selected", "invite_selected", "reset_second_factor_selected"]

    # Who may do what ---------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """Everyone, with their roles; superusers only for a superuser (nobody else may see
        or change them)."""
        people = (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "groups",
                    queryset=Group.objects.filter(name__in=ROLE_GROUPS),
                    to_attr="role_groups",
                )
            )
        )
        if not request.user.is_superuser:
            people = people.exclude(is_superuser=True)
        return people

    def _may_touch(self, request: HttpRequest, obj: User | None) -> bool:
        return obj is None or request.user.is_superuser or not obj.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_touch(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_touch(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the account's history stays whole

    # The forms -----------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None:
            return (
                (None, {"fields": PERSON_FIELDS}),
                (gettext_lazy("Roles"), {"fields": ("roles",)}),
                (
                    gettext_lazy("Password or invitation"),
                    {
                        "fields": ("invite", "password1", "password2"),
                        "description": gettext_lazy(
                            "Set an initial password to tell the person yourself, or email "
                            "them an invitation to set their own."
                        ),
                    },
                ),
            )
        access: tuple[str, ...] = ("is_active", "roles")
        if request.user.is_superuser:
            access = (*access, "is_superuser", "user_permissions")
        return (
            (None, {"fields": ("username", "password")}),
            (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (gettext_lazy("Access"), {"fields": access}),
            (gettext_lazy("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_form(  # type: ignore[override]  # as UserAdmin's own stub
        self, request: HttpRequest, obj: User | None = None, **kwargs: Any
    ) -> "type[forms.ModelForm[User]]":
        form = super().get_form(request, obj, **kwargs)
        cast(type[PersonChangeForm], form).acting_user = cast(User, request.user)
        return form

    # Saving: through the services --------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        switch = change and "is_active" in form.changed_data
        wanted = obj.is_active
        if switch:
            obj.is_active = not wanted  # as stored: set_active switches it (and ends sessions)
        super().save_model(request, obj, form, change)
        if switch:
            services.set_active(obj, wanted, by=cast(User, request.user))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user: User = form.instance
        by = cast(User, request.user)
        if "roles" in form.cleaned_data:
            result = services.set_roles(user, form.cleaned_data["roles"], by=by)
            if result.gave_analyst_and_reviewer:
                self.message_user(request, both_roles_warning(user), messages.WARNING)
        if not change and form.cleaned_data.get("invite"):
            services.invite_user(user, by=by)
            self.message_user(
                request,
                _("An invitation to set a password is being emailed to %(email)s.")
                % {"email": user.email},
                messages.INFO,
            )

    # The list ------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=gettext_lazy("roles"))
    def role_list(self, obj: User) -> str:
        held = {group.name for group in getattr(obj, "role_groups", obj.groups.all())}
        labels = [str(ROLE_LABELS[name]) for name in ROLE_GROUPS if name in held]
        return ", ".join(labels) or _("no role")

    @admin.action(description=gettext_lazy("Deactivate selected users"), permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = cast(User, request.user)
        count = 0
        for user in queryset.filter(is_active=True):
            try:
                count += services.set_active(user, False, by=by)
            except ValidationError as refusal:
                self.message_user(request, " ".join(refusal.messages), messages.ERROR)
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d user deactivated: their sessions are ended, their history kept.",
                    "%(count)d users deactivated: their sessions are ended, their history kept.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )

    @admin.action(
        description=gettext_lazy(
            "Reset the second factor of selected users (lost phone and codes)"
        ),
        permissions=["change"],
    )
    def reset_second_factor_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = cast(User, request.user)
        done = [user for user in queryset if services.reset_second_factor(user, by=by)]
        self.message_user(
            request,
            ngettext(
                "%(count)d user's second factor is reset: they set up a new one at their next "
                "sign-in.",
                "%(count)d users' second factors are reset: they set up a new one at their "
                "next sign-in.",
                len(done),
            )
            % {"count": len(done)},
            messages.SUCCESS if done else messages.INFO,
        )

    @admin.action(
        description=gettext_lazy("Email selected users an invitation to set their password"),
        permissions=["change"],
    )
    def invite_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = cast(User, request.user)
        sent, skipped = 0, []
        for user in queryset:
            try:
                services.invite_user(user, by=by)
                sent += 1
            except ValidationError:
                skipped.append(user.get_username())
        if sent:
            self.message_user(
                request,
                ngettext(
                    "An invitation is being emailed to %(count)d user.",
                    "Invitations are being emailed to %(count)d users.",
                    sent,
                )
                % {"count": sent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("Not invited (no email address, or not active): %(names)s.")
                % {"names": ", ".join(skipped)},
                messages.WARNING,
            )


def both_roles_warning(user: User) -> str:
    return _(
        "%(name)s is now both an analyst and a reviewer (the settings allow it): they may write "
        "assessments and decide on others' escalations. They still never review their own work."
    ) % {"name": user.get_full_name() or user.get_username()}


class TokenStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(status.value, status.label) for status in ApiToken.Status]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        live = queryset.filter(revoked_at__isnull=True)
        match self.value():
            case ApiToken.Status.ACTIVE:
                return live.filter(expires_at__gt=now)
            case ApiToken.Status.EXPIRED:
                return live.filter(expires_at__lte=now)
            case ApiToken.Status.REVOKED:
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """People's API tokens: framework admins list them and revoke them (the token of someone
    who left, or one that leaked). Nobody makes, edits or deletes one here: a user makes their
    own on their API tokens page, and a revoked token's row is its history. The digest is never
    shown. Superusers' tokens, like superusers themselves, only to a superuser."""

    list_display = (
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_from",
        "revoked_at",
        "status",
    )
    list_filter = (TokenStatusFilter, "scope")
    search_fields = ("name", "prefix", "user__username", "user__first_name", "user__last_name")
    list_select_related = ("user", "revoked_by")
    fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_from",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ["revoke_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        found = super().get_queryset(request).select_related("user", "revoked_by")
        if not request.user.is_superuser:
            found = found.exclude(user__is_superuser=True)
        return found

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # each user makes their own, and sees its text once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list and its action need it; a token's own page is read only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row says who used it, when, and who ended it

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: ApiToken) -> str:
        return str(obj.status.label)

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        by = cast(User, request.user)
        count = sum(tokens.revoke(token, by=by) for token in queryset.filter(revoked_at=None))
        self.message_user(
            request,
            ngettext(
                "%(count)d token revoked: it no longer works.",
                "%(count)d tokens revoked: they no longer work.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.INFO,
        )
