"""The email settings page: one switch per kind of notification."""

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import NotificationKind, NotificationPreference

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_kind_is_on_until_turned_off(client, trainee):
    client.force_login(trainee)
    page = client.get(URL).content.decode()
    assert "Meeting reminder" in page and "Set your next goals after a meeting" in page
    assert page.count("checked") >= len(NotificationKind) - 1
    assert "Weekly office digest" not in page  # staff only


def test_staff_see_the_office_digest(client, staff):
    client.force_login(staff)
    assert "Weekly office digest" in client.get(URL).content.decode()


def test_saving_turns_unticked_kinds_off_and_keeps_the_rest_on(client, trainee):
    client.force_login(trainee)
    ticked = {k: "on" for k in NotificationKind.values if k != NotificationKind.MEETING_REMINDER}
    response = client.post(URL, ticked)
    assert response.status_code == 302 and response["Location"] == URL
    assert not services.is_emailed(user_id=trainee.pk, kind=NotificationKind.MEETING_REMINDER)
    assert services.is_emailed(user_id=trainee.pk, kind=NotificationKind.GOAL_REVIEW_PROMPT)
    page = client.get(URL).content.decode()
    assert 'name="meeting_reminder"' in page and "Your email settings are saved." in page
    # A trainee cannot set a staff-only kind, even by posting it.
    assert not NotificationPreference.objects.filter(kind=NotificationKind.OFFICE_DIGEST).exists()
    client.post(URL, {**ticked, "meeting_reminder": "on"})
    assert services.is_emailed(user_id=trainee.pk, kind=NotificationKind.MEETING_REMINDER)


def test_preferences_are_per_person(client, trainee, outsider):
    client.force_login(trainee)
    client.post(URL, {})
    assert not services.is_emailed(user_id=trainee.pk, kind=NotificationKind.MEETING_REMINDER)
    assert services.is_emailed(user_id=outsider.pk, kind=NotificationKind.MEETING_REMINDER)


def test_the_notifications_page_links_to_the_email_settings(client, trainee):
    client.force_login(trainee)
    page = client.get(reverse("notifications:notification_list")).content.decode()
    assert f'href="{URL}"' in page


def test_preferences_query_budget(client, trainee, django_assert_num_queries):
    client.force_login(trainee)
    # session, user, preferences
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
    # session, user, preferences, then one upsert for every kind (in a savepoint here, as the
    # test runs inside a transaction)
    with django_assert_num_queries(6):
        assert client.post(URL, {}).status_code == 302


def test_unknown_kinds_are_refused_by_the_service(trainee):
    with pytest.raises(ValueError):
        services.notification_preferences_set(user=trainee, emailed={"spam": False})
