"""Who may see, manage and log meetings.

Active members and facilitators of a group see its meetings; facilitators (and office staff)
schedule, change, cancel and log them. Anyone else gets a 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from groups.models import Membership, MembershipRole, MembershipStatus
from meetings.models import Meeting


def _active_group_ids(user: User) -> QuerySet:
    return Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values("group_id")


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    if user.is_staff:
        return Meeting.objects.all()
    return Meeting.objects.filter(group_id__in=_active_group_ids(user))


def is_facilitator(user: User, group_id: int) -> bool:
    return Membership.objects.filter(
        user=user,
        group_id=group_id,
        status=MembershipStatus.ACTIVE,
        role=MembershipRole.FACILITATOR,
    ).exists()


def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    return user.is_staff or is_facilitator(user, meeting.group_id)


def get_meeting_for_user(user: User, meeting_id: int, *, manage: bool = False) -> Meeting:
    """404 if the user can't see the meeting; 403 if they can see it but not manage it."""
    meeting = get_object_or_404(
        meetings_visible_to(user).select_related("group", "group__cohort"), pk=meeting_id
    )
    if manage and not can_manage_meeting(user, meeting):
        raise PermissionDenied
    return meeting
