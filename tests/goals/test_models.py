"""The database keeps goals and reviews within their rules, whatever writes the rows."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from goals.models import Goal, GoalReview, GoalStatus, Visibility
from tests.factories import GoalFactory, MeetingFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def rejected(**changes) -> bool:
    """True if changing a valid goal's row to `changes` is refused by the database."""
    goal = GoalFactory()
    try:
        with transaction.atomic():
            Goal.objects.filter(pk=goal.pk).update(**changes)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "changes",
    [
        {"category": "hobby"},
        {"status": "abandoned"},
        {"visibility": "public"},
        {"confidence": 11},
        {"title": ""},
    ],
)
def test_values_outside_the_choices_are_rejected(changes):
    assert rejected(**changes)


def test_confidence_runs_from_zero_to_ten():
    assert not rejected(confidence=0)
    assert not rejected(confidence=10)
    assert not rejected(confidence=None)


def test_only_a_done_goal_is_a_win_or_has_a_completion_time():
    assert rejected(status=GoalStatus.PARTLY, shared_as_win_at=NOW)
    assert rejected(status=GoalStatus.ACTIVE, completed_at=NOW)
    assert not rejected(status=GoalStatus.DONE, completed_at=NOW, shared_as_win_at=NOW)


def test_a_goal_is_carried_over_at_most_once():
    old = GoalFactory(status=GoalStatus.PARTLY)
    GoalFactory(owner=old.owner, group=old.group, carried_from=old)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalFactory(owner=old.owner, group=old.group, carried_from=old)


def test_a_goal_is_reviewed_once_per_meeting():
    meeting = MeetingFactory()
    goal = GoalFactory(group=meeting.group, due_meeting=meeting)
    GoalReview.objects.create(goal=goal, meeting=meeting, outcome="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalReview.objects.create(goal=goal, meeting=meeting, outcome="partly")


@pytest.mark.parametrize("changes", [{"outcome": "maybe"}, {"blocker": "weather"}])
def test_review_outcomes_and_blockers_come_from_the_lists(changes):
    meeting = MeetingFactory()
    goal = GoalFactory(group=meeting.group, due_meeting=meeting)
    review = GoalReview.objects.create(goal=goal, meeting=meeting, outcome="partly")
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalReview.objects.filter(pk=review.pk).update(**changes)


def test_wins_are_done_goals_shared_with_the_group():
    shared = GoalFactory(status=GoalStatus.DONE, completed_at=NOW, shared_as_win_at=NOW)
    GoalFactory(status=GoalStatus.DONE, completed_at=NOW)
    GoalFactory(
        status=GoalStatus.DONE,
        completed_at=NOW,
        shared_as_win_at=NOW,
        visibility=Visibility.PRIVATE,
    )
    assert list(Goal.objects.wins()) == [shared]


def test_smart_count_and_strings():
    goal = GoalFactory(title="Email two editors", is_specific=True, is_time_bound=True)
    assert goal.smart_count == 2
    # No title: the string shows in the admin, where a private goal's text stays hidden.
    assert str(goal) == f"Goal #{goal.pk} of user {goal.owner_id}"
    assert goal.get_absolute_url() == f"/goals/{goal.pk}/edit/"
    meeting = MeetingFactory(group=goal.group)
    review = GoalReview.objects.create(goal=goal, meeting=meeting, outcome="done")
    assert str(review) == f"Review of goal #{goal.pk} at meeting #{meeting.pk}: done"
