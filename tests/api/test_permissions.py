"""Who may do what through the API: every route, for every member of the cast, with each
method it serves and one it does not. Each member uses a personal read-write token.

The table is the specification, as for the pages (tests/assessments/test_permissions.py): a
route that is not in it fails the suite. The answers are the pages' answers in API form: 404
for a situation (or anything of it) the user may not see, 403 for a role that may not act,
409 for a state that does not allow it, 401 without a token.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from accounts import tokens
from assessments import workflow
from assessments.models import (
    Assessment,
    EscalationDecision,
    RecommendationResponse,
    Situation,
)
from forecasts.models import ForecastRelease
from forecasts.services import import_forecasts
from tests.assessments.builders import build_assessment, build_situation, summary_of
from tests.assessments.test_permissions import ROLE_FIXTURES, ROLES, _walk, per_role

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data" / "forecasts"
AS_OF = date(2025, 11, 1)

#                 anonymous assigned unassigned reviewer admin outsider
EVERYONE = per_role(401, 200, 200, 200, 200, 200)
SEES_SITUATION = per_role(401, 200, 404, 200, 200, 404)
NOT_SERVED = per_role(401, 405, 405, 405, 405, 405)


def reads(outcomes: dict[str, int]) -> dict[str, dict[str, int]]:
    """A read-only route: GET as given, POST not served."""
    return {"GET": outcomes, "POST": NOT_SERVED}


FRAMEWORK_READS = {
    f"api:{kind}-{view}": reads(EVERYONE)
    for kind in ("crime", "level", "report", "pillar", "factor", "mapping")
    for view in ("list", "detail")
}

TABLE: dict[str, dict[str, dict[str, int]]] = {
    "api:situation-list": {
        "GET": EVERYONE,  # each their own: an outsider's list is empty
        "POST": per_role(401, 403, 403, 201, 201, 403),
    },
    "api:situation-detail": {
        "GET": SEES_SITUATION,
        "PATCH": per_role(401, 403, 404, 200, 200, 404),
        "POST": NOT_SERVED,
    },
    "api:situation-start": {
        "POST": per_role(401, 201, 404, 403, 403, 404),
        "GET": NOT_SERVED,
    },
    "api:situation-timeline": reads(SEES_SITUATION),
    "api:assessment-list": reads(EVERYONE),
    "api:assessment-detail": {
        "GET": SEES_SITUATION,
        "PATCH": per_role(401, 200, 404, 403, 403, 404),
        "POST": NOT_SERVED,
    },
    # Submitting is the analysts'; for anyone else the workflow refuses it (as on the page).
    "api:assessment-submit": {
        "POST": per_role(401, 200, 404, 409, 409, 404),
        "GET": NOT_SERVED,
    },
    "api:assessment-recommendations": {
        "POST": per_role(401, 200, 404, 403, 403, 404),
        "GET": NOT_SERVED,
    },
    # The decision on a ready summary: a reviewer who did not write it.
    "api:assessment-decision": {
        "POST": per_role(401, 409, 404, 201, 409, 404),
        "GET": NOT_SERVED,
    },
    "api:assessment-summary": reads(SEES_SITUATION),
    "api:assessment-summary-pdf": reads(SEES_SITUATION),
    "api:assessment-timeline": reads(SEES_SITUATION),
    "api:decision-list": reads(EVERYONE),
    "api:decision-detail": reads(SEES_SITUATION),
    "api:review-queue-list": reads(per_role(401, 403, 403, 200, 403, 403)),
    "api:watch": reads(EVERYONE),
    "api:me": reads(EVERYONE),
    "api:schema": reads(EVERYONE),
    "api:docs": reads(EVERYONE),
    **FRAMEWORK_READS,
    # External forecasts: read by everyone signed in; imported by framework admins (an empty
    # body is refused, as invalid).
    "api:forecast-release-list": {
        "GET": EVERYONE,
        "POST": per_role(401, 403, 403, 403, 400, 403),
    },
    "api:forecast-release-detail": reads(EVERYONE),
    "api:situation-forecasts": reads(SEES_SITUATION),
    # Loading reference data: framework admins (an empty file is refused, as invalid).
    "api:framework-load": {
        "POST": per_role(401, 403, 403, 403, 400, 403),
        "GET": NOT_SERVED,
    },
}


def api_route_names() -> set[str]:
    return {name for name in _walk(get_resolver().url_patterns) if name.startswith("api:")}


def test_every_route_of_the_api_is_in_the_table():
    assert api_route_names() == set(TABLE)


@dataclass
class World:
    situation: Situation
    draft: Assessment  # by the assigned analyst, with recommendations
    in_review: Assessment  # by the assigned analyst; its summary ready
    decision: EscalationDecision  # on an approved assessment of the situation
    release: ForecastRelease  # an Early Warning Project release
    recommended_entry: str
    clients: dict[str, APIClient]


@pytest.fixture
def world(request, analyst, other_analyst, reviewer, admin, outsider) -> World:
    situation = build_situation(
        by=reviewer, analysts=[analyst], code="sd-north-darfur", name="North Darfur"
    )
    draft = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": "high", "8.1": ("high", "worsening", "high"), "1.1": "moderate"},
        as_of=date(2026, 3, 1),
    )
    in_review = build_assessment(
        situation, by=analyst, ratings={"8.1": "high"}, status="in_review", as_of=date(2026, 2, 1)
    )
    approved = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": "moderate"},
        status="approved",
        reviewer=reviewer,
        as_of=date(2026, 1, 1),
    )
    clients = {"anonymous": APIClient()}
    for role, fixture in ROLE_FIXTURES.items():
        _, raw = tokens.create_token(request.getfixturevalue(fixture), name=role, scope="write")
        clients[role] = APIClient()
        clients[role].credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    release = import_forecasts(
        (DATA / "ewp_good.csv").read_bytes(), source="ewp", model="SRA 2025", issued=AS_OF
    ).release
    assert release is not None
    return World(
        situation,
        draft,
        in_review,
        EscalationDecision.objects.get(summary__assessment=approved),
        release,
        draft.result["recommendations"][0]["entry"],
        clients,
    )


def _kwargs(name: str, world: World) -> dict[str, object]:
    if name.startswith("api:situation-") and not name.endswith("-list"):
        return {"pk": world.situation.pk}
    if name in ("api:assessment-decision", "api:assessment-summary", "api:assessment-summary-pdf"):
        return {"pk": world.in_review.pk}
    if name.startswith("api:assessment-") and not name.endswith("-list"):
        return {"pk": world.draft.pk}
    if name == "api:decision-detail":
        return {"pk": world.decision.pk}
    if name == "api:forecast-release-detail":
        return {"pk": world.release.pk}
    if name.endswith("-detail"):
        return {"code": FRAMEWORK_CODES[name]}
    return {}


FRAMEWORK_CODES = {
    "api:crime-detail": "genocide",
    "api:level-detail": "serious_concern",
    "api:report-detail": "SG-2009",
    "api:pillar-detail": "P1",
    "api:factor-detail": "RF1",
    "api:mapping-detail": "RF1-P1-impartial-oversight-of-political-transitions",
}


def _body(name: str, method: str, world: World) -> dict[str, object]:
    if name == "api:situation-list":
        return {"name": "South Kordofan", "code": "sd-south-kordofan", "country": "SD"}
    if name == "api:situation-detail":
        return {"name": "North Darfur (renamed)"}
    if name == "api:situation-start":
        return {"as_of": "2026-06-01", "posture": "perpetrator"}
    if name == "api:assessment-detail":
        return {"lock_version": world.draft.lock_version, "narrative": "Edited by the table."}
    if name == "api:assessment-submit":
        return {"confirm_undecided": True}
    if name == "api:assessment-recommendations":
        return {"answers": [{"entry": world.recommended_entry, "accepted": True}]}
    if name == "api:assessment-decision":
        summary = summary_of(world.in_review)
        return {
            "approve": True,
            "level": summary.proposed_escalation,
            "content_hash": summary.content_hash,
        }
    return {}


def _state() -> tuple[object, ...]:
    return (
        sorted(Situation.objects.values_list("pk", "name")),
        sorted(Assessment.objects.values_list("pk", "status", "lock_version", "narrative")),
        RecommendationResponse.objects.count(),
        EscalationDecision.objects.count(),
    )


# What a successful write changes.
EFFECTS: dict[str, Callable[[World], bool]] = {
    "api:situation-list": lambda w: Situation.objects.filter(code="sd-south-kordofan").exists(),
    "api:situation-detail": lambda w: (
        Situation.objects.get(pk=w.situation.pk).name == "North Darfur (renamed)"
    ),
    "api:situation-start": lambda w: w.situation.assessments.filter(
        as_of=date(2026, 6, 1)
    ).exists(),
    "api:assessment-detail": lambda w: (
        Assessment.objects.get(pk=w.draft.pk).narrative == "Edited by the table."
    ),
    "api:assessment-submit": lambda w: Assessment.objects.get(pk=w.draft.pk).status == "submitted",
    "api:assessment-recommendations": lambda w: RecommendationResponse.objects.filter(
        assessment=w.draft
    ).exists(),
    "api:assessment-decision": lambda w: (
        Assessment.objects.get(pk=w.in_review.pk).status == "approved"
    ),
}


def test_each_role_gets_the_answer_the_table_gives_for_each_route_and_method(world, settings):
    """Every route, every (method, role) of it, each in a transaction rolled back afterwards:
    a refusal changes nothing; a success makes its change. One world serves every route."""
    settings.API_THROTTLE_RATES = {"token": "100000/hour", "user": "100000/hour"}
    for name in sorted(TABLE):
        check_route(world, name)


def check_route(world: World, name: str) -> None:
    url = reverse(name, kwargs=_kwargs(name, world))
    for method, outcomes in TABLE[name].items():
        for role in ROLES:
            shown = f"{method} {url} as {role}"
            expected = outcomes[role]
            with transaction.atomic():
                before = _state()
                client = world.clients[role]
                send = getattr(client, method.lower())
                response = send(url, _body(name, method, world)) if method != "GET" else send(url)
                assert response.status_code == expected, (
                    f"{shown}: {response.status_code} {getattr(response, 'data', '')}"
                )
                assert "no-store" in response["Cache-Control"], shown
                if expected == 401:
                    assert response["WWW-Authenticate"].startswith("Bearer"), shown
                if expected == 405:
                    assert method not in response["Allow"], shown
                if method != "GET":
                    effect = EFFECTS.get(name)
                    if expected in (200, 201) and effect is not None:
                        assert effect(world), f"{shown}: the change is not made"
                    elif expected not in (200, 201):
                        assert _state() == before, f"{shown}: a refusal changed something"
                transaction.set_rollback(True)
    for method in ("delete", "put"):  # no route serves them
        response = getattr(world.clients["admin"], method)(url, {})
        assert response.status_code == 405, f"{method} {url}"


def test_a_hidden_situation_reads_as_a_missing_one_on_every_route_about_it(world):
    client = world.clients["unassigned"]
    for name in TABLE:
        kwargs = _kwargs(name, world)
        if "pk" not in kwargs or name in ("api:decision-detail", "api:forecast-release-detail"):
            continue
        hidden = client.get(reverse(name, kwargs=kwargs))
        missing = client.get(reverse(name, kwargs={"pk": 999_999}))
        assert hidden.status_code in (404, 405), name
        assert hidden.status_code == missing.status_code, name
        assert hidden.content == missing.content, name
        assert b"Darfur" not in hidden.content, name


def test_submitting_through_the_api_is_refused_to_a_read_only_token(world, analyst):
    _, raw = tokens.create_token(analyst, name="read", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    read = client.get(reverse("api:assessment-detail", args=[world.draft.pk]))
    write = client.post(reverse("api:assessment-submit", args=[world.draft.pk]), {})

    assert read.status_code == 200
    assert write.status_code == 403
    assert workflow.allowed(world.draft, workflow.Action.SUBMIT, analyst)
    assert Assessment.objects.get(pk=world.draft.pk).status == "draft"
