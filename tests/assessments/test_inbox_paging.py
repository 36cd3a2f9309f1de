"""The inbox pages the user's own notifications, newest first, copes with a page that does
not exist, and runs as many queries at 500 notifications as at 10."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.filters import PAGE_SIZE
from assessments.models import InboxItem, NotificationKind

pytestmark = pytest.mark.django_db

INBOX = "assessments:inbox"
SIZES = (10, 500)
# The session, the user and the user's groups; the unread notifications' count (the bell),
# the count, the page of notifications and whether any is unread.
INBOX_QUERIES = 7

START = timezone.make_aware(datetime(2026, 3, 1, 9, 0))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def notify(user, count: int, *, start: int = 0) -> list[InboxItem]:
    """``count`` notifications of ``user``, made in bulk, one an hour from START on, every
    third one read. Their times run against the order they are written in, so that the page
    is ordered by time and not by id."""
    kinds = (NotificationKind.RETURNED, NotificationKind.APPROVED, NotificationKind.OVERDUE)
    made = InboxItem.objects.bulk_create(
        InboxItem(
            key=f"{user.username}-{n}",
            recipient=user,
            kind=kinds[n % 3],
            params={"situation": f"Situation {n:03d}", "as_of": "2026-02-01"},
            path=f"/situations/{n}/",
            read_at=START if n % 3 == 0 else None,
        )
        for n in range(start, start + count)
    )
    for item in made:  # created_at is set on insert: set the times afterwards
        n = int(item.key.rsplit("-", 1)[1])
        item.created_at = START + timedelta(hours=(n * 7919) % 10_007)
    InboxItem.objects.bulk_update(made, ["created_at"])
    return made


def newest_first(items: list[InboxItem]) -> list[str]:
    return [i.key for i in sorted(items, key=lambda i: (i.created_at, i.pk), reverse=True)]


def keys(response) -> list[str]:
    return [item.key for item, _text in response.context["items"]]


def queries_of(client, params: dict[str, str] | None = None) -> tuple[int, object]:
    """The number of queries a second request runs (the first warms the session), and it."""
    client.get(reverse(INBOX), params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(INBOX), params or {})
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


def test_the_inbox_runs_as_many_queries_at_500_notifications_as_at_10(client, analyst, reviewer):
    notify(reviewer, 30)  # someone else's, never shown
    client.force_login(analyst)
    counted = []
    for size in SIZES:
        have = InboxItem.objects.filter(recipient=analyst).count()
        notify(analyst, size - have, start=have)
        queries, response = queries_of(client)
        assert response.context["page"].paginator.count == size
        assert len(response.context["items"]) == min(size, PAGE_SIZE)
        assert response.context["unread"] is True
        assert queries <= INBOX_QUERIES
        counted.append(queries)

    assert counted[0] == counted[1]


def test_inbox_page_two_holds_the_next_notifications_newest_first(client, analyst, reviewer):
    mine = notify(analyst, 120)
    notify(reviewer, 40)
    client.force_login(analyst)

    first = client.get(reverse(INBOX))
    second = client.get(reverse(INBOX), {"page": "2"})
    last = client.get(reverse(INBOX), {"page": "3"})

    order = newest_first(mine)
    assert keys(first) == order[:PAGE_SIZE]
    assert keys(second) == order[PAGE_SIZE : 2 * PAGE_SIZE]
    assert keys(last) == order[2 * PAGE_SIZE :]
    assert [i.created_at for i, _text in second.context["items"]] == sorted(
        (i.created_at for i, _text in second.context["items"]), reverse=True
    )
    # Each is worded for its reader.
    assert all(item.params["situation"] in text for item, text in first.context["items"])
    body = first.content.decode()
    assert '<nav aria-label="Pages of notifications">' in body
    assert 'aria-current="page"' in body
    assert 'href="?page=2"' in body


@pytest.mark.parametrize("page", ["99", "0", "-1", "two", ""])
def test_an_inbox_page_out_of_range_shows_the_nearest_page_not_an_error(client, analyst, page):
    mine = notify(analyst, 70)
    client.force_login(analyst)

    response = client.get(reverse(INBOX), {"page": page})

    assert response.status_code == 200
    shown = response.context["page"]
    # Not a number: the first page; out of range: the last.
    expected = 2 if page in ("99", "0", "-1") else 1
    assert shown.number == expected
    order = newest_first(mine)
    assert keys(response) == (order[PAGE_SIZE:] if expected == 2 else order[:PAGE_SIZE])
