import datetime

import pytest
from django.utils import timezone

from groups import services
from groups.models import GroupStatus, Membership, MembershipRole, MembershipStatus
from notifications.models import Notification, NotificationKind
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    PeerGroupFactory,
    TraineeFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 2, 1, 12, 0))


def full_group(capacity: int = 8, **kwargs):
    group = PeerGroupFactory(capacity=capacity, **kwargs)
    MembershipFactory.create_batch(capacity, group=group)
    return group


def join(group, user=None) -> Membership:
    return services.membership_join(group=group, user=user or TraineeFactory(), now=NOW)


# Joining ------------------------------------------------------------------------------------


def test_joining_an_open_group_with_a_free_seat_makes_you_a_member():
    membership = join(PeerGroupFactory())
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.seat == 1 and membership.joined_at == NOW


def test_joining_a_full_group_puts_you_on_the_waitlist_in_order():
    group = full_group()
    first, second = join(group), join(group)
    assert (first.status, first.waitlist_position) == (MembershipStatus.WAITLISTED, 1)
    assert (second.status, second.waitlist_position) == (MembershipStatus.WAITLISTED, 2)
    assert first.seat is None and group.memberships.seated().count() == 8


def test_joining_twice_changes_nothing():
    group, person = PeerGroupFactory(), TraineeFactory()
    first = join(group, person)
    assert join(group, person) == first
    assert group.memberships.filter(user=person).count() == 1


def test_joining_a_waitlist_twice_keeps_your_place():
    group, person = full_group(), TraineeFactory()
    first = join(group, person)
    assert join(group, person).pk == first.pk
    assert group.memberships.waitlisted().count() == 1


@pytest.mark.parametrize("status", [GroupStatus.DRAFT, GroupStatus.ACTIVE, GroupStatus.CLOSED])
def test_only_open_groups_can_be_joined(status):
    with pytest.raises(services.MembershipError, match="not open"):
        join(PeerGroupFactory(status=status))


def test_groups_of_a_cohort_without_self_join_cannot_be_joined():
    with pytest.raises(services.MembershipError, match="not open"):
        join(PeerGroupFactory(cohort__is_self_join_allowed=False))


def test_a_trainee_may_join_up_to_the_cohorts_limit():
    cohort = CohortFactory(max_groups_per_trainee=2)
    person = TraineeFactory()
    join(PeerGroupFactory(cohort=cohort), person)
    join(full_group(cohort=cohort), person)  # waiting counts too
    with pytest.raises(services.MembershipError, match="already in 2 group"):
        join(PeerGroupFactory(cohort=cohort), person)
    join(PeerGroupFactory(), person)  # another cohort has its own limit


def test_facilitating_does_not_count_toward_the_trainee_limit():
    cohort = CohortFactory(max_groups_per_trainee=1)
    person = TraineeFactory()
    MembershipFactory(group__cohort=cohort, user=person, role=MembershipRole.FACILITATOR)
    assert join(PeerGroupFactory(cohort=cohort), person).status == MembershipStatus.ACTIVE


def test_facilitators_do_not_take_seats():
    group = PeerGroupFactory(capacity=2)
    services.membership_add(
        group=group, user=TraineeFactory(), role=MembershipRole.FACILITATOR, now=NOW
    )
    assert join(group).seat == 1 and join(group).seat == 2
    assert join(group).status == MembershipStatus.WAITLISTED


# Leaving and the waitlist --------------------------------------------------------------------


def test_leaving_frees_the_seat_for_the_first_waitlisted_who_is_told():
    group = full_group()
    leaver = group.memberships.get(seat=3)
    first, second = join(group), join(group)
    services.membership_leave(membership=leaver, reason="Too busy this term", now=NOW)
    leaver.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert leaver.status == MembershipStatus.LEFT and leaver.leave_reason == "Too busy this term"
    assert leaver.seat is None and leaver.left_at == NOW
    assert (first.status, first.seat) == (MembershipStatus.ACTIVE, 3)
    assert second.status == MembershipStatus.WAITLISTED
    assert (
        Membership.objects.filter(pk=second.pk).with_waitlist_position().get().waitlist_position
        == 1
    )
    notice = Notification.objects.get(recipient=first.user)
    assert notice.kind == NotificationKind.WAITLIST_PROMOTED
    assert notice.link == group.get_absolute_url() and group.name in notice.subject
    assert not Notification.objects.filter(recipient=second.user).exists()


def test_leaving_twice_changes_nothing():
    membership = join(PeerGroupFactory())
    services.membership_leave(membership=membership, reason="", now=NOW)
    later = NOW + datetime.timedelta(days=1)
    again = services.membership_leave(membership=membership, reason="again", now=later)
    assert again.left_at == NOW and again.leave_reason == ""


