"""Carrying a goal over twice at the same moment (a double click) on real PostgreSQL: threads
released together, each on its own database connection."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import CareerArea
from accounts.taxonomy import ensure_default_career_areas
from goals import services
from goals.models import Goal, GoalStatus
from tests.factories import GoalFactory, MeetingFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLICKS = 4
# Widens the gap between looking for an earlier copy and writing one, so a race is there to lose.
WINDOW = 0.05


@pytest.fixture(autouse=True)
def career_areas(transactional_db):
    # Transactional tests start from a flushed database: put back the seeded career areas.
    ensure_default_career_areas(CareerArea)


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; returns each result or raised exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as e:  # noqa: BLE001 (the test inspects it)
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a click hung"
    return results


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
