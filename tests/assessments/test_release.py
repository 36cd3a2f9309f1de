"""The releasable version ("tearline") of an approved summary: the analysts' marks, the
reviewer's release at a lower confidentiality, its log, and above all what it leaves out."""

import io
import json
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import dissent, release, response, services, summaries, workflow
from assessments.models import (
    Assessment,
    EvidenceSource,
    GroupKind,
    IndicatorRating,
    ResponseAction,
    SummaryRelease,
)
from assessments.release import ReleaseError
from assessments.workflow import Answer, RatingInput
from audit.models import AuditEntry
from tests.assessments.builders import (
    bring_to,
    build_assessment,
    build_crisis,
    build_situation,
    decide,
    edit_assessment,
    summary_of,
)
from tests.assessments.test_summary_languages import pdf_text

RECIPIENT = "Regional Office of the Partner Mission"


def approved_of(situation, analyst, reviewer, **kw):
    return build_assessment(
        situation,
        by=analyst,
        ratings=kw.pop("ratings", {"7.5": "high", "8.1": "moderate"}),
        status="approved",
        reviewer=reviewer,
        **kw,
    )


@pytest.fixture
def approved(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province")
    return approved_of(situation, analyst, reviewer)


def release_of(assessment, by, **kw):
    return release.release_summary(
        summary_of(assessment),
        by=by,
        recipient=kw.pop("recipient", RECIPIENT),
        confidentiality=kw.pop("confidentiality", "internal"),
    )


# The service's rules ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reviewer_releases_an_approved_summary_and_the_release_is_logged(approved, reviewer):
    before = timezone.now()

    made = release_of(approved, reviewer)

    summary = summary_of(approved)
    assert (made.summary, made.released_by, made.recipient) == (summary, reviewer, RECIPIENT)
    assert made.confidentiality == "internal"
    assert made.full_hash == summary.content_hash
    assert made.content_hash == summaries.content_hash(made.content)
    assert made.content["release"] == {
        "marking": f"RELEASABLE TO {RECIPIENT} — INTERNAL",
        "confidentiality": "internal",
        "recipient": RECIPIENT,
        "released_at": made.released_at.isoformat(timespec="seconds"),
        "full_summary_hash": summary.content_hash,
        "revision": summary.revision,
    }
    assert made.content["escalation"] == {"approved_level": summary.decision.level}
    entry = AuditEntry.objects.get(action="summary_released")
    assert entry.actor == reviewer  # who
    assert entry.object_id == str(made.pk)
    assert entry.data["summary"] == summary.pk  # what
    assert entry.data["full_hash"] == summary.content_hash
    assert entry.data["content_hash"] == made.content_hash
    assert entry.data["recipient"] == RECIPIENT  # to whom
    assert entry.data["confidentiality"] == "internal"
    assert before <= entry.at and entry.data["released_at"] == made.released_at.isoformat()


@pytest.mark.django_db
def test_nobody_but_a_reviewer_may_release(approved, analyst, other_analyst, admin, outsider):
    for user in (analyst, other_analyst, admin, outsider):
        with pytest.raises(ReleaseError, match="Only a reviewer may release"):
            release_of(approved, user)
    assert not SummaryRelease.objects.exists()
    assert not AuditEntry.objects.filter(action="summary_released").exists()


@pytest.mark.django_db
def test_a_summary_not_approved_is_not_released(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    in_review = build_assessment(situation, by=analyst, status="in_review")
    returned = build_assessment(situation, by=analyst, status="returned", reviewer=reviewer)

    for assessment in (in_review, returned):
        with pytest.raises(ReleaseError) as refused:
            release_of(assessment, reviewer)
        assert "approved summary" in str(refused.value)
    assert not SummaryRelease.objects.exists()


@pytest.mark.django_db
def test_an_approval_voided_by_an_edit_is_released_no_more(approved, analyst, reviewer):
    edit_assessment(approved, by=analyst, ratings={"7.5": "moderate"})

    with pytest.raises(ReleaseError, match="still approved"):
        release.release_summary(
            summary_of(approved, revision=1),
            by=reviewer,
            recipient=RECIPIENT,
            confidentiality="internal",
        )


@pytest.mark.parametrize("level", ["confidential", "strictly_confidential", "secret", ""])
@pytest.mark.django_db
def test_a_release_at_the_same_or_a_higher_confidentiality_is_refused(approved, reviewer, level):
    assert approved.situation.confidentiality == "confidential"

    with pytest.raises(ReleaseError) as refused:
        release_of(approved, reviewer, confidentiality=level)

    assert refused.value.errors == {
        "confidentiality": ["Choose a confidentiality lower than the situation's (confidential)."]
    }
    assert not SummaryRelease.objects.exists()


@pytest.mark.django_db
def test_a_public_situation_has_nothing_lower_to_be_released_at(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], confidentiality="public")
    assessment = approved_of(situation, analyst, reviewer)

    with pytest.raises(ReleaseError) as refused:
        release_of(assessment, reviewer, confidentiality="public")

    assert refused.value.errors["confidentiality"] == [
        "The situation is public: there is no lower confidentiality to release it at."
    ]
    assert release.release_choices(situation) == []


@pytest.mark.parametrize("recipient", ["", "   ", "x" * (SummaryRelease.MAX_RECIPIENT + 1)])
@pytest.mark.django_db
def test_a_release_needs_a_recipient_of_bounded_length(approved, reviewer, recipient):
    with pytest.raises(ReleaseError) as refused:
        release_of(approved, reviewer, recipient=recipient)

    assert list(refused.value.errors) == ["recipient"]


@pytest.mark.django_db
def test_the_database_refuses_a_release_without_recipient_or_at_the_top_level(approved, reviewer):
    fields = {
        "summary": summary_of(approved),
        "released_by": reviewer,
        "released_at": timezone.now(),
        "content": {},
        "content_hash": "a" * 64,
        "full_hash": "b" * 64,
    }
    for bad in (
        {"recipient": "", "confidentiality": "internal"},
        {"recipient": RECIPIENT, "confidentiality": "strictly_confidential"},
        {"recipient": RECIPIENT, "confidentiality": "secret"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            SummaryRelease.objects.create(**fields, **bad)


# The marks -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_releasable_until_an_analyst_marks_it(approved):
    assert not IndicatorRating.objects.filter(note_releasable=True).exists()
    assert not EvidenceSource.objects.filter(releasable=True).exists()


@pytest.mark.django_db
def test_marking_logs_each_change_and_leaves_the_approval_alone(approved, analyst):
    rating = approved.ratings.get(indicator__code="7.5")
    source = rating.sources.get()
    version, steps = approved.lock_version, approved.transitions.count()

    changed = release.mark_releasable(
        approved, by=analyst, notes={rating.pk}, sources={source.pk, 999_999}
    )

    assert changed == 2
    rating.refresh_from_db()
    source.refresh_from_db()
    assert rating.note_releasable and source.releasable
    fresh = Assessment.objects.get(pk=approved.pk)
    assert fresh.is_approved
    assert (fresh.lock_version, fresh.transitions.count()) == (version, steps)
    assert summary_of(approved).decision.approved
    assert sorted(
        AuditEntry.objects.values_list("action", flat=True).filter(action__endswith="releasable")
    ) == ["note_releasable", "source_releasable"]

    assert release.mark_releasable(approved, by=analyst, notes=set(), sources=set()) == 2
    assert AuditEntry.objects.filter(action__endswith="not_releasable").count() == 2


@pytest.mark.django_db
def test_only_the_situations_analysts_mark(approved, other_analyst, reviewer, admin):
    rating = approved.ratings.first()
    for user in (other_analyst, reviewer, admin):
        with pytest.raises(ReleaseError):
            release.mark_releasable(approved, by=user, notes={rating.pk}, sources=set())
    assert not IndicatorRating.objects.filter(note_releasable=True).exists()


@pytest.mark.django_db
def test_an_edited_note_loses_its_mark_and_an_unchanged_source_keeps_its_own(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    draft = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    rating = draft.ratings.get()
    release.mark_releasable(draft, by=analyst, notes={rating.pk}, sources={rating.sources.get().pk})
    kept = ("B", "OHCHR press briefing on 7.5")

    edit_assessment(
        draft,
        by=analyst,
        ratings={
            "7.5": RatingInput(
                severity="high", note="A new text.", sources=(kept, ("C", "A new source"))
            )
        },
    )

    rating.refresh_from_db()
    assert not rating.note_releasable
    assert {s.citation: s.releasable for s in rating.sources.all()} == {
        kept[1]: True,
        "A new source": False,
    }


# The leak test --------------------------------------------------------------------------------
#
# Every free text reachable from the summary or the assessment carries a marker of its own (a
# single word, so that no line break in the PDF splits it). The release may carry only the
# markers of the evidence marked releasable whose text is still the snapshot's.

RELEASED = {
    "noteopenmarker": "the note of 1.1, marked releasable",
    "sourceopenmarker": "a source of 1.1, marked releasable",
    "sourceclosedtwinopenmarker": "a source of 7.5, marked releasable",
}
WITHHELD = {
    "sourceclosedmarker": "a source of 1.1, not marked",
    "noteclosedmarker": "the note of 7.5, not marked",
    "sourceclosedtwinmarker": "a source of 7.5, not marked",
    "notestalemarker": "the snapshot's note of 8.1, marked, its live text since changed",
    "noteeditedmarker": "the live note of 8.1, changed since the snapshot",
    "sourcestalemarker": "the snapshot's source of 8.1, marked, its live citation since changed",
    "sourceeditedmarker": "the live source of 8.1, changed since the snapshot",
    "narrativesecretmarker": "the assessment's narrative",
    "decisionsecretmarker": "the reviewer's reason for the decision",
    "dismissalsecretmarker": "the analyst's reason for dismissing a recommended tool",
    "commentsecretmarker": "a comment on the assessment",
    "dissentsecretmarker": "a dissent from the assessment",
    "decisiondissentmarker": "a dissent from the decision",
    "effectsecretmarker": "the observed effect's note of a response action",
    "actionsourcemarker": "a source for a response action's effect",
    "officesecretmarker": "the office owning a response action",
    "populationsecretmarker": "the situation's populations at risk",
    "groupsecretmarker": "the situation's protected groups",
    "groupdescriptionmarker": "a protected group's description",
    "regionsecretmarker": "the situation's region",
    "authorsecretmarker": "the analyst's name",
    "reviewersecretmarker": "the reviewer's name",
}


@dataclass
class Tearline:
    assessment: Assessment
    made: SummaryRelease


def rated(severity, note, *sources):
    return RatingInput(severity=severity, note=note, sources=tuple(sources))


@pytest.fixture
def tearline(analyst, reviewer) -> Tearline:
    analyst.first_name, reviewer.first_name = "authorsecretmarker", "reviewersecretmarker"
    analyst.save(update_fields=["first_name"])
    reviewer.save(update_fields=["first_name"])
    situation = build_situation(
        by=reviewer,
        analysts=[analyst],
        name="Riverside Province",
        region="regionsecretmarker",
    )
    for name, kind, description in (
        ("populationsecretmarker", GroupKind.OTHER, ""),
        ("groupsecretmarker", GroupKind.ETHNICAL, "groupdescriptionmarker"),
    ):
        services.add_group(
            situation,
            by=reviewer,
            given=services.GroupInput(name=name, kind=kind, description=description),
        )
    # An earlier approval opened an action; done since, its effect is in the next summary.
    earlier = build_crisis(
        situation, by=analyst, status="approved", reviewer=reviewer, as_of=date(2026, 3, 1)
    )
    action = ResponseAction.objects.filter(assessment=earlier).first()
    assert action is not None
    response.update_action(
        action,
        response.ActionUpdate(
            owner=None,
            office="officesecretmarker",
            due_on=action.due_on,
            status="done",
            done_on=timezone.localdate(),
            effect="some",
            effect_note="effectsecretmarker",
            sources=[("C", "actionsourcemarker")],
        ),
        by=analyst,
    )
    assessment = build_assessment(
        situation,
        by=analyst,
        ratings={
            "1.1": rated(
                "moderate", "noteopenmarker", ("B", "sourceopenmarker"), ("C", "sourceclosedmarker")
            ),
            "7.5": rated(
                "high",
                "noteclosedmarker",
                ("A", "sourceclosedtwinmarker"),
                ("B", "sourceclosedtwinopenmarker"),
            ),
            "8.1": rated("high", "notestalemarker", ("B", "sourcestalemarker")),
        },
        narrative="narrativesecretmarker",
    )
    entry = assessment.result["recommendations"][0]["entry"]
    workflow.respond_to_recommendations(
        assessment, by=analyst, answers={entry: Answer(False, "dismissalsecretmarker")}
    )
    services.add_comment(assessment, by=analyst, body="commentsecretmarker")
    assessment = bring_to(assessment, "in_review")
    dissent.record_dissent(
        assessment, by=analyst, levels={"genocide": "low"}, reason="dissentsecretmarker"
    )
    assessment = decide(
        assessment, by=reviewer, approve=True, reason="decisionsecretmarker", dissents_read=True
    )
    dissent.record_dissent(
        assessment,
        by=analyst,
        levels={"genocide": "low"},
        reason="decisiondissentmarker",
        on_decision=True,
    )
    ratings = {r.indicator.code: r for r in assessment.ratings.select_related("indicator")}
    sources = {s.citation: s for s in EvidenceSource.objects.filter(rating__assessment=assessment)}
    release.mark_releasable(
        assessment,
        by=analyst,
        notes={ratings["1.1"].pk, ratings["8.1"].pk},
        sources={
            sources[c].pk
            for c in ("sourceopenmarker", "sourceclosedtwinopenmarker", "sourcestalemarker")
        },
    )
    # The live records of 8.1 change after the snapshot, their marks left on (as no edit
    # through the app leaves them): neither the snapshot's text nor the new one may go out.
    IndicatorRating.objects.filter(pk=ratings["8.1"].pk).update(note="noteeditedmarker")
    EvidenceSource.objects.filter(pk=sources["sourcestalemarker"].pk).update(
        citation="sourceeditedmarker"
    )
    full = json.dumps(summary_of(assessment).content)
    for marker in (
        "noteopenmarker",
        "notestalemarker",
        "narrativesecretmarker",
        "effectsecretmarker",
        "populationsecretmarker",
        "authorsecretmarker",
    ):
        assert marker in full, f"the full summary should hold {marker}: the test needs it"
    made = release_of(assessment, reviewer)
    return Tearline(assessment, made)


def _outputs(client, tearline, user) -> dict[str, str]:
    client.force_login(user)
    made = tearline.made
    pdf = client.get(reverse("assessments:release_pdf", args=[made.pk]))
    data = client.get(reverse("assessments:release_json", args=[made.pk]))
    assert pdf.status_code == data.status_code == 200
    return {
        "stored content": json.dumps(made.content, ensure_ascii=False),
        "JSON download": data.content.decode(),
        "PDF": pdf_text(pdf.content),
    }


@pytest.mark.django_db
def test_the_release_carries_the_releasable_evidence_and_nothing_else(client, tearline, reviewer):
    outputs = _outputs(client, tearline, reviewer)

    missing = [
        f"{where} lacks {marker} ({what})"
        for where, text in outputs.items()
        for marker, what in RELEASED.items()
        if marker not in text
    ]
    leaked = [
        f"{where} leaks {marker} ({what})"
        for where, text in outputs.items()
        for marker, what in WITHHELD.items()
        if marker in text
    ]
    assert missing == []
    assert leaked == []


@pytest.mark.django_db
def test_the_released_pdf_is_marked_on_every_page_with_the_full_summarys_hash(
    client, tearline, reviewer
):
    client.force_login(reviewer)
    made = tearline.made

    pdf = client.get(reverse("assessments:release_pdf", args=[made.pk]))

    pages = [
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    ]
    marking = f"RELEASABLE TO {RECIPIENT} — INTERNAL"
    for number, text in enumerate(pages, start=1):
        assert text.count(marking) >= 2, f"page {number}: the marking above and below"
        assert made.full_hash[:16] in text, f"page {number}: the full summary's hash"
    assert made.full_hash in " ".join(pages).replace(" ", "")
    data = client.get(reverse("assessments:release_json", args=[made.pk])).json()
    assert data == made.content
    assert summaries.content_hash(data) == made.content_hash


# The pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reviewer_releases_from_the_page_and_sees_it_listed(client, approved, reviewer):
    client.force_login(reviewer)
    url = reverse("assessments:releases", args=[approved.pk])

    page = client.get(url)
    assert page.status_code == 200
    choices = [value for value, _ in page.context["form"].fields["confidentiality"].choices]
    assert choices == ["", "public", "internal"]

    done = client.post(url, {"recipient": RECIPIENT, "confidentiality": "public"})

    made = SummaryRelease.objects.get()
    assert done.status_code == 302
    assert done.url == f"{url}#release-{made.pk}"
    listed = client.get(url).content.decode()
    assert RECIPIENT in listed and "RELEASABLE TO" in listed
    assert reverse("assessments:release_pdf", args=[made.pk]) in listed
    detail = client.get(reverse("assessments:detail", args=[approved.pk])).content.decode()
    assert url in detail


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"recipient": "", "confidentiality": "internal"}, "Say whom the release is for."),
        (
            {"recipient": RECIPIENT, "confidentiality": "confidential"},
            "Choose a confidentiality lower than the situation&#x27;s.",
        ),
        (
            {"recipient": RECIPIENT, "confidentiality": "strictly_confidential"},
            "Choose a confidentiality lower than the situation&#x27;s.",
        ),
    ],
)
@pytest.mark.django_db
def test_the_release_form_refuses_with_its_error_and_keeps_what_was_typed(
    client, approved, reviewer, data, error
):
    client.force_login(reviewer)

    refused = client.post(reverse("assessments:releases", args=[approved.pk]), data)

    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Nothing was released" in body and error in body
    if data["recipient"]:
        assert f'value="{RECIPIENT}"' in body
    assert not SummaryRelease.objects.exists()


