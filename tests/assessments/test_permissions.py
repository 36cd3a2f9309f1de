"""Who may reach what: every URL of the project, for every member of the cast, GET and POST.

The table below is the specification. A URL that is not in it fails the suite: whoever adds a
URL decides here who may use it. The admin has its own tests (tests/framework/test_views.py).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken
from assessments import release, services, workflow
from assessments.models import (
    Assessment,
    Comment,
    Dissent,
    EscalationSummary,
    InboxItem,
    IndicatorRating,
    ProtectedGroup,
    RecommendationResponse,
    ResponseAction,
    Situation,
    SummaryRelease,
)
from r2p_project import errors
from tests.assessments.builders import (
    build_assessment,
    build_situation,
    edit_form_data,
    summary_of,
)

ROLES = ("anonymous", "assigned", "unassigned", "reviewer", "admin", "outsider")
ROLE_FIXTURES = {
    "assigned": "analyst",
    "unassigned": "other_analyst",
    "reviewer": "reviewer",
    "admin": "admin",
    "outsider": "outsider",
}

# Outcomes besides a plain status code.
LOGIN = "302 to login"
DONE = "302, done"  # a successful POST: the change is in the database
REFUSED = "302, refused"  # sent back to the page with an error message: nothing changed
REFUSED_HERE = "409, refused"  # the page again, with the error and the form as sent: no change

SITUATION_NAME = "North Darfur, El Fasher and Zamzam"


def per_role(*outcomes: int | str) -> dict[str, int | str]:
    return dict(zip(ROLES, outcomes, strict=True))


#                     anonymous assigned unassigned reviewer admin outsider
SIGNED_IN_READ = per_role(LOGIN, 200, 200, 200, 200, 200)
# Opening a form's address leads to the page the form lives on (which then answers by its
# own rules: 404 for whoever may not see it).
FORM_PAGE = "302, the form's page"
POST_ONLY = per_role(LOGIN, FORM_PAGE, FORM_PAGE, FORM_PAGE, FORM_PAGE, FORM_PAGE)
GET_ONLY = per_role(LOGIN, 405, 405, 405, 405, 405)


def read_only(outcomes: dict[str, int | str]) -> dict[str, dict[str, int | str]]:
    """A read-only page (``require_safe``): GET as given; a POST by anyone signed in is 405,
    before any visibility check, so it tells an unassigned analyst nothing either."""
    return {"GET": outcomes, "POST": GET_ONLY}


TABLE: dict[str, dict[str, dict[str, int | str]]] = {
    # The watch: each sees what they may; an outsider, like on the situation list, an empty one.
    "home": read_only(SIGNED_IN_READ),
    "login": {
        "GET": per_role(200, 200, 200, 200, 200, 200),
        "POST": per_role(200, 200, 200, 200, 200, 200),  # wrong password: the form again
    },
    "logout": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, DONE, DONE, DONE, DONE),
    },
    # Each user's own password: an empty form is refused and shown again.
    "password_change": {"GET": SIGNED_IN_READ, "POST": SIGNED_IN_READ},
    # Each user's own sessions; ending them all signs the user out.
    "sessions": read_only(SIGNED_IN_READ),
    "sign_out_everywhere": {
        "GET": per_role(LOGIN, 405, 405, 405, 405, 405),
        "POST": per_role(LOGIN, DONE, DONE, DONE, DONE, DONE),
    },
    # Each user's own API tokens: a new one is shown on the page that made it (200). Revoking
    # one (the world's token is the assigned analyst's): another's is a 404, as if missing.
    "api_tokens": {"GET": SIGNED_IN_READ, "POST": SIGNED_IN_READ},
    "api_token_revoke": {"GET": GET_ONLY, "POST": per_role(LOGIN, DONE, 404, 404, 404, 404)},
    # The second factor (nobody in this table has one): set one up, give it, recovery codes
    # (new ones only after giving it), removing one (only after giving it); empty forms are
    # refused and shown again.
    "mfa_setup": {"GET": SIGNED_IN_READ, "POST": SIGNED_IN_READ},
    "mfa_verify": {"GET": SIGNED_IN_READ, "POST": SIGNED_IN_READ},
    "mfa_recovery": {"GET": SIGNED_IN_READ, "POST": per_role(LOGIN, *[REFUSED] * 5)},
    "mfa_remove": {"GET": GET_ONLY, "POST": per_role(LOGIN, *[REFUSED] * 5)},
    # The security-key ceremonies (JSON): each begins for whoever is signed in; a completion
    # that no beginning came before is refused (400).
    "otp_webauthn:credential-registration-begin": {"GET": GET_ONLY, "POST": SIGNED_IN_READ},
    "otp_webauthn:credential-registration-complete": {
        "GET": GET_ONLY,
        "POST": per_role(LOGIN, *[400] * 5),
    },
    "otp_webauthn:credential-authentication-begin": {"GET": GET_ONLY, "POST": SIGNED_IN_READ},
    "otp_webauthn:credential-authentication-complete": {
        "GET": GET_ONLY,
        "POST": per_role(LOGIN, *[400] * 5),
    },
    "otp_webauthn:js-i18n-catalog": read_only(SIGNED_IN_READ),
    "assessments:situations": read_only(SIGNED_IN_READ),
    # The filtered list as CSV and XLSX: each user's own visible situations only.
    "assessments:situations_csv": read_only(SIGNED_IN_READ),
    "assessments:situations_xlsx": read_only(SIGNED_IN_READ),
    "assessments:situation_create": {
        "GET": per_role(LOGIN, 403, 403, 200, 200, 403),
        "POST": per_role(LOGIN, 403, 403, DONE, DONE, 403),
    },
    "assessments:situation": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    # Two assessments of a situation side by side (by default its latest and the approved one
    # before it).
    "assessments:compare": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    "assessments:situation_edit": {
        "GET": per_role(LOGIN, 403, 404, 200, 200, 404),
        "POST": per_role(LOGIN, 403, 404, DONE, DONE, 404),
    },
    # The groups at risk in a situation: its analysts, reviewers and framework admins (who
    # manage situations) add, change and unlink them.
    "assessments:situation_groups": {
        "GET": per_role(LOGIN, 200, 404, 200, 200, 404),
        "POST": per_role(LOGIN, DONE, 404, DONE, DONE, 404),
    },
    "assessments:group_edit": {
        "GET": per_role(LOGIN, 200, 404, 200, 200, 404),
        "POST": per_role(LOGIN, DONE, 404, DONE, DONE, 404),
    },
    "assessments:group_unlink": {
        "GET": per_role(LOGIN, 405, 405, 405, 405, 405),
        "POST": per_role(LOGIN, DONE, 404, DONE, DONE, 404),
    },
    "assessments:start": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, 404, 403, 403, 404),
    },
    "assessments:detail": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    "assessments:edit": {
        "GET": per_role(LOGIN, 200, 404, 403, 403, 404),
        "POST": per_role(LOGIN, DONE, 404, 403, 403, 404),
    },
    "assessments:submit": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, 404, REFUSED, REFUSED, 404),
    },
    # The decision on the ready summary of an assessment in review.
    "assessments:decide": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, REFUSED_HERE, 404, DONE, REFUSED_HERE, 404),
    },
    "assessments:respond": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, 404, 403, 403, 404),
    },
    # A comment on an assessment: a reviewer or the situation's analysts.
    "assessments:comment": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, 404, DONE, 403, 404),
    },
    "assessments:export": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    # A dissent, like a comment: a reviewer or the situation's analysts.
    "assessments:dissent": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, 404, DONE, 403, 404),
    },
    # A response action of the situation: updated by its analysts or a reviewer; a framework
    # admin sees it on the situation's page but may not change it.
    "assessments:action_edit": {
        "GET": per_role(LOGIN, 200, 404, 200, 403, 404),
        "POST": per_role(LOGIN, DONE, 404, DONE, 403, 404),
    },
    # Which evidence notes and sources may go to partners: marked by the situation's analysts
    # only, at any status (here a draft's).
    "assessments:releasable": {
        "GET": per_role(LOGIN, 200, 404, 403, 403, 404),
        "POST": per_role(LOGIN, DONE, 404, 403, 403, 404),
    },
    # The releasable versions of an approved summary: seen by its situation's analysts and the
    # reviewers, made by a reviewer only.
    "assessments:releases": {
        "GET": per_role(LOGIN, 200, 404, 200, 403, 404),
        "POST": per_role(LOGIN, 403, 404, DONE, 403, 404),
    },
    "assessments:release_pdf": read_only(per_role(LOGIN, 200, 404, 200, 403, 404)),
    "assessments:release_json": read_only(per_role(LOGIN, 200, 404, 200, 403, 404)),
    # The polled status of the summary of an assessment awaiting its draft.
    "assessments:summary_status": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    # A failed summary tried again: its situation's analysts or a reviewer.
    "assessments:summary_retry": {
        "GET": POST_ONLY,
        "POST": per_role(LOGIN, DONE, 404, DONE, REFUSED, 404),
    },
    # The latest ready summary of an assessment in review, as PDF and as JSON.
    "assessments:summary_pdf": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    "assessments:summary_json": read_only(per_role(LOGIN, 200, 404, 200, 200, 404)),
    "assessments:queue": read_only(per_role(LOGIN, 403, 403, 200, 403, 403)),
    # The watch: each signed-in user sees what they may see (an outsider: nothing).
    "assessments:heatmap": read_only(SIGNED_IN_READ),
    "assessments:heatmap_csv": read_only(SIGNED_IN_READ),
    "assessments:heatmap_xlsx": read_only(SIGNED_IN_READ),
    "assessments:map": read_only(SIGNED_IN_READ),
    # Each user's own notifications: another's is a 404, as if it did not exist.
    "assessments:inbox": read_only(SIGNED_IN_READ),
    "assessments:inbox_open": {
        "GET": per_role(LOGIN, 405, 405, 405, 405, 405),
        "POST": per_role(LOGIN, DONE, 404, 404, 404, 404),
    },
    "assessments:inbox_read_all": {
        "GET": per_role(LOGIN, 405, 405, 405, 405, 405),
        "POST": per_role(LOGIN, DONE, DONE, DONE, DONE, DONE),
    },
    "assessments:email_settings": {
        "GET": SIGNED_IN_READ,
        "POST": per_role(LOGIN, DONE, DONE, DONE, DONE, DONE),
    },
    "framework:overview": read_only(SIGNED_IN_READ),
    "framework:pillars": read_only(SIGNED_IN_READ),
    "framework:factors": read_only(SIGNED_IN_READ),
    "framework:matrix": read_only(SIGNED_IN_READ),
    "framework:mapping": read_only(SIGNED_IN_READ),
    "framework:reports": read_only(SIGNED_IN_READ),
    "framework:crimes": read_only(SIGNED_IN_READ),
    "framework:history": read_only(per_role(LOGIN, 403, 403, 403, 200, 403)),
    "audit:log": read_only(per_role(LOGIN, 403, 403, 403, 200, 403)),
    # The language of the app, chosen from any page by anyone, signed in or not.
    "set_language": {
        "GET": per_role(405, 405, 405, 405, 405, 405),
        "POST": per_role(DONE, DONE, DONE, DONE, DONE, DONE),
    },
    # An invitation's one-time link to set a password (accounts/invitations.py): open to
    # whoever holds it, signed in or not; a link that does not work says so on the page.
    "invitation": {
        "GET": per_role(200, 200, 200, 200, 200, 200),
        "POST": per_role(200, 200, 200, 200, 200, 200),
    },
}

# The URLs about one situation or one of its assessments: the unassigned see none of them.
SITUATION_URLS = [
    "assessments:situation",
    "assessments:compare",
    "assessments:situation_edit",
    "assessments:situation_groups",
    "assessments:start",
    "assessments:detail",
    "assessments:edit",
    "assessments:submit",
    "assessments:decide",
    "assessments:respond",
    "assessments:comment",
    "assessments:export",
    "assessments:summary_status",
    "assessments:summary_retry",
    "assessments:summary_pdf",
    "assessments:summary_json",
    "assessments:action_edit",
    "assessments:dissent",
    "assessments:releasable",
    "assessments:releases",
    "assessments:release_pdf",
    "assessments:release_json",
]
MAPPING_CODE = "RF1-P1-impartial-oversight-of-political-transitions"


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/") or route.startswith(settings.STATIC_URL.lstrip("/")):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"<unnamed: {route}>"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The cast signs in with force_login: hashing their passwords slowly buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def project_url_names() -> set[str]:
    """Every URL of the pages (the API's have their own table: tests/api/test_permissions.py)."""
    return {name for name in _walk(get_resolver().url_patterns) if not name.startswith("api:")}


def test_every_url_of_the_project_is_in_the_permission_table():
    assert project_url_names() == set(TABLE)


# The world every case runs in --------------------------------------------------------------


@dataclass
class World:
    situation: Situation
    draft: Assessment  # by the assigned analyst, with recommendations
    submitted: Assessment  # by the assigned analyst; its summary pending (not drafted yet)
    in_review: Assessment  # by the assigned analyst; its summary ready for a decision
    failed: Assessment  # by the assigned analyst; its summary's drafting failed
    recommended_entry: str
    notice: InboxItem  # the assigned analyst's unread notification about the draft
    api_token: ApiToken  # the assigned analyst's
    action: ResponseAction  # opened by an earlier approved assessment
    approved: Assessment  # by the assigned analyst, approved
    release: SummaryRelease  # of the approved assessment's summary, by the reviewer
    group: ProtectedGroup  # at risk in the situation

    def refreshed(self, assessment: Assessment) -> Assessment:
        return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def world(analyst, other_analyst, reviewer, admin, outsider) -> World:
    situation = build_situation(
        by=reviewer,
        analysts=[analyst],
        code="sd-north-darfur",
        name=SITUATION_NAME,
    )
    group = services.add_group(
        situation, by=reviewer, given=services.GroupInput(name="Masalit", kind="ethnical")
    )
    draft = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": "high", "8.1": ("high", "worsening", "high"), "1.1": "moderate"},
        narrative="Sieges of the camps continue.",
    )
    submitted = build_assessment(
        situation, by=analyst, ratings={"7.5": "moderate"}, status="submitted"
    )
    in_review = build_assessment(
        situation, by=analyst, ratings={"8.1": "high"}, status="in_review", reviewer=reviewer
    )
    failed = build_assessment(situation, by=analyst, ratings={"1.1": "low"}, status="submitted")
    assert workflow.mark_summary_failed(summary_of(failed).pk, "the drafter crashed")
    approved = build_assessment(
        situation,
        by=analyst,
        ratings={"8.1": "high"},
        as_of=date(2026, 3, 1),
        status="approved",
        reviewer=reviewer,
    )
    action = ResponseAction.objects.filter(assessment=approved).first() or (
        ResponseAction.objects.create(
            situation=situation,
            assessment=approved,
            decision=summary_of(approved).decision,
            kind="escalation",
            escalation="alert_special_adviser",
            due_on=date(2026, 3, 10),
        )
    )
    assert draft.result["recommendations"], "the draft needs a recommendation to respond to"
    assert summary_of(submitted).status == "pending"
    assert summary_of(in_review).status == "ready"
    notice = InboxItem.objects.create(
        key="test:notice",
        recipient=analyst,
        kind="returned",
        params={"situation": SITUATION_NAME, "as_of": draft.as_of.isoformat()},
        path=reverse("assessments:detail", args=[draft.pk]),
    )
    return World(
        situation,
        draft,
        submitted,
        in_review,
        failed,
        draft.result["recommendations"][0]["entry"],
        notice,
        tokens.create_token(analyst, name="Analyst's token", scope="read")[0],
        action,
        approved,
        release.release_summary(
            summary_of(approved),
            by=reviewer,
            recipient="Partner of the table test",
            confidentiality="internal",
        ),
        group,
    )


