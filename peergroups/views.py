"""Project-level pages: the portal home and the health check."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import TraineeProfile
from goals import selectors as goal_selectors
from groups import selectors as group_selectors
from meetings import selectors as meeting_selectors
from peergroups.celery import app as celery_app
from surveys import selectors as survey_selectors

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    profile = (
        TraineeProfile.objects.filter(user=request.user)
        .only("stage", "discipline_id", "availability")
        .first()
    )
    needs_profile = profile is None or not (profile.stage and profile.availability)
    now = timezone.now()
    return render(
        request,
        "peergroups/home.html",
        {
            "needs_profile": needs_profile,
            "memberships": list(group_selectors.memberships_current_for(user=request.user)),
            "next_meetings": meeting_selectors.meetings_upcoming_for(user=request.user, now=now),
            "goals_due": goal_selectors.goals_due_for(user=request.user),
            "open_surveys": list(survey_selectors.open_surveys_for(request.user, now)),
        },
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        return True
    except Exception:
        logger.exception("Health check: broker unreachable")
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            **{k: "ok" if v else "error" for k, v in checks.items()},
        },
        status=200 if healthy else 503,
    )
