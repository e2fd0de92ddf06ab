"""Who reads what about a meeting: summaries for the group, notes for facilitators, flags for the
office, and private goals for their owners alone (staff see that one exists and its status)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import GoalReview, GoalStatus, Visibility
from meetings import services
from meetings.models import Attendance, MeetingStatus, OfficeFlag
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SECRETS = [
    "Omar private goal",
    "Omar private lesson",
    "Facilitator private note",
    "Flag for office",
]


@pytest.fixture
def omar(group):
    return MembershipFactory(group=group, user__name="Omar Other").user


@pytest.fixture
def held(group, facilitator, member, omar):
    """A held meeting with a summary, a private note, an office flag and goals of each kind."""
    now = timezone.now()
    meeting = MeetingFactory(
        group=group,
        starts_at=now - timedelta(days=1),
        status=MeetingStatus.HELD,
        summary="Group summary text",
        private_notes="Facilitator private note",
    )
    OfficeFlag.objects.create(
        meeting=meeting, group=group, member=omar, kind="distress", note="Flag for office"
    )
    GoalFactory(owner=member, group=group, due_meeting=meeting, title="Mia shared goal")
    GoalFactory(
        owner=member,
        group=group,
        due_meeting=meeting,
        title="Mia private goal",
        visibility=Visibility.PRIVATE,
    )
    secret = GoalFactory(
        owner=omar,
        group=group,
        due_meeting=meeting,
        title="Omar private goal",
        visibility=Visibility.PRIVATE,
        status=GoalStatus.DROPPED,
    )
    # However a review of a private goal came about, its lesson stays with its owner.
    GoalReview.objects.create(
        goal=secret, meeting=meeting, outcome="dropped", learned="Omar private lesson"
    )
    Attendance.objects.create(meeting=meeting, user=member, status="present")
    Attendance.objects.create(meeting=meeting, user=omar, status="absent")
    return meeting


def page_for(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_reads_the_summary_and_their_own_goals_only(client, member, held):
    page = page_for(client, member, held.get_absolute_url())
    assert "Group summary text" in page
    assert "Mia shared goal" in page and "Mia private goal" in page
    for secret in SECRETS:
        assert secret not in page
    # Not even a trace that Omar has a private goal, nor what happened to it.
    assert "A private goal" not in page and "Dropped" not in page
    assert "Office flags" not in page and "Member in distress" not in page


def test_another_member_does_not_see_my_private_goal(client, omar, held):
    page = page_for(client, omar, held.get_absolute_url())
    assert "Mia shared goal" in page and "Omar private goal" in page
    assert "Mia private goal" not in page and "A private goal" not in page


def test_a_facilitator_reads_private_notes_but_not_flags_or_private_goals(
    client, facilitator, held
):
    page = page_for(client, facilitator, held.get_absolute_url())
    assert "Facilitator private note" in page and "Mia shared goal" in page
    for secret in ["Omar private goal", "Omar private lesson", "Flag for office", "Mia private"]:
        assert secret not in page
    assert "A private goal" not in page


def test_staff_see_a_private_goal_exists_and_its_status_but_not_its_text(client, staff, held):
    page = page_for(client, staff, held.get_absolute_url())
    assert "Facilitator private note" in page and "Flag for office" in page
    assert page.count("A private goal") == 2 and "Dropped" in page
    for text in ["Omar private goal", "Omar private lesson", "Mia private goal"]:
        assert text not in page


def test_the_log_page_holds_no_private_goal_and_no_earlier_flag(client, facilitator, held):
    page = page_for(client, facilitator, reverse("meetings:meeting_log", args=[held.pk]))
    assert "Mia shared goal" in page and "Facilitator private note" in page
    for secret in ["Omar private goal", "Omar private lesson", "Flag for office", "Mia private"]:
        assert secret not in page


@pytest.mark.parametrize("persona", ["member", "facilitator", "staff"])
def test_the_meeting_ics_carries_no_notes_goals_or_flags(client, request, persona, held):
    body = page_for(
        client, request.getfixturevalue(persona), reverse("meetings:meeting_ics", args=[held.pk])
    )
    for text in [*SECRETS, "Group summary text", "Mia shared goal", "Mia private goal"]:
        assert text not in body


def test_the_calendar_feed_carries_no_notes_goals_or_flags(client, member, held):
    feed = services.calendar_feed_for(member)
    body = client.get(reverse("meetings:calendar_feed", args=[feed.token])).content.decode()
    assert "BEGIN:VEVENT" in body
    for text in [*SECRETS, "Group summary text", "Mia shared goal", "Mia private goal"]:
        assert text not in body
