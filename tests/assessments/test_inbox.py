"""In-app notifications and the choice of emails: who is told what, once, and what a user
turned off."""

import pytest
from django.core import mail
from django.urls import reverse

from assessments import tasks
from assessments.models import EmailOptOut, EscalationSummary, InboxItem
from tests.assessments.builders import CRISIS, build_assessment, build_situation, decide


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def returned(assessment, reviewer, jobs, capture):
    jobs.published.clear()
    with capture(execute=True):
        decide(assessment, by=reviewer, approve=False, reason="Corroborate 10.1 first.")
    jobs.run()


@pytest.mark.django_db
def test_a_returned_assessment_tells_each_analyst_in_the_app_and_the_bell_counts_it(
    client, django_capture_on_commit_callbacks, in_review, analyst, reviewer, jobs
):
    returned(in_review, reviewer, jobs, django_capture_on_commit_callbacks)
    client.force_login(analyst)

    page = client.get(reverse("assessments:inbox"))

    items = InboxItem.objects.filter(kind="returned")
    assert sorted(items.values_list("recipient__username", flat=True)) == [
        "analyst",
        "other_analyst",
    ]
    # The reviewer was called to the second review of the Security Council briefing, and is
    # not told of the return.
    assert list(InboxItem.objects.filter(recipient=reviewer).values_list("kind", flat=True)) == [
        "second_review"
    ]
    text = f"Returned to you: Lakeside Province (as of {in_review.as_of.isoformat()})"
    assert [t for _item, t in page.context["items"]] == [text]
    body = page.content.decode()
    assert '<span class="badge rounded-pill text-bg-warning" id="unread-count">1' in body


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_goes_to_its_page(
    client, django_capture_on_commit_callbacks, in_review, analyst, reviewer, jobs
):
    returned(in_review, reviewer, jobs, django_capture_on_commit_callbacks)
    item = InboxItem.objects.get(recipient=analyst)
    client.force_login(analyst)

    response = client.post(reverse("assessments:inbox_open", args=[item.pk]))

    assert response.url == reverse("assessments:detail", args=[in_review.pk])
    item.refresh_from_db()
    assert item.read_at is not None
    page = client.get(reverse("assessments:inbox"))
    assert 'id="unread-count"' not in page.content.decode()
    # The other analyst's stays unread, and is no one else's to open.
    theirs = InboxItem.objects.get(recipient__username="other_analyst")
    assert client.post(reverse("assessments:inbox_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_mark_all_read_marks_only_the_users_own(
    client, django_capture_on_commit_callbacks, in_review, analyst, reviewer, jobs
):
    returned(in_review, reviewer, jobs, django_capture_on_commit_callbacks)
    client.force_login(analyst)

    response = client.post(reverse("assessments:inbox_read_all"), follow=True)

    assert "1 notification marked read." in response.content.decode()
    assert not InboxItem.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    assert InboxItem.objects.filter(
        recipient__username="other_analyst", read_at__isnull=True
    ).exists()


@pytest.mark.django_db
def test_an_analyst_who_turned_off_returned_emails_is_told_in_the_app_only(
    client, django_capture_on_commit_callbacks, in_review, analyst, reviewer, jobs
):
    client.force_login(analyst)
    # Every kind but "returned".
    kinds = [
        "summary_ready",
        "second_review",
        "approved",
        "commented",
        "overdue",
        "action_overdue",
        "digest",
    ]
    saved = client.post(reverse("assessments:email_settings"), {"wanted": kinds}, follow=True)
    assert "Your email settings are saved." in saved.content.decode()
    assert list(EmailOptOut.objects.filter(user=analyst).values_list("kind", flat=True)) == [
        "returned"
    ]
    assert saved.context["form"]["wanted"].value() == kinds

    returned(in_review, reviewer, jobs, django_capture_on_commit_callbacks)

    returned_mails = [m.to for m in mail.outbox if m.subject.startswith("Returned to you")]
    assert returned_mails == [["other_analyst@example.org"]]
    assert InboxItem.objects.filter(recipient=analyst, kind="returned").count() == 1


@pytest.mark.django_db
def test_turning_an_email_back_on_removes_the_opt_out(client, analyst):
    client.force_login(analyst)
    url = reverse("assessments:email_settings")
    client.post(url, {"wanted": []})
    assert EmailOptOut.objects.filter(user=analyst).count() == 8

    client.post(url, {"wanted": ["returned", "approved"]})

    assert sorted(EmailOptOut.objects.filter(user=analyst).values_list("kind", flat=True)) == [
        "action_overdue",
        "commented",
        "digest",
        "overdue",
        "second_review",
        "summary_ready",
    ]


@pytest.mark.django_db
def test_a_ready_summary_tells_the_reviewers_in_the_app_but_not_its_author(
    django_capture_on_commit_callbacks, analyst, reviewer, jobs
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS, status="submitted")
    summary = EscalationSummary.objects.get(assessment=assessment)
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.draft_summary_task(summary.pk)
    jobs.run()

    items = InboxItem.objects.filter(kind="summary_ready")
    assert list(items.values_list("recipient__username", "path")) == [
        ("reviewer", reverse("assessments:detail", args=[assessment.pk]))
    ]
