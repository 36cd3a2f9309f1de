"""The rating form built from the framework structure that each process keeps (read again
when the reference data change, whichever process changed them), with its markup as before;
and the summary PDF rendered once, by the worker, stored with the content hash it renders,
and served as stored until what it shows changes or another language is asked for."""

import copy
from unittest import mock

import pytest
from django.urls import reverse

from assessments import dissent, pdf, summary_pdfs, tasks, workflow
from assessments.models import EscalationSummary, SummaryPdf
from framework import cache
from framework.dataset import read_dataset
from framework.management.commands.load_framework import DEFAULT_PATH
from framework.models import Indicator, RiskFactor
from framework.services import load_framework
from tests.assessments.builders import (
    build_assessment,
    build_crisis,
    build_situation,
    decide,
    field_name,
    summary_of,
)
from tests.assessments.test_summary_languages import pdf_text
from tests.conftest import wait_for

NEW_LABEL = "Armed conflict under way, as the reloaded reference data now word it."
STORE = workflow.STORE_SUMMARY_PDFS_TASK


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def draft(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province")
    return build_assessment(situation, by=analyst, ratings={"7.5": "moderate", "1.1": "low"})


def edit_page(client, assessment) -> str:
    response = client.get(reverse("assessments:edit", kwargs={"pk": assessment.pk}))
    assert response.status_code == 200
    return response.content.decode()


def load_with_label(code: str, label: str) -> None:
    """Load the bundled reference data with indicator ``code`` worded ``label``, as
    ``manage.py load_framework`` loads a changed file."""
    dataset = read_dataset(DEFAULT_PATH)
    dataset = copy.deepcopy(dataset)
    for factor in dataset.records["risk_factors"]:
        for indicator in factor["indicators"]:
            if indicator["code"] == code:
                indicator["label"] = label
    load_framework(dataset)


# The framework structure kept per process ---------------------------------------------------


@pytest.mark.django_db
def test_reloaded_reference_data_show_on_the_next_form_of_the_same_process(client, analyst, draft):
    client.force_login(analyst)
    assert NEW_LABEL not in edit_page(client, draft)  # the structure is now kept

    load_with_label("1.1", NEW_LABEL)

    assert NEW_LABEL in edit_page(client, draft)
    assert Indicator.objects.get(code="1.1").label == NEW_LABEL


@pytest.mark.django_db
def test_a_process_holding_the_structure_from_before_a_change_reads_it_again(
    client, analyst, draft
):
    client.force_login(analyst)
    edit_page(client, draft)
    before = cache.framework_structure()

    # Another process loads the changed data: the stamp is in the database, so this
    # process's copy (kept from before) no longer matches it.
    load_with_label("1.1", NEW_LABEL)
    cache.hold_structure(before)  # what this process held, untouched by the load

    after = cache.framework_structure()
    assert after is not before
    labels = [i.label for items in after.indicators.values() for i in items if i.code == "1.1"]
    assert labels == [NEW_LABEL]
    assert NEW_LABEL in edit_page(client, draft)


@pytest.mark.django_db
def test_a_fresh_process_reads_the_structure_once_and_then_only_checks_its_stamp(
    django_assert_max_num_queries,
):
    cache.forget_structure()
    first = cache.framework_structure()
    with django_assert_max_num_queries(2):  # the stamp: one query (two on SQLite)
        again = cache.framework_structure()
    assert again is first
    assert len(first.factors) == 14
    assert sum(len(items) for items in first.indicators.values()) == Indicator.objects.count()


@pytest.mark.django_db
def test_an_indicator_retired_in_bulk_leaves_the_form_unless_the_assessment_rated_it(
    client, analyst, draft
):
    client.force_login(analyst)
    edit_page(client, draft)

    Indicator.objects.filter(code__in=["7.5", "7.6"]).update(is_active=False)

    page = edit_page(client, draft)
    assert f'name="{field_name("7.6", "severity")}"' not in page
    assert f'name="{field_name("7.5", "severity")}"' in page  # rated by this assessment
    assert '<span class="badge text-bg-secondary">retired</span>' in page


# The form's markup ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_control_of_a_row_keeps_its_label_name_and_accessible_name(client, analyst, draft):
    client.force_login(analyst)
    indicator = Indicator.objects.get(code="7.5")
    pk = indicator.pk

    page = edit_page(client, draft)

    assert (
        f'<div class="indicator-row border-top py-2" role="group" aria-labelledby="ind-{pk}"'
        ' data-row data-rated="1">' in page
    )
    assert (
        f'<p class="mb-1" id="ind-{pk}"><span class="fw-semibold">7.5</span> {indicator.label}'
        in page
    )
    assert (
        f'<label class="form-label small mb-0" for="id_i{pk}_severity">Severity</label>\n'
        f'<div><select name="i{pk}_severity" class="form-select form-select-sm"'
        f' aria-label="Severity of 7.5" id="id_i{pk}_severity">' in page
    )
    assert '<option value="moderate" selected>moderate</option>' in page
    assert (
        f'<textarea name="i{pk}_sources" cols="40" rows="2" class="form-control form-control-sm"'
        f' maxlength="20000" aria-label="Sources for 7.5" aria-describedby="source-help"'
        f' id="id_i{pk}_sources">' in page
    )
    assert f'<label class="form-label small mb-0" for="id_i{pk}_note">Evidence note</label>' in page


@pytest.mark.django_db
def test_an_error_is_shown_beside_its_control_and_linked_from_it(client, analyst, draft):
    from tests.assessments.builders import edit_form_data

    client.force_login(analyst)
    pk = Indicator.objects.get(code="7.5").pk
    data = edit_form_data(
        draft,
        **{f"i{pk}_severity": "high", f"i{pk}_note": "", f"i{pk}_sources": "Z no grade"},
    )

    response = client.post(reverse("assessments:edit", kwargs={"pk": draft.pk}), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert f'aria-labelledby="ind-{pk}"' in page
    assert 'class="indicator-row border-top py-2 bg-danger-subtle"' in page
    assert (
        f'<div class="is-invalid"><textarea name="i{pk}_note" cols="40" rows="2"'
        f' class="form-control form-control-sm" maxlength="5000" aria-label="Evidence note for 7.5"'
        f' aria-describedby="id_i{pk}_note-error" aria-invalid="true" id="id_i{pk}_note">' in page
    )
    assert (
        f'<div class="invalid-feedback d-block" id="id_i{pk}_note-error">'
        "A moderate or high severity needs evidence: a note or a source.</div>" in page
    )
    # The sources keep the grades' explanation and name their error after it.
    assert f'aria-describedby="source-help id_i{pk}_sources-error"' in page
    assert f'<div class="invalid-feedback d-block" id="id_i{pk}_sources-error">line 1:' in page
    assert f'<a href="#id_i{pk}_note">Evidence note for 7.5</a>' in page  # the summary's link
    assert Indicator.objects.get(pk=pk).ratings.get(assessment=draft).severity == "moderate"


# The summary PDF, stored ---------------------------------------------------------------------


@pytest.fixture
def renders():
    """Every WeasyPrint rendering of a summary PDF, counted (and done)."""
    with mock.patch.object(
        summary_pdfs, "render_summary_pdf", wraps=pdf.render_summary_pdf
    ) as counted:
        yield counted


@pytest.fixture
def in_review(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lake District")
    return build_crisis(situation, by=analyst, status="in_review")


def download(client, assessment, language: str = "") -> bytes:
    url = reverse("assessments:summary_pdf", args=[assessment.pk])
    response = client.get(f"{url}?lang={language}" if language else url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


@pytest.mark.django_db
def test_the_worker_stores_the_pdf_once_the_summary_is_drafted(
    analyst, reviewer, django_capture_on_commit_callbacks, jobs, renders
):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lake District")
    with django_capture_on_commit_callbacks(execute=True):
        assessment = build_crisis(situation, by=analyst, status="submitted")
    summary = summary_of(assessment)
    jobs.published.clear()  # the submit's drafting job: the task is called below

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_summary_task(summary.pk) == "drafted"
    assert STORE in jobs.names()
    done = dict(jobs.run())

    summary.refresh_from_db()
    stored = SummaryPdf.objects.get(summary=summary)
    assert done[STORE] == 1
    assert renders.call_count == 1
    assert stored.language == "en"
    assert stored.content_hash == summary.content_hash
    assert stored.inputs == summary_pdfs.pdf_inputs(summary)
    assert bytes(stored.pdf).startswith(b"%PDF")
    assert "Lake District" in pdf_text(bytes(stored.pdf))
    # Run twice (a redelivered task): nothing rendered again.
    assert tasks.store_summary_pdfs_task(summary.pk) == 0
    assert renders.call_count == 1


@pytest.mark.worker
def test_a_real_worker_drafts_the_summary_then_stores_its_pdf(
    framework_data, analyst, reviewer, celery_worker_process
):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Delta Region (test)")
    assessment = build_crisis(situation, by=analyst, status="submitted")

    wait_for(
        lambda: SummaryPdf.objects.filter(summary__assessment=assessment).exists(),
        120,
        f"the worker stored no PDF; its log:\n{celery_worker_process.log()[-3000:]}",
    )

    summary = summary_of(assessment)
    stored = SummaryPdf.objects.get(summary=summary)
    assert summary.status == EscalationSummary.Status.READY
    assert (stored.language, stored.content_hash) == ("en", summary.content_hash)
    assert "Delta Region (test)" in pdf_text(bytes(stored.pdf))
    assert celery_worker_process.runs(STORE) == ["1"]


@pytest.mark.django_db
def test_a_download_serves_the_stored_pdf_without_rendering(client, reviewer, in_review, renders):
    summary = summary_of(in_review)
    assert summary_pdfs.store_summary_pdfs(summary.pk) == 1  # as the worker does
    stored = bytes(SummaryPdf.objects.get(summary=summary).pdf)
    client.force_login(reviewer)

    first = download(client, in_review)
    second = download(client, in_review)

    assert first == second == stored
    assert renders.call_count == 1  # the worker's only


@pytest.mark.django_db
def test_a_missing_pdf_is_rendered_stored_and_served_by_the_download(
    client, reviewer, in_review, renders
):
    summary = summary_of(in_review)
    assert not SummaryPdf.objects.filter(summary=summary).exists()
    client.force_login(reviewer)

    served = download(client, in_review)

    stored = SummaryPdf.objects.get(summary=summary, language="en")
    assert served == bytes(stored.pdf)
    assert stored.content_hash == summary.content_hash
    assert "Lake District" in pdf_text(served)
    download(client, in_review)
    assert renders.call_count == 1


@pytest.mark.django_db
def test_another_language_is_rendered_once_and_stored_beside_the_first(
    client, reviewer, in_review, renders
):
    summary = summary_of(in_review)
    summary_pdfs.store_summary_pdfs(summary.pk)
    client.force_login(reviewer)

    french = download(client, in_review, "fr")
    again = download(client, in_review, "fr")
    english = download(client, in_review, "en")

    assert french == again != english
    assert renders.call_count == 2  # English by the worker, French by the first download
    stored = dict(SummaryPdf.objects.filter(summary=summary).values_list("language", "pdf"))
    assert sorted(stored) == ["en", "fr"]
    assert bytes(stored["fr"]) == french
    assert set(SummaryPdf.objects.values_list("content_hash", flat=True)) == {summary.content_hash}


@pytest.mark.django_db
def test_a_decision_renders_the_stored_pdfs_again(
    client, reviewer, in_review, django_capture_on_commit_callbacks, jobs, renders
):
    summary = summary_of(in_review)
    summary_pdfs.store_summary_pdfs(summary.pk)
    client.force_login(reviewer)
    download(client, in_review, "fr")
    before = dict(SummaryPdf.objects.filter(summary=summary).values_list("language", "inputs"))
    assert renders.call_count == 2

    with django_capture_on_commit_callbacks(execute=True):
        decide(in_review, by=reviewer, approve=True)
    assert STORE in jobs.names()
    done = dict(jobs.run())

    summary.refresh_from_db()
    stored = {row.language: row for row in SummaryPdf.objects.filter(summary=summary)}
    assert done[STORE] == 2  # both languages stored, each rendered again
    assert renders.call_count == 4
    assert all(stored[lang].inputs != before[lang] for lang in ("en", "fr"))
    assert all(row.content_hash == summary.content_hash for row in stored.values())
    assert "Decision: escalation approved" in pdf_text(bytes(stored["en"].pdf))
    # The downloads serve them as stored.
    assert download(client, in_review) == bytes(stored["en"].pdf)
    assert renders.call_count == 4


@pytest.mark.django_db
def test_a_dissent_makes_the_next_download_render_again(
    client, analyst, reviewer, in_review, renders
):
    summary = summary_of(in_review)
    summary_pdfs.store_summary_pdfs(summary.pk)
    client.force_login(reviewer)
    dissent.record_dissent(
        in_review,
        by=analyst,
        levels={"genocide": "imminent_risk"},
        reason="The militia's statements point to intent.",
        on_decision=False,
    )

    served = download(client, in_review)

    assert renders.call_count == 2
    assert "The militia's statements point to intent." in pdf_text(served)
    assert bytes(SummaryPdf.objects.get(summary=summary, language="en").pdf) == served


@pytest.mark.django_db
def test_a_changed_reference_translation_renders_the_stored_pdf_again(
    client, reviewer, in_review, renders
):
    summary = summary_of(in_review)
    client.force_login(reviewer)
    before = download(client, in_review, "fr")
    assert download(client, in_review, "fr") == before
    assert renders.call_count == 1
    factor = RiskFactor.objects.get(number=10)  # rated high in the crisis: its title shows
    new_title = "Intention de détruire un groupe protégé (titre revu)"
    translations = {**factor.translations}
    translations["fr"] = {**translations.get("fr", {}), "title": new_title}
    RiskFactor.objects.filter(pk=factor.pk).update(translations=translations)

    after = download(client, in_review, "fr")

    assert renders.call_count == 2
    assert new_title in pdf_text(after).replace("\n", " ")
    assert bytes(SummaryPdf.objects.get(summary=summary, language="fr").pdf) == after
    assert download(client, in_review, "fr") == after
    assert renders.call_count == 2
