"""Writes for accounts: profiles, invitations and roster import."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from accounts import availability, emails, roster, tasks
from accounts.models import (
    CareerArea,
    CareerInterest,
    Discipline,
    Invitation,
    TraineeProfile,
    User,
)

INVITATION_BATCH = 50


class AccountError(Exception):
    """A rule of accounts was broken; the message is safe to show."""


# Profiles -------------------------------------------------------------------------------------


@transaction.atomic
def profile_update(
    *,
    user: User,
    name: str,
    timezone: str,
    stage: str,
    program_year: int | None,
    discipline: Discipline | None,
    department: str,
    lab_or_pi: str,
    career_areas: list[CareerArea],
    availability_slots: list[str],
    wants_multiple_groups: bool,
) -> TraineeProfile:
    """Save a person's own profile, with their ranked career interests, in one transaction."""
    if len(career_areas) > len(set(career_areas)):
        raise AccountError("Each career interest can be chosen once.")
    user.name = name
    user.timezone = timezone
    user.save(update_fields=["name", "timezone", "updated_at"])
    profile, _created = TraineeProfile.objects.get_or_create(user=user)
    profile.stage = stage
    profile.program_year = program_year
    profile.discipline = discipline
    profile.department = department
    profile.lab_or_pi = lab_or_pi
    profile.availability = availability.mask_from_slots(availability_slots)
    profile.wants_multiple_groups = wants_multiple_groups
    profile.save()
    profile.interests.all().delete()
    CareerInterest.objects.bulk_create(
        CareerInterest(profile=profile, career_area=area, rank=rank)
        for rank, area in enumerate(career_areas, start=1)
    )
    return profile


# Invitations ----------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, user: User, invited_by: User | None) -> Invitation:
    """Open an invitation for someone who has no password yet and send it after commit."""
    if user.has_usable_password():
        raise AccountError(f"{user.email} has already set a password.")
    invitation = Invitation.objects.open().filter(user=user).first()
    if invitation is None:
        invitation = Invitation.objects.create(user=user, invited_by=invited_by)
    else:
        # Resending: a new link replaces the old one.
        invitation.sent_at = None
        invitation.save(update_fields=["sent_at", "updated_at"])
    tasks.send_invitations.delay_on_commit(invitation_ids=[invitation.pk])
    return invitation


@transaction.atomic
def invitation_send(*, invitation_id: int, now: datetime) -> Invitation | None:
    """Email a fresh one-time link, once. Returns None when there is nothing to send.

    The row stays locked while the email goes out and is marked sent only if sending worked:
    a failure rolls back and the task retries. A crash after sending and before commit can
    repeat the email (with a new link that replaces the first); nothing is ever lost.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return None
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "updated_at"])
    emails.send_invitation(invitation=invitation, token=token)
    return invitation


def invitation_for_token(*, token: str, now: datetime) -> Invitation | None:
    """The open, unexpired invitation behind a link, or None."""
    if not token:
        return None
    return (
        Invitation.objects.open()
        .select_related("user")
        .filter(token_hash=_token_hash(token), expires_at__gt=now, user__is_active=True)
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, name: str, now: datetime) -> User:
    """Set the invited person's password; the link stops working at once."""
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=now, updated_at=now
    )
    if not claimed:
        raise AccountError("This invitation has already been used.")
    user = invitation.user
    user.set_password(password)
    if name:
        user.name = name
    user.save(update_fields=["password", "name", "updated_at"])
    return user


# Roster import --------------------------------------------------------------------------------


@dataclass
class RosterResult:
    check: roster.RosterCheck
    existing_emails: set[str] = field(default_factory=set)
    new_disciplines: list[str] = field(default_factory=list)
    created: int = 0

    @property
    def new_rows(self) -> list[roster.RosterRow]:
        return [row for row in self.check.rows if row.email not in self.existing_emails]


class RosterInvalid(AccountError):
    def __init__(self, result: RosterResult) -> None:
        super().__init__(f"The roster has {len(result.check.problems)} problem(s).")
        self.result = result


def _career_area_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for pk, name, slug in CareerArea.objects.values_list("pk", "name", "slug"):
        lookup[name.lower()] = pk
        lookup[slug.lower()] = pk
    return lookup


def roster_check(*, data: bytes) -> RosterResult:
    """Read a roster and say what importing it would do; writes nothing."""
    check = roster.read_roster(data, career_areas=_career_area_lookup())
    result = RosterResult(check=check)
    emails_in_file = [row.email for row in check.rows]
    if emails_in_file:
        result.existing_emails = set(
            User.objects.filter(email__in=emails_in_file).values_list("email", flat=True)
        )
    known = {name.lower() for name in Discipline.objects.values_list("name", flat=True)}
    wanted: dict[str, str] = {}
    for row in result.new_rows:
        if row.discipline and row.discipline.lower() not in known:
            wanted.setdefault(row.discipline.lower(), row.discipline)
    result.new_disciplines = sorted(wanted.values())
    return result


@transaction.atomic
def roster_import(*, data: bytes, invited_by: User | None) -> RosterResult:
    """Import a whole roster or nothing: people, profiles, interests, and their invitations.

    People already registered are left as they are, so importing the same file twice changes
    nothing the second time.
    """
    result = roster_check(data=data)
    if not result.check.is_valid:
        raise RosterInvalid(result)
    rows = result.new_rows
    if not rows:
        return result
    taken_slugs = set(Discipline.objects.values_list("slug", flat=True))
    new_disciplines = []
    for name in result.new_disciplines:
        slug = base = slugify(name)[:90] or "discipline"
        n = 2
        while slug in taken_slugs:
            slug, n = f"{base}-{n}", n + 1
        taken_slugs.add(slug)
        new_disciplines.append(Discipline(name=name, slug=slug))
    Discipline.objects.bulk_create(new_disciplines)
    disciplines = {name.lower(): pk for pk, name in Discipline.objects.values_list("pk", "name")}

    unusable = make_password(None)
    User.objects.bulk_create(
        [User(email=row.email, name=row.name, password=unusable) for row in rows],
        batch_size=500,
    )
    user_ids = dict(
        User.objects.filter(email__in=[row.email for row in rows]).values_list("email", "pk")
    )
    TraineeProfile.objects.bulk_create(
        [
            TraineeProfile(
                user_id=user_ids[row.email],
                stage=row.stage,
                program_year=row.program_year,
                discipline_id=disciplines.get(row.discipline.lower()),
                department=row.department,
                lab_or_pi=row.lab_or_pi,
            )
            for row in rows
        ],
        batch_size=500,
    )
    profile_ids = dict(
        TraineeProfile.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "pk")
    )
    CareerInterest.objects.bulk_create(
        [
            CareerInterest(profile_id=profile_ids[user_ids[row.email]], career_area_id=area, rank=i)
            for row in rows
            for i, area in enumerate(row.career_area_ids, start=1)
        ],
        batch_size=500,
    )
    Invitation.objects.bulk_create(
        [Invitation(user_id=user_ids[row.email], invited_by=invited_by) for row in rows],
        batch_size=500,
    )
    invitation_ids = list(
        Invitation.objects.filter(user_id__in=user_ids.values()).values_list("pk", flat=True)
    )
    for start in range(0, len(invitation_ids), INVITATION_BATCH):
        tasks.send_invitations.delay_on_commit(
            invitation_ids=invitation_ids[start : start + INVITATION_BATCH]
        )
    result.created = len(rows)
    return result