def test_a_facilitator_leaving_does_not_change_the_size_or_promote_anyone():
    group = full_group()
    facilitation = MembershipFactory(group=group, role=MembershipRole.FACILITATOR)
    waiting = join(group)
    services.membership_leave(membership=facilitation, reason="", now=NOW)
    waiting.refresh_from_db()
    assert group.memberships.seated().count() == 8
    assert waiting.status == MembershipStatus.WAITLISTED


def test_leaving_the_waitlist_moves_the_others_up():
    group = full_group()
    first, second = join(group), join(group)
    services.membership_leave(membership=first, reason="", now=NOW)
    positions = Membership.objects.waitlisted().with_waitlist_position()
    assert [(m.pk, m.waitlist_position) for m in positions] == [(second.pk, 1)]


# Group status and capacity --------------------------------------------------------------------


def test_groups_move_forward_through_their_statuses():
    group = PeerGroupFactory(status=GroupStatus.DRAFT)
    for status in [GroupStatus.OPEN, GroupStatus.ACTIVE, GroupStatus.CLOSED]:
        group = services.group_set_status(group=group, status=status, now=NOW)
        assert group.status == status
    with pytest.raises(services.GroupError, match="can't become"):
        services.group_set_status(group=group, status=GroupStatus.OPEN, now=NOW)


def test_closing_a_group_ends_its_waitlist():
    group = full_group()
    waiting = join(group)
    services.group_set_status(group=group, status=GroupStatus.CLOSED, now=NOW)
    waiting.refresh_from_db()
    assert waiting.status == MembershipStatus.LEFT and waiting.leave_reason
    assert group.memberships.seated().count() == 8


def test_raising_capacity_promotes_the_waitlist():
    group = full_group(capacity=6, cohort__max_group_size=8)
    first, second, third = join(group), join(group), join(group)
    services.group_set_capacity(group=group, capacity=8, now=NOW)
    statuses = [Membership.objects.get(pk=m.pk).status for m in (first, second, third)]
    assert statuses == [MembershipStatus.ACTIVE, MembershipStatus.ACTIVE, "waitlisted"]


def test_lowering_capacity_renumbers_seats_and_refuses_to_drop_members():
    group = PeerGroupFactory(capacity=8)
    members = [join(group) for _ in range(6)]
    services.membership_leave(membership=members[1], reason="", now=NOW)
    services.membership_leave(membership=members[2], reason="", now=NOW)
    services.group_set_capacity(group=group, capacity=4, now=NOW)
    assert sorted(group.memberships.seated().values_list("seat", flat=True)) == [1, 2, 3, 4]
    with pytest.raises(services.GroupError, match="4 members hold seats"):
        services.group_set_capacity(group=group, capacity=3, now=NOW)


def test_capacity_stays_within_the_cohorts_bounds():
    group = PeerGroupFactory(cohort__max_group_size=8)
    with pytest.raises(services.GroupError):
        services.group_set_capacity(group=group, capacity=9, now=NOW)


# Office tools ---------------------------------------------------------------------------------


def test_the_office_can_add_to_a_draft_group_but_not_beyond_its_seats():
    group = PeerGroupFactory(status=GroupStatus.DRAFT, capacity=1)
    added = services.membership_add(
        group=group, user=TraineeFactory(), role=MembershipRole.PEER_LEADER, now=NOW
    )
    assert added.seat == 1
    with pytest.raises(services.MembershipError, match="full"):
        services.membership_add(
            group=group, user=TraineeFactory(), role=MembershipRole.MEMBER, now=NOW
        )


def test_moving_a_member_is_atomic_and_promotes_the_old_groups_waitlist():
    source, target = full_group(), PeerGroupFactory()
    waiting = join(source)
    mover = source.memberships.get(seat=2)
    moved = services.membership_move(membership=mover, to_group=target, now=NOW)
    mover.refresh_from_db()
    waiting.refresh_from_db()
    assert mover.status == MembershipStatus.LEFT and target.name in mover.leave_reason
    assert (moved.group, moved.user, moved.seat) == (target, mover.user, 1)
    assert waiting.status == MembershipStatus.ACTIVE
    assert Notification.objects.filter(
        recipient=mover.user, kind=NotificationKind.GROUP_MOVED
    ).exists()


def test_moving_into_a_full_group_changes_nothing():
    source, target = PeerGroupFactory(), full_group()
    mover = join(source)
    with pytest.raises(services.MembershipError, match="full"):
        services.membership_move(membership=mover, to_group=target, now=NOW)
    mover.refresh_from_db()
    assert mover.status == MembershipStatus.ACTIVE and mover.group == source
    assert not target.memberships.filter(user=mover.user).exists()


def test_becoming_a_facilitator_frees_a_seat_and_back_needs_one():
    group = full_group(capacity=2)
    waiting = join(group)
    member = group.memberships.get(seat=1)
    services.membership_set_role(membership=member, role=MembershipRole.FACILITATOR, now=NOW)
    waiting.refresh_from_db()
    assert waiting.seat == 1
    with pytest.raises(services.MembershipError, match="full"):
        services.membership_set_role(membership=member, role=MembershipRole.MEMBER, now=NOW)
