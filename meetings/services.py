"""Writes for meetings: scheduling, changes, cancelling, the meeting log and calendar feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from accounts.models import User
from goals import services as goal_services
from goals.models import Goal
from groups.models import (
    Cadence,
    GroupStatus,
    Membership,
    MembershipRole,
    MembershipStatus,
    PeerGroup,
)
from meetings.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Meeting,
    MeetingStatus,
    OfficeFlag,
    new_calendar_token,
)
from notifications import services as notification_services
from notifications.models import NotificationKind

DEFAULT_DURATION_MINUTES = 90
CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 28}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SCHEDULABLE_GROUP_STATUSES = [GroupStatus.OPEN, GroupStatus.ACTIVE]


class MeetingError(Exception):
    """A rule about meetings was broken; the message is safe to show."""


# Agenda ----------------------------------------------------------------------------------------


def agenda_default(*, members: int, duration_minutes: int) -> str:
    """The shipped agenda, with goal-review minutes per member from the group's size."""
    fixed = 5 + 8 + 10 + 10 + 5
    review = max(duration_minutes - fixed, 10)
    each = max(review // max(members, 1), 1)
    return _(
        "1. Open and restate the group norms (5 min)\n"
        "2. Check-in round: one win each (8 min)\n"
        "3. Goal review round, about {each} min each: done, partly or not; what you learned; "
        "suggestions from the group ({review} min)\n"
        "4. Spotlight: a member's problem, shared postings and events, or a guest (10 min)\n"
        "5. New goals: 1 to 3 SMART goals each, due at the next meeting (10 min)\n"
        "6. Close: book the next date and answer the one-minute pulse (5 min)"
    ).format(each=each, review=review)


def _seated_count(group: PeerGroup) -> int:
    return group.memberships.filter(
        status=MembershipStatus.ACTIVE,
        role__in=[MembershipRole.MEMBER, MembershipRole.PEER_LEADER],
    ).count()


# Scheduling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFields:
    starts_at: datetime
    duration_minutes: int
    place: str = ""
    video_link: str = ""
    agenda: str = ""


def meeting_proposal(*, group: PeerGroup, tz: ZoneInfo, now: datetime) -> dict:
    """Form defaults for the next meeting: the group's usual day, time and place, at the
    cohort's cadence after the last meeting (or the next such weekday)."""
    last = group.meetings.not_cancelled().order_by("-starts_at").first()
    usual_time = group.meeting_time or time(17, 30)
    today = now.astimezone(tz).date()
    if last is not None:
        day = last.starts_at.astimezone(tz).date() + timedelta(
            days=CADENCE_DAYS.get(group.cohort.cadence, 28)
        )
        day = max(day, today + timedelta(days=1))
    else:
        day = today + timedelta(days=1)
    if group.meeting_day in WEEKDAYS:
        day += timedelta(days=(WEEKDAYS.index(group.meeting_day) - day.weekday()) % 7)
    duration = last.duration_minutes if last else DEFAULT_DURATION_MINUTES
    return {
        "date": day,
        "time": usual_time,
        "duration_minutes": duration,
        "place": group.meeting_place,
        "video_link": group.video_link,
        "agenda": agenda_default(members=_seated_count(group), duration_minutes=duration),
    }


def _people_to_tell(group: PeerGroup) -> list[User]:
    return [
        m.user
        for m in group.memberships.filter(status=MembershipStatus.ACTIVE).select_related("user")
    ]


def _notify(
    *, meeting: Meeting, kind: str, subject: str, body: str, key: str, exclude: User | None = None
) -> None:
    """Tell the group; `body` may hold {when}, written in each person's own timezone."""
    for user in _people_to_tell(meeting.group):
        if exclude is not None and user.pk == exclude.pk:
            continue
        when = dj_timezone.localtime(meeting.starts_at, user.tzinfo)
        notification_services.notification_create(
            recipient=user,
            kind=kind,
            subject=subject,
            body=body.format(when=f"{when:%a %d %b %Y, %H:%M} ({user.tzinfo.key})"),
            link=meeting.get_absolute_url(),
            dedupe_key=f"{key}:{meeting.pk}:{meeting.sequence}:{user.pk}",
        )


@transaction.atomic
def meeting_schedule(
    *, group: PeerGroup, fields: MeetingFields, created_by: User | None, now: datetime
) -> Meeting:
    """Schedule a meeting; goals still waiting for a meeting will be reviewed at it."""
    if group.status not in SCHEDULABLE_GROUP_STATUSES:
        raise MeetingError(_("Only an open or active group can schedule meetings."))
    if not 15 <= fields.duration_minutes <= 240:
        raise MeetingError(_("A meeting lasts between 15 minutes and 4 hours."))
    meeting = Meeting.objects.create(
        group=group,
        starts_at=fields.starts_at,
        ends_at=fields.starts_at + timedelta(minutes=fields.duration_minutes),
        place=fields.place,
        video_link=fields.video_link,
        agenda=fields.agenda
        or agenda_default(members=_seated_count(group), duration_minutes=fields.duration_minutes),
        created_by=created_by,
    )
    goal_services.goals_attach_to_meeting(meeting=meeting)
    if meeting.starts_at > now:
        # A meeting entered after the fact (to log it) is news to nobody.
        _notify(
            meeting=meeting,
            kind=NotificationKind.MEETING_SCHEDULED,
            subject=_("New meeting of %(group)s") % {"group": group.name},
            body=_("Your group meets on {when}."),
            key="meeting_scheduled",
            exclude=created_by,
        )
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, fields: MeetingFields, now: datetime, by: User | None = None
) -> Meeting:
    """Change or reschedule a scheduled meeting; members hear about a new time."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.is_scheduled:
        raise MeetingError(_("Only a scheduled meeting can be changed."))
    if not 15 <= fields.duration_minutes <= 240:
        raise MeetingError(_("A meeting lasts between 15 minutes and 4 hours."))
    moved = meeting.starts_at != fields.starts_at
    meeting.starts_at = fields.starts_at
    meeting.ends_at = fields.starts_at + timedelta(minutes=fields.duration_minutes)
    meeting.place = fields.place
    meeting.video_link = fields.video_link
    meeting.agenda = fields.agenda or agenda_default(
        members=_seated_count(meeting.group), duration_minutes=fields.duration_minutes
    )
    meeting.sequence += 1
    meeting.save()
    if moved:
        goal_services.goals_follow_meeting(meeting=meeting)
        _notify(
            meeting=meeting,
            kind=NotificationKind.MEETING_CHANGED,
            subject=_("Meeting of %(group)s moved") % {"group": meeting.group.name},
            body=_("The meeting is now on {when}."),
            key="meeting_changed",
            exclude=by,
        )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, now: datetime, by: User | None = None) -> Meeting:
    """Cancel a scheduled meeting; members are told and its goals move to the next one."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        return meeting
    if meeting.is_held:
        raise MeetingError(_("A meeting that was held cannot be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    goal_services.goals_detach_from_meeting(meeting=meeting, now=now)
    _notify(
        meeting=meeting,
        kind=NotificationKind.MEETING_CANCELLED,
        subject=_("Meeting of %(group)s cancelled") % {"group": meeting.group.name},
        body=_("The meeting on {when} is cancelled."),
        key="meeting_cancelled",
        exclude=by,
    )
    return meeting


# The meeting log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewInput:
    goal: Goal
    outcome: str
    learned: str = ""
    blocker: str = ""


@dataclass(frozen=True)
class FlagInput:
    kind: str
    note: str = ""
    member: User | None = None


def meeting_members(meeting: Meeting) -> list[Membership]:
    """Who is expected at a meeting: the group's active members and peer leaders."""
    return list(
        meeting.group.memberships.filter(
            status=MembershipStatus.ACTIVE,
            role__in=[MembershipRole.MEMBER, MembershipRole.PEER_LEADER],
        ).select_related("user")
    )


def goals_due_at(meeting: Meeting) -> list[Goal]:
    """Group-visible goals due at the meeting; private goals are for their owners alone."""
    return list(
        Goal.objects.filter(due_meeting=meeting)
        .visible_to_group()
        .select_related("owner")
        .order_by("owner__name", "pk")
    )


@transaction.atomic
def meeting_log_save(
    *,
    meeting: Meeting,
    by: User,
    attendance: dict[int, str],
    reviews: list[ReviewInput],
    summary: str,
    private_notes: str,
    flags: list[FlagInput],
    now: datetime,
) -> Meeting:
    """Save the facilitator's log: attendance, goal reviews, notes and office flags.

    Saving marks the meeting held; `held_at` keeps the first time, so saving again corrects the
    log without moving it.
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        raise MeetingError(_("A cancelled meeting has no log."))
    if meeting.starts_at > now:
        raise MeetingError(_("A meeting can be logged once it has started."))
    member_ids = {m.user_id for m in meeting_members(meeting)}
    for user_id, status in attendance.items():
        if user_id not in member_ids:
            raise MeetingError(_("Attendance can only be recorded for the group's members."))
        if status not in AttendanceStatus.values:
            raise MeetingError(_("Unknown attendance status."))
        defaults = {"status": status}
        if status == AttendanceStatus.PRESENT:
            # An update is for missing the meeting: someone marked present after posting one
            # loses it (the database allows no update on a "present" row).
            defaults.update(async_update="", async_update_at=None)
        Attendance.objects.update_or_create(meeting=meeting, user_id=user_id, defaults=defaults)
    for review in reviews:
        if review.goal.due_meeting_id != meeting.pk:
            raise MeetingError(_("Only goals due at this meeting can be reviewed in its log."))
        goal_services.goal_review_record(
            goal=review.goal,
            meeting=meeting,
            outcome=review.outcome,
            learned=review.learned,
            blocker=review.blocker,
            reviewed_by=by,
            now=now,
        )
    OfficeFlag.objects.bulk_create(
        OfficeFlag(
            meeting=meeting,
            group=meeting.group,
            member=flag.member,
            kind=flag.kind,
            note=flag.note,
            raised_by=by,
        )
        for flag in flags
    )
    meeting.summary = summary
    meeting.private_notes = private_notes
    if not meeting.is_held:
        meeting.status = MeetingStatus.HELD
        meeting.held_at = now
    meeting.save(update_fields=["summary", "private_notes", "status", "held_at", "updated_at"])
    return meeting


@transaction.atomic
def attendance_post_update(*, meeting: Meeting, user: User, text: str, now: datetime) -> Attendance:
    """A member who missed a held meeting tells the group how their goals went."""
    attendance = (
        Attendance.objects.select_for_update()
        .filter(meeting=meeting, user=user)
        .exclude(status=AttendanceStatus.PRESENT)
        .first()
    )
    if attendance is None:
        raise MeetingError(_("Updates are for members who missed the meeting."))
    attendance.async_update = text.strip()
    attendance.async_update_at = now if attendance.async_update else None
    attendance.save(update_fields=["async_update", "async_update_at", "updated_at"])
    return attendance


# Calendar --------------------------------------------------------------------------------------


def calendar_feed_for(user: User) -> CalendarFeed:
    """The person's feed; made on first use (a POST edge calls this, never a GET)."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    feed = calendar_feed_for(user)
    feed.token = new_calendar_token()
    feed.save(update_fields=["token", "updated_at"])
    return feed


def local_date(value: datetime, tz: ZoneInfo) -> date:
    return dj_timezone.localtime(value, tz).date()
