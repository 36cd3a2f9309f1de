"""The pages of the response: updating one action (the lists are on the situation's page,
the assessment's page and the watch)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.requests import AuthenticatedHttpRequest
from assessments import permissions, response
from assessments.action_forms import ActionForm
from assessments.models import ResponseAction


def get_action_for_user(request: AuthenticatedHttpRequest, pk: int) -> ResponseAction:
    """The action if the user may see its situation (404 otherwise, as for the situation)."""
    action = (
        ResponseAction.objects.filter(
            pk=pk, situation__in=permissions.visible_situations(request.user)
        )
        .select_related("situation", "assessment", "decision", "entry__tool", "entry__pillar")
        .first()
    )
    if action is None:
        raise Http404
    return action


@require_http_methods(["GET", "POST"])
def action_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request, pk)
    if not response.can_track(request.user, action.situation):
        raise PermissionDenied
    form = ActionForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            response.update_action(action, form.update, by=request.user)
        except response.ActionError as refused:
            for field, problems in refused.errors.items():
                for problem in problems:
                    form.add_error(None if field == "__all__" else field, problem)
        else:
            messages.success(request, _("Action saved."))
            return redirect(
                reverse("assessments:situation", args=[action.situation_id]) + "#response"
            )
    return render(
        request,
        "assessments/action_form.html",
        {"form": form, "action": action, "title": response.action_title(action)},
    )
