"""The pages of the releasable version ("tearline") of a summary: the analysts' marks, the
releases of an assessment with the form that makes one, and each release's PDF and JSON."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.requests import AuthenticatedHttpRequest
from assessments import permissions, release, selectors
from assessments.models import Assessment, SummaryRelease
from assessments.pdf import render_release_pdf
from assessments.release_forms import ReleaseForm
from audit import log as audit


def _ids(values: list[str]) -> set[int]:
    return {int(value) for value in values if value.isdigit() and len(value) < 19}


@require_http_methods(["GET", "HEAD", "POST"])
def releasable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assessment's evidence notes and sources, each with its releasable mark."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    if not release.can_mark(request.user, assessment.situation):
        raise PermissionDenied
    if request.method == "POST":
        changed = release.mark_releasable(
            assessment,
            by=request.user,
            notes=_ids(request.POST.getlist("notes")),
            sources=_ids(request.POST.getlist("sources")),
        )
        messages.success(
            request,
            ngettext("%(count)d mark changed.", "%(count)d marks changed.", changed)
            % {"count": changed},
        )
        return redirect("assessments:releasable", pk=assessment.pk)
    ratings = [
        r
        for r in assessment.ratings.select_related("indicator").prefetch_related("sources")
        if r.note or r.sources.all()
    ]
    return render(
        request, "assessments/releasable.html", {"assessment": assessment, "ratings": ratings}
    )


def _releases_page(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    form: ReleaseForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "assessments/releases.html",
        {
            "assessment": assessment,
            "form": form,
            "releases": release.releases_of(assessment),
            "public": not release.release_choices(assessment.situation),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def releases(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The releases made of the assessment's summaries; for a reviewer, the form of a new one
    while its current summary is approved."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    situation = assessment.situation
    if not release.can_see_releases(request.user, situation):
        raise PermissionDenied
    may_release = release.can_release(request.user)
    if request.method == "POST" and not may_release:
        raise PermissionDenied
    summary = selectors.current_summary(assessment)
    approved = summary if summary is not None and release.is_releasable(summary) else None
    if request.method != "POST":
        form = ReleaseForm(situation=situation) if may_release and approved else None
        return _releases_page(request, assessment, form)
    form = ReleaseForm(request.POST, situation=situation)
    if approved is None:
        form.is_valid()
        form.add_error(
            None, _("Only the approved summary of an assessment still approved can be released.")
        )
        return _releases_page(request, assessment, form, status=400)
    if not form.is_valid():
        return _releases_page(request, assessment, form, status=400)
    try:
        made = release.release_summary(
            approved,
            by=request.user,
            recipient=form.cleaned_data["recipient"],
            confidentiality=form.cleaned_data["confidentiality"],
        )
    except release.ReleaseError as refused:
        for field, problems in refused.errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _releases_page(request, assessment, form, status=400)
    messages.success(
        request,
        _("Released to %(recipient)s: download it below.") % {"recipient": made.recipient},
    )
    return redirect(reverse("assessments:releases", args=[assessment.pk]) + f"#release-{made.pk}")


def get_release_for_user(request: AuthenticatedHttpRequest, pk: int) -> SummaryRelease:
    """The release if the user may see its assessment (404 otherwise) and its releases."""
    found = (
        SummaryRelease.objects.filter(
            pk=pk, summary__assessment__in=permissions.visible_assessments(request.user)
        )
        .select_related("summary__assessment__situation")
        .first()
    )
    if found is None:
        raise Http404
    if not release.can_see_releases(request.user, found.summary.assessment.situation):
        raise PermissionDenied
    return found


def _attachment(found: SummaryRelease, ext: str) -> str:
    """The download's file name; the download goes into the audit log."""
    audit.record(
        "release_export",
        obj=found,
        data={"format": ext, "content_hash": found.content_hash, "recipient": found.recipient},
    )
    assessment = found.summary.assessment
    name = f"release-{assessment.situation.code}-{assessment.as_of:%Y-%m-%d}-{found.pk}"
    return f'attachment; filename="{name}.{ext}"'


@require_safe
def release_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = get_release_for_user(request, pk)
    response = HttpResponse(render_release_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = _attachment(found, "pdf")
    return response


@require_safe
def release_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The release's content as stored: its SHA-256 over the canonical encoding is the hash
    the page shows."""
    found = get_release_for_user(request, pk)
    response = JsonResponse(found.content, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = _attachment(found, "json")
    return response
