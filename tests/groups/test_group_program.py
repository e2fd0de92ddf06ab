"""The group page's meetings, goals and wins, and the home page's next steps."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import Visibility
from groups.models import GroupStatus
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(group, member, facilitator):
    held = MeetingFactory(
        group=group,
        starts_at=timezone.now() - timedelta(days=20),
        status="held",
        summary="We compared informational interviews",
    )
    upcoming = MeetingFactory(group=group, place="Library room 3")
    GoalFactory(owner=member, group=group, title="Email two policy fellows", due_meeting=upcoming)
    GoalFactory(owner=member, group=group, title="Private worry", visibility=Visibility.PRIVATE)
    GoalFactory(
        owner=member,
        group=group,
        title="Finished my CV",
        status="done",
        shared_as_win_at=timezone.now(),
    )
    return held, upcoming


def test_members_see_next_meeting_goals_wins_and_summaries(client, group, member, program):
    client.force_login(MembershipFactory(group=group).user)
    page = client.get(group.get_absolute_url()).content.decode()
    assert (
        "Library room 3" in page and reverse("meetings:meeting_ics", args=[program[1].pk]) in page
    )
    assert "Email two policy fellows" in page
    assert "Finished my CV" in page  # a win
    assert "We compared informational interviews" in page
    assert "Private worry" not in page


def test_visitors_of_an_open_group_see_none_of_it(client, group, outsider, program):
    group.status = GroupStatus.OPEN
    group.save()
    client.force_login(outsider)
    response = client.get(group.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Email two policy fellows" not in page and "Library room 3" not in page
    assert "We compared informational interviews" not in page


def test_only_facilitators_get_the_schedule_button(client, group, member, facilitator, program):
    schedule = reverse("meetings:meeting_schedule", args=[group.pk])
    client.force_login(member)
    assert schedule not in client.get(group.get_absolute_url()).content.decode()
    client.force_login(facilitator)
    assert schedule in client.get(group.get_absolute_url()).content.decode()


def test_home_leads_with_the_next_meeting_and_goals_due(client, member, program):
    client.force_login(member)
    page = client.get("/").content.decode()
    assert program[1].get_absolute_url() in page
    assert "Email two policy fellows" in page
    assert page.index("Your next meetings") < page.index("Your groups")
