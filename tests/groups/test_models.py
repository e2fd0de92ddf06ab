"""The database itself keeps groups within their rules, whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups.models import GroupStatus, Membership, MembershipRole, MembershipStatus, PeerGroup
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    PeerGroupFactory,
    TraineeFactory,
)

pytestmark = pytest.mark.django_db


def seated_row(group, seat, **overrides) -> Membership:
    fields = {
        "user": overrides.pop("user", None) or TraineeFactory(),
        "role": MembershipRole.MEMBER,
        "status": MembershipStatus.ACTIVE,
        "joined_at": timezone.now(),
        **overrides,
    }
    return Membership(group=group, seat=seat, **fields)


def test_a_raw_bulk_insert_beyond_capacity_is_rejected():
    group = PeerGroupFactory(capacity=8)
    MembershipFactory.create_batch(7, group=group)
    rows = [seated_row(group, 8), seated_row(group, 9)]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create(rows)
    assert group.memberships.seated().count() == 7


def test_a_seat_number_above_a_small_capacity_is_rejected():
    group = PeerGroupFactory(capacity=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, 6)])


def test_two_people_can_never_hold_the_same_seat():
    group = PeerGroupFactory()
    MembershipFactory(group=group)  # seat 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, 1)])


def test_an_active_member_must_hold_a_seat():
    group = PeerGroupFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, None)])


def test_a_facilitator_never_holds_a_seat():
    group = PeerGroupFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, 1, role=MembershipRole.FACILITATOR)])


def test_moving_a_member_to_a_seat_beyond_capacity_by_update_is_rejected():
    membership = MembershipFactory(group__capacity=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(seat=7)


def test_capacity_cannot_drop_below_a_seat_in_use():
    group = PeerGroupFactory(capacity=8)
    MembershipFactory.create_batch(6, group=group)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerGroup.objects.filter(pk=group.pk).update(capacity=5)
    PeerGroup.objects.filter(pk=group.pk).update(capacity=6)


def test_one_current_membership_per_person_and_group():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(group=membership.group, user=membership.user)


def test_a_person_may_come_back_after_leaving():
    membership = MembershipFactory(status=MembershipStatus.LEFT)
    again = MembershipFactory(group=membership.group, user=membership.user)
    assert again.seat == 1


def test_the_per_cohort_limit_is_enforced_by_the_database():
    cohort = CohortFactory(max_groups_per_trainee=1)
    person = TraineeFactory()
    MembershipFactory(group__cohort=cohort, user=person)
    other = PeerGroupFactory(cohort=cohort)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(other, 1, user=person)])


def test_the_per_cohort_limit_counts_the_waitlist_but_not_facilitating():
    cohort = CohortFactory(max_groups_per_trainee=1)
    person = TraineeFactory()
    MembershipFactory(group__cohort=cohort, user=person, status=MembershipStatus.WAITLISTED)
    MembershipFactory(group__cohort=cohort, user=person, role=MembershipRole.FACILITATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(group__cohort=cohort, user=person)


def test_the_per_cohort_limit_ignores_other_cohorts_and_closed_groups():
    cohort = CohortFactory(max_groups_per_trainee=1)
    person = TraineeFactory()
    MembershipFactory(user=person)  # another cohort
    closed = MembershipFactory(group__cohort=cohort, user=person).group
    PeerGroup.objects.filter(pk=closed.pk).update(status=GroupStatus.CLOSED)
    assert MembershipFactory(group__cohort=cohort, user=person).seat == 1


def test_nobody_can_be_added_to_a_closed_group():
    group = PeerGroupFactory(status=GroupStatus.CLOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, 1)])


def test_a_waitlisted_row_needs_a_ticket_and_a_facilitator_is_never_waitlisted():
    group = PeerGroupFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(group=group, status=MembershipStatus.WAITLISTED, waitlist_ticket=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(
            group=group, status=MembershipStatus.WAITLISTED, role=MembershipRole.FACILITATOR
        )


def test_unknown_status_and_role_are_rejected():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(role="captain")
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerGroup.objects.filter(pk=membership.group_id).update(status="paused")


def test_capacity_and_cohort_bounds_are_checked():
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerGroupFactory(capacity=13)
    with pytest.raises(IntegrityError), transaction.atomic():
        CohortFactory(min_group_size=9, max_group_size=8)


def test_waitlist_positions_follow_the_tickets():
    group = PeerGroupFactory(capacity=1)
    MembershipFactory(group=group)
    waiting = MembershipFactory.create_batch(3, group=group, status=MembershipStatus.WAITLISTED)
    Membership.objects.filter(pk=waiting[0].pk).update(
        status=MembershipStatus.LEFT, waitlist_ticket=None, left_at=timezone.now()
    )
    positions = dict(
        Membership.objects.waitlisted()
        .with_waitlist_position()
        .values_list("pk", "waitlist_position")
    )
    assert positions == {waiting[1].pk: 1, waiting[2].pk: 2}


def test_str_identifies_the_rows():
    membership = MembershipFactory(group__name="Policy 1", group__cohort__name="Fall 2027")
    assert str(membership.group) == f"Policy 1 (#{membership.group.pk})"
    assert str(membership.group.cohort) == "Fall 2027"
    assert f"Membership #{membership.pk}" in str(membership)
