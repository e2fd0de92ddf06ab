"""Goal services: setting, updating, status, reviews, carrying over and wins."""

from datetime import UTC, date, datetime, timedelta

import pytest

from goals import services
from goals.models import Goal, GoalReview, GoalStatus, Visibility
from meetings import services as meeting_services
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory, PeerGroupFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)


def goal_fields(**overrides) -> services.GoalFields:
    return services.GoalFields(
        **{"title": "Ask two science writers for a call", "category": "networking", **overrides}
    )


@pytest.fixture
def next_meeting(group):
    return MeetingFactory(group=group, starts_at=datetime(2027, 1, 19, 23, 0, tzinfo=UTC))


@pytest.fixture
def later_meeting(group):
    return MeetingFactory(group=group, starts_at=datetime(2027, 2, 16, 23, 0, tzinfo=UTC))


# Setting and updating -------------------------------------------------------------------------


def test_a_new_goal_is_due_at_the_groups_next_meeting(group, member, next_meeting, later_meeting):
    MeetingFactory(group=group, starts_at=NOW + timedelta(days=2), status="cancelled")
    MeetingFactory(group=group, starts_at=NOW - timedelta(days=2))
    goal = services.goal_create(
        owner=member, group=group, fields=goal_fields(confidence=7, is_specific=True), now=NOW
    )
    assert goal.due_meeting == next_meeting and goal.due_date == date(2027, 1, 19)
    assert (goal.confidence, goal.is_specific, goal.status) == (7, True, GoalStatus.ACTIVE)
    assert goal.visibility == Visibility.GROUP


def test_a_due_date_picks_the_first_meeting_on_or_after_it(
    group, member, next_meeting, later_meeting
):
    goal = services.goal_create(
        owner=member, group=group, fields=goal_fields(), due_date=date(2027, 2, 1), now=NOW
    )
    assert goal.due_meeting == later_meeting and goal.due_date == date(2027, 2, 1)


def test_without_a_meeting_a_goal_waits_for_the_next_one(group, member):
    goal = services.goal_create(owner=member, group=group, fields=goal_fields(), now=NOW)
    assert goal.due_meeting is None and goal.due_date is None


def test_a_goal_is_reviewed_at_a_meeting_of_its_own_group(group, member):
    elsewhere = MeetingFactory(group=PeerGroupFactory())
    with pytest.raises(services.GoalError):
        services.goal_create(
            owner=member, group=group, fields=goal_fields(), due_meeting=elsewhere, now=NOW
        )
    assert not Goal.objects.exists()


def test_updating_a_goal_changes_its_text_and_due_meeting(
    group, member, next_meeting, later_meeting
):
    goal = GoalFactory(owner=member, group=group, due_meeting=next_meeting)
    services.goal_update(
        goal=goal,
        fields=goal_fields(title="Read one career guide", visibility="private"),
        due_date=date(2027, 2, 10),
        now=NOW,
    )
    goal.refresh_from_db()
    assert (goal.title, goal.visibility) == ("Read one career guide", Visibility.PRIVATE)
    assert goal.due_meeting == later_meeting


# Status, reviews ------------------------------------------------------------------------------


def test_marking_done_records_when_and_undoing_clears_the_win(member):
    goal = GoalFactory(owner=member)
    services.goal_set_status(goal=goal, status="done", now=NOW)
    services.goal_share_win(goal=goal, now=NOW)
    goal.refresh_from_db()
    assert goal.completed_at == NOW and goal.shared_as_win_at == NOW
    services.goal_set_status(goal=goal, status="done", now=NOW + timedelta(days=1))
    goal.refresh_from_db()
    assert goal.completed_at == NOW
    services.goal_set_status(goal=goal, status="partly", now=NOW)
    goal.refresh_from_db()
    assert goal.completed_at is None and goal.shared_as_win_at is None


def test_an_unknown_status_is_refused(member):
    goal = GoalFactory(owner=member)
    with pytest.raises(services.GoalError):
        services.goal_set_status(goal=goal, status="finished", now=NOW)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE


