"""The operations panel: email counts, the latest run of each sweep and beat's schedules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:notifications_operations")
NOW = timezone.now()


@pytest.fixture
def emails_in_every_state():
    NotificationFactory.create_batch(2)  # pending
    NotificationFactory(next_attempt_at=NOW + timedelta(minutes=5), email_attempts=1)
    NotificationFactory.create_batch(3, emailed_at=NOW - timedelta(hours=1))
    NotificationFactory(emailed_at=NOW - timedelta(days=2))
    NotificationFactory(
        failed_at=NOW - timedelta(minutes=3),
        email_error="SMTPRecipientsRefused: 550 no such user",
        recipient=UserFactory(email="bounced@example.edu"),
    )
    NotificationFactory(email_skipped_at=NOW)


def test_counts_by_state_in_one_query(emails_in_every_state, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = selectors.notifications_email_counts(now=NOW)
    assert counts == {
        "pending": 2,
        "retrying": 1,
        "sent": 4,
        "sent_recently": 3,
        "failed": 1,
        "failed_recently": 1,
        "skipped": 1,
    }


def test_a_retry_whose_wait_is_over_counts_as_pending():
    NotificationFactory(next_attempt_at=NOW - timedelta(minutes=1), email_attempts=1)
    assert selectors.notifications_email_counts(now=NOW)["pending"] == 1


def test_staff_see_counts_sweeps_schedules_and_failures(admin_client, emails_in_every_state):
    services.sweep_record(name="meeting_reminders", now=NOW, duration_ms=12, created=7)
    services.sweep_record(name="office_digest", now=NOW, duration_ms=3, created=0, error="Boom")
    page = admin_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="count-pending">2<' in html and 'id="count-failed">1<' in html
    assert 'id="count-sent">4<' in html and 'id="count-sent-recently">3<' in html
    assert "meeting_reminders" in html and "Error: Boom" in html
    assert "Sweep: goal-review prompts" in html and "Email: send pending notifications" in html
    assert "bounced@example.edu" in html and "550 no such user" in html


def test_the_panel_is_linked_from_the_notifications_list(admin_client):
    html = admin_client.get(reverse("admin:notifications_notification_changelist")).content
    assert URL.encode() in html


def test_the_changelist_filters_by_email_state(admin_client, emails_in_every_state):
    changelist = reverse("admin:notifications_notification_changelist")
    page = admin_client.get(changelist, {"email": "failed"})
    assert page.context["cl"].result_count == 1
    assert admin_client.get(changelist, {"email": "pending"}).context["cl"].result_count == 3


def test_trainees_cannot_open_the_panel(client, trainee):
    client.force_login(trainee)
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_panel_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    for n in range(5):
        services.sweep_record(name=f"sweep_{n}", now=NOW, duration_ms=1, created=n)
        NotificationFactory(failed_at=NOW, email_error="x")
    # session, user, counts, sweep runs, schedules, failures (+ admin site bookkeeping)
    with django_assert_max_num_queries(8):
        admin_client.get(URL)
    assert Notification.objects.count() == 5
