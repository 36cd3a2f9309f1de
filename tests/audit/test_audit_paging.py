"""The audit log's page: a page of entries at a time, newest first, with its filters kept
across pages, a page out of range shown as the nearest one, and as many queries at 500
entries as at 10."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import log
from audit.models import AuditEntry
from audit.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

LOG = "audit:log"
SIZES = (10, 500)
# The session, the user and the user's groups; the kinds of object the filter offers, the
# unread notifications' count, the count and the page of entries.
AUDIT_LOG_QUERIES = 7


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def append(count: int, *, action: str, actor, about) -> list[AuditEntry]:
    """``count`` entries at the head of the chain, written as a bulk import writes them."""
    return log.record_many(action, ((about, {"n": n}) for n in range(count)), actor=actor)


def queries_of(client, params: dict[str, str] | None = None) -> tuple[int, object]:
    """The number of queries a second request runs (the first warms the session), and it."""
    client.get(reverse(LOG), params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(LOG), params or {})
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


def seqs(response) -> list[int]:
    return [entry.seq for entry in response.context["page"]]


def test_the_audit_log_runs_as_many_queries_at_500_entries_as_at_10(client, admin, analyst):
    client.force_login(admin)
    counted = []
    for size in SIZES:
        append(
            size - AuditEntry.objects.filter(action="transition").count(),
            action="transition",
            actor=analyst,
            about=analyst,
        )
        for params in ({}, {"action": "transition", "who": "analyst"}):
            queries, response = queries_of(client, params)
            page = response.context["page"]
            assert (
                page.paginator.count
                == AuditEntry.objects.filter(**({"action": "transition"} if params else {})).count()
            )
            assert len(page.object_list) == min(page.paginator.count, PAGE_SIZE)
            assert queries <= AUDIT_LOG_QUERIES
            counted.append(queries)

    assert counted[:2] == counted[2:]
    assert log.verify().broken_at is None  # the entries written in bulk chain


def test_audit_log_page_two_holds_the_next_entries_with_the_filters_kept(
    client, admin, analyst, reviewer
):
    made = append(130, action="transition", actor=analyst, about=analyst)
    append(20, action="decision", actor=reviewer, about=reviewer)  # newer, filtered out
    client.force_login(admin)
    params = {"action": "transition", "who": "analyst"}

    first = client.get(reverse(LOG), params)
    second = client.get(reverse(LOG), {**params, "page": "2"})
    last = client.get(reverse(LOG), {**params, "page": "3"})

    newest_first = [entry.seq for entry in reversed(made)]
    assert seqs(first) == newest_first[:PAGE_SIZE]
    assert seqs(second) == newest_first[PAGE_SIZE : 2 * PAGE_SIZE]
    assert seqs(last) == newest_first[2 * PAGE_SIZE :]
    assert first.context["page"].paginator.count == 130
    body = first.content.decode()
    assert '<nav aria-label="Pages of audit entries">' in body
    assert 'aria-current="page"' in body
    assert 'href="?action=transition&amp;who=analyst&amp;page=2"' in body


def test_the_whole_audit_log_pages_newest_first(client, admin, analyst):
    append(120, action="transition", actor=analyst, about=analyst)
    client.force_login(admin)  # an entry of its own, the newest

    first = client.get(reverse(LOG))
    second = client.get(reverse(LOG), {"page": "2"})

    everything = list(AuditEntry.objects.order_by("-seq").values_list("seq", flat=True))
    assert everything == sorted(everything, reverse=True)
    assert seqs(first) == everything[:PAGE_SIZE]
    assert seqs(second) == everything[PAGE_SIZE : 2 * PAGE_SIZE]
    assert seqs(first)[0] == AuditEntry.objects.get(action="sign_in", actor=admin).seq


@pytest.mark.parametrize("page", ["99", "0", "-1", "two", ""])
def test_an_audit_log_page_out_of_range_shows_the_nearest_page_not_an_error(
    client, admin, analyst, page
):
    append(70, action="transition", actor=analyst, about=analyst)
    client.force_login(admin)
    params = {"action": "transition", "page": page}

    response = client.get(reverse(LOG), params)

    assert response.status_code == 200
    shown = response.context["page"]
    # Not a number: the first page; out of range: the last.
    assert shown.number == (2 if page in ("99", "0", "-1") else 1)
    assert len(shown.object_list) == (20 if shown.number == 2 else PAGE_SIZE)
