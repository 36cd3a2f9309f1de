"""Comments on an assessment: who may write one, who is told of it (in the app and by email,
once, as each chose), and that a comment never moves the workflow."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import REVIEWERS
from assessments import services
from assessments.models import Comment, EmailOptOut, InboxItem, Notification, NotificationKind
from assessments.workflow import WorkflowError
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def comment(assessment, by, body, jobs, capture):
    """Post a comment and run what it queued, as the worker would."""
    jobs.published.clear()
    with capture(execute=True):
        posted = services.add_comment(assessment, by=by, body=body)
    jobs.run()
    return posted


def emails():
    return sorted((m.to[0], m.subject, m.body) for m in mail.outbox)


@pytest.mark.django_db
def test_a_reviewers_comment_tells_the_assigned_analysts_in_the_app_and_by_email(
    django_capture_on_commit_callbacks, in_review, analyst, other_analyst, reviewer, settings, jobs
):
    settings.SITE_URL = "http://r2p.example.org:8123"
    posted = comment(
        in_review,
        reviewer,
        "Is 7.5 from one source only?",
        jobs,
        django_capture_on_commit_callbacks,
    )

    subject = f"Reviewer commented on Lakeside Province (as of {in_review.as_of.isoformat()})"
    sent = emails()
    assert [(to, s) for to, s, _b in sent] == [
        ("analyst@example.org", subject),
        ("other_analyst@example.org", subject),
    ]
    assert "Is 7.5 from one source only?" in sent[0][2]
    url = f"http://r2p.example.org:8123/assessments/{in_review.pk}/#comment-{posted.pk}"
    assert url in sent[0][2]
    told = InboxItem.objects.filter(kind=NotificationKind.COMMENTED)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "analyst",
        "other_analyst",
    ]
    assert {item.path for item in told} == {f"/assessments/{in_review.pk}/#comment-{posted.pk}"}
    assert not InboxItem.objects.filter(recipient=reviewer).exists()


@pytest.mark.django_db
def test_an_analysts_answer_tells_the_reviewers_who_took_part_not_the_other_analysts(
    django_capture_on_commit_callbacks, in_review, analyst, other_analyst, reviewer, jobs
):
    bystander = make_user("second_reviewer", REVIEWERS)
    capture = django_capture_on_commit_callbacks
    comment(in_review, reviewer, "Is 7.5 from one source only?", jobs, capture)
    mail.outbox.clear()

    answer = comment(in_review, analyst, "Two: OHCHR and local radio.", jobs, capture)

    assert [to for to, _s, _b in emails()] == ["reviewer@example.org"]
    told = InboxItem.objects.filter(key__startswith=f"comment:{answer.pk}:")
    assert list(told.values_list("recipient__username", flat=True)) == ["reviewer"]
    assert not InboxItem.objects.filter(recipient=bystander).exists()
    assert InboxItem.objects.filter(recipient=other_analyst).count() == 1  # the question only


@pytest.mark.django_db
def test_a_comment_is_told_once_and_an_opted_out_analyst_is_told_in_the_app_only(
    django_capture_on_commit_callbacks, in_review, analyst, other_analyst, reviewer, jobs
):
    EmailOptOut.objects.create(user=other_analyst, kind=NotificationKind.COMMENTED)
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(in_review, by=reviewer, body="Check the dates of 2.1.")
    queued = list(jobs.published)
    jobs.run()
    jobs.published.extend(queued)  # the same jobs delivered again
    jobs.run()

    assert [to for to, _s, _b in emails()] == ["analyst@example.org"]
    assert Notification.objects.filter(key__startswith="comment:").count() == 1
    assert InboxItem.objects.filter(recipient=other_analyst, kind="commented").count() == 1
    assert InboxItem.objects.filter(recipient=analyst, kind="commented").count() == 1


@pytest.mark.django_db
def test_an_analyst_unassigned_before_the_email_goes_is_not_told(
    django_capture_on_commit_callbacks, in_review, analyst, other_analyst, reviewer, jobs
):
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(in_review, by=reviewer, body="Check the dates of 2.1.")
    jobs.run(limit=1)  # the fan-out: one email queued per analyst
    in_review.situation.analysts.remove(other_analyst)
    jobs.run()

    assert [to for to, _s, _b in emails()] == ["analyst@example.org"]
    assert not InboxItem.objects.filter(recipient=other_analyst).exists()


@pytest.mark.django_db
def test_a_comment_changes_nothing_in_the_workflow(in_review, reviewer):
    before = (in_review.status, in_review.lock_version, in_review.revision, in_review.updated_at)
    transitions = in_review.transitions.count()

    services.add_comment(in_review, by=reviewer, body="Noted.")

    in_review.refresh_from_db()
    after = (in_review.status, in_review.lock_version, in_review.revision, in_review.updated_at)
    assert after == before
    assert in_review.transitions.count() == transitions


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "body", "message"),
    [
        ("reviewer", "   ", "Write a comment first."),
        ("reviewer", "x" * (Comment.MAX_LENGTH + 1), "A comment has at most 5000 characters."),
        ("admin", "Looks fine.", "Only reviewers and the situation's analysts comment"),
        ("outsider", "Looks fine.", "Only reviewers and the situation's analysts comment"),
    ],
)
def test_the_service_refuses_an_empty_or_long_comment_or_one_by_anyone_else(
    request, in_review, who, body, message
):
    with pytest.raises(WorkflowError, match=message):
        services.add_comment(in_review, by=request.getfixturevalue(who), body=body)
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_the_page_lists_the_comments_and_keeps_a_refused_one_beside_its_field(
    client, in_review, analyst, reviewer
):
    services.add_comment(in_review, by=reviewer, body="Is 7.5 from one source only?")
    client.force_login(analyst)
    url = reverse("assessments:comment", args=[in_review.pk])

    refused = client.post(url, {"body": "x" * (Comment.MAX_LENGTH + 1)})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "The comment was not posted:" in page
    assert 'aria-invalid="true"' in page
    assert "x" * Comment.MAX_LENGTH in page  # what was typed is kept
    assert "Is 7.5 from one source only?" in page
    assert Comment.objects.count() == 1

    posted = client.post(url, {"body": "  Two sources: OHCHR and local radio.  "})

    answer = Comment.objects.get(author=analyst)
    assert posted.status_code == 302
    assert posted.url == f"/assessments/{in_review.pk}/#comment-{answer.pk}"
    assert answer.body == "Two sources: OHCHR and local radio."
    detail = client.get(f"/assessments/{in_review.pk}/").content.decode()
    assert detail.index("Is 7.5 from one source only?") < detail.index("Two sources")