@pytest.mark.django_db
def test_the_page_of_an_assessment_not_approved_offers_no_release(client, in_review, reviewer):
    client.force_login(reviewer)
    url = reverse("assessments:releases", args=[in_review.pk])

    assert client.get(url).context["form"] is None
    refused = client.post(url, {"recipient": RECIPIENT, "confidentiality": "internal"})

    assert refused.status_code == 400
    assert "still approved can be released" in refused.content.decode()
    assert not SummaryRelease.objects.exists()


@pytest.mark.django_db
def test_the_situations_analysts_see_the_releases_but_make_none(
    client, approved, analyst, reviewer
):
    made = release_of(approved, reviewer)
    client.force_login(analyst)
    url = reverse("assessments:releases", args=[approved.pk])

    page = client.get(url)
    refused = client.post(url, {"recipient": RECIPIENT, "confidentiality": "internal"})

    assert page.status_code == 200 and page.context["form"] is None
    assert RECIPIENT in page.content.decode()
    assert refused.status_code == 403
    assert SummaryRelease.objects.get() == made
    assert client.get(reverse("assessments:release_json", args=[made.pk])).status_code == 200


@pytest.mark.django_db
def test_who_may_not_see_the_releases_gets_nothing_of_them(
    client, approved, reviewer, other_analyst, admin, outsider
):
    made = release_of(approved, reviewer)
    urls = [
        reverse("assessments:releases", args=[approved.pk]),
        reverse("assessments:release_pdf", args=[made.pk]),
        reverse("assessments:release_json", args=[made.pk]),
    ]
    for user, status in ((other_analyst, 404), (outsider, 404), (admin, 403)):
        client.force_login(user)
        for url in urls:
            answer = client.get(url)
            assert answer.status_code == status, f"{user} {url}"
            assert RECIPIENT not in answer.content.decode()


