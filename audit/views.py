from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.requests import AuthenticatedHttpRequest
from accounts.roles import is_framework_admin
from audit.forms import AuditFilterForm
from audit.models import AuditEntry

PAGE_SIZE = 50


@require_safe
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The audit log for framework admins: newest first, filtered, a page at a time."""
    if not is_framework_admin(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    entries = form.apply(AuditEntry.objects.order_by("-seq"))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"form": form, "page": page})