# Which assessment of the world each URL about one assessment is asked about.
ASSESSMENT_OF_URL = {
    "assessments:decide": "in_review",
    "assessments:summary_status": "submitted",
    "assessments:summary_retry": "failed",
    "assessments:summary_pdf": "in_review",
    "assessments:summary_json": "in_review",
    "assessments:releases": "approved",
}


def _kwargs(name: str, world: World) -> dict[str, object]:
    if name in (
        "assessments:situation",
        "assessments:situation_edit",
        "assessments:start",
        "assessments:compare",
        "assessments:situation_groups",
    ):
        return {"pk": world.situation.pk}
    if name in ("assessments:group_edit", "assessments:group_unlink"):
        return {"pk": world.situation.pk, "group_pk": world.group.pk}
    if name in ASSESSMENT_OF_URL:
        return {"pk": getattr(world, ASSESSMENT_OF_URL[name]).pk}
    if name == "assessments:inbox_open":
        return {"pk": world.notice.pk}
    if name == "assessments:action_edit":
        return {"pk": world.action.pk}
    if name in ("assessments:release_pdf", "assessments:release_json"):
        return {"pk": world.release.pk}
    if name.startswith("assessments:") and name not in (
        "assessments:situations",
        "assessments:situations_csv",
        "assessments:situations_xlsx",
        "assessments:situation_create",
        "assessments:queue",
        "assessments:heatmap",
        "assessments:heatmap_csv",
        "assessments:heatmap_xlsx",
        "assessments:map",
        "assessments:inbox",
        "assessments:inbox_read_all",
        "assessments:email_settings",
    ):
        return {"pk": world.draft.pk}
    if name == "framework:mapping":
        return {"code": MAPPING_CODE}
    if name == "invitation":
        return {"uidb64": "MQ", "token": "not-a-token"}
    if name == "mfa_remove":
        return {"kind": "app", "pk": 1}
    if name == "api_token_revoke":
        return {"pk": world.api_token.pk}
    return {}


