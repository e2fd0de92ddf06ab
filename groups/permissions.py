from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from groups.models import GroupStatus, Membership, PeerGroup


def groups_visible_to(user: User) -> QuerySet[PeerGroup]:
    """All groups for office staff; else the person's own groups and those open for joining."""
    if user.is_staff:
        return PeerGroup.objects.all()
    mine = Membership.objects.current().filter(user=user, group=OuterRef("pk"))
    return PeerGroup.objects.filter(
        Q(Exists(mine)) | Q(status=GroupStatus.OPEN, cohort__is_self_join_allowed=True)
    )


def can_manage_group(user: User, group: PeerGroup) -> bool:
    """Office staff and the group's facilitators edit its norms and meeting defaults."""
    return user.is_staff or group.memberships.facilitators().filter(user=user).exists()


def get_group_for_user(user: User, group_id: int, *, manage: bool = False) -> PeerGroup:
    """404 if the user can't see the group; 403 if they can see it but not manage it."""
    group = get_object_or_404(
        groups_visible_to(user).select_related("cohort", "career_area"), pk=group_id
    )
    if manage and not can_manage_group(user, group):
        raise PermissionDenied
    return group
