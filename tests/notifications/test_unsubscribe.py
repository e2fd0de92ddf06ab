"""One-click unsubscribe: a signed link that works without signing in and fails when changed."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import services, tokens
from notifications.models import NotificationKind, NotificationPreference
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = NotificationKind.MEETING_REMINDER


def url_for(user, kind=KIND) -> str:
    return reverse(
        "notifications:unsubscribe", args=[tokens.unsubscribe_token(user_id=user.pk, kind=kind)]
    )


def tamper(token: str) -> str:
    """Change one character of the signed value (not the signature)."""
    i = 2
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def test_a_token_names_the_person_and_kind():
    token = tokens.unsubscribe_token(user_id=42, kind=KIND)
    assert tokens.unsubscribe_token_read(token) == (42, KIND)


@pytest.mark.parametrize(
    "bad",
    [
        lambda t: tamper(t),
        lambda t: t[:-1] + ("x" if t[-1] != "x" else "y"),  # the signature
        lambda t: t.replace("Wz", "WzQz", 1),
        lambda t: "",
        lambda t: "not-a-token",
        lambda t: tokens.signing.dumps([42, "meeting_reminder"], salt="another.purpose"),
        lambda t: tokens.signing.dumps([42, "no_such_kind"], salt=tokens.SALT),
        lambda t: tokens.signing.dumps(["42", "meeting_reminder"], salt=tokens.SALT),
        lambda t: tokens.signing.dumps({"u": 42}, salt=tokens.SALT),
    ],
)
def test_tampered_or_foreign_tokens_fail(bad):
    token = tokens.unsubscribe_token(user_id=42, kind=KIND)
    assert tokens.unsubscribe_token_read(bad(token)) is None


def test_the_link_works_without_signing_in_and_get_changes_nothing(client):
    person = UserFactory()
    page = client.get(url_for(person))
    assert page.status_code == 200
    assert "Stop emails about “Meeting reminder”" in page.content.decode()
    assert person.email not in page.content.decode()
    assert not NotificationPreference.objects.exists()


def test_posting_the_link_turns_that_kind_off_only(client):
    person = UserFactory()
    response = client.post(url_for(person))
    assert response.status_code == 302 and response["Location"] == url_for(person)
    assert not services.is_emailed(user_id=person.pk, kind=KIND)
    assert services.is_emailed(user_id=person.pk, kind=NotificationKind.GOAL_REVIEW_PROMPT)
    assert "You're unsubscribed" in client.get(url_for(person)).content.decode()
    assert client.post(url_for(person)).status_code == 302  # again: harmless
    assert NotificationPreference.objects.count() == 1


def test_mail_clients_one_click_post_needs_no_csrf_token():
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(url_for(person), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 302
    assert not services.is_emailed(user_id=person.pk, kind=KIND)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_and_changes_nothing(client, method):
    person = UserFactory()
    token = tokens.unsubscribe_token(user_id=person.pk, kind=KIND)
    url = reverse("notifications:unsubscribe", args=[tamper(token)])
    response = getattr(client, method)(url)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert services.is_emailed(user_id=person.pk, kind=KIND)


def test_someone_elses_id_cannot_be_swapped_in(client):
    victim, attacker = UserFactory(), UserFactory()
    token = tokens.unsubscribe_token(user_id=attacker.pk, kind=KIND)
    forged = tokens.signing.b64_encode(f'[{victim.pk},"{KIND}"]'.encode()).decode()
    signature = token.rsplit(":", 1)[1]
    assert client.post(f"/notifications/unsubscribe/{forged}:{signature}/").status_code == 400
    assert services.is_emailed(user_id=victim.pk, kind=KIND)


def test_a_deleted_account_link_is_refused(client):
    person = UserFactory()
    url = url_for(person)
    person.delete()
    assert client.post(url).status_code == 400


def test_the_link_in_a_real_email_stops_the_next_one(client):
    first = NotificationFactory(kind=KIND)
    services.notifications_email_pending(now=timezone.now(), per_minute=0)
    (link,) = re.findall(r"http\S+/notifications/unsubscribe/\S+/", mail.outbox[0].body)
    assert client.post(link.replace("http://127.0.0.1:8000", "")).status_code == 302
    NotificationFactory(recipient=first.recipient, kind=KIND)
    NotificationFactory(recipient=first.recipient, kind=NotificationKind.MEETING_CANCELLED)
    outcome = services.notifications_email_pending(now=timezone.now(), per_minute=0)
    assert outcome == {"skipped": 1, "sent": 1}
    assert mail.outbox[-1].extra_headers["List-Unsubscribe"].count("unsubscribe") == 1