def test_a_review_gives_the_goal_its_outcome(group, facilitator, member, next_meeting):
    goal = GoalFactory(owner=member, group=group, due_meeting=next_meeting)
    review = services.goal_review_record(
        goal=goal,
        meeting=next_meeting,
        outcome="dropped",
        learned="Not for me",
        blocker="unclear",
        reviewed_by=facilitator,
        now=NOW,
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DROPPED
    assert (review.learned, review.blocker, review.reviewed_by) == (
        "Not for me",
        "unclear",
        facilitator,
    )


def test_a_review_refuses_unknown_outcomes_and_other_groups_meetings(group, member, next_meeting):
    goal = GoalFactory(owner=member, group=group, due_meeting=next_meeting)
    review = {"learned": "", "blocker": "", "reviewed_by": None, "now": NOW}
    with pytest.raises(services.GoalError):
        services.goal_review_record(goal=goal, meeting=next_meeting, outcome="active", **review)
    with pytest.raises(services.GoalError):
        services.goal_review_record(goal=goal, meeting=MeetingFactory(), outcome="done", **review)
    assert not GoalReview.objects.exists()


# Carrying over --------------------------------------------------------------------------------


def test_carrying_over_copies_the_goal_to_the_next_meeting(
    group, member, next_meeting, later_meeting
):
    old = GoalFactory(
        owner=member,
        group=group,
        due_meeting=next_meeting,
        status=GoalStatus.NOT_STARTED,
        visibility=Visibility.PRIVATE,
        details="Two writers from the alumni list",
        is_measurable=True,
        confidence=4,
    )
    new = services.goal_carry_over(goal=old, now=NOW)
    assert new.carried_from == old and old.carried_to == new
    assert new.due_meeting == later_meeting and new.due_date == date(2027, 2, 16)
    assert new.status == GoalStatus.ACTIVE
    assert (new.title, new.details, new.visibility, new.is_measurable, new.confidence) == (
        old.title,
        "Two writers from the alumni list",
        Visibility.PRIVATE,
        True,
        4,
    )
    old.refresh_from_db()
    assert old.status == GoalStatus.NOT_STARTED


def test_carrying_over_twice_gives_the_same_copy(group, member, next_meeting, later_meeting):
    old = GoalFactory(owner=member, group=group, due_meeting=next_meeting, status="partly")
    first = services.goal_carry_over(goal=old, now=NOW)
    assert services.goal_carry_over(goal=old, now=NOW) == first
    assert Goal.objects.filter(carried_from=old).count() == 1


def test_carrying_over_a_goal_in_progress_closes_it_as_partly_done(
    group, member, next_meeting, later_meeting
):
    old = GoalFactory(owner=member, group=group, due_meeting=next_meeting)
    services.goal_carry_over(goal=old, now=NOW)
    old.refresh_from_db()
    assert old.status == GoalStatus.PARTLY


@pytest.mark.parametrize("status", [GoalStatus.DONE, GoalStatus.DROPPED])
def test_a_done_or_dropped_goal_is_not_carried_over(member, status):
    goal = GoalFactory(owner=member, status=status, completed_at=NOW if status == "done" else None)
    with pytest.raises(services.GoalError):
        services.goal_carry_over(goal=goal, now=NOW)
    assert Goal.objects.count() == 1


# Wins -----------------------------------------------------------------------------------------


def test_only_a_done_goal_is_shared_and_sharing_again_keeps_the_time(member):
    goal = GoalFactory(owner=member)
    with pytest.raises(services.GoalError):
        services.goal_share_win(goal=goal, now=NOW)
    services.goal_set_status(goal=goal, status="done", now=NOW)
    services.goal_share_win(goal=goal, now=NOW)
    services.goal_share_win(goal=goal, now=NOW + timedelta(hours=1))
    goal.refresh_from_db()
    assert goal.shared_as_win_at == NOW
    assert list(Goal.objects.wins()) == [goal]


def test_a_private_goal_is_not_shared_with_the_group(member):
    goal = GoalFactory(
        owner=member, status=GoalStatus.DONE, completed_at=NOW, visibility=Visibility.PRIVATE
    )
    with pytest.raises(services.GoalError):
        services.goal_share_win(goal=goal, now=NOW)
    goal.refresh_from_db()
    assert goal.shared_as_win_at is None


# Meetings coming and going --------------------------------------------------------------------


def test_goals_follow_a_cancelled_meeting_to_the_next(group, member, next_meeting, later_meeting):
    goal = GoalFactory(owner=member, group=group, due_meeting=next_meeting)
    moved = services.goals_detach_from_meeting(meeting=next_meeting, now=NOW)
    goal.refresh_from_db()
    assert moved == 1 and goal.due_meeting == later_meeting
    assert goal.due_date == date(2027, 2, 16)


# Due dates where the owner lives ---------------------------------------------------------------
# 01:00 UTC on 20 January is the evening of the 19th in New York.
EVENING_IN_NEW_YORK = datetime(2027, 1, 20, 1, 0, tzinfo=UTC)


@pytest.fixture
def new_yorker(group):
    return MembershipFactory(group=group, user__timezone="America/New_York").user


def test_a_goal_is_due_on_the_meetings_date_where_its_owner_lives(group, member, new_yorker):
    MeetingFactory(group=group, starts_at=EVENING_IN_NEW_YORK)
    theirs = services.goal_create(owner=new_yorker, group=group, fields=goal_fields(), now=NOW)
    mine = services.goal_create(owner=member, group=group, fields=goal_fields(), now=NOW)
    assert theirs.due_date == date(2027, 1, 19) and mine.due_date == date(2027, 1, 20)


def test_a_due_date_is_read_in_the_owners_timezone(group, new_yorker):
    evening = MeetingFactory(group=group, starts_at=EVENING_IN_NEW_YORK)
    later = MeetingFactory(group=group, starts_at=datetime(2027, 2, 16, 23, 0, tzinfo=UTC))
    on_the_day = services.goal_create(
        owner=new_yorker, group=group, fields=goal_fields(), due_date=date(2027, 1, 19), now=NOW
    )
    # The 19th's evening meeting is too early for a goal due on the 20th in New York.
    day_after = services.goal_create(
        owner=new_yorker, group=group, fields=goal_fields(), due_date=date(2027, 1, 20), now=NOW
    )
    assert on_the_day.due_meeting == evening and day_after.due_meeting == later


def test_scheduling_moving_and_cancelling_keep_owner_local_dates(
    group, facilitator, member, new_yorker
):
    theirs = GoalFactory(owner=new_yorker, group=group)
    mine = GoalFactory(owner=member, group=group)
    meeting = meeting_services.meeting_schedule(
        group=group,
        fields=meeting_services.MeetingFields(starts_at=EVENING_IN_NEW_YORK, duration_minutes=90),
        created_by=facilitator,
        now=NOW,
    )
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.due_meeting, theirs.due_date) == (meeting, date(2027, 1, 19))
    assert (mine.due_meeting, mine.due_date) == (meeting, date(2027, 1, 20))

    week_later = EVENING_IN_NEW_YORK + timedelta(days=7)
    meeting_services.meeting_update(
        meeting=meeting,
        fields=meeting_services.MeetingFields(starts_at=week_later, duration_minutes=90),
        now=NOW,
    )
    theirs.refresh_from_db()
    assert theirs.due_date == date(2027, 1, 26)

    following = MeetingFactory(group=group, starts_at=week_later + timedelta(days=28))
    meeting_services.meeting_cancel(meeting=meeting, now=NOW)
    theirs.refresh_from_db()
    assert (theirs.due_meeting, theirs.due_date) == (following, date(2027, 2, 23))


def test_a_goal_due_after_the_meeting_keeps_waiting(group, facilitator, new_yorker):
    # Due on the 20th in New York: the meeting on the evening of the 19th is too early.
    goal = GoalFactory(owner=new_yorker, group=group, due_date=date(2027, 1, 20))
    meeting_services.meeting_schedule(
        group=group,
        fields=meeting_services.MeetingFields(starts_at=EVENING_IN_NEW_YORK, duration_minutes=90),
        created_by=facilitator,
        now=NOW,
    )
    goal.refresh_from_db()
    assert goal.due_meeting is None and goal.due_date == date(2027, 1, 20)


def test_a_carried_over_goal_is_due_on_the_owners_date(group, new_yorker):
    old = GoalFactory(owner=new_yorker, group=group, status="partly")
    MeetingFactory(group=group, starts_at=EVENING_IN_NEW_YORK)
    copy = services.goal_carry_over(goal=old, now=NOW)
    assert copy.due_date == date(2027, 1, 19)
