"""Meeting services: the agenda, scheduling, changes, cancelling, the log and calendar tokens."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from goals.models import GoalReview, GoalStatus, Visibility
from groups.models import Cadence, GroupStatus, MembershipRole, MembershipStatus
from meetings import services
from meetings.models import Attendance, CalendarFeed, MeetingStatus, OfficeFlag
from notifications.models import Notification, NotificationKind
from peergroups.lib.timezones import LocalTimeError, aware_local
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory, TraineeFactory

pytestmark = pytest.mark.django_db

# A Tuesday afternoon in winter; services take `now`, so nothing depends on the clock.
NOW = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def fields(starts_at=None, **overrides) -> services.MeetingFields:
    return services.MeetingFields(
        starts_at=starts_at or NOW + timedelta(days=7), duration_minutes=90, **overrides
    )


def log(meeting, by, **overrides):
    arguments = {
        "attendance": {},
        "reviews": [],
        "summary": "",
        "private_notes": "",
        "flags": [],
        "now": NOW,
    }
    return services.meeting_log_save(meeting=meeting, by=by, **{**arguments, **overrides})


@pytest.fixture
def past_meeting(group):
    return MeetingFactory(group=group, starts_at=NOW - timedelta(hours=2))


# Agenda and proposal -----------------------------------------------------------------------


def test_the_agenda_shares_the_review_minutes_among_the_members():
    four = services.agenda_default(members=4, duration_minutes=90)
    eight = services.agenda_default(members=8, duration_minutes=90)
    # 90 minutes less 38 fixed = 52 for the goal review round.
    assert "about 13 min each" in four and "(52 min)" in four
    assert "about 6 min each" in eight
    assert "about 10 min each" in services.agenda_default(members=0, duration_minutes=15)


def test_the_first_meeting_is_proposed_on_the_groups_usual_day_and_time(group):
    group.meeting_day, group.meeting_time = "tue", time(18, 0)
    group.meeting_place = "Library room 2"
    proposal = services.meeting_proposal(group=group, tz=ZoneInfo("UTC"), now=NOW)
    # Today is Tuesday the 12th: the next usual day after today is the 19th.
    assert proposal["date"] == date(2027, 1, 19) and proposal["time"] == time(18, 0)
    assert proposal["place"] == "Library room 2" and proposal["duration_minutes"] == 90


def test_the_next_meeting_is_proposed_a_cadence_after_the_last(group):
    group.cohort.cadence = Cadence.MONTHLY
    MeetingFactory(
        group=group,
        starts_at=datetime(2027, 1, 19, 23, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 20, 0, 0, tzinfo=UTC),
    )
    # The cancelled one is not "the last meeting".
    MeetingFactory(group=group, starts_at=NOW + timedelta(days=20), status=MeetingStatus.CANCELLED)
    proposal = services.meeting_proposal(group=group, tz=NEW_YORK, now=NOW)
    # 18:00 on the 19th in New York, plus four weeks, still a Tuesday; the last one was an hour.
    assert proposal["date"] == date(2027, 2, 16) and proposal["duration_minutes"] == 60
    # The agenda's review round fits that hour: 60 less 38 fixed minutes.
    assert "(22 min)" in proposal["agenda"]


def test_the_proposal_counts_days_in_the_facilitators_timezone(group):
    group.meeting_day = "wed"
    late_evening_in_new_york = datetime(2027, 1, 13, 3, 0, tzinfo=UTC)  # Tue 22:00 there
    proposal = services.meeting_proposal(group=group, tz=NEW_YORK, now=late_evening_in_new_york)
    assert proposal["date"] == date(2027, 1, 13)


# Scheduling -----------------------------------------------------------------------------------


def test_scheduling_tells_each_member_in_their_own_timezone(group, facilitator, member):
    member.timezone = "Europe/London"
    member.save()
    new_yorker = MembershipFactory(group=group, user__timezone="America/New_York").user
    MembershipFactory(group=group, status=MembershipStatus.LEFT)
    meeting = services.meeting_schedule(
        group=group,
        fields=fields(datetime(2027, 1, 19, 23, 0, tzinfo=UTC)),
        created_by=facilitator,
        now=NOW,
    )
    bodies = dict(
        Notification.objects.filter(kind=NotificationKind.MEETING_SCHEDULED).values_list(
            "recipient", "body"
        )
    )
    # The creator and the person who left are not told.
    assert set(bodies) == {member.pk, new_yorker.pk}
    assert "Tue 19 Jan 2027, 23:00 (Europe/London)" in bodies[member.pk]
    assert "Tue 19 Jan 2027, 18:00 (America/New_York)" in bodies[new_yorker.pk]
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)
    assert meeting.created_by == facilitator and meeting.status == MeetingStatus.SCHEDULED


def test_scheduling_attaches_goals_waiting_for_a_meeting(group, facilitator, member):
    waiting = GoalFactory(owner=member, group=group)
    later = GoalFactory(owner=member, group=group, due_date=date(2027, 3, 1))
    done = GoalFactory(owner=member, group=group, status=GoalStatus.DONE)
    other_group = GoalFactory(owner=member)
    meeting = services.meeting_schedule(
        group=group, fields=fields(), created_by=facilitator, now=NOW
    )
    assert list(meeting.goals_due.order_by("pk")) == [waiting]
    for goal in (later, done, other_group):
        goal.refresh_from_db()
        assert goal.due_meeting is None


def test_the_default_agenda_is_written_from_the_groups_size(group, facilitator):
    MembershipFactory.create_batch(4, group=group)
    meeting = services.meeting_schedule(
        group=group, fields=fields(), created_by=facilitator, now=NOW
    )
    assert "about 13 min each" in meeting.agenda
    own = services.meeting_schedule(
        group=group, fields=fields(agenda="Our own plan"), created_by=facilitator, now=NOW
    )
    assert own.agenda == "Our own plan"


@pytest.mark.parametrize("status", [GroupStatus.DRAFT, GroupStatus.CLOSED])
def test_only_open_or_active_groups_schedule(group, facilitator, status):
    group.status = status
    with pytest.raises(services.MeetingError):
        services.meeting_schedule(group=group, fields=fields(), created_by=facilitator, now=NOW)
    assert not group.meetings.exists()


@pytest.mark.parametrize("minutes", [14, 241])
def test_a_meeting_lasts_between_fifteen_minutes_and_four_hours(group, facilitator, minutes):
    too = services.MeetingFields(starts_at=NOW, duration_minutes=minutes)
    with pytest.raises(services.MeetingError):
        services.meeting_schedule(group=group, fields=too, created_by=facilitator, now=NOW)
    meeting = MeetingFactory(group=group)
    with pytest.raises(services.MeetingError):
        services.meeting_update(meeting=meeting, fields=too, now=NOW)


# Changes and cancelling -----------------------------------------------------------------------


def test_moving_a_meeting_tells_the_group_and_moves_its_goals(group, member):
    meeting = MeetingFactory(group=group, starts_at=datetime(2027, 1, 19, 18, 0, tzinfo=UTC))
    goal = GoalFactory(owner=member, group=group, due_meeting=meeting)
    later = datetime(2027, 1, 21, 18, 0, tzinfo=UTC)
    services.meeting_update(meeting=meeting, fields=fields(later), now=NOW)
    meeting.refresh_from_db()
    goal.refresh_from_db()
    assert meeting.starts_at == later and meeting.sequence == 1
    assert goal.due_meeting == meeting and goal.due_date == date(2027, 1, 21)
    notice = Notification.objects.get(recipient=member)
    assert notice.kind == NotificationKind.MEETING_CHANGED and "Thu 21 Jan 2027" in notice.body


def test_emptying_the_agenda_on_a_change_puts_back_the_standard_one(group, member):
    meeting = MeetingFactory(group=group, agenda="Our own plan")
    services.meeting_update(meeting=meeting, fields=fields(meeting.starts_at), now=NOW)
    meeting.refresh_from_db()
    assert "Goal review round, about 52 min each" in meeting.agenda


def test_changing_only_the_place_bumps_the_sequence_without_a_notice(group, member):
    meeting = MeetingFactory(group=group)
    services.meeting_update(
        meeting=meeting, fields=fields(meeting.starts_at, place="Room 9"), now=NOW
    )
    meeting.refresh_from_db()
    assert meeting.place == "Room 9" and meeting.sequence == 1
    assert not Notification.objects.exists()


@pytest.mark.parametrize("status", [MeetingStatus.HELD, MeetingStatus.CANCELLED])
def test_only_a_scheduled_meeting_can_be_changed(group, status):
    meeting = MeetingFactory(group=group, status=status)
    with pytest.raises(services.MeetingError):
        services.meeting_update(meeting=meeting, fields=fields(), now=NOW)


def test_cancelling_tells_the_group_and_hands_goals_to_the_next_meeting(group, member):
    first = MeetingFactory(group=group, starts_at=NOW + timedelta(days=3))
    second = MeetingFactory(group=group, starts_at=NOW + timedelta(days=30))
    goal = GoalFactory(owner=member, group=group, due_meeting=first)
    reviewed = GoalFactory(owner=member, group=group, due_meeting=first, status=GoalStatus.DONE)
    services.meeting_cancel(meeting=first, now=NOW)
    first.refresh_from_db()
    goal.refresh_from_db()
    reviewed.refresh_from_db()
    assert first.status == MeetingStatus.CANCELLED and first.cancelled_at == NOW
    assert first.sequence == 1
    assert goal.due_meeting == second and goal.due_date == second.starts_at.date()
    assert reviewed.due_meeting == first
    assert Notification.objects.get(recipient=member).kind == NotificationKind.MEETING_CANCELLED
    # Cancelling again changes nothing and tells nobody twice.
    services.meeting_cancel(meeting=first, now=NOW + timedelta(hours=1))
    first.refresh_from_db()
    assert first.cancelled_at == NOW and Notification.objects.count() == 1


def test_a_held_meeting_cannot_be_cancelled(group):
    meeting = MeetingFactory(group=group, status=MeetingStatus.HELD)
    with pytest.raises(services.MeetingError):
        services.meeting_cancel(meeting=meeting, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


# The meeting log ------------------------------------------------------------------------------


def test_the_log_lists_the_group_visible_goals_due_at_that_meeting(group, member, past_meeting):
    due = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    GoalFactory(owner=member, group=group, due_meeting=past_meeting, visibility=Visibility.PRIVATE)
    GoalFactory(owner=member, group=group, due_meeting=MeetingFactory(group=group))
    GoalFactory(owner=member, group=group)
    assert services.goals_due_at(past_meeting) == [due]


def test_the_log_expects_active_members_but_not_facilitators(group, facilitator, member):
    leader = MembershipFactory(group=group, role=MembershipRole.PEER_LEADER).user
    MembershipFactory(group=group, status=MembershipStatus.LEFT)
    MembershipFactory(group=group, status=MembershipStatus.WAITLISTED)
    meeting = MeetingFactory(group=group)
    assert {m.user for m in services.meeting_members(meeting)} == {member, leader}


def test_saving_reviews_gives_goals_their_outcome(group, facilitator, member, past_meeting):
    done = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    stuck = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    untouched = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    log(
        past_meeting,
        facilitator,
        reviews=[
            services.ReviewInput(goal=done, outcome="done", learned="Clips matter", blocker="time"),
            services.ReviewInput(goal=stuck, outcome="not_started", blocker="anxiety"),
        ],
    )
    for goal in (done, stuck, untouched):
        goal.refresh_from_db()
    assert done.status == GoalStatus.DONE and done.completed_at == NOW
    assert stuck.status == GoalStatus.NOT_STARTED and stuck.completed_at is None
    assert untouched.status == GoalStatus.ACTIVE
    reviews = {r.goal_id: r for r in GoalReview.objects.all()}
    assert set(reviews) == {done.pk, stuck.pk}
    # A done goal has no blocker.
    assert (reviews[done.pk].blocker, reviews[done.pk].learned) == ("", "Clips matter")
    assert reviews[stuck.pk].blocker == "anxiety"
    assert reviews[stuck.pk].reviewed_by == facilitator


def test_saving_the_log_again_corrects_reviews_without_duplicating(
    group, facilitator, member, past_meeting
):
    goal = GoalFactory(owner=member, group=group, due_meeting=past_meeting)
    log(past_meeting, facilitator, reviews=[services.ReviewInput(goal=goal, outcome="done")])
    log(past_meeting, facilitator, reviews=[services.ReviewInput(goal=goal, outcome="partly")])
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PARTLY and goal.completed_at is None
    assert GoalReview.objects.get().outcome == "partly"


def test_the_meeting_is_marked_held_once(group, facilitator, past_meeting):
    log(past_meeting, facilitator, summary="First")
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.HELD and past_meeting.held_at == NOW
    log(past_meeting, facilitator, summary="Second", now=NOW + timedelta(days=1))
    past_meeting.refresh_from_db()
    assert past_meeting.held_at == NOW and past_meeting.summary == "Second"


def test_the_log_records_attendance_notes_and_office_flags(
    group, facilitator, member, past_meeting
):
    other = MembershipFactory(group=group).user
    log(
        past_meeting,
        facilitator,
        attendance={member.pk: "present", other.pk: "excused"},
        summary="We practised pitches",
        private_notes="Mia seemed tired",
        flags=[services.FlagInput(kind="distress", member=member, note="Check in with Mia")],
    )
    statuses = dict(Attendance.objects.values_list("user", "status"))
    assert statuses == {member.pk: "present", other.pk: "excused"}
    flag = OfficeFlag.objects.get()
    assert (flag.group, flag.meeting, flag.member, flag.raised_by) == (
        group,
        past_meeting,
        member,
        facilitator,
    )
    assert flag.resolved_at is None and flag.note == "Check in with Mia"
    past_meeting.refresh_from_db()
    assert past_meeting.private_notes == "Mia seemed tired"


def test_marking_present_someone_who_posted_an_update_clears_it(
    group, facilitator, member, past_meeting
):
    log(past_meeting, facilitator, attendance={member.pk: "absent"})
    services.attendance_post_update(
        meeting=past_meeting, user=member, text="Sent two emails", now=NOW
    )
    log(past_meeting, facilitator, attendance={member.pk: "present"})
    attendance = Attendance.objects.get(user=member)
    assert attendance.status == "present" and attendance.async_update == ""
    assert attendance.async_update_at is None


@pytest.mark.parametrize(
    ("status", "starts_in"),
    [(MeetingStatus.CANCELLED, timedelta(hours=-2)), (MeetingStatus.SCHEDULED, timedelta(hours=1))],
)
def test_a_cancelled_or_future_meeting_has_no_log(group, facilitator, status, starts_in):
    meeting = MeetingFactory(group=group, starts_at=NOW + starts_in, status=status)
    with pytest.raises(services.MeetingError):
        log(meeting, facilitator, summary="Nope")
    meeting.refresh_from_db()
    assert meeting.summary == "" and meeting.held_at is None


def test_attendance_is_only_for_members_with_a_known_status(
    group, facilitator, member, past_meeting
):
    with pytest.raises(services.MeetingError):
        log(past_meeting, facilitator, attendance={TraineeFactory().pk: "present"})
    with pytest.raises(services.MeetingError):
        log(past_meeting, facilitator, attendance={member.pk: "late"})
    with pytest.raises(services.MeetingError):
        log(past_meeting, facilitator, attendance={facilitator.pk: "present"})
    assert not Attendance.objects.exists()


def test_only_goals_due_at_the_meeting_are_reviewed_in_its_log(
    group, facilitator, member, past_meeting
):
    elsewhere = GoalFactory(owner=member, group=group, due_meeting=MeetingFactory(group=group))
    with pytest.raises(services.MeetingError):
        log(past_meeting, facilitator, reviews=[services.ReviewInput(elsewhere, "done")])
    elsewhere.refresh_from_db()
    assert elsewhere.status == GoalStatus.ACTIVE and not GoalReview.objects.exists()
    past_meeting.refresh_from_db()
    assert past_meeting.status == MeetingStatus.SCHEDULED


def test_a_member_who_missed_the_meeting_posts_an_update(group, facilitator, member, past_meeting):
    present = MembershipFactory(group=group).user
    log(past_meeting, facilitator, attendance={member.pk: "absent", present.pk: "present"})
    services.attendance_post_update(
        meeting=past_meeting, user=member, text="  Read two career guides  ", now=NOW
    )
    attendance = Attendance.objects.get(user=member)
    assert attendance.async_update == "Read two career guides"
    assert attendance.async_update_at == NOW
    with pytest.raises(services.MeetingError):
        services.attendance_post_update(meeting=past_meeting, user=present, text="Hi", now=NOW)
    with pytest.raises(services.MeetingError):
        services.attendance_post_update(
            meeting=past_meeting, user=TraineeFactory(), text="Hi", now=NOW
        )


# Calendar tokens and local times --------------------------------------------------------------


def test_a_feed_is_made_once_and_a_reset_gives_a_new_token(member):
    feed = services.calendar_feed_for(member)
    assert services.calendar_feed_for(member).token == feed.token
    old = feed.token
    services.calendar_feed_reset(user=member)
    assert CalendarFeed.objects.get(user=member).token != old
    assert CalendarFeed.objects.count() == 1


def test_a_local_time_becomes_the_right_instant():
    winter = aware_local(datetime(2027, 1, 19, 18, 0), NEW_YORK)
    summer = aware_local(datetime(2027, 7, 20, 18, 0), NEW_YORK)
    assert winter.astimezone(UTC) == datetime(2027, 1, 19, 23, 0, tzinfo=UTC)
    assert summer.astimezone(UTC) == datetime(2027, 7, 20, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("naive", "words"),
    [
        (datetime(2027, 3, 14, 2, 30), "does not exist"),
        (datetime(2027, 11, 7, 1, 30), "happens twice"),
    ],
)
def test_skipped_and_repeated_local_times_are_refused(naive, words):
    with pytest.raises(LocalTimeError, match=words):
        aware_local(naive, NEW_YORK)
