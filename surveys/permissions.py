"""Who may see and answer surveys.

A survey's audience is the active members and peer leaders of its group, or of every group of its
cohort (facilitators run groups; they are not surveyed as trainees). The audience sees and
answers it; office staff see every survey (as a preview) but don't answer; anyone else gets 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from groups.models import SEATED_ROLES, Membership, MembershipStatus
from surveys.models import Survey


def _seated_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(
        user=user, status=MembershipStatus.ACTIVE, role__in=SEATED_ROLES
    )


def audience_filter(user: User) -> Q:
    """Surveys whose audience includes the user, as a filter on Survey."""
    memberships = _seated_memberships(user)
    return Q(group_id__in=memberships.values("group_id")) | Q(
        cohort_id__in=memberships.values("group__cohort_id")
    )


def audience_of(survey: Survey) -> QuerySet[Membership]:
    """The memberships that put people in the survey's audience (one person may have several)."""
    memberships = Membership.objects.filter(status=MembershipStatus.ACTIVE, role__in=SEATED_ROLES)
    if survey.group_id is not None:
        return memberships.filter(group_id=survey.group_id)
    if survey.cohort_id is not None:
        return memberships.filter(group__cohort_id=survey.cohort_id)
    return memberships.none()


def surveys_visible_to(user: User) -> QuerySet[Survey]:
    """Scheduled surveys: all of them for office staff, else those the user is asked to answer."""
    surveys = Survey.objects.real().filter(opens_at__isnull=False)
    if user.is_staff:
        return surveys
    return surveys.filter(audience_filter(user))


def can_respond(user: User, survey: Survey) -> bool:
    return Survey.objects.filter(pk=survey.pk).filter(audience_filter(user)).exists()


def get_survey_for_user(user: User, survey_id: int, *, respond: bool = False) -> Survey:
    """404 if the user can't see the survey; 403 if they can see it but not answer it."""
    survey = get_object_or_404(
        surveys_visible_to(user).select_related("group", "cohort"), pk=survey_id
    )
    if respond and user.is_staff and not can_respond(user, survey):
        raise PermissionDenied
    return survey
