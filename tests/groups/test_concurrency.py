"""Joining under real concurrency on PostgreSQL: threads released together by a barrier, each on
its own database connection (closed when the thread ends).

The negative control runs the same scenario against a deliberately naive count-then-insert join
(kept here, never in the product) and shows the scenario's checks catch the race.
"""

import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import CareerArea, User
from accounts.taxonomy import ensure_default_career_areas
from groups import services
from groups.models import Membership, MembershipRole, MembershipStatus, PeerGroup
from notifications.models import Notification
from tests.factories import CohortFactory, MembershipFactory, PeerGroupFactory, TraineeFactory
from tests.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOINERS = 20
ROUNDS = 5
# Widens the gap between reading the seats and writing a row, for the naive join and (through
# monkeypatch) for the real one, so the race is there to lose on every run.
WINDOW = 0.02


def naive_join(*, group: PeerGroup, user: User, now) -> Membership:
    """The join without the group lock: read the seats, then insert. Don't do this."""
    with transaction.atomic():
        taken = set(group.memberships.seated().values_list("seat", flat=True))
        time.sleep(WINDOW)
        if len(taken) < group.capacity:
            seat = min(set(range(1, group.capacity + 1)) - taken)
            return Membership.objects.create(
                group=group, user=user, status=MembershipStatus.ACTIVE, seat=seat, joined_at=now
            )
        last = group.memberships.waitlisted().aggregate(last=Max("waitlist_ticket"))["last"]
        membership = Membership.objects.create(
            group=group,
            user=user,
            status=MembershipStatus.WAITLISTED,
            waitlist_ticket=(last or 0) + 1,
            waitlisted_at=now,
        )
        membership.waitlist_position = group.memberships.waitlisted().count()
        return membership


def joiners_into_a_group_with_one_seat_left(join) -> tuple[PeerGroup, list[object]]:
    group = PeerGroupFactory(capacity=8)
    MembershipFactory.create_batch(7, group=group)
    people = TraineeFactory.create_batch(JOINERS)

    def call(person: User) -> Callable[[], object]:
        def joining() -> object:
            # Load on this thread's own connection before the barrier releases everyone.
            return join(group=PeerGroup.objects.get(pk=group.pk), user=person, now=timezone.now())

        return joining

    return group, at_once([call(person) for person in people])


def check_one_seat_taken_and_an_ordered_waitlist(group: PeerGroup, results: list[object]) -> None:
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} joiner(s) failed, first: {errors[0]!r}"
    assert Counter(m.status for m in results) == {
        MembershipStatus.ACTIVE: 1,
        MembershipStatus.WAITLISTED: JOINERS - 1,
    }
    seats = sorted(group.memberships.seated().values_list("seat", flat=True))
    assert seats == list(range(1, 9))
    waitlist = list(
        group.memberships.waitlisted().with_waitlist_position().order_by("waitlist_ticket")
    )
    assert [m.waitlist_position for m in waitlist] == list(range(1, JOINERS))
    # Each joiner was told the place they really hold.
    told = {m.pk: m.waitlist_position for m in results if m.status == MembershipStatus.WAITLISTED}
    assert told == {m.pk: m.waitlist_position for m in waitlist}


@pytest.fixture(autouse=True)
def career_areas(transactional_db):
    # Transactional tests start from a flushed database: put back the seeded career areas.
    ensure_default_career_areas(CareerArea)


@pytest.fixture
def wide_window(monkeypatch):
    original = services._lowest_free_seat

    def slow_lowest_free_seat(group):
        seat = original(group)
        time.sleep(WINDOW)
        return seat

    monkeypatch.setattr(services, "_lowest_free_seat", slow_lowest_free_seat)


def test_twenty_people_joining_a_group_with_one_seat_left_at_once(wide_window):
    for _round in range(ROUNDS):
        group, results = joiners_into_a_group_with_one_seat_left(services.membership_join)
        check_one_seat_taken_and_an_ordered_waitlist(group, results)


def test_the_same_scenario_catches_a_naive_count_then_insert_join():
    group, results = joiners_into_a_group_with_one_seat_left(naive_join)
    with pytest.raises(AssertionError):
        check_one_seat_taken_and_an_ordered_waitlist(group, results)
    # The naive joiners all saw a free seat and raced for it; the database let one win.
    assert sum(isinstance(r, IntegrityError) for r in results) >= 2
    assert group.memberships.seated().count() == 8


def test_one_person_posting_join_many_times_at_once_gets_one_membership(wide_window):
    group, person = PeerGroupFactory(), TraineeFactory()

    def joining() -> object:
        return services.membership_join(
            group=PeerGroup.objects.get(pk=group.pk),
            user=User.objects.get(pk=person.pk),
            now=timezone.now(),
        )

    results = at_once([joining] * 5)
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({m.pk for m in results}) == 1
    assert group.memberships.filter(user=person).count() == 1


def test_one_person_joining_many_groups_at_once_stays_within_the_cohort_limit():
    cohort = CohortFactory(max_groups_per_trainee=2)
    groups = PeerGroupFactory.create_batch(6, cohort=cohort)
    person = TraineeFactory()

    def joining(group_id: int) -> Callable[[], object]:
        return lambda: services.membership_join(
            group=PeerGroup.objects.get(pk=group_id),
            user=User.objects.get(pk=person.pk),
            now=timezone.now(),
        )

    results = at_once([joining(g.pk) for g in groups])
    assert sum(isinstance(r, Membership) for r in results) == 2
    assert all(isinstance(r, (Membership, services.MembershipError)) for r in results)
    assert Membership.objects.current().filter(user=person).count() == 2


def test_members_leaving_at_once_each_promote_a_different_waitlisted_person():
    group = PeerGroupFactory(capacity=8)
    members = MembershipFactory.create_batch(8, group=group)
    waiting = MembershipFactory.create_batch(8, group=group, status=MembershipStatus.WAITLISTED)

    def leaving(membership: Membership) -> Callable[[], object]:
        return lambda: services.membership_leave(
            membership=Membership.objects.get(pk=membership.pk), reason="", now=timezone.now()
        )

    results = at_once([leaving(m) for m in members])
    assert not [r for r in results if isinstance(r, Exception)]
    promoted = group.memberships.seated().filter(role=MembershipRole.MEMBER)
    assert sorted(promoted.values_list("pk", flat=True)) == sorted(m.pk for m in waiting)
    assert sorted(promoted.values_list("seat", flat=True)) == list(range(1, 9))
    assert Notification.objects.filter(recipient__in=[m.user for m in waiting]).count() == 8
