"""The meeting log page: reviews of the goals due, attendance, notes, flags and absence updates."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import GoalReview, GoalStatus, Visibility
from meetings.models import Attendance, MeetingStatus, OfficeFlag
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_meeting(group, facilitator, member):
    return MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))


@pytest.fixture
def meeting(group, facilitator, member):
    return MeetingFactory(group=group)


def log_data(meeting, **overrides) -> dict:
    members = meeting.group.memberships.filter(status="active", role="member")
    data = {f"attendance_{m.user_id}": "present" for m in members}
    data.update(summary="", private_notes="", flag_kind="", flag_member="", flag_note="")
    data.update(overrides)
    return data


def test_the_log_shows_each_members_goals_due_at_the_meeting(
    client, group, facilitator, member, past_meeting
):
    due = GoalFactory(owner=member, group=group, due_meeting=past_meeting, title="Call an editor")
    GoalFactory(owner=member, group=group, due_meeting=MeetingFactory(group=group), title="Later")
    GoalFactory(
        owner=member,
        group=group,
        due_meeting=past_meeting,
        visibility=Visibility.PRIVATE,
        title="Secret plan",
    )
    client.force_login(facilitator)
    response = client.get(reverse("meetings:meeting_log", args=[past_meeting.pk]))
    page = response.content.decode()
    assert "Mia Member: Call an editor" in page
    assert f'name="goal_{due.pk}_outcome"' in page
    assert "Later" not in page and "Secret plan" not in page


def test_saving_the_log_reviews_goals_and_marks_the_meeting_held(
    client, group, facilitator, member, past_meeting
):
    other = MembershipFactory(group=group, user__name="Omar Other").user
    goal = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    client.force_login(facilitator)
    data = log_data(
        past_meeting,
        **{
            f"attendance_{other.pk}": "absent",
            f"goal_{goal.pk}_outcome": "partly",
            f"goal_{goal.pk}_learned": "Editors reply slowly",
            f"goal_{goal.pk}_blocker": "time",
            "summary": "Shared two postings",
            "private_notes": "Omar was quiet",
            "flag_kind": "stalled",
            "flag_member": str(other.pk),
            "flag_note": "Third absence",
        },
    )
    response = client.post(reverse("meetings:meeting_log", args=[past_meeting.pk]), data)
    assert response.status_code == 302 and response["Location"] == past_meeting.get_absolute_url()
    past_meeting.refresh_from_db()
    goal.refresh_from_db()
    assert (
        past_meeting.status == MeetingStatus.HELD and past_meeting.summary == "Shared two postings"
    )
    assert goal.status == GoalStatus.PARTLY
    assert GoalReview.objects.get().learned == "Editors reply slowly"
    assert Attendance.objects.get(user=other).status == "absent"
    assert OfficeFlag.objects.get().member == other
    held_at = past_meeting.held_at
    # The log can be corrected; the meeting stays held from the first save.
    client.post(reverse("meetings:meeting_log", args=[past_meeting.pk]), data)
    past_meeting.refresh_from_db()
    assert past_meeting.held_at == held_at


def test_staff_may_log_a_meeting(client, staff, member, past_meeting):
    client.force_login(staff)
    response = client.post(
        reverse("meetings:meeting_log", args=[past_meeting.pk]), log_data(past_meeting)
    )
    assert response.status_code == 302
    past_meeting.refresh_from_db()
    assert past_meeting.is_held


def test_a_future_meeting_cannot_be_logged_yet(client, facilitator, meeting):
    client.force_login(facilitator)
    response = client.post(reverse("meetings:meeting_log", args=[meeting.pk]), log_data(meeting))
    assert response.status_code == 200 and b"once it has started" in response.content
    meeting.refresh_from_db()
    assert meeting.is_scheduled


def test_a_cancelled_meeting_has_no_log_page(client, facilitator, past_meeting):
    past_meeting.status, past_meeting.cancelled_at = MeetingStatus.CANCELLED, timezone.now()
    past_meeting.save()
    client.force_login(facilitator)
    assert client.get(reverse("meetings:meeting_log", args=[past_meeting.pk])).status_code == 404


@pytest.mark.parametrize(
    "bad",
    [
        {"attendance_MEMBER": "late"},
        {"attendance_MEMBER": ""},
        {"goal_GOAL_outcome": "finished"},
        {"goal_GOAL_blocker": "weather"},
        {"flag_note": "Please call her", "flag_kind": ""},
        {"flag_kind": "gossip"},
        {"flag_kind": "other", "flag_member": "999999"},
        {"flag_kind": "other", "flag_member": "abc"},
    ],
)
def test_bad_log_input_is_a_form_error(client, group, facilitator, member, past_meeting, bad):
    goal = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    data = log_data(past_meeting)
    for key, value in bad.items():
        data[key.replace("MEMBER", str(member.pk)).replace("GOAL", str(goal.pk))] = value
    client.force_login(facilitator)
    response = client.post(reverse("meetings:meeting_log", args=[past_meeting.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    past_meeting.refresh_from_db()
    goal.refresh_from_db()
    assert past_meeting.is_scheduled and goal.status == GoalStatus.ACTIVE
    assert not OfficeFlag.objects.exists() and not Attendance.objects.exists()


def test_an_absent_member_posts_an_update_the_group_reads(
    client, group, facilitator, member, past_meeting
):
    other = MembershipFactory(group=group).user
    client.force_login(facilitator)
    client.post(
        reverse("meetings:meeting_log", args=[past_meeting.pk]),
        log_data(past_meeting, **{f"attendance_{member.pk}": "excused"}),
    )
    client.force_login(member)
    page = client.get(past_meeting.get_absolute_url()).content.decode()
    assert "You missed this meeting" in page
    update = reverse("meetings:attendance_post_update", args=[past_meeting.pk])
    assert client.post(update, {"text": "I sent three emails"}).status_code == 302
    client.force_login(other)
    page = client.get(past_meeting.get_absolute_url()).content.decode()
    assert "I sent three emails" in page and "You missed this meeting" not in page
    # Someone who was there has nothing to post.
    client.post(update, {"text": "Me too"})
    assert not Attendance.objects.filter(user=other).exclude(async_update="").exists()