def _post_data(name: str, world: World) -> dict[str, object]:
    situation_fields = {
        "country": "SD",
        "region": "Darfur",
        "review_cadence_days": "30",
        "confidentiality": "confidential",
    }
    return {
        "login": {"username": "analyst", "password": "not-the-password"},
        "assessments:situation_create": {
            **situation_fields,
            "name": "South Kordofan",
            "code": "sd-south-kordofan",
        },
        "assessments:situation_edit": {
            **situation_fields,
            "name": "North Darfur (renamed)",
            "code": world.situation.code,
            "analysts": [str(pk) for pk in world.situation.analysts.values_list("pk", flat=True)],
        },
        "assessments:start": {"as_of": "2026-06-01", "posture": "perpetrator", "narrative": ""},
        "assessments:situation_groups": {
            "add": "1",
            "new-name": "Zaghawa",
            "new-kind": "ethnical",
            "new-description": "",
        },
        "assessments:group_edit": {"name": "Masalit people", "kind": "ethnical"},
        "assessments:edit": edit_form_data(world.draft, narrative="Edited by the table test."),
        "assessments:decide": {
            "decision": "approve",
            "level": summary_of(world.in_review).proposed_escalation,
            "reason": "",
            "content_hash": summary_of(world.in_review).content_hash,
        },
        "assessments:respond": {
            f"decision-{world.recommended_entry}": "accept",
            f"reason-{world.recommended_entry}": "Already under discussion with the mission.",
        },
        "assessments:comment": {"body": "A comment from the table test."},
        "assessments:releasable": {"notes": [str(world.draft.ratings.order_by("pk")[0].pk)]},
        "assessments:releases": {
            "recipient": "Partner of a table POST",
            "confidentiality": "public",
        },
        "assessments:dissent": {
            "level-genocide": "imminent_risk",
            "reason": "A dissent from the table test.",
        },
        "assessments:action_edit": {
            "owner": "",
            "office": "Desk of the table test",
            "due_on": "2026-07-01",
            "status": "under_way",
        },
        "set_language": {"language": "fr", "next": "/"},
        "api_tokens": {
            "name": "Table test",
            "scope": "read",
            "expires": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        # Submitted with its recommendations undecided, as confirmed.
        "assessments:submit": {"confirm": "undecided"},
    }.get(name, {})


# What a successful POST changes; checked after every request, whatever its outcome.
EFFECTS: dict[str, Callable[[World, Client, str], bool]] = {
    "set_language": lambda w, client, role: (
        client.cookies.get(settings.LANGUAGE_COOKIE_NAME) is not None
        and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    ),
    "logout": lambda w, client, role: role != "anonymous" and "_auth_user_id" not in client.session,
    "sign_out_everywhere": lambda w, client, role: (
        role != "anonymous" and "_auth_user_id" not in client.session
    ),
    "assessments:situation_create": lambda w, c, r: Situation.objects.filter(
        code="sd-south-kordofan", name="South Kordofan"
    ).exists(),
    "assessments:situation_edit": lambda w, c, r: (
        Situation.objects.get(pk=w.situation.pk).name == "North Darfur (renamed)"
    ),
    "assessments:situation_groups": lambda w, c, r: w.situation.groups.filter(
        name="Zaghawa", kind="ethnical"
    ).exists(),
    "assessments:group_edit": lambda w, c, r: (
        ProtectedGroup.objects.get(pk=w.group.pk).name == "Masalit people"
    ),
    "assessments:group_unlink": lambda w, c, r: (
        not w.situation.groups.filter(pk=w.group.pk).exists()
    ),
    "assessments:start": lambda w, c, r: w.situation.assessments.filter(
        as_of=date(2026, 6, 1), posture="perpetrator"
    ).exists(),
    "assessments:edit": lambda w, c, r: (
        w.refreshed(w.draft).narrative == "Edited by the table test."
    ),
    "assessments:submit": lambda w, c, r: w.refreshed(w.draft).status == "submitted",
    "assessments:decide": lambda w, c, r: w.refreshed(w.in_review).status == "approved",
    "assessments:summary_retry": lambda w, c, r: summary_of(w.failed).status == "pending",
    "assessments:inbox_open": lambda w, c, r: (
        InboxItem.objects.get(pk=w.notice.pk).read_at is not None
    ),
    "assessments:comment": lambda w, c, r: Comment.objects.filter(
        assessment=w.draft, body="A comment from the table test."
    ).exists(),
    "assessments:respond": lambda w, c, r: RecommendationResponse.objects.filter(
        assessment=w.draft
    ).exists(),
    "assessments:dissent": lambda w, c, r: Dissent.objects.filter(
        assessment=w.draft, reason="A dissent from the table test."
    ).exists(),
    "assessments:releasable": lambda w, c, r: IndicatorRating.objects.filter(
        assessment=w.draft, note_releasable=True
    ).exists(),
    "assessments:releases": lambda w, c, r: SummaryRelease.objects.filter(
        recipient="Partner of a table POST"
    ).exists(),
    "assessments:action_edit": lambda w, c, r: ResponseAction.objects.filter(
        pk=w.action.pk, status="under_way", office="Desk of the table test"
    ).exists(),
    "api_token_revoke": lambda w, c, r: (
        ApiToken.objects.get(pk=w.api_token.pk).revoked_at is not None
    ),
}

# The directives that keep inline and foreign script and style out (settings.py has the rest).
POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


def assert_security_headers(response: HttpResponse, shown: str) -> None:
    """The content security policy and no caching, on every answer: page, fragment, export,
    redirect and refusal alike."""
    policy = {part.strip() for part in response["Content-Security-Policy"].split(";")}
    assert policy >= POLICY, f"{shown}: {response['Content-Security-Policy']}"
    assert "unsafe" not in response["Content-Security-Policy"], shown
    assert "no-store" in response["Cache-Control"], f"{shown}: {response['Cache-Control']}"
    assert "private" in response["Cache-Control"], shown


CASES = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, methods in TABLE.items()
    for method in ("GET", "POST")
    for role in ROLES
]


