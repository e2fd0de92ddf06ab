"""Meeting pages: who may open what, scheduling in local time, bad input, query budgets."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import GoalReview, Visibility
from groups.models import GroupStatus, MembershipRole
from meetings.models import Attendance, Meeting, MeetingStatus, OfficeFlag
from notifications.models import Notification
from peergroups.templatetags.peergroups_tags import when
from tests.factories import (
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    PeerGroupFactory,
)

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def outsider(outsider):
    """The persona as a trainee of another group, with a meeting and a goal of their own there."""
    elsewhere = MembershipFactory(user=outsider, group=PeerGroupFactory(status=GroupStatus.ACTIVE))
    MeetingFactory(group=elsewhere.group)
    return outsider


@pytest.fixture
def meeting(group, facilitator, member):
    return MeetingFactory(group=group)


@pytest.fixture
def past_meeting(group, facilitator, member):
    return MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))


def as_persona(client, request, persona: str):
    """Sign in as a persona fixture by name; 'anon' stays signed out."""
    if persona == "anon":
        return None
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def no_writes(queries) -> bool:
    return not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def schedule_data(**overrides) -> dict:
    return {
        "date": "2027-01-19",
        "time": "18:00",
        "duration_minutes": "90",
        "place": "Library room 2",
        "video_link": "",
        "agenda": "",
        **overrides,
    }


# Access matrix ---------------------------------------------------------------------------------
# `group` is active (not open for joining): only its people and the office may see its meetings.

SEE = {"anon": 302, "outsider": 404, "member": 200, "facilitator": 200, "staff": 200}
MANAGE = {"anon": 302, "outsider": 404, "member": 403, "facilitator": 200, "staff": 200}
PAGES = {
    # name: (object the URL is about, who gets what on GET)
    "meeting_schedule": ("group", MANAGE),
    "meeting_detail": ("meeting", SEE),
    "meeting_update": ("meeting", MANAGE),
    "meeting_cancel": ("meeting", MANAGE),
    "meeting_log": ("past_meeting", MANAGE),
    "meeting_ics": ("meeting", SEE),
}
MATRIX = [
    (name, persona, status) for name, (_, s) in PAGES.items() for persona, status in s.items()
]


def page_url(request, name: str) -> str:
    target = request.getfixturevalue(PAGES[name][0])
    return reverse(f"meetings:{name}", args=[target.pk])


@pytest.mark.parametrize(("name", "persona", "status"), MATRIX)
def test_every_meeting_page_answers_each_persona(client, request, name, persona, status):
    url = page_url(request, name)
    as_persona(client, request, persona)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/accounts/login/?next={url}"
    assert no_writes(queries), "a GET wrote to the database"


def test_a_facilitator_of_another_group_gets_404(client, meeting, past_meeting):
    other = MembershipFactory(
        group=PeerGroupFactory(status=GroupStatus.ACTIVE), role=MembershipRole.FACILITATOR
    ).user
    client.force_login(other)
    for name, target in [
        ("meeting_detail", meeting),
        ("meeting_update", meeting),
        ("meeting_cancel", meeting),
        ("meeting_log", past_meeting),
        ("meeting_ics", meeting),
        ("meeting_schedule", meeting.group),
    ]:
        assert client.get(reverse(f"meetings:{name}", args=[target.pk])).status_code == 404


def test_a_peer_leader_may_not_log_a_meeting(client, group, past_meeting):
    leader = MembershipFactory(group=group, role=MembershipRole.PEER_LEADER).user
    client.force_login(leader)
    assert client.get(reverse("meetings:meeting_log", args=[past_meeting.pk])).status_code == 403


@pytest.mark.parametrize("status", ["left", "waitlisted"])
def test_only_active_members_see_the_groups_meetings(client, group, meeting, status):
    client.force_login(MembershipFactory(group=group, status=status).user)
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:meeting_ics", args=[meeting.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("meeting_schedule", "group"),
        ("meeting_update", "meeting"),
        ("meeting_cancel", "meeting"),
        ("meeting_log", "past_meeting"),
        ("attendance_post_update", "past_meeting"),
    ],
)
@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("anon", 302)])
def test_posts_from_outside_the_group_change_nothing(
    client, request, name, target, persona, status
):
    obj = request.getfixturevalue(target)
    as_persona(client, request, persona)
    before = list(Meeting.objects.values())
    response = client.post(
        reverse(f"meetings:{name}", args=[obj.pk]), {**schedule_data(), "text": "Hi"}
    )
    assert response.status_code == status
    assert list(Meeting.objects.values()) == before and not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("meeting_schedule", "group"),
        ("meeting_update", "meeting"),
        ("meeting_cancel", "meeting"),
        ("meeting_log", "past_meeting"),
    ],
)
def test_a_member_posting_to_a_facilitators_page_gets_403(client, member, request, name, target):
    obj = request.getfixturevalue(target)
    client.force_login(member)
    before = list(Meeting.objects.values())
    response = client.post(reverse(f"meetings:{name}", args=[obj.pk]), schedule_data())
    assert response.status_code == 403
    assert list(Meeting.objects.values()) == before


def test_post_only_and_get_only_endpoints_refuse_the_other_method(client, member, past_meeting):
    client.force_login(member)
    update = reverse("meetings:attendance_post_update", args=[past_meeting.pk])
    assert client.get(update).status_code == 405
    assert client.post(past_meeting.get_absolute_url()).status_code == 405
    assert client.post(reverse("meetings:meeting_ics", args=[past_meeting.pk])).status_code == 405
    assert client.put(reverse("meetings:meeting_log", args=[past_meeting.pk])).status_code == 405


# Scheduling, changing, cancelling ----------------------------------------------------------------


def test_a_facilitator_schedules_a_meeting_and_the_group_is_told(
    client, group, facilitator, member
):
    client.force_login(facilitator)
    response = client.post(
        reverse("meetings:meeting_schedule", args=[group.pk]), schedule_data(time="17:30")
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.starts_at == datetime(2027, 1, 19, 17, 30, tzinfo=UTC)
    assert meeting.place == "Library room 2" and "Goal review round" in meeting.agenda
    assert list(Notification.objects.values_list("recipient", flat=True)) == [member.pk]


def test_the_schedule_form_is_prefilled_from_the_group(client, group, facilitator):
    group.meeting_place = "Career centre, room 4"
    group.save()
    client.force_login(facilitator)
    page = client.get(reverse("meetings:meeting_schedule", args=[group.pk])).content.decode()
    assert "Career centre, room 4" in page and 'value="17:30"' in page


def test_a_facilitator_reschedules_and_cancels(client, facilitator, member, meeting):
    client.force_login(facilitator)
    edit = reverse("meetings:meeting_update", args=[meeting.pk])
    assert client.post(edit, schedule_data(time="19:00")).status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2027, 1, 19, 19, 0, tzinfo=UTC) and meeting.sequence == 1
    cancel = reverse("meetings:meeting_cancel", args=[meeting.pk])
    assert client.post(cancel).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert Notification.objects.filter(recipient=member).count() == 2


def test_changing_a_held_meeting_is_a_form_error(client, facilitator, past_meeting):
    past_meeting.status, past_meeting.held_at = MeetingStatus.HELD, timezone.now()
    past_meeting.save()
    client.force_login(facilitator)
    response = client.post(
        reverse("meetings:meeting_update", args=[past_meeting.pk]), schedule_data()
    )
    assert response.status_code == 200 and b"Only a scheduled meeting" in response.content
    response = client.post(reverse("meetings:meeting_cancel", args=[past_meeting.pk]))
    assert response.status_code == 302
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.HELD


def test_a_closed_group_cannot_schedule(client, group, facilitator):
    group.status = GroupStatus.CLOSED
    group.save()
    client.force_login(facilitator)
    response = client.post(reverse("meetings:meeting_schedule", args=[group.pk]), schedule_data())
    assert response.status_code == 200 and b"open or active group" in response.content
    assert not Meeting.objects.exists()


# Timezones ----------------------------------------------------------------------------------


def test_a_new_york_evening_is_late_evening_for_a_viewer_in_london(
    client, group, facilitator, member
):
    facilitator.timezone = "America/New_York"
    facilitator.save()
    member.timezone = "Europe/London"
    member.save()
    client.force_login(facilitator)
    client.post(reverse("meetings:meeting_schedule", args=[group.pk]), schedule_data())
    meeting = Meeting.objects.get()
    assert meeting.starts_at == datetime(2027, 1, 19, 23, 0, tzinfo=UTC)
    # (The year shows only when it is not the current one.)
    own = client.get(meeting.get_absolute_url()).content.decode()
    assert re.search(r"Tue 19 Jan( 2027)?, 18:00 \(", own)
    # The edit form shows the facilitator's own wall-clock time back.
    edit = client.get(reverse("meetings:meeting_update", args=[meeting.pk])).content.decode()
    assert 'value="18:00"' in edit and 'value="2027-01-19"' in edit
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert re.search(r"Tue 19 Jan( 2027)?, 23:00 \(", page) and "18:00" not in page


@pytest.mark.parametrize(
    ("shift", "relative"),
    [
        (timedelta(0), "(today)"),
        (timedelta(days=1), "(tomorrow)"),
        (timedelta(days=-1), "(yesterday)"),
        (timedelta(days=5), "(in 5 days)"),
        (timedelta(days=-3), "(3 days ago)"),
    ],
)
def test_times_read_in_the_viewers_timezone_with_a_relative_day(shift, relative):
    london = ZoneInfo("Europe/London")
    with timezone.override(london):
        value = timezone.localtime().replace(hour=12, minute=5) + shift
        shown = when(value)
    assert shown.endswith(f", 12:05 {relative}")
    assert shown.startswith(f"{value:%a} {value.day} {value:%b}")


def test_a_time_in_another_year_shows_the_year_and_none_shows_nothing():
    with timezone.override(ZoneInfo("America/New_York")):
        shown = when(datetime(2099, 1, 15, 23, 0, tzinfo=UTC))
    assert shown.startswith("Thu 15 Jan 2099, 18:00 (in ") and when(None) == ""


@pytest.mark.parametrize(
    ("day", "at", "words"),
    [
        ("2027-03-14", "02:30", b"does not exist"),
        ("2027-11-07", "01:30", b"happens twice"),
    ],
)
def test_skipped_and_repeated_local_times_are_form_errors(
    client, group, facilitator, meeting, day, at, words
):
    facilitator.timezone = "America/New_York"
    facilitator.save()
    client.force_login(facilitator)
    before = list(Meeting.objects.values())
    for url in (
        reverse("meetings:meeting_schedule", args=[group.pk]),
        reverse("meetings:meeting_update", args=[meeting.pk]),
    ):
        response = client.post(url, schedule_data(date=day, time=at))
        assert response.status_code == 200 and words in response.content
        assert b"America/New_York" in response.content
    assert list(Meeting.objects.values()) == before


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"date": "2027-02-30"},
        {"date": "next tuesday"},
        {"date": ""},
        {"date": "9999-12-31", "time": "23:59"},
        {"date": "0001-01-01", "time": "00:00"},
        {"date": "1999-12-31"},
        {"date": (timezone.localdate() + timedelta(days=800)).isoformat()},
        {"time": "25:00"},
        {"duration_minutes": "10"},
        {"duration_minutes": "241"},
        {"duration_minutes": "ninety"},
        {"video_link": "not a link at all"},
        {"place": "x" * 201},
    ],
)
def test_bad_meeting_input_is_a_form_error(client, group, facilitator, meeting, bad):
    # East of UTC, so a time on the calendar's first day would fall before it in UTC.
    facilitator.timezone = "Asia/Tokyo"
    facilitator.save()
    client.force_login(facilitator)
    before = list(Meeting.objects.values())
    for url in (
        reverse("meetings:meeting_schedule", args=[group.pk]),
        reverse("meetings:meeting_update", args=[meeting.pk]),
    ):
        response = client.post(url, schedule_data(**bad))
        assert response.status_code == 200
        assert response.context["form"].errors
    assert list(Meeting.objects.values()) == before


# Query budgets ----------------------------------------------------------------------------------


def populate(group, meeting, members: int) -> None:
    """`members` more members, each with shared and private goals due, a review, an absence
    with an update and a flag; and as many other meetings of the group."""
    now = timezone.now()
    for n in range(members):
        user = MembershipFactory(group=group).user
        shared = GoalFactory(owner=user, group=group, due_meeting=meeting)
        GoalFactory(owner=user, group=group, due_meeting=meeting, visibility=Visibility.PRIVATE)
        GoalReview.objects.create(goal=shared, meeting=meeting, outcome="partly", learned="L")
        Attendance.objects.create(
            meeting=meeting, user=user, status="absent", async_update=f"Update {n}"
        )
        OfficeFlag.objects.create(meeting=meeting, group=group, member=user, kind="stalled")
        MeetingFactory(group=group, starts_at=now + timedelta(days=30 + n))
    meeting.status, meeting.held_at = MeetingStatus.HELD, now
    meeting.save()


@pytest.mark.parametrize("members", [1, 7])
def test_meeting_page_query_budget(
    client, group, member, past_meeting, members, django_assert_num_queries
):
    populate(group, past_meeting, members)
    client.force_login(member)
    # session, user, meeting (+group, cohort; visibility), facilitator check, members (+users),
    # attendance (+users), goals due (+owners), reviews
    with django_assert_num_queries(8):
        response = client.get(past_meeting.get_absolute_url())
    assert len(response.context["goal_rows"]) == members
    assert len(response.context["updates"]) == members


@pytest.mark.parametrize("members", [1, 7])
def test_meeting_page_query_budget_for_staff(
    client, group, staff, past_meeting, members, django_assert_num_queries
):
    populate(group, past_meeting, members)
    client.force_login(staff)
    # session, user, meeting (+group, cohort), members (+users), attendance (+users),
    # goals due (+owners), reviews, office flags (+members)
    with django_assert_num_queries(8):
        response = client.get(past_meeting.get_absolute_url())
    assert len(response.context["goal_rows"]) == 2 * members
    assert len(response.context["flags"]) == members


@pytest.mark.parametrize("members", [1, 7])
def test_meeting_log_query_budget(
    client, group, facilitator, past_meeting, members, django_assert_num_queries
):
    populate(group, past_meeting, members)
    client.force_login(facilitator)
    # session, user, meeting (+group, cohort; visibility), facilitator check, members (+users),
    # goals due (+owners), attendance, reviews
    with django_assert_num_queries(8):
        response = client.get(reverse("meetings:meeting_log", args=[past_meeting.pk]))
    assert len(response.context["form"].goals) == members
