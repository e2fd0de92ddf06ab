"""Goal prompts: "update your goals" three days before a meeting and "set your next goals" the
day after one, each at 09:00 in the person's own timezone, exactly once, DST days included."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from goals import sweeps, tasks
from goals.models import GoalStatus, Visibility
from groups.models import MembershipStatus
from meetings.models import Attendance, AttendanceStatus, MeetingStatus
from notifications import services as notification_services
from notifications import sweeps as notification_sweeps
from notifications.models import Notification, NotificationKind, SweepRun
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def plan(sweep, now):
    return notification_sweeps.sweep_plan(sweep, now=now)


def run(sweep, now) -> int:
    return notification_services.sweep_run(sweep, now=now)


@pytest.fixture
def new_yorker(group):
    return MembershipFactory(group=group, user__timezone="America/New_York").user


# Goal-review prompt ---------------------------------------------------------------------------


@pytest.fixture
def thursday_meeting(group):
    """Thursday 18 March 2027, 18:00 in New York: the prompt is due Monday 15 March, 09:00."""
    return MeetingFactory(group=group, starts_at=ny(2027, 3, 18, 18, 0))


def test_members_with_goals_due_are_asked_at_nine_three_days_before(new_yorker, thursday_meeting):
    GoalFactory(owner=new_yorker, group=thursday_meeting.group, due_meeting=thursday_meeting)
    assert plan(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 15, 8, 45)) == []
    (row,) = plan(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 15, 9, 0))
    assert row.recipient == new_yorker and row.kind == NotificationKind.GOAL_REVIEW_PROMPT
    assert "Thu 18 Mar 2027, 18:00 (America/New_York)" in row.body
    assert row.link == "/goals/"
    assert len(plan(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 15, 23, 45))) == 1
    # The day is over: a prompt the sweeps missed all day is not sent a day late.
    assert plan(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 16, 9, 0)) == []


def test_the_due_day_is_the_members_own(group, thursday_meeting):
    # 18:00 Thursday in New York is 07:00 Friday in Tokyo: due Tuesday 09:00 Tokyo time.
    tokyo = MembershipFactory(group=group, user__timezone="Asia/Tokyo").user
    GoalFactory(owner=tokyo, group=group, due_meeting=thursday_meeting)
    tuesday_nine = datetime(2027, 3, 16, 9, 0, tzinfo=TOKYO)
    assert plan(sweeps.GOAL_REVIEW_PROMPTS, tuesday_nine - timedelta(minutes=15)) == []
    (row,) = plan(sweeps.GOAL_REVIEW_PROMPTS, tuesday_nine)
    assert "Fri 19 Mar 2027, 07:00 (Asia/Tokyo)" in row.body


def test_one_prompt_lists_my_goals_and_counts_private_ones_without_naming_them(
    group, new_yorker, thursday_meeting, member
):
    GoalFactory(owner=new_yorker, group=group, due_meeting=thursday_meeting, title="Call a PI")
    GoalFactory(owner=new_yorker, group=group, due_meeting=thursday_meeting, title="Read a book")
    GoalFactory(
        owner=new_yorker,
        group=group,
        due_meeting=thursday_meeting,
        title="Private plan",
        visibility=Visibility.PRIVATE,
    )
    GoalFactory(owner=member, group=group, due_meeting=thursday_meeting, title="Mia's goal")
    rows = {r.recipient: r for r in plan(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 15, 9, 0))}
    mine = rows[new_yorker].body
    assert "- Call a PI" in mine and "- Read a book" in mine and "- 1 private goal" in mine
    assert "Private plan" not in mine
    assert "Mia's goal" not in mine and member.name not in mine and member.email not in mine
    assert set(rows) == {new_yorker, member}


@pytest.mark.parametrize(
    "situation", ["goal_done", "goal_dropped", "member_left", "meeting_cancelled", "deactivated"]
)
def test_no_prompt_for_people_or_goals_that_are_not_due(
    group, new_yorker, thursday_meeting, situation
):
    goal = GoalFactory(owner=new_yorker, group=group, due_meeting=thursday_meeting)
    if situation == "goal_done":
        goal.status = GoalStatus.DONE
        goal.save()
    elif situation == "goal_dropped":
        goal.status = GoalStatus.DROPPED
        goal.save()
    elif situation == "member_left":
        left = ny(2027, 3, 1)
        new_yorker.memberships.update(status=MembershipStatus.LEFT, seat=None, left_at=left)
    elif situation == "meeting_cancelled":
        thursday_meeting.status, thursday_meeting.cancelled_at = "cancelled", ny(2027, 3, 1)
        thursday_meeting.save()
    elif situation == "deactivated":
        new_yorker.is_active = False
        new_yorker.save()
    assert plan(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 15, 9, 0)) == []


def test_a_moved_meeting_gets_a_prompt_for_its_new_date(group, new_yorker, thursday_meeting):
    GoalFactory(owner=new_yorker, group=group, due_meeting=thursday_meeting)
    assert run(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 15, 9, 0)) == 1
    thursday_meeting.starts_at += timedelta(days=7)
    thursday_meeting.ends_at += timedelta(days=7)
    thursday_meeting.save()
    assert run(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 22, 9, 0)) == 1
    assert run(sweeps.GOAL_REVIEW_PROMPTS, ny(2027, 3, 22, 9, 15)) == 0


# Next-goals prompt ----------------------------------------------------------------------------


@pytest.fixture
def held_meeting(group):
    """Held Tuesday 9 March 2027 at 18:00 New York time, logged that evening."""
    meeting = MeetingFactory(
        group=group, starts_at=ny(2027, 3, 9, 18, 0), status=MeetingStatus.HELD
    )
    meeting.held_at = ny(2027, 3, 9, 20, 0)
    meeting.save()
    return meeting


def attended(meeting, user, status=AttendanceStatus.PRESENT):
    return Attendance.objects.create(meeting=meeting, user=user, status=status)


def test_attendees_without_a_goal_are_asked_the_next_morning(held_meeting, new_yorker, member):
    attended(held_meeting, new_yorker)
    attended(held_meeting, member, AttendanceStatus.ABSENT)
    assert plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 10, 8, 45)) == []
    (row,) = plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 10, 9, 0))
    assert row.recipient == new_yorker and row.kind == NotificationKind.NEXT_GOALS_PROMPT
    assert "meeting of Data Science Group on Tue 09 Mar" in row.body
    assert row.link == f"/goals/new/?group={held_meeting.group_id}"
    assert plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 11, 9, 0)) == []


def test_someone_who_already_set_a_goal_is_not_asked(held_meeting, new_yorker, group):
    attended(held_meeting, new_yorker)
    GoalFactory(owner=new_yorker, group=group)
    assert plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 10, 9, 0)) == []


def test_a_goal_in_another_group_does_not_count(held_meeting, new_yorker):
    attended(held_meeting, new_yorker)
    GoalFactory(owner=new_yorker)
    assert len(plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 10, 9, 0))) == 1


def test_people_who_left_are_not_asked(held_meeting, new_yorker):
    attended(held_meeting, new_yorker)
    new_yorker.memberships.update(status=MembershipStatus.LEFT, seat=None, left_at=ny(2027, 3, 9))
    assert plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 10, 9, 0)) == []


def test_a_meeting_logged_late_prompts_on_the_day_it_was_logged(held_meeting, new_yorker):
    held_meeting.held_at = ny(2027, 3, 11, 19, 30)
    held_meeting.save()
    attended(held_meeting, new_yorker)
    assert plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 10, 9, 0)) == []
    assert len(plan(sweeps.NEXT_GOALS_PROMPTS, ny(2027, 3, 11, 19, 45))) == 1


# Daylight saving ------------------------------------------------------------------------------


def sweep_every_quarter_hour(sweep, start: datetime, end: datetime) -> dict[str, datetime]:
    """Run the sweep every 15 minutes from start to end; when each notification was created."""
    created: dict[str, datetime] = {}
    tick = start.astimezone(UTC)
    last_pk = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    while tick < end:
        if run(sweep, tick):
            for pk, key in Notification.objects.filter(pk__gt=last_pk).values_list(
                "pk", "dedupe_key"
            ):
                created[key] = tick
                last_pk = max(last_pk, pk)
        tick += timedelta(minutes=15)
    return created


@pytest.mark.parametrize(
    ("first_day", "days"),
    [
        (date(2027, 3, 11), 7),  # clocks go forward Sunday 14 March 2027, 02:00
        (date(2027, 11, 4), 7),  # clocks go back Sunday 7 November 2027, 02:00
    ],
)
def test_across_daylight_saving_each_prompt_comes_once_a_day_at_nine_new_york_time(
    group, first_day, days
):
    """A meeting every evening; one member has goals due at each, another attended each."""
    reviewer = MembershipFactory(group=group, user__timezone="America/New_York").user
    attendee = MembershipFactory(group=group, user__timezone="America/New_York").user
    meeting_days = [first_day + timedelta(days=n) for n in range(days)]
    for day in meeting_days:
        evening = ny(day.year, day.month, day.day, 18, 0)
        upcoming = MeetingFactory(group=group, starts_at=evening + timedelta(days=3))
        GoalFactory(owner=reviewer, group=group, due_meeting=upcoming)
        held = MeetingFactory(group=group, starts_at=evening, status=MeetingStatus.HELD)
        held.held_at = evening + timedelta(hours=2)
        held.save()
        attended(held, attendee)
    start = ny(first_day.year, first_day.month, first_day.day, 0, 0)
    end = start + timedelta(days=days)

    for sweep in sweeps.SWEEPS:
        created = sweep_every_quarter_hour(sweep, start, end)
        local = [moment.astimezone(NEW_YORK) for moment in created.values()]
        assert {(t.hour, t.minute) for t in local} == {(9, 0)}, sweep.name
        per_day = Counter(t.date() for t in local)
        # Goal reviews: due three days before meetings on day 3 .. day 3+days-1, so on every day
        # swept. Next goals: the day after each held meeting, so every day but the first.
        expected_days = meeting_days if sweep is sweeps.GOAL_REVIEW_PROMPTS else meeting_days[1:]
        assert per_day == Counter(expected_days), sweep.name
    assert Notification.objects.count() == 2 * days - 1


# Tasks and idempotence ------------------------------------------------------------------------


def test_the_tasks_run_their_sweep_and_record_it():
    assert tasks.send_goal_review_prompts() == 0
    assert tasks.send_next_goals_prompts() == 0
    assert set(SweepRun.objects.values_list("name", flat=True)) == {
        "goal_review_prompts",
        "next_goals_prompts",
    }


def test_running_both_goal_sweeps_twice_creates_each_prompt_once(
    group, new_yorker, thursday_meeting, held_meeting
):
    GoalFactory(owner=new_yorker, group=group, due_meeting=thursday_meeting)
    other = MembershipFactory(group=group, user__timezone="America/New_York").user
    attended(held_meeting, other)
    counts = [
        [run(sweep, ny(2027, 3, day, 9, 0)) for sweep in sweeps.SWEEPS] for day in (10, 10, 15, 15)
    ]
    # [goal review, next goals] on Wed 10 (the day after the held meeting), again, then Mon 15
    # (three days before Thursday's meeting), again.
    assert counts == [[0, 1], [0, 0], [1, 0], [0, 0]]