def _sign_in(client: Client, role: str, request: pytest.FixtureRequest) -> AbstractUser | None:
    if role == "anonymous":
        return None
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_each_role_gets_the_answer_the_table_gives_for_each_url_and_method(
    client, world, request, name, method, role
):
    _sign_in(client, role, request)
    url = reverse(name, kwargs=_kwargs(name, world))
    expected = TABLE[name][method][role]

    response = client.get(url) if method == "GET" else client.post(url, _post_data(name, world))

    shown = f"{method} {url} as {role}"
    assert_security_headers(response, shown)
    if expected == LOGIN:
        assert response.status_code == 302, shown
        assert response.url.startswith(reverse("login")), shown
    elif expected == DONE:
        assert response.status_code == 302, shown
    elif expected == REFUSED:
        assert response.status_code == 302, shown
        assert not response.url.startswith(reverse("login")), shown
    elif expected == FORM_PAGE:
        assert response.status_code == 302, shown
        page = errors.FORM_PAGES[name]
        assert response.url == reverse(page, kwargs=_kwargs(name, world)), shown
    elif expected == REFUSED_HERE:
        assert response.status_code == 409, shown
        assert any(m.level_tag == "error" for m in response.context["messages"]), shown
    else:
        assert response.status_code == expected, shown
    if expected == REFUSED:
        page = client.get(response.url)
        assert any(m.level_tag == "error" for m in page.context["messages"]), shown
    effect = EFFECTS.get(name)
    if effect is not None:
        changed = effect(world, client, role)
        assert changed == (expected == DONE), f"{shown}: change made = {changed}"
    if expected == 405:
        other = "POST" if method == "GET" else "GET"
        assert other in response["Allow"], shown
    if expected == 200 and name == "assessments:export":
        assert response["Content-Type"] == "application/json"
        assert response.json()["situation"]["name"] == SITUATION_NAME
    if expected == 200 and name == "assessments:summary_json":
        assert response["Content-Type"] == "application/json"
        data = response.json()
        assert data["content_hash"] == summary_of(world.in_review).content_hash
        assert data["content"]["situation"]["name"] == SITUATION_NAME
    if expected == 200 and name == "assessments:summary_pdf":
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert response["Content-Disposition"].endswith('-v1.pdf"')
    if name == "api_tokens" and method == "POST":  # made for whoever is signed in, only
        made = ApiToken.objects.filter(name="Table test").values_list("user__username", flat=True)
        assert list(made) == ([] if role == "anonymous" else [ROLE_FIXTURES[role]]), shown
    if expected == 200 and name == "assessments:summary_status":
        assert "Escalation summary: pending." in response.content.decode()


