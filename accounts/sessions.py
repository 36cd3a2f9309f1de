"""Session lifetimes: an idle timeout (the session's age, renewed once a minute while it is
used) and an absolute one counted from the sign-in; the list of a user's sessions; ending them."""

from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import UserSession

SIGNED_IN_AT = "r2p_signed_in_at"
LAST_SEEN = "r2p_last_seen"
# How often a session's "last seen" is written (not on every request).
LAST_SEEN_EVERY = timedelta(minutes=1)


def _store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key)
    return store


def _absolute_limit() -> timedelta:
    return timedelta(minutes=settings.SESSION_ABSOLUTE_TIMEOUT_MINUTES)


def on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    now = timezone.now()
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = now.isoformat()
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "signed_in_at": now,
            "last_seen": now,
            "address": (request.META.get("REMOTE_ADDR") or "")[:45],
            "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:300],
        },
    )


def on_signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    key = getattr(request, "session", None) and request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()


def active_sessions(user: Any) -> list[UserSession]:
    """The user's sessions that have not ended: the store still holds them and neither
    timeout has passed. Rows of ended sessions are removed on the way."""
    now = timezone.now()
    alive, ended = [], []
    for row in UserSession.objects.filter(user=user):
        idle = now - row.last_seen > timedelta(seconds=settings.SESSION_COOKIE_AGE)
        too_old = now - row.signed_in_at > _absolute_limit()
        if idle or too_old or not _store(row.session_key).exists(row.session_key):
            ended.append(row.pk)
        else:
            alive.append(row)
    UserSession.objects.filter(pk__in=ended).delete()
    return alive


def end_sessions(user: Any, *, keep: str | None = None) -> int:
    """End every session of the user but ``keep``; how many were ended."""
    rows = UserSession.objects.filter(user=user).exclude(session_key=keep or "")
    count = 0
    for row in rows:
        _store(row.session_key).delete(row.session_key)
        count += 1
    rows.delete()
    return count


class SessionTimeoutMiddleware:
    """Signs out a session older than SESSION_ABSOLUTE_TIMEOUT_MINUTES, however active, and
    keeps its "last seen" and its expiry (the idle timeout) current to the minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = timezone.now()
            if started is None:
                request.session[SIGNED_IN_AT] = now.isoformat()
            elif now - datetime.fromisoformat(started) > _absolute_limit():
                logout(request)
                messages.info(
                    request,
                    _("You were signed in for %(hours)s hours: please sign in again.")
                    % {"hours": round(settings.SESSION_ABSOLUTE_TIMEOUT_MINUTES / 60, 1)},
                )
                return redirect_to_login(request.get_full_path())
            key = request.session.session_key
            seen = request.session.get(LAST_SEEN)
            if key and (seen is None or now - datetime.fromisoformat(seen) > LAST_SEEN_EVERY):
                # Writing LAST_SEEN saves the session, which renews its expiry: the idle
                # timeout, kept to the minute without a write on every request.
                UserSession.objects.filter(session_key=key).update(last_seen=now)
                request.session[LAST_SEEN] = now.isoformat()
        return self.get_response(request)
