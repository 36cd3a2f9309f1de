"""Personal API tokens: making one (shown once), finding the token a request carries, and
revoking. Only a digest is stored; every step is in the audit log."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken
from audit import log

PREFIX = "r2p_"
#: How long a token lives unless its maker chooses otherwise, and at most.
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(
    user: User, *, name: str, scope: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token of ``user``; returns it and the token text, which is never stored."""
    now = timezone.now()
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise ValueError("a token must expire in the future")
    expires_at = min(expires_at, now + MAX_LIFETIME)
    lookup = secrets.token_hex(6)
    raw = f"{PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=f"{PREFIX}{lookup}",
        digest=_digest(raw),
        scope=scope,
        expires_at=expires_at,
    )
    log.record(
        "api_token_created",
        obj=token,
        data={"user": user.get_username(), "name": token.name, "scope": scope},
    )
    return token, raw


def find_token(raw: str) -> ApiToken | None:
    """The live token ``raw`` is, with its user; None for anything else (unknown, wrong
    secret, expired, revoked, or its user deactivated)."""
    # r2p_<lookup>_<secret>: the lookup is hex; the secret is url-safe and may hold "_".
    lookup, _, secret = raw.removeprefix(PREFIX).partition("_")
    if not raw.startswith(PREFIX) or not lookup or not secret:
        return None
    prefix = f"{PREFIX}{lookup}"
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if token.revoked_at is not None or token.expires_at <= timezone.now():
        return None
    if not token.user.is_active:
        return None
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """The user's own tokens, newest first, whatever their state."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"))


def record_use(token: ApiToken, address: str) -> None:
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address[:45])
    token.last_used_at, token.last_used_from = now, address[:45]


@transaction.atomic
def revoke(token: ApiToken, *, by: User) -> bool:
    """End the token now; False if it had already ended."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    if changed:
        log.record(
            "api_token_revoked",
            obj=token,
            data={"user": token.user.get_username(), "name": token.name},
            actor=by,
        )
    return bool(changed)
