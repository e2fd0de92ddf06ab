import pytest
from django.urls import reverse

from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:notification_list")
BADGE = reverse("notifications:notification_badge")
READ_ALL = reverse("notifications:notifications_mark_all_read")


def read_url(notice) -> str:
    return reverse("notifications:notification_mark_read", args=[notice.pk])


@pytest.mark.parametrize("path", [LIST, BADGE])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_visitors_cannot_mark_anything_read(client):
    notice = NotificationFactory()
    assert client.post(read_url(notice)).status_code == 302
    assert client.post(READ_ALL).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is None


def test_people_see_only_their_own_notifications_newest_first(client, trainee, outsider):
    older = NotificationFactory(recipient=trainee, subject="Older notice")
    newer = NotificationFactory(recipient=trainee, subject="Newer notice")
    NotificationFactory(recipient=outsider, subject="Someone else's notice")
    client.force_login(trainee)
    page = client.get(LIST).content.decode()
    assert page.index(newer.subject) < page.index(older.subject)
    assert "Someone else" not in page


def test_someone_elses_notification_is_a_404_and_stays_unread(client, trainee, outsider):
    notice = NotificationFactory(recipient=outsider)
    client.force_login(trainee)
    assert client.post(read_url(notice)).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_read_is_post_only(client, trainee):
    notice = NotificationFactory(recipient=trainee)
    client.force_login(trainee)
    assert client.get(read_url(notice)).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_read_then_open_goes_to_the_link(client, trainee):
    notice = NotificationFactory(recipient=trainee, link="/groups/7/")
    client.force_login(trainee)
    response = client.post(read_url(notice), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/groups/7/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_open_never_redirects_off_site(client, trainee):
    notice = NotificationFactory(recipient=trainee, link="https://evil.example.com/")
    client.force_login(trainee)
    assert client.post(read_url(notice), {"open": "1"})["Location"] == LIST


def test_mark_all_read_and_the_badge(client, trainee, outsider):
    NotificationFactory.create_batch(3, recipient=trainee)
    NotificationFactory(recipient=outsider)
    client.force_login(trainee)
    assert ">3<" in client.get(BADGE).content.decode()
    client.post(READ_ALL)
    assert "badge" not in client.get(BADGE).content.decode().replace('id="notification-badge"', "")
    assert outsider.notifications.unread().count() == 1


@pytest.mark.parametrize("n", [1, 50])
def test_list_query_count_does_not_grow(client, trainee, django_assert_num_queries, n):
    NotificationFactory.create_batch(n, recipient=trainee)
    client.force_login(trainee)
    # session, user, count for the pager, the page of notifications
    with django_assert_num_queries(4):
        assert client.get(LIST).status_code == 200


def test_pages_spend_no_query_on_the_unread_badge(client, trainee):
    client.force_login(trainee)
    page = client.get(LIST).content.decode()
    assert f'hx-get="{BADGE}"' in page
