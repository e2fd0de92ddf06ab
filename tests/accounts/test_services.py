import re
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts import services, tasks
from accounts.models import CareerArea, Invitation, User
from tests.factories import TraineeProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def invited_user() -> User:
    return User.objects.create_user("invitee@example.edu", name="In Vitee")


def token_from(message) -> str:
    return re.search(r"/accounts/invitation/([^/]+)/", message.body).group(1)


def test_invitation_is_published_after_commit_with_ids_only(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.send_invitations, "delay") as delay,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        invitation = services.invitation_create(user=invited_user(), invited_by=None)
        delay.assert_not_called()
    for callback in callbacks:
        callback()
    delay.assert_called_once_with(invitation_ids=[invitation.pk])


def test_the_task_emails_a_text_and_html_invitation():
    invitation = Invitation.objects.create(user=invited_user())
    tasks.send_invitations(invitation_ids=[invitation.pk])
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["invitee@example.edu"]
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_invitation_publishes_nothing_and_a_committed_one_does():
    with mock.patch.object(tasks.send_invitations, "delay") as delay:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.invitation_create(user=invited_user(), invited_by=None)
            raise RuntimeError
        delay.assert_not_called()
        invitation = services.invitation_create(user=invited_user(), invited_by=None)
    delay.assert_called_once_with(invitation_ids=[invitation.pk])


def test_sending_twice_emails_once():
    invitation = Invitation.objects.create(user=invited_user())
    assert services.invitation_send(invitation_id=invitation.pk, now=NOW) is not None
    assert services.invitation_send(invitation_id=invitation.pk, now=NOW) is None
    assert len(mail.outbox) == 1


def test_a_failed_send_leaves_the_invitation_unsent_for_a_retry():
    invitation = Invitation.objects.create(user=invited_user())
    with (
        mock.patch(
            "accounts.emails.EmailMultiAlternatives.send", side_effect=SMTPServerDisconnected
        ),
        pytest.raises(SMTPServerDisconnected),
    ):
        tasks.send_invitations(invitation_ids=[invitation.pk])
    invitation.refresh_from_db()
    assert invitation.sent_at is None and invitation.token_hash == ""
    services.invitation_send(invitation_id=invitation.pk, now=NOW)
    assert len(mail.outbox) == 1


def test_only_a_hash_of_the_token_is_stored():
    invitation = Invitation.objects.create(user=invited_user())
    services.invitation_send(invitation_id=invitation.pk, now=NOW)
    token = token_from(mail.outbox[0])
    invitation.refresh_from_db()
    assert token not in invitation.token_hash
    assert services.invitation_for_token(token=token, now=NOW) == invitation


def test_expired_or_unknown_tokens_find_nothing():
    invitation = Invitation.objects.create(user=invited_user())
    services.invitation_send(invitation_id=invitation.pk, now=NOW)
    token = token_from(mail.outbox[0])
    assert services.invitation_for_token(token=token, now=NOW + timedelta(days=15)) is None
    assert services.invitation_for_token(token="nope", now=NOW) is None
    assert services.invitation_for_token(token="", now=NOW) is None


def test_accepting_sets_the_password_and_the_link_works_once():
    invitation = Invitation.objects.create(user=invited_user())
    services.invitation_send(invitation_id=invitation.pk, now=NOW)
    token = token_from(mail.outbox[0])
    user = services.invitation_accept(
        invitation=invitation, password="a-brand-new-passphrase", name="Vi", now=NOW
    )
    assert user.check_password("a-brand-new-passphrase") and user.name == "Vi"
    assert services.invitation_for_token(token=token, now=NOW) is None
    with pytest.raises(services.AccountError):
        services.invitation_accept(invitation=invitation, password="x" * 20, name="", now=NOW)


def test_resending_replaces_the_old_link():
    user = invited_user()
    invitation = Invitation.objects.create(user=user)
    services.invitation_send(invitation_id=invitation.pk, now=NOW)
    old_token = token_from(mail.outbox[0])
    services.invitation_create(user=user, invited_by=None)
    services.invitation_send(invitation_id=invitation.pk, now=NOW)
    assert Invitation.objects.count() == 1
    assert services.invitation_for_token(token=old_token, now=NOW) is None
    assert services.invitation_for_token(token=token_from(mail.outbox[1]), now=NOW)


def test_people_with_a_password_are_not_invited():
    with pytest.raises(services.AccountError, match="already set a password"):
        services.invitation_create(user=UserFactory(), invited_by=None)


def test_profile_update_saves_profile_and_ranked_interests():
    user = UserFactory()
    education, policy = (CareerArea.objects.get(slug=s) for s in ("education", "policy"))
    profile = services.profile_update(
        user=user,
        name="New Name",
        timezone="Europe/London",
        stage="postdoc",
        program_year=3,
        discipline=None,
        department="Chemistry",
        lab_or_pi="Smith lab",
        career_areas=[policy, education],
        availability_slots=["mon-evening", "fri-morning"],
        wants_multiple_groups=True,
    )
    user.refresh_from_db()
    assert (user.name, user.timezone) == ("New Name", "Europe/London")
    assert [i.career_area for i in profile.interests.order_by("rank")] == [policy, education]
    assert profile.availability_slots == ["mon-evening", "fri-morning"]


def test_profile_update_replaces_earlier_interests():
    profile = TraineeProfileFactory(interests=list(CareerArea.objects.all()[:3]))
    business = CareerArea.objects.get(slug="business")
    services.profile_update(
        user=profile.user,
        name="N",
        timezone="UTC",
        stage="phd_student",
        program_year=None,
        discipline=None,
        department="",
        lab_or_pi="",
        career_areas=[business],
        availability_slots=[],
        wants_multiple_groups=False,
    )
    assert [i.career_area for i in profile.interests.all()] == [business]
