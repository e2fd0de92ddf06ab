"""Meeting sweeps: reminders before meetings, prompts for facilitators of groups that have
stopped meeting, and the weekly office digest.

Each sweep is a plan (notifications/sweeps.py): a function of `now` that returns the
notifications due now, unsaved, in a fixed number of queries. Times are each person's own.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from groups.models import GroupStatus, Membership, MembershipRole, MembershipStatus, PeerGroup
from meetings.models import Attendance, AttendanceStatus, Meeting, MeetingStatus, OfficeFlag
from notifications import sweeps
from notifications.models import Notification, NotificationKind

# Groups that meet: open ones (still taking members) as well as active ones, as the office
# dashboard counts them. Drafts have not started and closed groups are over.
RUNNING = [GroupStatus.OPEN, GroupStatus.ACTIVE]
# A group "has not met" when its last meeting is longer ago than this (DESIGN §1: monthly).
OFF_TRACK_DAYS = 31
DIGEST_LIST_LIMIT = 10
ABSENCE_LOOKBACK = timedelta(days=120)


def _when(meeting: Meeting, user: User) -> str:
    return sweeps.local_text(meeting.starts_at, user.tzinfo)


# Meeting reminders -----------------------------------------------------------------------------


def meeting_reminders_plan(*, now: datetime) -> list[Notification]:
    """Everyone active in a group (members, peer leaders, facilitators) hears about each
    scheduled meeting starting within the next MEETING_REMINDER_HOURS.

    The key holds the start time: a meeting moved after its reminder gets a new one when the
    new time comes near; a change of room does not.
    """
    lead = timedelta(hours=settings.MEETING_REMINDER_HOURS)
    meetings = list(
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + lead,
            group__status__in=RUNNING,
        )
        .select_related("group")
        .order_by("starts_at", "pk")
    )
    people = _active_people_by_group({m.group_id for m in meetings})
    return [
        _meeting_reminder(meeting, membership)
        for meeting in meetings
        for membership in people[meeting.group_id]
    ]


def _active_people_by_group(group_ids: set[int], **filters) -> dict[int, list[Membership]]:
    by_group: dict[int, list[Membership]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            group_id__in=group_ids,
            status=MembershipStatus.ACTIVE,
            user__is_active=True,
            **filters,
        )
        .select_related("user")
        .order_by("group_id", "user_id")
    )
    for membership in memberships:
        by_group[membership.group_id].append(membership)
    return by_group


def _meeting_reminder(meeting: Meeting, membership: Membership) -> Notification:
    user = membership.user
    where = [
        line
        for line in [
            _("Where: %(place)s") % {"place": meeting.place} if meeting.place else "",
            _("Video: %(link)s") % {"link": meeting.video_link} if meeting.video_link else "",
        ]
        if line
    ]
    if membership.role == MembershipRole.FACILITATOR:
        after = _("You are facilitating: log attendance, goal reviews and notes afterwards.")
    else:
        after = _(
            "Come prepared: update your goals before the meeting. If you can't come, tell the "
            "group and post an update afterwards."
        )
    body = "\n".join(
        [
            _("%(group)s meets on %(when)s.")
            % {"group": meeting.group.name, "when": _when(meeting, user)},
            *where,
            "",
            after,
        ]
    )
    local = meeting.starts_at.astimezone(user.tzinfo)
    return Notification(
        recipient=user,
        kind=NotificationKind.MEETING_REMINDER,
        subject=_("Reminder: %(group)s meets %(day)s at %(time)s")
        % {"group": meeting.group.name, "day": f"{local:%a %d %b}", "time": f"{local:%H:%M}"},
        body=body,
        link=meeting.get_absolute_url(),
        dedupe_key=(
            f"{NotificationKind.MEETING_REMINDER}:{meeting.pk}:"
            f"{int(meeting.starts_at.timestamp())}:{user.pk}"
        ),
    )


# Scheduling prompts ----------------------------------------------------------------------------


def _running_groups(now: datetime):
    """Running groups with `has_upcoming`, their last meeting that took place or should have
    (`last_meeting_id`, `last_met_at`: not cancelled, started) and `last_held_at` (logged)."""
    upcoming = Meeting.objects.upcoming(now).filter(group=OuterRef("pk"))
    last_met = (
        Meeting.objects.not_cancelled()
        .filter(group=OuterRef("pk"), starts_at__lte=now)
        .order_by("-starts_at", "-pk")
    )
    last_held = Meeting.objects.filter(group=OuterRef("pk"), status=MeetingStatus.HELD).order_by(
        "-starts_at", "-pk"
    )
    return PeerGroup.objects.filter(status__in=RUNNING).annotate(
        has_upcoming=Exists(upcoming),
        last_meeting_id=Subquery(last_met.values("pk")[:1]),
        last_met_at=Subquery(last_met.values("starts_at")[:1]),
        last_held_at=Subquery(last_held.values("starts_at")[:1]),
    )


def off_track_groups(*, now: datetime):
    """Running groups with no meeting held in the last 31 days, or none scheduled (the office
    dashboard's definition)."""
    not_met = Q(last_held_at__isnull=True) | Q(
        last_held_at__lt=now - timedelta(days=OFF_TRACK_DAYS)
    )
    return _running_groups(now).filter(not_met | Q(has_upcoming=False))


def scheduling_prompts_plan(*, now: datetime) -> list[Notification]:
    """Facilitators of a running group with no meeting in 31 days and none scheduled are asked
    to book one: at 09:00 their time on the 31st day after the last meeting, then every 31 days
    while nothing is booked. A group that has never met is asked from its first day.

    A meeting that took place but was not logged yet counts as met here: its facilitator is not
    told to book another one while the log is still due.
    """
    # A day of slack: whether 31 days have passed is decided in each facilitator's timezone.
    groups = list(
        _running_groups(now).filter(
            Q(last_met_at__isnull=True)
            | Q(last_met_at__lte=now - timedelta(days=OFF_TRACK_DAYS - 1)),
            has_upcoming=False,
        )
    )
    facilitators = _active_people_by_group({g.pk for g in groups}, role=MembershipRole.FACILITATOR)
    rows = []
    for group in groups:
        for membership in facilitators[group.pk]:
            row = _scheduling_prompt(group, membership.user, now)
            if row is not None:
                rows.append(row)
    return rows


def _scheduling_prompt(group: PeerGroup, user: User, now: datetime) -> Notification | None:
    tz = user.tzinfo
    today = sweeps.local_date(now, tz)
    if group.last_meeting_id is not None:
        anchor, first_cycle, token = (
            sweeps.local_date(group.last_met_at, tz),
            1,
            group.last_meeting_id,
        )
    else:
        anchor, first_cycle, token = sweeps.local_date(group.created_at, tz), 0, "new"
    cycle = (today - anchor).days // OFF_TRACK_DAYS
    if cycle < first_cycle:
        return None
    due_day = anchor + timedelta(days=OFF_TRACK_DAYS * cycle)
    if now < sweeps.local_moment(due_day, sweeps.PROMPT_TIME, tz):
        return None
    if group.last_meeting_id is not None:
        body = _(
            "%(group)s last met on %(day)s and has no meeting booked. Groups meet at least "
            "monthly: pick the next date (the form suggests the group's usual day and time)."
        ) % {"group": group.name, "day": f"{anchor:%a %d %b %Y}"}
    else:
        body = _("%(group)s has no meeting booked yet. Schedule its first meeting.") % {
            "group": group.name
        }
    return Notification(
        recipient=user,
        kind=NotificationKind.SCHEDULING_PROMPT,
        subject=_("Time to book the next meeting of %(group)s") % {"group": group.name},
        body=body,
        link=reverse("meetings:meeting_schedule", args=[group.pk]),
        dedupe_key=f"{NotificationKind.SCHEDULING_PROMPT}:{group.pk}:{user.pk}:{token}:{cycle}",
    )


# Office digest ---------------------------------------------------------------------------------


def office_digest_summary(*, now: datetime) -> dict:
    """What the office should look at this week. Group names and counts only: people's names
    and flag notes stay in the admin, behind sign-in, rather than in an email."""
    off_track = list(off_track_groups(now=now).select_related("cohort").order_by("name", "pk"))
    under_size = list(
        PeerGroup.objects.filter(status__in=RUNNING)
        .with_counts()
        .filter(seated_count__lt=F("cohort__min_group_size"))
        .select_related("cohort")
        .order_by("name", "pk")
    )
    flagged = set(
        OfficeFlag.objects.open()
        .filter(member__isnull=False)
        .values_list("member_id", flat=True)
        .distinct()
    )
    return {
        "now": now,
        "off_track": off_track,
        "under_size": under_size,
        "at_risk_count": len(flagged | _absent_twice(now=now)),
        "open_flags": OfficeFlag.objects.open().count(),
    }


def _absent_twice(*, now: datetime) -> set[int]:
    """Members marked absent at both of their running group's last two held meetings."""
    held = Meeting.objects.filter(
        status=MeetingStatus.HELD,
        group__status__in=RUNNING,
        starts_at__gte=now - ABSENCE_LOOKBACK,
        starts_at__lte=now,
    ).order_by("group_id", "-starts_at")
    last_two: dict[int, list[int]] = defaultdict(list)
    for meeting_id, group_id in held.values_list("pk", "group_id"):
        if len(last_two[group_id]) < 2:
            last_two[group_id].append(meeting_id)
    meeting_ids = [pk for pair in last_two.values() if len(pair) == 2 for pk in pair]
    absences: dict[int, int] = defaultdict(int)
    for user_id in Attendance.objects.filter(
        meeting_id__in=meeting_ids, status=AttendanceStatus.ABSENT
    ).values_list("user_id", flat=True):
        absences[user_id] += 1
    return {user_id for user_id, n in absences.items() if n >= 2}


def _off_track_reasons(group: PeerGroup, now: datetime) -> str:
    reasons = []
    if group.last_held_at is None:
        reasons.append(_("has not met yet"))
    elif group.last_held_at < now - timedelta(days=OFF_TRACK_DAYS):
        reasons.append(_("last met %(day)s") % {"day": f"{group.last_held_at:%d %b %Y}"})
    if not group.has_upcoming:
        reasons.append(_("no meeting booked"))
    return ", ".join(reasons)


def _digest_lines(title: str, groups: list[PeerGroup], describe) -> list[str]:
    lines = [title]
    lines += [f"- {describe(g)}" for g in groups[:DIGEST_LIST_LIMIT]]
    if len(groups) > DIGEST_LIST_LIMIT:
        lines.append(_("- and %(n)d more") % {"n": len(groups) - DIGEST_LIST_LIMIT})
    return lines


def _digest_body(summary: dict) -> str:
    lines = _digest_lines(
        _("Off track (no meeting held in 31 days, or none booked): %(n)d")
        % {"n": len(summary["off_track"])},
        summary["off_track"],
        lambda g: f"{g.name} ({g.cohort.name}): {_off_track_reasons(g, summary['now'])}",
    )
    lines += [""] + _digest_lines(
        _("Under-size: %(n)d") % {"n": len(summary["under_size"])},
        summary["under_size"],
        lambda g: (
            _("%(name)s (%(cohort)s): %(n)d of at least %(min)d members")
            % {
                "name": g.name,
                "cohort": g.cohort.name,
                "n": g.seated_count,
                "min": g.cohort.min_group_size,
            }
        ),
    )
    lines += [
        "",
        _(
            "Trainees who may need attention: %(n)d (an open office flag about them, or absent "
            "from their group's last two meetings). Open office flags: %(flags)d."
        )
        % {"n": summary["at_risk_count"], "flags": summary["open_flags"]},
        "",
        _("Details are in the office dashboard."),
    ]
    return "\n".join(lines)


def office_digest_plan(*, now: datetime) -> list[Notification]:
    """Each active staff member gets the digest weekly, from Monday 09:00 in their timezone
    (if the sweeps were down then, the first sweep later that week sends it)."""
    due: list[tuple[User, str]] = []
    for user in User.objects.filter(is_staff=True, is_active=True).order_by("pk"):
        tz = user.tzinfo
        today = sweeps.local_date(now, tz)
        monday = today - timedelta(days=today.weekday())
        if now < sweeps.local_moment(monday, sweeps.PROMPT_TIME, tz):
            continue
        year, week, _day = monday.isocalendar()
        due.append((user, f"{NotificationKind.OFFICE_DIGEST}:{user.pk}:{year}-W{week:02d}"))
    done = sweeps.existing_keys(key for _user, key in due)
    due = [(user, key) for user, key in due if key not in done]
    if not due:
        return []  # the summary costs a few queries: only build it when someone needs it
    summary = office_digest_summary(now=now)
    body = _digest_body(summary)
    subject = _(
        "Office digest: %(off)d off track, %(under)d under-size, %(risk)d need attention"
    ) % {
        "off": len(summary["off_track"]),
        "under": len(summary["under_size"]),
        "risk": summary["at_risk_count"],
    }
    return [
        Notification(
            recipient=user,
            kind=NotificationKind.OFFICE_DIGEST,
            subject=subject,
            body=body,
            link=reverse("admin:index"),
            dedupe_key=key,
        )
        for user, key in due
    ]


MEETING_REMINDERS = sweeps.Sweep(
    name="meeting_reminders",
    description="Members and facilitators of meetings starting soon",
    plan=meeting_reminders_plan,
)
SCHEDULING_PROMPTS = sweeps.Sweep(
    name="scheduling_prompts",
    description="Facilitators of running groups with no meeting in 31 days and none booked",
    plan=scheduling_prompts_plan,
)
OFFICE_DIGEST = sweeps.Sweep(
    name="office_digest",
    description="Office staff, weekly from Monday 09:00 local",
    plan=office_digest_plan,
)
SWEEPS = [MEETING_REMINDERS, SCHEDULING_PROMPTS, OFFICE_DIGEST]
