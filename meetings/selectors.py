"""Read queries for meeting pages and calendar feeds, each a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from accounts.models import User
from goals.models import Goal, GoalReview, Visibility
from goals.permissions import goal_text_visible
from groups.models import Membership, MembershipStatus
from meetings import permissions, services
from meetings.models import Attendance, Meeting, OfficeFlag

FEED_HISTORY = timedelta(days=120)


def meeting_page(*, meeting: Meeting, viewer: User) -> dict:
    can_manage = permissions.can_manage_meeting(viewer, meeting)
    members = services.meeting_members(meeting)
    attendance = {
        a.user_id: a for a in Attendance.objects.filter(meeting=meeting).select_related("user")
    }
    goals = Goal.objects.filter(due_meeting=meeting).select_related("owner")
    if not viewer.is_staff:
        goals = goals.filter(Q(visibility=Visibility.GROUP) | Q(owner=viewer))
    goals = list(goals.order_by("owner__name", "pk"))
    reviews = {r.goal_id: r for r in GoalReview.objects.filter(meeting=meeting)}
    goal_rows = [
        {"goal": g, "review": reviews.get(g.pk), "text_visible": goal_text_visible(viewer, g)}
        for g in goals
    ]
    return {
        "meeting": meeting,
        "group": meeting.group,
        "can_manage": can_manage,
        "members": [(m, attendance.get(m.user_id)) for m in members],
        "goal_rows": goal_rows,
        "updates": [a for a in attendance.values() if a.async_update],
        "my_attendance": attendance.get(viewer.pk) if meeting.is_held else None,
        "flags": list(OfficeFlag.objects.filter(meeting=meeting).select_related("member"))
        if viewer.is_staff
        else [],
        "show_private_notes": can_manage,
    }


def meetings_for_feed(*, user: User, now: datetime) -> QuerySet[Meeting]:
    """Meetings of every group the person is active in, from a few months back."""
    group_ids = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values(
        "group_id"
    )
    return (
        Meeting.objects.filter(group_id__in=group_ids, starts_at__gte=now - FEED_HISTORY)
        .select_related("group")
        .order_by("starts_at")
    )


def meetings_upcoming_for(*, user: User, now: datetime, limit: int = 3) -> list[Meeting]:
    """The person's next meetings across their groups, for the home page."""
    group_ids = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values(
        "group_id"
    )
    return list(
        Meeting.objects.upcoming(now).filter(group_id__in=group_ids).select_related("group")[:limit]
    )