@pytest.mark.django_db
def test_an_analyst_marks_on_the_page_and_each_change_is_logged(client, approved, analyst):
    rating = approved.ratings.get(indicator__code="7.5")
    source = rating.sources.get()
    client.force_login(analyst)
    url = reverse("assessments:releasable", args=[approved.pk])

    page = client.get(url)
    done = client.post(url, {"notes": [str(rating.pk)], "sources": [str(source.pk), "x"]})

    assert page.status_code == 200
    body = page.content.decode()
    assert f'<label class="form-check-label" for="note-{rating.pk}">' in body
    assert rating.note in body and source.citation in body
    assert done.status_code == 302
    rating.refresh_from_db()
    source.refresh_from_db()
    assert rating.note_releasable and source.releasable
    assert AuditEntry.objects.filter(action__endswith="_releasable").count() == 2
    assert Assessment.objects.get(pk=approved.pk).is_approved
    assert f'id="note-{rating.pk}" checked' in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_release_leaves_out_the_unmarked_evidence_of_a_simple_assessment(approved, reviewer):
    made = release_of(approved, reviewer)

    indicators = [i for f in made.content["drivers"] for i in f["indicators"]]
    assert indicators and all(i["note"] == "" and i["sources"] == [] for i in indicators)
    assert {i["code"] for i in indicators} == {"7.5", "8.1"}
    assert set(made.content) == {
        "schema",
        "situation",
        "as_of",
        "levels",
        "escalation",
        "drivers",
        "release",
    }
