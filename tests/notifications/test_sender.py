"""The sender: each unsent notification emailed once, in its own transaction; transient errors
retried with backoff, permanent ones failed; opted-out kinds not emailed; a global rate limit."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.utils import timezone

from notifications import emails, services, tasks
from notifications.models import Notification, NotificationKind
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

# Real time: the sender compares `now` with rows' created_at, which the database stamps.
NOW = timezone.now()


def send(now=NOW, per_minute=0, **kwargs):
    return services.notifications_email_pending(now=now, per_minute=per_minute, **kwargs)


def test_each_unsent_notification_is_emailed_once_to_its_recipient():
    notices = NotificationFactory.create_batch(3)
    assert send()["sent"] == 3
    assert send()["sent"] == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notices)
    assert not Notification.objects.unsent().exists()
    assert all(n.emailed_at == NOW for n in Notification.objects.all())


def test_the_task_sends_what_is_pending():
    NotificationFactory()
    assert tasks.send_pending_emails() == {"sent": 1}
    assert len(mail.outbox) == 1


def test_the_email_has_text_and_html_parts_and_a_one_click_unsubscribe():
    notice = NotificationFactory(
        subject="Reminder: Data Science Group meets Tue 09 Mar at 17:30",
        body="Your group meets on Tue 09 Mar.\nWhere: Room 101",
        link="/meetings/7/",
    )
    send()
    (message,) = mail.outbox
    assert message.subject == notice.subject
    assert message.to == [notice.recipient.email]
    assert "Where: Room 101" in message.body and "http://testserver" not in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Where: Room 101" in html and "<br>" in html
    unsubscribe = emails.unsubscribe_url(notice)
    assert unsubscribe.startswith("http") and "/notifications/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in message.body and unsubscribe in html
    assert emails.absolute("/meetings/7/") in message.body


def test_subjects_with_line_breaks_cannot_break_the_headers():
    NotificationFactory(subject="Line one\nBcc: someone@example.com")
    send()
    assert mail.outbox[0].subject == "Line one Bcc: someone@example.com"


def test_an_opted_out_kind_stays_in_the_portal_but_is_not_emailed():
    notice = NotificationFactory(kind=NotificationKind.MEETING_REMINDER)
    other = NotificationFactory(
        recipient=notice.recipient, kind=NotificationKind.GOAL_REVIEW_PROMPT
    )
    services.notification_preferences_set(
        user=notice.recipient, emailed={NotificationKind.MEETING_REMINDER: False}
    )
    outcomes = send()
    assert outcomes == {"skipped": 1, "sent": 1}
    notice.refresh_from_db()
    assert notice.email_skipped_at == NOW and notice.emailed_at is None
    assert [m.subject for m in mail.outbox] == [other.subject]
    assert notice.recipient.notifications.unread().count() == 2


def test_inactive_accounts_get_no_email():
    notice = NotificationFactory(recipient=UserFactory(is_active=False))
    assert send() == {"skipped": 1}
    notice.refresh_from_db()
    assert notice.email_error == "inactive account" and not mail.outbox


def test_notices_too_old_to_matter_are_not_emailed():
    old = NotificationFactory()
    Notification.objects.filter(pk=old.pk).update(
        created_at=NOW - services.EMAIL_MAX_AGE - timedelta(minutes=1)
    )
    assert send() == {"skipped": 1}
    assert not mail.outbox


def test_a_transient_error_is_retried_with_backoff_then_sent():
    notice = NotificationFactory()
    with mock.patch.object(
        emails, "send_notification", side_effect=smtplib.SMTPServerDisconnected("gone")
    ):
        assert send() == {"deferred": 1}
    notice.refresh_from_db()
    assert notice.email_attempts == 1 and notice.failed_at is None
    assert notice.next_attempt_at == NOW + timedelta(minutes=1)
    assert "SMTPServerDisconnected" in notice.email_error
    assert send() == {}  # waiting: nothing is due yet
    assert send(now=NOW + timedelta(seconds=61)) == {"sent": 1}
    notice.refresh_from_db()
    assert notice.email_attempts == 2 and notice.emailed_at is not None


def test_backoff_doubles_up_to_an_hour_and_the_last_attempt_fails_the_row():
    notice = NotificationFactory()
    now = NOW
    waits = []
    with mock.patch.object(emails, "send_notification", side_effect=TimeoutError("slow relay")):
        for _attempt in range(services.EMAIL_MAX_ATTEMPTS):
            send(now=now)
            notice.refresh_from_db()
            if notice.failed_at:
                break
            waits.append(notice.next_attempt_at - now)
            now = notice.next_attempt_at
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 60]
    assert notice.failed_at == now and notice.email_attempts == services.EMAIL_MAX_ATTEMPTS


def test_a_permanent_error_fails_the_row_without_retry_and_the_queue_moves_on():
    bad = NotificationFactory()
    good = NotificationFactory()
    refused = smtplib.SMTPRecipientsRefused({bad.recipient.email: (550, b"No such user")})

    def relay(notification):
        if notification.pk == bad.pk:
            raise refused
        mail.outbox.append(notification.pk)

    with mock.patch.object(emails, "send_notification", side_effect=relay) as sender:
        assert send() == {"failed": 1, "sent": 1}
        assert send() == {}
    assert sender.call_count == 2
    bad.refresh_from_db()
    assert bad.failed_at == NOW and bad.email_attempts == 1 and "550" in bad.email_error
    assert mail.outbox == [good.pk]


def test_a_bug_while_rendering_fails_one_row_only():
    NotificationFactory()
    with mock.patch.object(emails, "send_notification", side_effect=ValueError("bad template")):
        assert send() == {"failed": 1}


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("closed"), True),
        (smtplib.SMTPConnectError(554, b"no service"), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (smtplib.SMTPAuthenticationError(535, b"bad login"), True),
        (smtplib.SMTPResponseException(421, b"try later"), True),
        (smtplib.SMTPDataError(451, b"greylisted"), True),
        (smtplib.SMTPRecipientsRefused({"a@x.edu": (452, b"mailbox full")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.edu": (550, b"no such user")}), False),
        (smtplib.SMTPDataError(554, b"rejected as spam"), False),
        (smtplib.SMTPSenderRefused(553, b"sender refused", "noreply@x.edu"), False),
        (ValueError("bad header"), False),
    ],
)
def test_which_errors_are_worth_retrying(error, transient):
    assert services.is_transient(error) is transient


def test_out_of_time_leaves_the_row_unsent_for_the_next_run():
    notice = NotificationFactory()
    with (
        mock.patch.object(emails, "send_notification", side_effect=SoftTimeLimitExceeded()),
        pytest.raises(SoftTimeLimitExceeded),
    ):
        send()
    notice.refresh_from_db()
    assert notice.email_attempts == 0 and notice.failed_at is None
    assert list(Notification.objects.unsent()) == [notice]


def test_the_rate_limit_counts_emails_sent_in_the_last_minute():
    NotificationFactory.create_batch(5)
    assert send(per_minute=2) == {"sent": 2, "rate_limited": 1}
    assert send(per_minute=2) == {"rate_limited": 1}
    assert send(now=NOW + timedelta(seconds=30), per_minute=2) == {"rate_limited": 1}
    assert send(now=NOW + timedelta(seconds=61), per_minute=2) == {"sent": 2, "rate_limited": 1}
    assert len(mail.outbox) == 4


def test_a_run_stops_claiming_when_its_time_is_up():
    NotificationFactory.create_batch(2)
    assert send(max_seconds=0) == {}
    assert Notification.objects.unsent().count() == 2


def test_oldest_first():
    first, second = NotificationFactory(), NotificationFactory()
    send(per_minute=1)
    assert mail.outbox[0].subject == first.subject
    assert Notification.objects.unsent().get() == second
