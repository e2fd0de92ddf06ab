import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import services
from notifications.models import Notification, NotificationKind
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 3, 1, 9, 0))


def create(recipient, key="waitlist_promoted:1", subject="You have a seat"):
    return services.notification_create(
        recipient=recipient,
        kind=NotificationKind.WAITLIST_PROMOTED,
        subject=subject,
        body="A seat opened.",
        link="/groups/1/",
        dedupe_key=key,
    )


def test_creating_the_same_notification_twice_keeps_one():
    person = UserFactory()
    first = create(person)
    again = create(person, subject="A different subject")
    assert again.pk == first.pk and again.subject == "You have a seat"
    assert Notification.objects.count() == 1


def test_different_keys_make_different_notifications():
    person = UserFactory()
    create(person, key="a")
    create(person, key="b")
    assert person.notifications.unread().count() == 2


def test_the_database_rejects_a_duplicate_key_and_an_unknown_kind():
    notice = NotificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationFactory(dedupe_key=notice.dedupe_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=notice.pk).update(kind="spam")


def test_marking_read_keeps_the_first_time():
    notice = NotificationFactory()
    services.notification_mark_read(notification=notice, now=NOW)
    later = NOW + datetime.timedelta(hours=1)
    assert services.notification_mark_read(notification=notice, now=later).read_at == NOW


def test_mark_all_read_touches_only_the_recipients_unread():
    person, other = UserFactory(), UserFactory()
    NotificationFactory.create_batch(2, recipient=person)
    NotificationFactory(recipient=other)
    assert services.notifications_mark_all_read(recipient=person, now=NOW) == 2
    assert other.notifications.unread().count() == 1


def test_new_notifications_are_unsent_until_emailed():
    notice = NotificationFactory()
    assert list(Notification.objects.unsent()) == [notice]
    Notification.objects.filter(pk=notice.pk).update(emailed_at=NOW)
    assert not Notification.objects.unsent().exists()


def test_str_identifies_the_row():
    notice = NotificationFactory()
    assert f"Notification #{notice.pk}" in str(notice)
