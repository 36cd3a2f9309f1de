"""The API's resources and actions, through the same cast as the pages: what each reads, what
each write does, and how each refusal reads."""

from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import tokens
from assessments.models import Assessment, Situation
from forecasts.models import ForecastRelease
from tests.assessments.builders import build_assessment, build_situation, summary_of

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    """A client that authenticates as ``user`` with a read-write personal token."""
    _, raw = tokens.create_token(user, name="test", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def situation(reviewer, analyst):
    return build_situation(by=reviewer, analysts=[analyst], code="sd-darfur", name="Darfur")


@pytest.fixture
def hidden(reviewer, other_analyst):
    return build_situation(by=reviewer, analysts=[other_analyst], code="mm-rakhine", name="Rakhine")


# Reading ------------------------------------------------------------------------------------


def test_an_analyst_lists_only_the_situations_assigned_to_them(analyst, situation, hidden):
    response = client_for(analyst).get(reverse("api:situation-list"))

    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["sd-darfur"]
    assert response.json()["count"] == 1


def test_a_reviewer_lists_every_situation_filtered_and_sorted_as_on_the_page(
    reviewer, situation, hidden
):
    client = client_for(reviewer)

    everything = client.get(reverse("api:situation-list"), {"sort": "-name"}).json()
    searched = client.get(reverse("api:situation-list"), {"q": "rakh"}).json()

    assert [row["name"] for row in everything["results"]] == ["Rakhine", "Darfur"]
    assert [row["code"] for row in searched["results"]] == ["mm-rakhine"]


def test_a_hidden_situation_is_a_404_like_a_missing_one(analyst, hidden):
    client = client_for(analyst)

    hidden_answer = client.get(reverse("api:situation-detail", args=[hidden.pk]))
    missing_answer = client.get(reverse("api:situation-detail", args=[999_999]))

    assert hidden_answer.status_code == missing_answer.status_code == 404
    assert hidden_answer.json() == missing_answer.json()
    assert "Rakhine" not in hidden_answer.content.decode()


def test_an_assessment_reads_with_its_ratings_levels_reasons_and_recommendations(
    analyst, situation
):
    assessment = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": "high", "8.1": ("high", "worsening", "high"), "1.1": "moderate"},
        narrative="Sieges of the camps continue.",
    )

    data = client_for(analyst).get(reverse("api:assessment-detail", args=[assessment.pk])).json()

    assert data["narrative"] == "Sieges of the camps continue."
    assert {r["indicator"]: r["severity"] for r in data["ratings"]} == {
        "7.5": "high",
        "8.1": "high",
        "1.1": "moderate",
    }
    overall = next(level for level in data["levels"] if level["key"] == "overall")
    assert overall["level"] == assessment.overall_level
    assert overall["reasons"] and all(r["rule"] and r["text"] for r in overall["reasons"])
    assert data["recommendations"], "a high rating recommends tools"
    assert all(rec["response"] is None for rec in data["recommendations"])


# Writing ------------------------------------------------------------------------------------


def test_a_reviewer_creates_a_situation_with_the_forms_rules(reviewer, analyst):
    client = client_for(reviewer)
    sent = {"name": "South Kordofan", "code": "sd-south-kordofan", "country": "SD"}

    created = client.post(reverse("api:situation-list"), {**sent, "analysts": ["analyst"]})
    again = client.post(reverse("api:situation-list"), sent)

    assert created.status_code == 201, created.json()
    assert created.json()["analysts"] == ["analyst"]
    assert Situation.objects.get(code="sd-south-kordofan").analysts.get() == analyst
    assert again.status_code == 400
    assert again.json()["code"] == "invalid"
    assert "code" in again.json()["errors"]


def test_an_analyst_may_not_create_a_situation(analyst):
    response = client_for(analyst).post(
        reverse("api:situation-list"), {"name": "X", "code": "x", "country": "SD"}
    )

    assert response.status_code == 403
    assert not Situation.objects.filter(code="x").exists()


