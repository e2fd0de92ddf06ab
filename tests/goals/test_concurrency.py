"""Carrying a goal over twice at the same moment (a double click) on real PostgreSQL: threads
released together, each on its own database connection."""

import time

import pytest
from django.utils import timezone

from accounts.models import CareerArea
from accounts.taxonomy import ensure_default_career_areas
from goals import services
from goals.models import Goal, GoalStatus
from tests.factories import GoalFactory, MeetingFactory
from tests.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLICKS = 4
# Widens the gap between looking for an earlier copy and writing one, so a race is there to lose.
WINDOW = 0.05


@pytest.fixture(autouse=True)
def career_areas(transactional_db):
    # Transactional tests start from a flushed database: put back the seeded career areas.
    ensure_default_career_areas(CareerArea)


def test_a_double_click_on_carry_over_makes_one_copy(monkeypatch):
    goal = GoalFactory(status=GoalStatus.NOT_STARTED)
    MeetingFactory(group=goal.group)
    original = services.next_meeting

    def slow_next_meeting(**kwargs):
        found = original(**kwargs)
        time.sleep(WINDOW)
        return found

    monkeypatch.setattr(services, "next_meeting", slow_next_meeting)
    now = timezone.now()
    results = at_once([lambda: services.goal_carry_over(goal=goal, now=now)] * CLICKS)
    assert not [r for r in results if isinstance(r, Exception)], results
    copy = Goal.objects.get(carried_from=goal)
    assert {r.pk for r in results} == {copy.pk}
