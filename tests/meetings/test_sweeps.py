"""Meeting sweeps: reminders before meetings, scheduling prompts for facilitators and the weekly
office digest pick exactly the right people, at the right local time, once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from groups.models import GroupStatus, MembershipRole, MembershipStatus, PeerGroup
from meetings import sweeps, tasks
from meetings.models import Attendance, AttendanceStatus, FlagKind, MeetingStatus, OfficeFlag
from notifications import services as notification_services
from notifications import sweeps as notification_sweeps
from notifications.models import Notification, NotificationKind, SweepRun
from tests.factories import (
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    PeerGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Tuesday 9 March 2027, 15:00 UTC (10:00 in New York, 23:00 in Tokyo).
NOW = datetime(2027, 3, 9, 15, 0, tzinfo=UTC)


def plan(sweep, now=NOW):
    return notification_sweeps.sweep_plan(sweep, now=now)


def recipients(rows) -> set:
    return {row.recipient for row in rows}


def run(sweep, now=NOW) -> int:
    return notification_services.sweep_run(sweep, now=now)


# Meeting reminders ----------------------------------------------------------------------------


@pytest.fixture
def people(group, facilitator, member):
    """Everyone who counts and everyone who does not, around the group persona."""
    return {
        "facilitator": facilitator,
        "member": member,
        "peer_leader": MembershipFactory(group=group, role=MembershipRole.PEER_LEADER).user,
        "waitlisted": MembershipFactory(group=group, status=MembershipStatus.WAITLISTED).user,
        "left": MembershipFactory(group=group, status=MembershipStatus.LEFT).user,
        "deactivated": MembershipFactory(group=group, user__is_active=False).user,
        "outsider": MembershipFactory().user,
    }


def test_reminders_go_to_active_members_peer_leaders_and_facilitators(group, people):
    meeting = MeetingFactory(group=group, starts_at=NOW + timedelta(hours=30))
    rows = plan(sweeps.MEETING_REMINDERS)
    assert recipients(rows) == {people["facilitator"], people["member"], people["peer_leader"]}
    assert {row.link for row in rows} == {meeting.get_absolute_url()}
    assert {row.kind for row in rows} == {NotificationKind.MEETING_REMINDER}


@pytest.mark.parametrize(
    ("starts_in", "status", "group_status"),
    [
        (timedelta(hours=49), MeetingStatus.SCHEDULED, GroupStatus.ACTIVE),  # too far off
        (timedelta(hours=-1), MeetingStatus.SCHEDULED, GroupStatus.ACTIVE),  # started
        (timedelta(hours=30), MeetingStatus.CANCELLED, GroupStatus.ACTIVE),
        (timedelta(hours=30), MeetingStatus.SCHEDULED, GroupStatus.CLOSED),
        (timedelta(hours=30), MeetingStatus.SCHEDULED, GroupStatus.DRAFT),
    ],
)
def test_no_reminder_for_meetings_not_due(member, group, starts_in, status, group_status):
    PeerGroup.objects.filter(pk=group.pk).update(status=group_status)
    MeetingFactory(group=group, starts_at=NOW + starts_in, status=status)
    assert plan(sweeps.MEETING_REMINDERS) == []


def test_reminders_start_exactly_the_configured_hours_before(settings, member, group):
    settings.MEETING_REMINDER_HOURS = 24
    meeting = MeetingFactory(group=group, starts_at=NOW + timedelta(hours=30))
    just_before = meeting.starts_at - timedelta(hours=24, seconds=1)
    assert plan(sweeps.MEETING_REMINDERS, now=just_before) == []
    assert len(plan(sweeps.MEETING_REMINDERS, now=meeting.starts_at - timedelta(hours=24))) == 1


def test_each_person_reads_the_time_in_their_own_timezone(group, member, facilitator):
    member.timezone, facilitator.timezone = "America/New_York", "Asia/Tokyo"
    member.save()
    facilitator.save()
    MeetingFactory(group=group, starts_at=datetime(2027, 3, 10, 22, 30, tzinfo=UTC))
    rows = {row.recipient: row for row in plan(sweeps.MEETING_REMINDERS)}
    assert "Wed 10 Mar 2027, 17:30 (America/New_York)" in rows[member].body
    assert "meets Wed 10 Mar at 17:30" in rows[member].subject
    assert "Thu 11 Mar 2027, 07:30 (Asia/Tokyo)" in rows[facilitator].body
    assert "You are facilitating" in rows[facilitator].body
    assert "update your goals" in rows[member].body


def test_a_reminder_holds_the_meeting_and_nobody_elses_data(group, member, people):
    meeting = MeetingFactory(
        group=group, starts_at=NOW + timedelta(hours=30), place="Room 2", video_link=""
    )
    meeting.private_notes = "Facilitator-only note"
    meeting.save()
    other = people["peer_leader"]
    GoalFactory(owner=other, group=group, due_meeting=meeting, title="Other person's goal")
    (row,) = [r for r in plan(sweeps.MEETING_REMINDERS) if r.recipient == member]
    text = row.subject + row.body
    assert "Room 2" in text
    for secret in [other.name, other.email, "Other person's goal", "Facilitator-only note"]:
        assert secret not in text


def test_reminders_are_created_once_and_a_moved_meeting_is_reminded_again(group, member):
    meeting = MeetingFactory(group=group, starts_at=NOW + timedelta(hours=30))
    assert run(sweeps.MEETING_REMINDERS) == 1
    assert run(sweeps.MEETING_REMINDERS, now=NOW + timedelta(minutes=15)) == 0
    meeting.place = "Another room"  # not a new time: no new reminder
    meeting.save()
    assert run(sweeps.MEETING_REMINDERS, now=NOW + timedelta(minutes=30)) == 0
    meeting.starts_at += timedelta(days=1)
    meeting.ends_at += timedelta(days=1)
    meeting.save()
    assert run(sweeps.MEETING_REMINDERS, now=NOW + timedelta(hours=7)) == 1
    assert member.notifications.count() == 2


def test_planning_takes_a_fixed_number_of_queries(group, django_assert_num_queries):
    for _ in range(3):
        meeting = MeetingFactory(group=group, starts_at=NOW + timedelta(hours=30))
        MembershipFactory.create_batch(2, group=meeting.group)
        other = MeetingFactory(starts_at=NOW + timedelta(hours=20))
        MembershipFactory.create_batch(2, group=other.group)
    # meetings, memberships with their people, existing keys
    with django_assert_num_queries(3):
        assert len(plan(sweeps.MEETING_REMINDERS)) == 3 * 6 + 3 * 2


# Scheduling prompts ---------------------------------------------------------------------------


def met(group, days_ago: float, status=MeetingStatus.HELD):
    return MeetingFactory(group=group, starts_at=NOW - timedelta(days=days_ago), status=status)


def test_facilitators_of_a_group_that_stopped_meeting_are_asked_to_book_one(
    group, facilitator, member
):
    met(group, days_ago=40)
    (row,) = plan(sweeps.SCHEDULING_PROMPTS)
    assert row.recipient == facilitator and row.kind == NotificationKind.SCHEDULING_PROMPT
    assert row.link == f"/groups/{group.pk}/meetings/new/"
    assert "last met on Thu 28 Jan 2027" in row.body


@pytest.mark.parametrize(
    "situation",
    ["met_recently", "meeting_booked", "draft", "closed", "only_cancelled_recently"],
)
def test_no_prompt_when_the_group_is_on_track_or_not_running(group, facilitator, situation):
    met(group, days_ago=40)
    if situation == "met_recently":
        met(group, days_ago=20)
    elif situation == "meeting_booked":
        MeetingFactory(group=group, starts_at=NOW + timedelta(days=50))
    elif situation in ("draft", "closed"):
        PeerGroup.objects.filter(pk=group.pk).update(status=situation)
    if situation == "only_cancelled_recently":
        met(group, days_ago=10, status=MeetingStatus.CANCELLED)
        assert len(plan(sweeps.SCHEDULING_PROMPTS)) == 1  # a cancelled meeting is no meeting
    else:
        assert plan(sweeps.SCHEDULING_PROMPTS) == []


def test_a_past_meeting_nobody_logged_still_counts_as_met(group, facilitator):
    met(group, days_ago=10, status=MeetingStatus.SCHEDULED)
    assert plan(sweeps.SCHEDULING_PROMPTS) == []


def test_the_prompt_comes_at_nine_local_on_the_31st_day_then_every_31_days(group, facilitator):
    facilitator.timezone = "America/New_York"
    facilitator.save()
    # Last met Sat 6 Feb 2027 at 18:00 New York time: due Tue 9 Mar (31 days on), 09:00 EST.
    MeetingFactory(
        group=group, starts_at=datetime(2027, 2, 6, 23, 0, tzinfo=UTC), status=MeetingStatus.HELD
    )
    nine = datetime(2027, 3, 9, 14, 0, tzinfo=UTC)
    assert run(sweeps.SCHEDULING_PROMPTS, now=nine - timedelta(minutes=15)) == 0
    assert run(sweeps.SCHEDULING_PROMPTS, now=nine) == 1
    for day in range(1, 31):  # every day until the next cycle: nothing new
        assert run(sweeps.SCHEDULING_PROMPTS, now=nine + timedelta(days=day)) == 0
    # 9 Apr is 31 days on, and after the clocks changed: 09:00 EDT is 13:00 UTC.
    assert run(sweeps.SCHEDULING_PROMPTS, now=datetime(2027, 4, 9, 12, 45, tzinfo=UTC)) == 0
    assert run(sweeps.SCHEDULING_PROMPTS, now=datetime(2027, 4, 9, 13, 0, tzinfo=UTC)) == 1


def test_a_group_that_never_met_is_asked_for_its_first_meeting(group, facilitator, member):
    # Open groups (still taking members) meet too.
    PeerGroup.objects.filter(pk=group.pk).update(
        created_at=NOW - timedelta(days=2), status=GroupStatus.OPEN
    )
    (row,) = plan(sweeps.SCHEDULING_PROMPTS)
    assert row.recipient == facilitator and "first meeting" in row.body


def test_only_active_facilitators_are_prompted(group, facilitator):
    met(group, days_ago=40)
    MembershipFactory(group=group, role=MembershipRole.FACILITATOR, status=MembershipStatus.LEFT)
    MembershipFactory(group=group, role=MembershipRole.FACILITATOR, user__is_active=False)
    assert recipients(plan(sweeps.SCHEDULING_PROMPTS)) == {facilitator}


# Office digest --------------------------------------------------------------------------------

MONDAY_NINE_UTC = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def office(db):
    return [UserFactory(is_staff=True), UserFactory(is_staff=True, timezone="America/New_York")]


def test_the_digest_goes_to_active_staff_from_monday_nine_their_time(office, member):
    UserFactory(is_staff=True, is_active=False)
    london, new_york = office
    assert plan(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC - timedelta(minutes=1)) == []
    assert recipients(plan(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC)) == {london}
    # 09:00 in New York is 14:00 UTC (EST).
    assert recipients(plan(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(hours=5))) == {
        london,
        new_york,
    }


def test_the_digest_is_sent_once_a_week(office):
    assert run(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(hours=5)) == 2
    for hours in range(6, 24 * 7 - 9, 6):  # the rest of the week
        assert run(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(hours=hours)) == 0
    assert run(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(days=7, hours=5)) == 2


def test_a_missed_monday_is_caught_up_later_that_week(office):
    assert len(plan(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(days=3))) == 2


def test_the_digest_names_groups_and_counts_people_without_naming_them(office, group, member):
    small = PeerGroupFactory(name="Policy B", status=GroupStatus.OPEN)
    MembershipFactory(group=small)
    met(group, days_ago=45)  # Data Science Group: off track (and under-size, with one member)
    recent = MeetingFactory(
        group=group, starts_at=NOW - timedelta(days=40), status=MeetingStatus.HELD
    )
    Attendance.objects.create(meeting=recent, user=member, status=AttendanceStatus.ABSENT)
    Attendance.objects.create(
        meeting=group.meetings.order_by("starts_at").first(),
        user=member,
        status=AttendanceStatus.ABSENT,
    )
    OfficeFlag.objects.create(
        group=small, member=small.memberships.get().user, kind=FlagKind.DISTRESS, note="Private"
    )
    (row, _second) = plan(sweeps.OFFICE_DIGEST, now=NOW)
    assert "Off track (no meeting held in 31 days, or none booked): 2" in row.body
    assert "- Data Science Group (Cohort" in row.body
    assert "last met 28 Jan 2027, no meeting booked" in row.body
    assert "- Policy B (Cohort" in row.body and "has not met yet, no meeting booked" in row.body
    assert "Under-size: 2" in row.body and "Policy B" in row.body
    assert "1 of at least 5 members" in row.body
    assert "Trainees who may need attention: 2" in row.body
    assert "2 off track, 2 under-size, 2 need attention" in row.subject
    for secret in [member.name, member.email, small.memberships.get().user.name, "Private"]:
        assert secret not in row.body
    assert row.link == "/admin/"


def test_the_summary_is_only_built_when_a_digest_is_due(office, django_assert_num_queries):
    run(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(hours=5))
    # staff, existing keys
    with django_assert_num_queries(2):
        assert plan(sweeps.OFFICE_DIGEST, now=MONDAY_NINE_UTC + timedelta(hours=6)) == []


# Tasks ----------------------------------------------------------------------------------------


def test_the_tasks_run_their_sweep_now_and_record_it(group, member):
    MeetingFactory(group=group, starts_at=timezone.now() + timedelta(hours=3))
    assert tasks.send_meeting_reminders() == 1
    assert tasks.send_scheduling_prompts() == 0
    tasks.send_office_digest()
    assert set(SweepRun.objects.values_list("name", flat=True)) == {
        "meeting_reminders",
        "scheduling_prompts",
        "office_digest",
    }


def test_running_every_meeting_sweep_twice_creates_and_emails_each_reminder_once(
    group, member, facilitator, office
):
    now = timezone.now()
    MeetingFactory(group=group, starts_at=now + timedelta(hours=3))
    for _round in range(2):
        for sweep in sweeps.SWEEPS:
            run(sweep, now=now)
        notification_services.notifications_email_pending(now=now, per_minute=0)
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) >= 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Notification.objects.values_list("recipient__email", flat=True)
    )
