"""The request of a signed-in user, for the views that require sign-in."""

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose user has signed in: the type of ``request`` in a view that requires it.

    Django's ``HttpRequest.user`` may be anonymous; ``LoginRequiredMiddleware`` (or
    ``login_required``) turns anonymous visitors away before such a view runs.
    """

    user: User
