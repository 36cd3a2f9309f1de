"""The audit log: what goes into it, that its chain shows any change, removal or insertion,
that PostgreSQL refuses to change it at all, and the framework admins' page."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from accounts.roles import REVIEWERS
from assessments import workflow
from audit import log
from audit.models import AuditEntry
from framework.dataset import read_dataset
from framework.management.commands.load_framework import DEFAULT_PATH
from framework.models import Crime
from framework.services import load_framework, retire
from tests.assessments.builders import (
    CRISIS,
    build_assessment,
    build_situation,
    summary_of,
)
from tests.conftest import PASSWORD, database_is_postgres, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def entries_after(mark: int, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(seq__gt=mark).order_by("seq")
    return list(found.filter(action=action) if action else found)


def head() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


def verify_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_log", *args, stdout=out)
    return out.getvalue()


def tamper(sql: str, params: list[object]) -> None:
    """Change the table behind the app's back, as someone with database access would
    (on PostgreSQL, having first switched the append-only trigger off, as its owner could)."""
    with connection.cursor() as cursor:
        if database_is_postgres():
            # The deferred foreign-key checks of the entries just written run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        if database_is_postgres():
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


# The chain -----------------------------------------------------------------------------------


def test_each_entry_hashes_the_one_before_and_the_chain_verifies(analyst):
    first = log.record("sign_in", obj=analyst, actor=analyst)
    second = log.record("sign_out", obj=analyst, actor=analyst, data={"ratio": 0.5, "n": {3, 1}})

    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert second.hash == log.digest(first.hash, log.content_of(second))
    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.data == {"ratio": "0.5", "n": [1, 3]}  # exactly as hashed
    assert log.digest(stored.prev_hash, log.content_of(stored)) == stored.hash
    result = log.verify()
    assert (result.broken_at, result.count, result.head) == (None, second.seq, second.hash)
    assert f"holds {second.seq} entries and its chain is intact" in verify_output()


def test_changing_one_entry_in_the_database_is_named_by_verify_audit_log(analyst):
    entries = [log.record("sign_in", obj=analyst, actor=analyst) for _ in range(4)]
    target = entries[1]

    tamper(
        "UPDATE audit_auditentry SET data = %s WHERE id = %s",
        ['{"username": "someone else"}', target.pk],
    )

    with pytest.raises(
        CommandError, match=rf"broken at entry {target.seq}: its content has changed"
    ):
        verify_output()


def test_a_hash_recomputed_to_hide_a_change_breaks_the_next_entry(analyst):
    entries = [log.record("sign_in", obj=analyst, actor=analyst) for _ in range(3)]
    target = entries[0]
    target.action = "sign_out"
    forged = log.digest(target.prev_hash, log.content_of(target))

    tamper(
        "UPDATE audit_auditentry SET action = %s, hash = %s WHERE id = %s",
        ["sign_out", forged, target.pk],
    )

    with pytest.raises(
        CommandError, match=rf"broken at entry {entries[1].seq}: it does not follow"
    ):
        verify_output()


def test_a_removed_entry_is_named_and_a_removed_last_entry_is_caught_by_the_head(analyst):
    entries = [log.record("sign_in", obj=analyst, actor=analyst) for _ in range(4)]
    noted = verify_output().rsplit("Last hash: ", 1)[1].strip()
    assert noted == entries[-1].hash
    assert "intact" in verify_output("--head", noted)

    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    assert "intact" in verify_output()  # the chain alone cannot see its end cut off...
    with pytest.raises(CommandError, match="no longer holds the entry with hash"):
        verify_output("--head", noted)  # ...the hash noted elsewhere does

    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=rf"broken at entry {entries[2].seq}: its number"):
        verify_output()


@pytest.mark.skipif(not database_is_postgres(), reason="the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_an_entry(analyst):
    entry = log.record("sign_in", obj=analyst, actor=analyst)
    for statement in (
        "UPDATE audit_auditentry SET action = 'sign_out' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "sign_in"


def test_an_entry_goes_with_its_change_when_the_change_is_rolled_back(analyst):
    mark = head()
    with pytest.raises(RuntimeError), transaction.atomic():
        log.record("sign_in", obj=analyst, actor=analyst)
        raise RuntimeError("the change fails")
    assert entries_after(mark) == []
    assert log.verify().broken_at is None


# What goes in ----------------------------------------------------------------------------------


def test_sign_in_its_failures_and_a_lockout_are_logged_without_the_password(client, analyst):
    mark = head()
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "analyst", "password": "wrong-secret"},
            REMOTE_ADDR="10.0.0.9",
        )
    failed = entries_after(mark, "sign_in_failed")
    assert len(failed) == 5
    assert failed[0].data == {"username": "analyst"} and failed[0].address == "10.0.0.9"
    assert failed[0].actor is None
    assert [e.data["username"] for e in entries_after(mark, "locked_out")] == ["analyst"]
    assert not any("wrong-secret" in str(e.data) for e in entries_after(mark))

    mark = head()
    client.post(
        reverse("login"), {"username": "reviewer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
    )  # no such user yet: a failure, not a sign-in
    assert [e.action for e in entries_after(mark)] == ["sign_in_failed"]


def test_a_sign_in_names_the_person_and_the_address(client, reviewer):
    mark = head()
    client.post(
        reverse("login"), {"username": "reviewer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    (entry,) = entries_after(mark, "sign_in")
    assert (entry.actor, entry.actor_name, entry.address) == (reviewer, "reviewer", "10.0.0.7")


def test_roles_given_and_taken_and_access_switched_off_are_logged(rf, admin, analyst):
    mark = head()
    reviewers = Group.objects.get(name=REVIEWERS)
    request = rf.post("/admin/auth/user/", REMOTE_ADDR="10.0.0.6")
    request.user = admin

    with log.request_context(request):  # as the admin's pages do, through the middleware
        analyst.groups.add(reviewers)
        reviewers.user_set.remove(analyst)
        analyst.is_active = False
        analyst.save()

    changes = [(e.action, e.actor_name, e.data) for e in entries_after(mark)]
    assert changes == [
        ("role_change", "admin", {"username": "analyst", "added": [REVIEWERS]}),
        ("role_change", "admin", {"username": "analyst", "removed": [REVIEWERS]}),
        ("account_changed", "admin", {"username": "analyst", "changed": {"is_active": False}}),
    ]


def test_the_workflow_steps_the_decision_and_the_exports_are_logged(client, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    mark = head()
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS, status="in_review")
    summary = summary_of(assessment)

    # A Security Council briefing needs two reviewers: another reviewer gives the first review.
    first = make_user("first_reviewer", REVIEWERS)
    for by in (first, reviewer):
        workflow.decide_escalation(
            summary,
            by=by,
            approve=True,
            level=summary.proposed_escalation,
            reason="",
            content_hash=summary.content_hash,
        )
    client.force_login(reviewer)
    assert (
        client.get(reverse("assessments:summary_pdf", kwargs={"pk": assessment.pk})).status_code
        == 200
    )
    assert (
        client.get(reverse("assessments:summary_json", kwargs={"pk": assessment.pk})).status_code
        == 200
    )

    steps = [e.data["event"] for e in entries_after(mark, "transition")]
    assert (
        steps[0] == "started"
        and "submitted" in steps
        and steps[-2:]
        == [
            "first_review",
            "approved",
        ]
    )
    (first_review,) = entries_after(mark, "first_review")
    assert (first_review.actor, first_review.data["approved"]) == (first, True)
    (decision,) = entries_after(mark, "decision")
    assert decision.actor == reviewer
    assert decision.data["content_hash"] == summary.content_hash
    assert decision.data["approved"] is True
    exports = entries_after(mark, "summary_export")
    assert [(e.data["format"], e.actor_name) for e in exports] == [
        ("pdf", "reviewer"),
        ("json", "reviewer"),
    ]
    assert all(e.object_id == str(summary.pk) for e in exports)
    assert log.verify().broken_at is None


def test_a_reference_data_change_is_logged_with_its_fields_and_a_load_as_one_entry():
    genocide = Crime.objects.get(code="genocide")
    mark = head()
    genocide.summary = "Edited by a framework admin."
    genocide.save()
    retire(genocide, reason="test")

    changed = entries_after(mark)
    assert [e.action for e in changed] == ["reference_changed", "reference_changed"]
    assert changed[0].data["fields"]["summary"] == "Edited by a framework admin."
    assert changed[1].data["fields"]["is_active"] is False
    assert changed[0].object_type == "framework.crime"

    mark = head()
    load_framework(read_dataset(DEFAULT_PATH))  # puts the summary back: one entry, not one per row
    (loaded,) = entries_after(mark)
    assert loaded.action == "reference_loaded"
    assert loaded.data["counts"]["crimes"]["updated"] == 1


# The page ----------------------------------------------------------------------------------


def test_framework_admins_read_and_filter_the_log(client, admin, analyst):
    log.record("sign_in", obj=analyst, actor=analyst)
    log.record("sign_in_failed", data={"username": "mallory"}, actor=None)
    client.force_login(admin)
    url = reverse("audit:log")

    everything = client.get(url).content.decode()
    failures = client.get(url, {"action": "sign_in_failed"}).content.decode()
    by_analyst = client.get(url, {"who": "analys"}).content.decode()

    assert "mallory" in everything and "signed in" in everything
    assert "mallory" in failures and "<td>signed in</td>" not in failures
    assert "mallory" not in by_analyst and "<td>signed in</td>" in by_analyst


def test_a_bad_filter_is_named_and_ignored(client, admin):
    client.force_login(admin)
    page = client.get(reverse("audit:log"), {"since": "yesterday", "until": "2026-01-01"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Some filters could not be used and were ignored:" in text
    assert re.search(r'href="#id_since">From</a>: Enter a valid date', text)
