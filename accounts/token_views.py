"""Each user's own API tokens: the list, making one, and revoking one. Nobody sees or revokes
another's token here (a 404, as for a token that does not exist); admins revoke anyone's in
the admin (accounts/admin.py)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import tokens
from accounts.models import ApiToken
from accounts.requests import AuthenticatedHttpRequest
from accounts.token_forms import ApiTokenForm

#: The address the page's example request reads (the API's list of situations).
EXAMPLE_PATH = "/api/v1/situations/"


def _get_token_for_user(request: AuthenticatedHttpRequest, pk: int) -> ApiToken:
    return get_object_or_404(ApiToken, pk=pk, user=request.user)


@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's tokens, and a form for a new one.

    A new token's text is in the answer to the POST that made it, and nowhere else: not in the
    session, not in a message, not in the database (which keeps its digest). A reload shows
    the list without it; a lost token is revoked and replaced.
    """
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, raw = tokens.create_token(
            request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
        )
        created = {"token": token, "raw": raw}
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": tokens.tokens_of(request.user),
            "created": created,
            "example_url": request.build_absolute_uri(EXAMPLE_PATH),
        },
    )


@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = _get_token_for_user(request, pk)
    if tokens.revoke(token, by=request.user):
        messages.success(
            request,
            _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
        )
    else:
        messages.info(
            request, _("The token “%(name)s” was already revoked.") % {"name": token.name}
        )
    return redirect("api_tokens")