def test_the_whole_loop_runs_through_the_api(analyst, reviewer, situation):
    """Start, save, answer, submit; the worker drafts; decide on the hash read."""
    mine = client_for(analyst)
    started = mine.post(
        reverse("api:situation-start", args=[situation.pk]),
        {"as_of": "2026-05-01", "posture": "unwilling"},
    )
    assert started.status_code == 201, started.json()
    pk, version = started.json()["id"], started.json()["lock_version"]

    saved = mine.patch(
        reverse("api:assessment-detail", args=[pk]),
        {
            "lock_version": version,
            "narrative": "Through the API.",
            "ratings": {
                "7.5": {
                    "severity": "high",
                    "note": "Two missions report it.",
                    "sources": [{"grade": "B", "citation": "Mission report, April 2026"}],
                },
                "8.1": {"severity": "high", "trend": "worsening", "confidence": "high"},
                "1.1": {"severity": "moderate"},
            },
        },
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["lock_version"] == version + 1
    stale = mine.patch(
        reverse("api:assessment-detail", args=[pk]), {"lock_version": version, "narrative": "x"}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "edit_conflict"
    assert Assessment.objects.get(pk=pk).narrative == "Through the API."

    unconfirmed = mine.post(reverse("api:assessment-submit", args=[pk]), {})
    assert unconfirmed.status_code == 409
    entry = saved.json()["recommendations"][0]["entry"]
    answered = mine.post(
        reverse("api:assessment-recommendations", args=[pk]),
        {"answers": [{"entry": entry, "accepted": True}]},
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["recommendations"][0]["response"]["accepted"] is True
    submitted = mine.post(reverse("api:assessment-submit", args=[pk]), {"confirm_undecided": True})
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"

    from tests.assessments.builders import draft_summary_now

    draft_summary_now(Assessment.objects.get(pk=pk))
    theirs = client_for(reviewer)
    summary = theirs.get(reverse("api:assessment-summary", args=[pk])).json()
    assert summary["status"] == "ready"
    assert summary["content_hash"] == summary_of(Assessment.objects.get(pk=pk)).content_hash
    pdf = theirs.get(summary["pdf"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")

    stale_hash = theirs.post(
        reverse("api:assessment-decision", args=[pk]),
        {"approve": True, "level": summary["proposed_escalation"], "content_hash": "0" * 64},
    )
    assert stale_hash.status_code == 409
    decided = theirs.post(
        reverse("api:assessment-decision", args=[pk]),
        {
            "approve": True,
            "level": summary["proposed_escalation"],
            "content_hash": summary["content_hash"],
        },
    )
    assert decided.status_code == 201, decided.json()
    assert Assessment.objects.get(pk=pk).status == "approved"
    timeline = theirs.get(reverse("api:assessment-timeline", args=[pk])).json()["results"]
    assert [entry["event"] for entry in timeline][-1] == "approved"
    decisions = theirs.get(reverse("api:decision-list")).json()["results"]
    assert [d["assessment"] for d in decisions] == [pk]


def test_the_author_cannot_decide_on_their_own_escalation(analyst, reviewer, situation):
    """Four eyes through the API: a reviewer who edited the assessment may not decide."""
    assessment = build_assessment(situation, by=analyst, status="in_review")
    summary = summary_of(assessment)

    response = client_for(analyst).post(
        reverse("api:assessment-decision", args=[assessment.pk]),
        {
            "approve": True,
            "level": summary.proposed_escalation,
            "content_hash": summary.content_hash,
        },
    )

    assert response.status_code == 409
    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"


def test_the_watch_counts_only_what_the_user_may_see(analyst, situation, hidden):
    data = client_for(analyst).get(reverse("api:watch")).json()

    assert sum(row["count"] for row in data["counts"]) == 1


def test_the_schema_and_its_documentation_are_served_without_a_cdn(analyst):
    client = client_for(analyst)

    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get(reverse("api:docs"))

    assert schema.status_code == 200
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


# External forecasts ---------------------------------------------------------------------------

FORECASTS = Path(__file__).resolve().parents[1] / "data" / "forecasts"


def test_a_framework_admin_imports_a_forecast_and_a_bad_file_is_refused_by_line(admin, analyst):
    client = client_for(admin)
    sent = {"source": "ewp", "model": "SRA 2025", "issued": "2025-11-01"}

    bad = client.post(
        reverse("api:forecast-release-list"),
        {**sent, "csv": (FORECASTS / "ewp_bad_probability.csv").read_text(encoding="utf-8-sig")},
    )
    good = client.post(
        reverse("api:forecast-release-list"),
        {**sent, "csv": (FORECASTS / "ewp_good.csv").read_text(encoding="utf-8-sig")},
    )
    not_theirs = client_for(analyst).post(
        reverse("api:forecast-release-list"),
        {**sent, "model": "other", "csv": (FORECASTS / "ewp_good.csv").read_text()},
    )

    assert bad.status_code == 400
    assert bad.json()["errors"]["csv"] and all(
        line.startswith("line ") for line in bad.json()["errors"]["csv"]
    )
    assert good.status_code == 201, good.json()
    assert ForecastRelease.objects.get().row_count == good.json()["row_count"] > 0
    assert not_theirs.status_code == 403
    detail = client_for(analyst).get(
        reverse("api:forecast-release-detail", args=[good.json()["id"]])
    )
    assert len(detail.json()["rows"]) == good.json()["row_count"]


def test_a_situation_shows_its_forecast_beside_its_level_and_the_divergence(
    admin, analyst, reviewer, situation
):
    """Sudan is first in the forecast while the analysts rate Darfur low: flagged, and the
    level stays the analysts'."""
    assessment = build_assessment(
        situation, by=analyst, ratings={"7.5": "low"}, status="approved", reviewer=reviewer
    )
    level = assessment.overall_level
    client_for(admin).post(
        reverse("api:forecast-release-list"),
        {
            "source": "ewp",
            "model": "SRA 2025",
            "issued": "2025-11-01",
            "csv": (FORECASTS / "ewp_good.csv").read_text(encoding="utf-8-sig"),
        },
    )

    data = client_for(analyst).get(reverse("api:situation-forecasts", args=[situation.pk])).json()
    watch = client_for(analyst).get(reverse("api:watch")).json()

    assert data["level"] == level == "low"
    [forecast] = data["forecasts"]
    assert (forecast["source"], forecast["model"], forecast["rank"]) == ("ewp", "SRA 2025", 1)
    assert forecast["divergence"]["rule"] == "forecast_high_analysts_low"
    assert [d["situation"] for d in watch["forecast_divergences"]] == [situation.pk]
    assert Assessment.objects.get(pk=assessment.pk).overall_level == level