@pytest.mark.django_db
def test_home_page_is_the_watch(client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert response.templates[0].name == "assessments/watch.html"


# The unassigned analyst sees nothing of a situation ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", SITUATION_URLS)
def test_unassigned_analyst_gets_not_found_and_no_hint_of_the_situation(
    client, world, other_analyst, name
):
    """404 for the method the URL serves; the other method is 405 for everyone alike, or, for
    a form's address, the redirect to the form's page that everyone gets (and that page is a 404
    to them, for a missing situation or assessment as for a hidden one)."""
    client.force_login(other_analyst)
    url = reverse(name, kwargs=_kwargs(name, world))
    answers = {method: TABLE[name][method]["unassigned"] for method in ("GET", "POST")}
    assert 404 in answers.values(), "the URL must answer 404 to the unassigned analyst"
    before = _everything_about_the_world()

    for method, expected in answers.items():
        response = getattr(client, method.lower())(url, _post_data(name, world))

        assert response.status_code == (302 if expected == FORM_PAGE else expected), (
            f"{method} {url}"
        )
        if expected == FORM_PAGE:
            assert client.get(response.url).status_code == 404, f"{method} {url}"
        assert "Content-Disposition" not in response, f"{method} {url}"
        body = response.content.decode()
        assert SITUATION_NAME not in body
        assert "Darfur" not in body
        assert world.situation.code not in body
    assert _everything_about_the_world() == before


def _everything_about_the_world() -> tuple[object, ...]:
    return (
        Situation.objects.get(code="sd-north-darfur").name,
        sorted(Assessment.objects.values_list("pk", "status", "lock_version", "reviewer")),
        sorted(EscalationSummary.objects.values_list("pk", "status", "content_hash")),
        RecommendationResponse.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", SITUATION_URLS)
def test_unassigned_analyst_cannot_tell_a_hidden_situation_from_a_missing_one(
    client, world, other_analyst, name
):
    client.force_login(other_analyst)
    method = next(m for m in ("get", "post") if TABLE[name][m.upper()]["unassigned"] == 404)
    hidden = getattr(client, method)(reverse(name, kwargs=_kwargs(name, world)))
    missing = getattr(client, method)(reverse(name, kwargs={"pk": 999_999}))

    assert hidden.status_code == missing.status_code == 404
    # The same page, but for the sign-out form's security token, masked anew on each page.
    assert _without_form_token(hidden.content) == _without_form_token(missing.content)
    assert b"Page not found" in hidden.content


def _without_form_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


EXPORTS = ["assessments:export", "assessments:summary_pdf", "assessments:summary_json"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", EXPORTS)
def test_unassigned_analyst_cannot_export_the_assessment_or_its_summary(
    client, world, other_analyst, name
):
    client.force_login(other_analyst)

    for assessment in (world.draft, world.submitted, world.in_review):
        for query in ("", "?revision=1"):
            url = reverse(name, kwargs={"pk": assessment.pk}) + query
            response = client.get(url)

            assert response.status_code == 404, url
            assert response["Content-Type"].startswith("text/html"), url
            assert SITUATION_NAME not in response.content.decode()
            assert "Content-Disposition" not in response


@pytest.mark.django_db
def test_analyst_loses_access_when_unassigned_from_the_situation(client, world, analyst):
    client.force_login(analyst)
    urls = [reverse("assessments:detail", kwargs={"pk": world.draft.pk})] + [
        reverse(name, kwargs={"pk": world.in_review.pk})
        for name in (*EXPORTS, "assessments:summary_status")
    ]
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)

    world.situation.analysts.remove(analyst)

    assert [client.get(url).status_code for url in urls] == [404] * len(urls)


# Summaries: status, retry and the exports --------------------------------------------------


@pytest.mark.django_db
def test_summary_exports_serve_the_latest_ready_summary_or_the_revision_asked_for(
    client, world, reviewer
):
    client.force_login(reviewer)
    ready = summary_of(world.in_review)

    def get(name: str, assessment: Assessment, query: str = "") -> int:
        url = reverse(name, kwargs={"pk": assessment.pk}) + query
        return client.get(url).status_code

    for name in ("assessments:summary_pdf", "assessments:summary_json"):
        assert get(name, world.in_review) == 200
        assert get(name, world.in_review, f"?revision={ready.revision}") == 200
        assert get(name, world.in_review, "?revision=2") == 404  # no such version
        assert get(name, world.in_review, "?revision=one") == 404
        assert get(name, world.draft) == 404  # never submitted: no summary
        assert get(name, world.submitted) == 404  # pending: not drafted yet
        assert get(name, world.failed) == 404  # failed: nothing to read
        assert get(name, world.in_review, "?revision=1&x=1") == 200
    data = client.get(reverse("assessments:summary_json", kwargs={"pk": world.in_review.pk}))
    assert (data.json()["revision"], data.json()["status"]) == (1, "ready")
    assert data.json()["decision"] is None
    assert data["Content-Disposition"].endswith('-v1.json"')


@pytest.mark.django_db
def test_summary_status_shows_each_state_and_offers_a_retry_only_when_failed(
    client, world, analyst, admin
):
    client.force_login(analyst)

    def status_of(assessment: Assessment) -> str:
        response = client.get(reverse("assessments:summary_status", kwargs={"pk": assessment.pk}))
        assert response.status_code == 200
        return response.content.decode()

    retry = reverse("assessments:summary_retry", kwargs={"pk": world.failed.pk})
    assert "Escalation summary: pending." in status_of(world.submitted)
    assert "data-poll-url" in status_of(world.submitted)
    assert "Escalation summary: ready." in status_of(world.in_review)
    assert "data-poll-url" not in status_of(world.in_review)
    failed = status_of(world.failed)
    assert "Escalation summary: failed." in failed
    assert "the drafter crashed" in failed
    assert f'action="{retry}"' in failed
    never_submitted = reverse("assessments:summary_status", kwargs={"pk": world.draft.pk})
    assert client.get(never_submitted).status_code == 404  # no summary to show
    client.force_login(admin)  # may read it, may not retry it
    assert f'action="{retry}"' not in status_of(world.failed)


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["draft", "submitted", "in_review"])
def test_only_a_failed_summary_can_be_tried_again(client, world, reviewer, which):
    client.force_login(reviewer)
    assessment = getattr(world, which)
    before = _everything_about_the_world()

    response = client.post(reverse("assessments:summary_retry", kwargs={"pk": assessment.pk}))

    if which == "draft":
        assert response.status_code == 404  # never submitted: no summary to retry
    else:
        assert response.status_code == 302
        page = client.get(response.url)
        errors = [m.message for m in page.context["messages"] if m.level_tag == "error"]
        assert errors == ["Only a failed summary can be tried again."]
    assert _everything_about_the_world() == before


@pytest.mark.django_db
def test_reviewer_renames_a_situation_and_the_new_name_is_saved(client, world, reviewer):
    client.force_login(reviewer)
    data = _post_data("assessments:situation_edit", world)

    response = client.post(
        reverse("assessments:situation_edit", kwargs={"pk": world.situation.pk}),
        {**data, "review_cadence_days": "14"},
    )

    assert response.status_code == 302
    world.situation.refresh_from_db()
    assert world.situation.name == "North Darfur (renamed)"
    assert world.situation.review_cadence_days == 14
    assert world.situation.region == "Darfur"


# Lists show only what the user may see -----------------------------------------------------


@pytest.fixture
def three_situations(analyst, other_analyst, reviewer) -> dict[str, Situation]:
    return {
        "mine": build_situation(by=reviewer, analysts=[analyst], name="Ituri", country="CD"),
        "shared": build_situation(
            by=reviewer, analysts=[analyst, other_analyst], name="Rakhine", country="MM"
        ),
        "theirs": build_situation(
            by=reviewer, analysts=[other_analyst], name="Tigray", country="ET"
        ),
    }


def _listed(client: Client) -> list[str]:
    response = client.get(reverse("assessments:situations"))
    assert response.status_code == 200
    return [row.situation.name for row in response.context["rows"]]


@pytest.mark.django_db
def test_analyst_lists_only_the_situations_assigned_to_them(client, analyst, three_situations):
    client.force_login(analyst)

    assert _listed(client) == ["Ituri", "Rakhine"]
    response = client.get(reverse("assessments:situations"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ituri" in body
    assert "Rakhine" in body
    assert "Tigray" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("cast", ["reviewer", "admin"])
def test_reviewer_and_framework_admin_list_every_situation(client, three_situations, request, cast):
    client.force_login(request.getfixturevalue(cast))

    assert _listed(client) == ["Ituri", "Rakhine", "Tigray"]


@pytest.mark.django_db
def test_signed_in_user_without_a_role_lists_no_situation(client, outsider, three_situations):
    client.force_login(outsider)

    assert _listed(client) == []
    response = client.get(reverse("assessments:situations"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    body = response.content.decode()
    assert "Ituri" not in body
    assert "New situation" not in body


@pytest.mark.django_db
def test_only_reviewers_and_framework_admins_are_offered_a_new_situation(
    client, analyst, reviewer, three_situations
):
    situations = reverse("assessments:situations")
    client.force_login(analyst)
    as_analyst = client.get(situations)

    client.force_login(reviewer)
    as_reviewer = client.get(situations)

    assert (as_analyst.status_code, as_reviewer.status_code) == (200, 200)
    assert "Ituri" in as_analyst.content.decode()
    assert "New situation" not in as_analyst.content.decode()
    assert "New situation" in as_reviewer.content.decode()


@pytest.mark.django_db
def test_review_queue_lists_what_awaits_review_in_every_situation(
    client, analyst, other_analyst, reviewer, three_situations
):
    mine = build_assessment(three_situations["mine"], by=analyst, status="submitted")
    theirs = build_assessment(
        three_situations["theirs"], by=other_analyst, status="in_review", reviewer=reviewer
    )
    build_assessment(three_situations["shared"], by=analyst)  # a draft: not in the queue
    build_assessment(  # decided: not in the queue
        three_situations["shared"], by=analyst, status="approved", reviewer=reviewer
    )
    client.force_login(reviewer)

    response = client.get(reverse("assessments:queue"))

    assert {a.pk for a, _edited in response.context["rows"]} == {mine.pk, theirs.pk}
