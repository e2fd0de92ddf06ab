"""Writes for groups: status changes, joining, leaving, waitlists, moves and capacity.

Every write that touches seats first locks the group row (`_lock_group`), then the person's row
when a per-trainee limit is checked, always in that order so two writers can't deadlock. The
seat numbers and the triggers in groups/dbguards.py are the backstop if a code path forgets.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from groups.models import (
    SEATED_ROLES,
    GroupStatus,
    Membership,
    MembershipRole,
    MembershipStatus,
    PeerGroup,
)
from notifications import services as notification_services
from notifications.models import NotificationKind


class GroupError(Exception):
    """A rule of groups was broken; the message is safe to show."""


class MembershipError(GroupError):
    """Joining, leaving or moving is not possible; the message is safe to show."""


# Forward through draft -> open -> active -> closed; an active group may reopen to refill seats.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    GroupStatus.DRAFT: {GroupStatus.OPEN, GroupStatus.ACTIVE, GroupStatus.CLOSED},
    GroupStatus.OPEN: {GroupStatus.ACTIVE, GroupStatus.CLOSED},
    GroupStatus.ACTIVE: {GroupStatus.OPEN, GroupStatus.CLOSED},
    GroupStatus.CLOSED: set(),
}


# Locks and seats ------------------------------------------------------------------------------


def _lock_group(group_id: int) -> PeerGroup:
    # Every seat decision happens while holding this row lock, so joiners queue here and each
    # one counts the seats after the previous one committed.
    return (
        PeerGroup.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=group_id)
    )


def _lock_person(user: User) -> None:
    # Serializes one person's joins across groups, so the per-cohort limit can't be raced.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk").first()


def _lowest_free_seat(group: PeerGroup) -> int | None:
    taken = set(group.memberships.seated().values_list("seat", flat=True))
    return next((n for n in range(1, group.capacity + 1) if n not in taken), None)


def _next_waitlist_ticket(group: PeerGroup) -> int:
    last = group.memberships.waitlisted().aggregate(last=Max("waitlist_ticket"))["last"]
    return (last or 0) + 1


def _check_trainee_limit(*, user: User, group: PeerGroup) -> None:
    cohort = group.cohort
    taken = (
        Membership.objects.current()
        .filter(user=user, role__in=SEATED_ROLES, group__cohort=cohort)
        .exclude(group__status=GroupStatus.CLOSED)
        .exclude(group=group)
        .count()
    )
    if taken >= cohort.max_groups_per_trainee:
        raise MembershipError(
            _(
                "You're already in %(n)d group(s) of %(cohort)s, the most this cohort allows. "
                "Leave one to join another."
            )
            % {"n": taken, "cohort": cohort.name}
        )


def _place(*, group: PeerGroup, user: User, role: str, now: datetime, may_waitlist: bool):
    """Insert a membership in a locked group: a seat if one is free, else the waitlist."""
    if role not in SEATED_ROLES:
        return Membership.objects.create(
            group=group, user=user, role=role, status=MembershipStatus.ACTIVE, joined_at=now
        )
    _lock_person(user)
    _check_trainee_limit(user=user, group=group)
    seat = _lowest_free_seat(group)
    if seat is not None:
        return Membership.objects.create(
            group=group,
            user=user,
            role=role,
            status=MembershipStatus.ACTIVE,
            seat=seat,
            joined_at=now,
        )
    if not may_waitlist:
        raise MembershipError(_("%(group)s is full.") % {"group": group.name})
    membership = Membership.objects.create(
        group=group,
        user=user,
        role=role,
        status=MembershipStatus.WAITLISTED,
        waitlist_ticket=_next_waitlist_ticket(group),
        waitlisted_at=now,
    )
    membership.waitlist_position = group.memberships.waitlisted().count()
    return membership


def _fill_seats(*, group: PeerGroup, now: datetime) -> list[Membership]:
    """Promote waitlisted people, first in line first, while the locked group has free seats."""
    promoted: list[Membership] = []
    if group.status == GroupStatus.CLOSED:
        return promoted
    waiting = group.memberships.waitlisted().select_related("user").order_by("waitlist_ticket")
    for membership in waiting:
        seat = _lowest_free_seat(group)
        if seat is None:
            break
        membership.status = MembershipStatus.ACTIVE
        membership.seat = seat
        membership.waitlist_ticket = None
        membership.joined_at = now
        membership.save(
            update_fields=["status", "seat", "waitlist_ticket", "joined_at", "updated_at"]
        )
        notification_services.notification_create(
            recipient=membership.user,
            kind=NotificationKind.WAITLIST_PROMOTED,
            subject=_("You have a seat in %(group)s") % {"group": group.name},
            body=_(
                "A seat opened up in %(group)s and you were next on the waitlist: you're now "
                "a member. Say hello and check when the group meets."
            )
            % {"group": group.name},
            link=group.get_absolute_url(),
            dedupe_key=f"waitlist_promoted:{membership.pk}",
        )
        promoted.append(membership)
    return promoted


# Groups -------------------------------------------------------------------------------------


@transaction.atomic
def group_set_status(*, group: PeerGroup, status: str, now: datetime) -> PeerGroup:
    """Move a group along draft -> open -> active -> closed; closing ends its waitlist."""
    group = _lock_group(group.pk)
    if group.status == status:
        return group
    if status not in STATUS_TRANSITIONS[group.status]:
        raise GroupError(
            _("%(group)s is %(current)s and can't become %(new)s.")
            % {
                "group": group.name,
                "current": group.get_status_display().lower(),
                "new": GroupStatus(status).label.lower(),
            }
        )
    if status == GroupStatus.CLOSED:
        group.memberships.waitlisted().update(
            status=MembershipStatus.LEFT,
            waitlist_ticket=None,
            left_at=now,
            leave_reason=_("The group closed."),
            updated_at=now,
        )
    group.status = status
    group.save(update_fields=["status", "updated_at"])
    return group


@transaction.atomic
def group_set_capacity(*, group: PeerGroup, capacity: int, now: datetime) -> PeerGroup:
    """Change the number of seats: lowering renumbers seats, raising promotes the waitlist."""
    group = _lock_group(group.pk)
    if not 1 <= capacity <= group.cohort.max_group_size:
        raise GroupError(
            _("Groups in %(cohort)s have from 1 to %(max)d seats.")
            % {"cohort": group.cohort.name, "max": group.cohort.max_group_size}
        )
    seated = list(group.memberships.seated().order_by("seat"))
    if capacity < len(seated):
        raise GroupError(
            _("%(n)d members hold seats in %(group)s: move or remove some first.")
            % {"n": len(seated), "group": group.name}
        )
    # Renumber seats 1..n in order; going up in seat order, each target seat is always free.
    for number, membership in enumerate(seated, start=1):
        if membership.seat != number:
            membership.seat = number
            membership.save(update_fields=["seat", "updated_at"])
    group.capacity = capacity
    group.save(update_fields=["capacity", "updated_at"])
    _fill_seats(group=group, now=now)
    return group


@transaction.atomic
def group_update(
    *,
    group: PeerGroup,
    norms: str,
    meeting_day: str,
    meeting_time,
    meeting_place: str,
    video_link: str,
) -> PeerGroup:
    """Save what the group decides for itself: its norms and usual meeting time and place."""
    group.norms = norms
    group.meeting_day = meeting_day
    group.meeting_time = meeting_time
    group.meeting_place = meeting_place
    group.video_link = video_link
    group.save(
        update_fields=[
            "norms",
            "meeting_day",
            "meeting_time",
            "meeting_place",
            "video_link",
            "updated_at",
        ]
    )
    return group


# Memberships --------------------------------------------------------------------------------


@transaction.atomic
def membership_join(*, group: PeerGroup, user: User, now: datetime) -> Membership:
    """Join a group open for joining: a free seat makes you a member, else you join the waitlist.

    Joining a group you're already in (or waiting for) returns that membership unchanged.
    """
    group = _lock_group(group.pk)
    existing = group.memberships.current().filter(user=user).first()
    if existing is not None:
        return existing
    if group.status != GroupStatus.OPEN or not group.cohort.is_self_join_allowed:
        raise MembershipError(_("%(group)s is not open for joining.") % {"group": group.name})
    return _place(group=group, user=user, role=MembershipRole.MEMBER, now=now, may_waitlist=True)


@transaction.atomic
def membership_add(*, group: PeerGroup, user: User, role: str, now: datetime) -> Membership:
    """Place someone in a group as the office: seats, limits and closed groups still apply."""
    group = _lock_group(group.pk)
    if group.status == GroupStatus.CLOSED:
        raise MembershipError(_("%(group)s is closed.") % {"group": group.name})
    existing = group.memberships.current().filter(user=user).first()
    if existing is not None:
        if existing.role == role and existing.status == MembershipStatus.ACTIVE:
            return existing
        raise MembershipError(
            _("%(person)s is already in %(group)s (%(role)s, %(status)s).")
            % {
                "person": user.get_full_name(),
                "group": group.name,
                "role": existing.get_role_display().lower(),
                "status": existing.get_status_display().lower(),
            }
        )
    return _place(group=group, user=user, role=role, now=now, may_waitlist=False)


@transaction.atomic
def membership_leave(*, membership: Membership, reason: str, now: datetime) -> Membership:
    """Leave a group (or its waitlist); a freed seat goes to the first person waiting."""
    group = _lock_group(membership.group_id)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.status == MembershipStatus.LEFT:
        return membership
    had_seat = membership.seat is not None
    membership.status = MembershipStatus.LEFT
    membership.seat = None
    membership.waitlist_ticket = None
    membership.left_at = now
    membership.leave_reason = reason.strip()[:500]
    membership.save(
        update_fields=["status", "seat", "waitlist_ticket", "left_at", "leave_reason", "updated_at"]
    )
    if had_seat:
        _fill_seats(group=group, now=now)
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, now: datetime) -> Membership:
    """Change an active member's role; becoming a facilitator frees their seat."""
    group = _lock_group(membership.group_id)
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise MembershipError(_("Only an active membership can change role."))
    if membership.role == role:
        return membership
    was_seated, seated = membership.role in SEATED_ROLES, role in SEATED_ROLES
    membership.role = role
    if was_seated and not seated:
        membership.seat = None
        membership.save(update_fields=["role", "seat", "updated_at"])
        _fill_seats(group=group, now=now)
    elif seated and not was_seated:
        _lock_person(membership.user)
        _check_trainee_limit(user=membership.user, group=group)
        membership.seat = _lowest_free_seat(group)
        if membership.seat is None:
            raise MembershipError(_("%(group)s is full.") % {"group": group.name})
        membership.save(update_fields=["role", "seat", "updated_at"])
    else:
        membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_move(*, membership: Membership, to_group: PeerGroup, now: datetime) -> Membership:
    """Move an active member to another group in one step; both groups stay within capacity."""
    if membership.group_id == to_group.pk:
        raise MembershipError(_("They are already in that group."))
    # Lock both groups in id order so two opposite moves can't deadlock.
    locked = {pk: _lock_group(pk) for pk in sorted([membership.group_id, to_group.pk])}
    source, target = locked[membership.group_id], locked[to_group.pk]
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise MembershipError(_("Only active members can be moved."))
    if target.status == GroupStatus.CLOSED:
        raise MembershipError(_("%(group)s is closed.") % {"group": target.name})
    user = membership.user
    if target.memberships.current().filter(user=user).exists():
        raise MembershipError(
            _("%(person)s is already in %(group)s.")
            % {"person": user.get_full_name(), "group": target.name}
        )
    had_seat = membership.seat is not None
    membership.status = MembershipStatus.LEFT
    membership.seat = None
    membership.left_at = now
    membership.leave_reason = _("Moved to %(group)s by the office.") % {"group": target.name}
    membership.save(update_fields=["status", "seat", "left_at", "leave_reason", "updated_at"])
    moved = _place(group=target, user=user, role=membership.role, now=now, may_waitlist=False)
    if had_seat:
        _fill_seats(group=source, now=now)
    notification_services.notification_create(
        recipient=user,
        kind=NotificationKind.GROUP_MOVED,
        subject=_("You've moved to %(group)s") % {"group": target.name},
        body=_("The office moved you from %(source)s to %(target)s.")
        % {"source": source.name, "target": target.name},
        link=target.get_absolute_url(),
        dedupe_key=f"group_moved:{moved.pk}",
    )
    return moved
