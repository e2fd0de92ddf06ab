"""`/me/export/`: everything the program holds about the signed-in person, as JSON."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import CareerInterest, Invitation, TraineeProfile, User
from goals.models import Goal, GoalReview
from groups.models import Membership
from meetings.models import Attendance
from notifications.models import Notification


def personal_data(*, user: User, now: datetime) -> dict:
    """A person's own data across the apps (no one else's personal data is included)."""
    profile = TraineeProfile.objects.select_related("discipline").filter(user=user).first()
    return {
        "exported_at": now,
        "account": {
            "email": user.email,
            "name": user.name,
            "timezone": user.timezone,
            "is_office_staff": user.is_staff,
            "created_at": user.created_at,
            "last_login": user.last_login,
        },
        "profile": None
        if profile is None
        else {
            "stage": profile.stage,
            "program_year": profile.program_year,
            "discipline": profile.discipline.name if profile.discipline else None,
            "department": profile.department,
            "lab_or_pi": profile.lab_or_pi,
            "availability": profile.availability_slots,
            "wants_multiple_groups": profile.wants_multiple_groups,
            "career_interests": list(
                CareerInterest.objects.filter(profile=profile)
                .order_by("rank")
                .values_list("career_area__name", flat=True)
            ),
        },
        "invitations": list(
            Invitation.objects.filter(user=user).values("sent_at", "expires_at", "accepted_at")
        ),
        "memberships": list(
            Membership.objects.filter(user=user).values(
                "group__name",
                "group__cohort__name",
                "role",
                "status",
                "joined_at",
                "waitlisted_at",
                "left_at",
                "leave_reason",
            )
        ),
        "goals": list(
            Goal.objects.filter(owner=user).values(
                "id",
                "group__name",
                "title",
                "details",
                "category",
                "career_area__name",
                "due_date",
                "status",
                "visibility",
                "confidence",
                "is_specific",
                "is_measurable",
                "is_achievable",
                "is_relevant",
                "is_time_bound",
                "carried_from_id",
                "completed_at",
                "shared_as_win_at",
                "created_at",
            )
        ),
        "goal_reviews": list(
            GoalReview.objects.filter(goal__owner=user).values(
                "goal_id", "meeting__starts_at", "outcome", "learned", "blocker"
            )
        ),
        "attendance": list(
            Attendance.objects.filter(user=user).values(
                "meeting__group__name", "meeting__starts_at", "status", "async_update"
            )
        ),
        "notifications": list(
            Notification.objects.filter(recipient=user).values(
                "kind", "subject", "body", "created_at", "read_at", "emailed_at"
            )
        ),
    }


@login_required
@require_GET
def personal_data_export(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    body = json.dumps(personal_data(user=request.user, now=now), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="peergroups-my-data-{now:%Y-%m-%d}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response
