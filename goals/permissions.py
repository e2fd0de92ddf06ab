"""Who may see and change goals.

Group members see each other's group-visible goals; a private goal is its owner's alone. Office
staff see every goal exist, with its status, but never the text of a private one (templates show
`goal_text_visible` for that).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from goals.models import Goal, Visibility
from groups.models import Membership, MembershipRole, MembershipStatus, PeerGroup


def _group_ids_of(user: User) -> QuerySet:
    return Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values("group_id")


def goals_visible_to(user: User) -> QuerySet[Goal]:
    """Goals the user may open: their own, and their groups' group-visible goals (staff: all)."""
    if user.is_staff:
        return Goal.objects.all()
    return Goal.objects.filter(
        Q(owner=user) | Q(visibility=Visibility.GROUP, group_id__in=_group_ids_of(user))
    )


def goal_text_visible(user: User, goal: Goal) -> bool:
    return goal.owner_id == user.pk or goal.visibility == Visibility.GROUP


def can_edit_goal(user: User, goal: Goal) -> bool:
    return goal.owner_id == user.pk


def get_goal_for_user(user: User, goal_id: int, *, edit: bool = False) -> Goal:
    """404 if the user can't see the goal; 403 if they can see it but it isn't theirs."""
    goal = get_object_or_404(
        goals_visible_to(user).select_related("group", "due_meeting", "career_area"), pk=goal_id
    )
    if edit and not can_edit_goal(user, goal):
        raise PermissionDenied
    return goal


def groups_for_new_goal(user: User) -> QuerySet:
    """Groups where the user may set goals: those they are an active member of."""
    return PeerGroup.objects.filter(
        memberships__user=user,
        memberships__status=MembershipStatus.ACTIVE,
        memberships__role__in=[MembershipRole.MEMBER, MembershipRole.PEER_LEADER],
    ).distinct()
