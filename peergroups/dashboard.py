"""The office dashboard: program health for one cohort and career area at a glance.

Plain selectors (no writes), each taking `now` and the filters. Every one runs a fixed number of
queries whatever the number of trainees, groups and meetings: per-group and per-person figures
are correlated subqueries on indexed columns, annotated onto one query, or grouped queries put
together in Python. Nothing here loops over groups or people issuing queries.

The rules, in one place:
- The table covers *running* groups: open (still taking members) or active; they meet.
- A group is *off track* when no meeting was held in the last 31 days (a meeting held exactly
  31 days ago still counts) or none is scheduled.
- A trainee *needs attention* when they were absent (not excused) from both of their group's last
  two held meetings, had no goal activity in 60 days (counted from when they joined, for
  newcomers), their latest mid-cycle check said no to staying in their group and no office flag
  about them was resolved since, or an office flag about them is open.
- Cancelled meetings never count; people who left a group are not judged by it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db import models
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import CareerArea, Stage, User
from goals.models import Goal, GoalCategory, GoalStatus
from groups.models import (
    SEATED_ROLES,
    Cohort,
    GroupStatus,
    Membership,
    MembershipStatus,
    PeerGroup,
)
from meetings.models import (
    Attendance,
    AttendanceStatus,
    FlagKind,
    Meeting,
    MeetingStatus,
    OfficeFlag,
)
from notifications import selectors as notification_selectors
from surveys import analytics
from surveys.models import Answer, QuestionKind, Response, Survey, SurveyKind

OFF_TRACK_AFTER = dt.timedelta(days=31)
GOAL_SILENCE = dt.timedelta(days=60)
ATTENDANCE_MEETINGS = 3  # attendance rate over a group's last three held meetings
ABSENCES_IN_A_ROW = 2
CHART_MONTHS = 12
# The shipped intake and exit surveys share these stable keys (surveys/shipped.py).
CONFIDENCE_PREFIX = "conf_"
MIXED = "mixed"
# Goals set "since the last meeting" of a group that never met: all of them.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Groups that meet: open ones (still taking members) as well as active ones. Drafts have not
# started and closed groups are over.
RUNNING = [GroupStatus.OPEN, GroupStatus.ACTIVE]


class OffTrack(models.TextChoices):
    NOT_MET = "not_met", gettext_lazy("No meeting held in the last 31 days")
    NOTHING_SCHEDULED = "nothing_scheduled", gettext_lazy("No meeting scheduled")


class Attention(models.TextChoices):
    ABSENT = "absent", gettext_lazy("Absent from the group's last two meetings")
    NO_GOAL_ACTIVITY = "no_goal_activity", gettext_lazy("No goal activity in 60 days")
    WANTS_TO_LEAVE = "wants_to_leave", gettext_lazy("Said no to staying (mid-cycle check)")
    OFFICE_FLAG = "office_flag", gettext_lazy("Open office flag")


@dataclass(frozen=True)
class Filters:
    """What the office narrowed the dashboard to: a cohort, and a career area or mixed groups."""

    cohort: Cohort | None = None
    career_area: CareerArea | None = None
    mixed: bool = False

    def groups(self, prefix: str = "") -> Q:
        """The groups in scope, as a condition on `<prefix>` (e.g. "group__" from a meeting)."""
        q = Q()
        if self.cohort is not None:
            q &= Q(**{f"{prefix}cohort": self.cohort})
        if self.mixed:
            q &= Q(**{f"{prefix}career_area__isnull": True})
        elif self.career_area is not None:
            q &= Q(**{f"{prefix}career_area": self.career_area})
        return q

    def surveys(self, prefix: str = "") -> Q:
        """Surveys sent to the cohort in scope (to the whole cohort or one of its groups)."""
        if self.cohort is None:
            return Q()
        return Q(**{f"{prefix}cohort": self.cohort}) | Q(**{f"{prefix}group__cohort": self.cohort})


def _count(queryset: QuerySet) -> Subquery:
    """A correlated COUNT(*) of `queryset` (no GROUP BY, so always exactly one row)."""
    return Subquery(
        queryset.order_by()
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n"),
        output_field=IntegerField(),
    )


def _held(group_ref: OuterRef) -> QuerySet[Meeting]:
    return Meeting.objects.filter(group=group_ref, status=MeetingStatus.HELD).order_by(
        "-starts_at", "-pk"
    )


# Group health ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupHealth:
    id: int
    name: str
    cohort: str
    career_area: str  # empty for a mixed group
    capacity: int
    size: int
    min_size: int
    last_held_at: dt.datetime | None
    next_meeting_at: dt.datetime | None
    present: int  # attendances marked present at the last three held meetings...
    recorded: int  # ...out of all recorded there (absent and excused count as not present)
    goals_set: int  # since the start of the last held meeting (ever, if it never met)
    goals_done: int
    open_flags: int
    started_at: dt.datetime  # created, or first met if earlier (groups formed on paper first)
    off_track: tuple[OffTrack, ...]

    @property
    def is_under_size(self) -> bool:
        return self.size < self.min_size

    @property
    def is_on_track(self) -> bool:
        return not self.off_track

    @property
    def attendance_rate(self) -> float | None:
        return self.present / self.recorded if self.recorded else None

    @property
    def off_track_labels(self) -> list[str]:
        return [str(reason.label) for reason in self.off_track]


def off_track_reasons(
    *, last_held_at: dt.datetime | None, next_meeting_at: dt.datetime | None, now: dt.datetime
) -> tuple[OffTrack, ...]:
    reasons = []
    if last_held_at is None or last_held_at < now - OFF_TRACK_AFTER:
        reasons.append(OffTrack.NOT_MET)
    if next_meeting_at is None:
        reasons.append(OffTrack.NOTHING_SCHEDULED)
    return tuple(reasons)


def _groups_health_queryset(*, now: dt.datetime, filters: Filters) -> QuerySet:
    group = OuterRef("pk")
    recent = _held(OuterRef(OuterRef("pk"))).values("pk")[:ATTENDANCE_MEETINGS]
    attendance = Attendance.objects.filter(meeting__in=Subquery(recent))
    upcoming = Meeting.objects.filter(
        group=group, status=MeetingStatus.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at", "pk")
    first_meeting = (
        Meeting.objects.filter(group=group)
        .not_cancelled()
        .order_by("starts_at")
        .values("starts_at")
    )
    since = OuterRef("since")
    return (
        PeerGroup.objects.filter(status__in=RUNNING)
        .filter(filters.groups())
        .annotate(
            size=_count(Membership.objects.filter(group=group, seat__isnull=False)),
            last_held_at=Subquery(_held(group).values("starts_at")[:1]),
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
            present=_count(attendance.filter(status=AttendanceStatus.PRESENT)),
            recorded=_count(attendance),
            open_flags=_count(OfficeFlag.objects.open().filter(group=group)),
        )
        .annotate(
            since=Coalesce("last_held_at", Value(EPOCH)),
            started_at=Least("created_at", Coalesce(Subquery(first_meeting[:1]), "created_at")),
        )
        .annotate(
            goals_set=_count(Goal.objects.filter(group=group, created_at__gte=since)),
            goals_done=_count(
                Goal.objects.filter(group=group, status=GoalStatus.DONE, completed_at__gte=since)
            ),
        )
        .values(
            "pk",
            "name",
            "capacity",
            "cohort__name",
            "cohort__min_group_size",
            "career_area__name",
            "size",
            "last_held_at",
            "next_meeting_at",
            "present",
            "recorded",
            "open_flags",
            "goals_set",
            "goals_done",
            "started_at",
        )
        .order_by("cohort__name", "name", "pk")
    )


def _group_health(row: dict, now: dt.datetime) -> GroupHealth:
    return GroupHealth(
        id=row["pk"],
        name=row["name"],
        cohort=row["cohort__name"],
        career_area=row["career_area__name"] or "",
        capacity=row["capacity"],
        size=row["size"],
        min_size=row["cohort__min_group_size"],
        last_held_at=row["last_held_at"],
        next_meeting_at=row["next_meeting_at"],
        present=row["present"],
        recorded=row["recorded"],
        goals_set=row["goals_set"],
        goals_done=row["goals_done"],
        open_flags=row["open_flags"],
        started_at=row["started_at"],
        off_track=off_track_reasons(
            last_held_at=row["last_held_at"], next_meeting_at=row["next_meeting_at"], now=now
        ),
    )


def groups_health(*, now: dt.datetime, filters: Filters) -> Iterator[GroupHealth]:
    """Each running group in scope with its health figures, by cohort and name. One query,
    streamed, so an export of every group never holds them all."""
    for row in _groups_health_queryset(now=now, filters=filters).iterator(chunk_size=500):
        yield _group_health(row, now)


# Sort keys offered in the table's headers; the first click sorts the way a reader scans first
# (worst first where there is a worst). A key of None (no attendance recorded, nothing booked)
# sorts last in both directions.
GROUP_SORTS = {
    "status": lambda g: (g.is_on_track, g.name.casefold()),
    "name": lambda g: g.name.casefold(),
    "cohort": lambda g: (g.cohort.casefold(), g.name.casefold()),
    "area": lambda g: (g.career_area.casefold(), g.name.casefold()),
    "size": lambda g: (g.size - g.min_size, g.size),
    "last_held": lambda g: g.last_held_at or EPOCH,  # never met: the longest ago
    "next": lambda g: g.next_meeting_at,
    "attendance": lambda g: g.attendance_rate,
    "goals_set": lambda g: g.goals_set,
    "goals_done": lambda g: g.goals_done,
    "flags": lambda g: -g.open_flags,
}
DEFAULT_GROUP_SORT = "status"


def sort_groups(groups: Iterable[GroupHealth], sort: str) -> list[GroupHealth]:
    """Sort by a key of GROUP_SORTS; a leading "-" reverses it. Unknown keys sort by status."""
    descending = sort.startswith("-")
    key = GROUP_SORTS.get(sort.removeprefix("-")) or GROUP_SORTS[DEFAULT_GROUP_SORT]
    groups = list(groups)
    # Stable: the name order from the query breaks ties.
    known = sorted((g for g in groups if key(g) is not None), key=key, reverse=descending)
    return known + [g for g in groups if key(g) is None]


# Trainees who need attention -------------------------------------------------------------------


@dataclass
class AttentionRow:
    user_id: int
    name: str
    email: str
    groups: list[tuple[int, str]] = field(default_factory=list)
    reasons: list[tuple[Attention, str]] = field(default_factory=list)

    @property
    def reason_codes(self) -> set[Attention]:
        return {reason for reason, _detail in self.reasons}


def _seated_members(filters: Filters) -> QuerySet[Membership]:
    return Membership.objects.filter(
        status=MembershipStatus.ACTIVE,
        role__in=SEATED_ROLES,
        group__status__in=RUNNING,
    ).filter(filters.groups("group__"))


def _members_queryset(*, filters: Filters) -> QuerySet:
    last_two = _held(OuterRef(OuterRef("group_id"))).values("pk")[:ABSENCES_IN_A_ROW]
    absences = Attendance.objects.filter(
        user=OuterRef("user_id"), status=AttendanceStatus.ABSENT, meeting__in=Subquery(last_two)
    )
    last_goal_activity = (
        Goal.objects.filter(owner=OuterRef("user_id")).order_by("-updated_at").values("updated_at")
    )
    return (
        _seated_members(filters)
        .annotate(
            absences=_count(absences),
            last_goal_activity=Subquery(last_goal_activity[:1]),
        )
        .values(
            "user_id",
            "user__name",
            "user__email",
            "group_id",
            "group__name",
            "joined_at",
            "absences",
            "last_goal_activity",
        )
        .order_by("user__name", "user_id", "group__name", "group_id")
    )


def _said_no(*, filters: Filters) -> dict[int, tuple[dt.datetime | None, str]]:
    """People whose latest mid-cycle check answered the question's flag choice ("no" to
    staying), unless an office flag about them was resolved since: the office has talked to
    them. Anonymous answers have no person and never count."""
    person, when = OuterRef("response__user"), OuterRef("response__submitted_at")
    later = Response.objects.filter(
        user=person,
        is_submitted=True,
        survey__kind=SurveyKind.MID_CYCLE,
        submitted_at__gt=when,
    )
    resolved_since = OfficeFlag.objects.filter(member=person, resolved_at__gte=when)
    rows = (
        Answer.objects.filter(
            response__is_submitted=True,
            response__user__in=_seated_members(filters).values("user_id"),
            response__survey__kind=SurveyKind.MID_CYCLE,
            response__survey__is_template=False,
            question__kind=QuestionKind.SINGLE,
            text=F("question__flag_choice"),
        )
        .filter(filters.surveys("response__survey__"))
        .exclude(question__flag_choice="")
        .exclude(Exists(later))
        .exclude(Exists(resolved_since))
        .values_list("response__user_id", "response__submitted_at", "response__survey__title")
    )
    return {user_id: (submitted_at, title) for user_id, submitted_at, title in rows}


def _open_flags_about_people(*, filters: Filters) -> dict[int, list[dict]]:
    flags: dict[int, list[dict]] = defaultdict(list)
    rows = (
        OfficeFlag.objects.open()
        .filter(member__isnull=False)
        .filter(filters.groups("group__"))
        .values(
            "member_id",
            "member__name",
            "member__email",
            "kind",
            "group_id",
            "group__name",
            "created_at",
        )
        .order_by("created_at", "pk")
    )
    for row in rows:
        flags[row["member_id"]].append(row)
    return flags


def _flag_detail(flag: dict) -> str:
    return _("%(kind)s, %(group)s, raised %(date)s") % {
        "kind": FlagKind(flag["kind"]).label,
        "group": flag["group__name"],
        "date": timezone.localdate(flag["created_at"]).isoformat(),
    }


def trainees_needing_attention(*, now: dt.datetime, filters: Filters) -> Iterator[AttentionRow]:
    """Members of running groups in scope (and anyone an open office flag is about) who need a
    call, each with the reasons. Three queries; the members are streamed, by name."""
    said_no = _said_no(filters=filters)
    flags = _open_flags_about_people(filters=filters)
    silent_since = now - GOAL_SILENCE
    seen: set[int] = set()
    members = _members_queryset(filters=filters).iterator(chunk_size=1000)
    for user_id, memberships in groupby(members, key=lambda m: m["user_id"]):
        memberships = list(memberships)
        seen.add(user_id)
        first = memberships[0]
        row = AttentionRow(
            user_id=user_id,
            name=first["user__name"] or first["user__email"],
            email=first["user__email"],
            groups=[(m["group_id"], m["group__name"]) for m in memberships],
        )
        for m in memberships:
            if m["absences"] >= ABSENCES_IN_A_ROW:
                row.reasons.append((Attention.ABSENT, m["group__name"]))
        # Newcomers get 60 days from joining before silence counts against them.
        joined = min(m["joined_at"] for m in memberships)
        last_activity = max(filter(None, [first["last_goal_activity"], joined]), default=None)
        if last_activity is None or last_activity < silent_since:
            detail = (
                _("last %(date)s") % {"date": timezone.localdate(first["last_goal_activity"])}
                if first["last_goal_activity"]
                else _("no goals yet")
            )
            row.reasons.append((Attention.NO_GOAL_ACTIVITY, detail))
        if user_id in said_no:
            submitted_at, title = said_no[user_id]
            when = f", {timezone.localdate(submitted_at).isoformat()}" if submitted_at else ""
            row.reasons.append((Attention.WANTS_TO_LEAVE, f"{title}{when}"))
        for flag in flags.get(user_id, []):
            row.reasons.append((Attention.OFFICE_FLAG, _flag_detail(flag)))
        if row.reasons:
            yield row
    # Flags about people who are no longer seated in a running group (they left, or the group
    # closed): a facilitator asked the office to look, so they stay on the list.
    for member_id, member_flags in sorted(
        flags.items(), key=lambda item: (item[1][0]["member__name"], item[0])
    ):
        if member_id in seen:
            continue
        first = member_flags[0]
        yield AttentionRow(
            user_id=member_id,
            name=first["member__name"] or first["member__email"],
            email=first["member__email"],
            groups=list(dict.fromkeys((f["group_id"], f["group__name"]) for f in member_flags)),
            reasons=[(Attention.OFFICE_FLAG, _flag_detail(f)) for f in member_flags],
        )


# Headline figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    trainees: int
    placed: int
    waiting: int  # unplaced, but on a waitlist
    groups_by_status: dict[str, int]
    running_groups: int
    on_track: int
    under_size: int
    open_flags: int
    needing_attention: int

    @property
    def unplaced(self) -> int:
        return self.trainees - self.placed

    @property
    def on_track_share(self) -> float | None:
        return self.on_track / self.running_groups if self.running_groups else None

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        return [
            (label, self.groups_by_status.get(value, 0)) for value, label in GroupStatus.choices
        ]


def trainee_counts(*, filters: Filters) -> dict[str, int]:
    """Trainees (active, not staff, with a profile; with a career area chosen: those interested
    in it), how many hold a seat in an open or active group of the cohort, and how many of the
    rest wait on a waitlist. One query."""
    pool = User.objects.filter(is_active=True, is_staff=False, profile__isnull=False)
    if filters.career_area is not None and not filters.mixed:
        pool = pool.filter(profile__interests__career_area=filters.career_area)
    current = Membership.objects.filter(user=OuterRef("pk"), group__status__in=RUNNING)
    if filters.cohort is not None:
        current = current.filter(group__cohort=filters.cohort)
    return pool.annotate(
        is_placed=Exists(current.filter(status=MembershipStatus.ACTIVE, role__in=SEATED_ROLES)),
        is_waiting=Exists(current.filter(status=MembershipStatus.WAITLISTED)),
    ).aggregate(
        trainees=Count("pk"),
        placed=Count("pk", filter=Q(is_placed=True)),
        waiting=Count("pk", filter=Q(is_placed=False, is_waiting=True)),
    )


def groups_by_status(*, filters: Filters) -> dict[str, int]:
    rows = (
        PeerGroup.objects.filter(filters.groups())
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return dict(rows)


def headline(
    *,
    filters: Filters,
    groups: list[GroupHealth],
    attention: list[AttentionRow],
) -> Headline:
    """The figures at the top, from two count queries and the already computed tables."""
    counts = trainee_counts(filters=filters)
    return Headline(
        trainees=counts["trainees"],
        placed=counts["placed"],
        waiting=counts["waiting"],
        groups_by_status=groups_by_status(filters=filters),
        running_groups=len(groups),
        on_track=sum(g.is_on_track for g in groups),
        under_size=sum(g.is_under_size for g in groups),
        open_flags=sum(g.open_flags for g in groups),
        needing_attention=len(attention),
    )


# Charts ----------------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def chart_months(*, now: dt.datetime, filters: Filters) -> list[dt.date]:
    """The first day of each month shown: the last twelve, or the cohort's months within
    them (ending with the cohort, for a cohort that is over)."""
    last = timezone.localdate(now).replace(day=1)
    if filters.cohort is not None and filters.cohort.end_date < last:
        last = filters.cohort.end_date.replace(day=1)
    first = _add_months(last, 1 - CHART_MONTHS)
    if filters.cohort is not None:
        start = filters.cohort.start_date.replace(day=1)
        if first < start <= last:
            first = start
    months = [first]
    while months[-1] < last:
        months.append(_add_months(months[-1], 1))
    return months


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_key(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.replace(day=1)


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    meetings_held: int
    target: int
    goals_set: int
    goals_done: int

    @property
    def completion_rate(self) -> float | None:
        return self.goals_done / self.goals_set if self.goals_set else None


def monthly(*, now: dt.datetime, filters: Filters, groups: list[GroupHealth]) -> list[MonthRow]:
    """Per month: meetings held against the target (one per running group that had started by
    the month's end; today's running groups, as group status keeps no history), goals set that
    month and how many of those are done. Two grouped queries."""
    months = chart_months(now=now, filters=filters)
    start, end = _local_start(months[0]), _local_start(_add_months(months[-1], 1))
    held = (
        Meeting.objects.filter(status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end)
        .filter(filters.groups("group__"))
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    goals = (
        Goal.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(filters.groups("group__"))
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=GoalStatus.DONE)))
        .values_list("month", "n", "done")
    )
    held_by_month: dict[dt.date, int] = defaultdict(int)
    for month, n in held:
        held_by_month[_month_key(month)] += n
    goals_by_month: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for month, n, done in goals:
        goals_by_month[_month_key(month)][0] += n
        goals_by_month[_month_key(month)][1] += done
    return [
        MonthRow(
            month=month,
            meetings_held=held_by_month[month],
            target=sum(g.started_at < _local_start(_add_months(month, 1)) for g in groups),
            goals_set=goals_by_month[month][0],
            goals_done=goals_by_month[month][1],
        )
        for month in months
    ]


def goals_by_category(*, now: dt.datetime, filters: Filters) -> list[tuple[str, int, int]]:
    """(category, goals set, done) over the charts' months, every category listed. One query."""
    months = chart_months(now=now, filters=filters)
    start, end = _local_start(months[0]), _local_start(_add_months(months[-1], 1))
    rows = (
        Goal.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(filters.groups("group__"))
        .order_by()
        .values("category")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=GoalStatus.DONE)))
        .values_list("category", "n", "done")
    )
    counts = {category: (n, done) for category, n, done in rows}
    return [(label, *counts.get(value, (0, 0))) for value, label in GoalCategory.choices]


@dataclass(frozen=True)
class ConfidenceItem:
    key: str
    text: str
    change: analytics.PairedChange

    @property
    def label(self) -> str:
        return self.key.removeprefix(CONFIDENCE_PREFIX).replace("_", " ").capitalize()


def _confidence_pairs(
    *, filters: Filters
) -> tuple[dict[tuple[object, str], dict[int, tuple[float, float]]], dict[str, str]]:
    """Paired (before, after) confidence answers per (cohort, item): each identified survey
    with a baseline (the exit survey, usually, against the intake), person by person. One
    query reads the follow-ups' answers and their baselines' together."""
    followups = Survey.objects.filter(
        is_template=False,
        is_anonymous=False,
        baseline__isnull=False,
        baseline__is_anonymous=False,
    ).filter(filters.surveys())
    answers = Answer.objects.filter(
        Q(response__survey__in=followups) | Q(response__survey__in=followups.values("baseline")),
        response__is_submitted=True,
        response__user__isnull=False,
        question__kind=QuestionKind.LIKERT,
        question__key__startswith=CONFIDENCE_PREFIX,
        number__isnull=False,
    )
    if filters.career_area is not None or filters.mixed:
        people = Membership.objects.filter(filters.groups("group__")).values("user_id")
        answers = answers.filter(response__user__in=people)
    rows = list(
        answers.annotate(
            cohort_id=Coalesce("response__survey__cohort_id", "response__survey__group__cohort_id"),
            is_followup=Exists(followups.filter(pk=OuterRef("response__survey_id"))),
        ).values_list(
            "response__survey_id",
            "response__survey__baseline_id",
            "response__survey__kind",
            "cohort_id",
            "is_followup",
            "response__user_id",
            "question__key",
            "question__text",
            "number",
        )
    )
    before = {(row[0], row[5], row[6]): row[8] for row in rows}
    pairs: dict[tuple[object, str], dict[int, tuple[float, float]]] = defaultdict(dict)
    texts: dict[str, str] = {}
    # Exit surveys last, so a person's exit answer wins over an earlier follow-up's.
    followup_rows = sorted((row for row in rows if row[4]), key=lambda r: r[2] == SurveyKind.EXIT)
    for _survey, baseline_id, _kind, cohort_id, _f, user_id, key, text, number in followup_rows:
        texts.setdefault(key, text)
        pre = before.get((baseline_id, user_id, key))
        if pre is not None:
            pairs[(cohort_id, key)][user_id] = (pre, number)
    return pairs, texts


def confidence_change(*, filters: Filters) -> list[ConfidenceItem]:
    """Pre/post change on the confidence items, paired person by person; items with fewer than
    five pairs are suppressed (see surveys/analytics.py)."""
    pairs, texts = _confidence_pairs(filters=filters)
    by_key: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (_cohort, key), people in pairs.items():
        by_key[key].extend(people.values())
    return [
        ConfidenceItem(key=key, text=texts[key], change=analytics.paired_change(by_key[key]))
        for key in sorted(by_key)
    ]


def chart_data(
    *,
    months: list[MonthRow],
    categories: list[tuple[str, int, int]],
    confidence: list[ConfidenceItem],
) -> dict:
    """What static/js/dashboard.js draws; the page shows the same figures as tables."""
    shown = [item for item in confidence if not item.change.is_suppressed]
    return {
        "meetings": {
            "canvas": "chart-meetings",
            "labels": [f"{row.month:%b %Y}" for row in months],
            "held": [row.meetings_held for row in months],
            "target": [row.target for row in months],
            "held_label": _("Meetings held"),
            "target_label": _("Target (one per running group)"),
        },
        "completion": {
            "canvas": "chart-completion",
            "labels": [f"{row.month:%b %Y}" for row in months],
            "values": [
                None if row.completion_rate is None else round(100 * row.completion_rate, 1)
                for row in months
            ],
            "label": _("Goals set that month and done (%)"),
        },
        "categories": {
            "canvas": "chart-categories",
            "labels": [str(label) for label, _n, _done in categories],
            "set": [n for _label, n, _done in categories],
            "done": [done for _label, _n, done in categories],
            "set_label": _("Goals set"),
            "done_label": _("Done"),
        },
        "confidence": {
            "canvas": "chart-confidence",
            "labels": [item.label for item in shown],
            "before": [round(item.change.mean_pre, 2) for item in shown],
            "after": [round(item.change.mean_post, 2) for item in shown],
            "before_label": _("Before (mean, 1–5)"),
            "after_label": _("After (mean, 1–5)"),
        }
        if shown
        else None,
    }


# Emails and sweeps ----------------------------------------------------------------------------


def email_status(*, now: dt.datetime) -> dict:
    """Email counts (pending, retrying, failed...) and the latest reminder sweep, from the
    notifications app's own selectors (its operations page has the details). Two queries."""
    counts = notification_selectors.notifications_email_counts(now=now)
    runs = notification_selectors.sweep_runs_latest()
    return {
        **counts,
        "last_sweep": max(runs, key=lambda run: run.started_at, default=None),
        "failed_sweeps": [run.name for run in runs if run.error],
    }


# Everything on the page ------------------------------------------------------------------------


# Rows each table shows before "show all": the first screen is for the worst cases; the CSV
# reports have everything.
PAGE_ROWS = 100


def office_dashboard(
    *,
    now: dt.datetime,
    filters: Filters,
    sort: str = DEFAULT_GROUP_SORT,
    rows: int | None = PAGE_ROWS,
) -> dict:
    """The dashboard's context: headline figures, group health, attention list and charts.
    The figures count every group and person; the tables show the first `rows` of each."""
    groups = list(groups_health(now=now, filters=filters))
    attention = sorted(
        trainees_needing_attention(now=now, filters=filters),
        key=lambda row: (-len(row.reasons), row.name.casefold(), row.user_id),
    )
    months = monthly(now=now, filters=filters, groups=groups)
    categories = goals_by_category(now=now, filters=filters)
    confidence = confidence_change(filters=filters)
    return {
        "headline": headline(filters=filters, groups=groups, attention=attention),
        "groups": sort_groups(groups, sort)[:rows],
        "attention": attention[:rows],
        "months": months,
        "categories": categories,
        "confidence": confidence,
        "chart_data": chart_data(months=months, categories=categories, confidence=confidence),
        "email_status": email_status(now=now),
        "min_cell": analytics.MIN_CELL,
    }


# Reports ---------------------------------------------------------------------------------------

GROUP_HEALTH_HEADER = [
    "group_id",
    "group",
    "cohort",
    "career_area",
    "members",
    "min_size",
    "capacity",
    "under_size",
    "last_meeting_held",
    "next_meeting",
    "attendance_rate_last_3",
    "present_last_3",
    "recorded_last_3",
    "goals_set_since_last_meeting",
    "goals_done_since_last_meeting",
    "open_office_flags",
    "on_track",
    "off_track_reasons",
]


def groups_health_rows(*, now: dt.datetime, filters: Filters) -> Iterator[list]:
    for g in groups_health(now=now, filters=filters):
        rate = g.attendance_rate
        yield [
            g.id,
            g.name,
            g.cohort,
            g.career_area or _("Mixed"),
            g.size,
            g.min_size,
            g.capacity,
            g.is_under_size,
            g.last_held_at,
            g.next_meeting_at,
            None if rate is None else round(rate, 3),
            g.present,
            g.recorded,
            g.goals_set,
            g.goals_done,
            g.open_flags,
            g.is_on_track,
            "; ".join(g.off_track_labels),
        ]


ATTENTION_HEADER = ["name", "email", "groups", "reasons", "details"]


def attention_rows(*, now: dt.datetime, filters: Filters) -> Iterator[list]:
    for row in trainees_needing_attention(now=now, filters=filters):
        yield [
            row.name,
            row.email,
            "; ".join(name for _pk, name in row.groups),
            "; ".join(str(reason.label) for reason, _detail in row.reasons),
            "; ".join(f"{reason.label}: {detail}" for reason, detail in row.reasons),
        ]


COHORT_SUMMARY_HEADER = ["cohort", "measure", "breakdown", "value"]


def cohort_summary_rows(*, filters: Filters) -> Iterator[list]:
    """Counts a program puts in its annual report, one long-format row per figure and cohort:
    participants by stage and career area, groups, meetings held, attendance, goals set and
    completed, confidence change. A fixed number of grouped queries over all cohorts at once."""
    cohorts = Cohort.objects.order_by("start_date", "name")
    if filters.cohort is not None:
        cohorts = cohorts.filter(pk=filters.cohort.pk)
    cohorts = list(cohorts.values_list("pk", "name"))
    scope = filters.groups("group__")
    # Participants: everyone who held a seat (still, or until they left) in a published group.
    seats = Membership.objects.filter(
        scope, role__in=SEATED_ROLES, joined_at__isnull=False
    ).exclude(group__status=GroupStatus.DRAFT)
    per_cohort = (
        seats.order_by()
        .values("group__cohort")
        .annotate(
            n=Count("user", distinct=True),
            left=Count("user", distinct=True, filter=Q(status=MembershipStatus.LEFT)),
        )
    )
    participants = {row["group__cohort"]: row for row in per_cohort}
    stages = dict(Stage.choices)
    by_stage = defaultdict(list)
    for cohort_id, stage, n in (
        seats.order_by()
        .values("group__cohort", "user__profile__stage")
        .annotate(n=Count("user", distinct=True))
        .values_list("group__cohort", "user__profile__stage", "n")
        .order_by("user__profile__stage")
    ):
        by_stage[cohort_id].append((str(stages.get(stage, _("Not given"))), n))
    by_area = defaultdict(list)
    for cohort_id, area, n in (
        seats.order_by()
        .values("group__cohort", "group__career_area__name")
        .annotate(n=Count("user", distinct=True))
        .values_list("group__cohort", "group__career_area__name", "n")
        .order_by("group__career_area__name")
    ):
        by_area[cohort_id].append((area or _("Mixed"), n))
    groups = defaultdict(dict)
    for cohort_id, status, n in (
        PeerGroup.objects.filter(filters.groups())
        .order_by()
        .values("cohort", "status")
        .annotate(n=Count("pk"))
        .values_list("cohort", "status", "n")
    ):
        groups[cohort_id][status] = n
    meetings = dict(
        Meeting.objects.filter(scope, status=MeetingStatus.HELD)
        .order_by()
        .values("group__cohort")
        .annotate(n=Count("pk"))
        .values_list("group__cohort", "n")
    )
    attendance = {
        row["meeting__group__cohort"]: row
        for row in Attendance.objects.filter(
            filters.groups("meeting__group__"), meeting__status=MeetingStatus.HELD
        )
        .order_by()
        .values("meeting__group__cohort")
        .annotate(
            present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)), recorded=Count("pk")
        )
    }
    goals = {
        row["group__cohort"]: row
        for row in Goal.objects.filter(scope)
        .order_by()
        .values("group__cohort")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=GoalStatus.DONE)))
    }
    pairs, _texts = _confidence_pairs(filters=filters)

    for cohort_id, name in cohorts:
        p = participants.get(cohort_id, {"n": 0, "left": 0})
        yield [name, "participants", "all", p["n"]]
        yield [name, "participants", "left their group", p["left"]]
        for label, n in by_stage[cohort_id]:
            yield [name, "participants", f"stage: {label}", n]
        for label, n in by_area[cohort_id]:
            yield [name, "participants", f"career area: {label}", n]
        for value, label in GroupStatus.choices:
            yield [name, "groups", str(label).lower(), groups[cohort_id].get(value, 0)]
        yield [name, "meetings held", "all", meetings.get(cohort_id, 0)]
        a = attendance.get(cohort_id, {"present": 0, "recorded": 0})
        yield [name, "attendance", "present", a["present"]]
        yield [name, "attendance", "recorded", a["recorded"]]
        rate = round(a["present"] / a["recorded"], 3) if a["recorded"] else None
        yield [name, "attendance", "rate", rate]
        g = goals.get(cohort_id, {"n": 0, "done": 0})
        yield [name, "goals", "set", g["n"]]
        yield [name, "goals", "completed", g["done"]]
        yield [name, "goals", "completion rate", round(g["done"] / g["n"], 3) if g["n"] else None]
        for (pair_cohort, key), people in sorted(pairs.items(), key=lambda item: item[0][1]):
            if pair_cohort != cohort_id:
                continue
            change = analytics.paired_change(list(people.values()))
            measure = f"confidence change: {key}"
            yield [name, measure, "people paired", change.n]
            if change.is_suppressed:
                yield [name, measure, "suppressed", f"fewer than {analytics.MIN_CELL} people"]
                continue
            yield [name, measure, "mean before", round(change.mean_pre, 3)]
            yield [name, measure, "mean after", round(change.mean_post, 3)]
            yield [name, measure, "mean change", round(change.mean_change, 3)]
            yield [name, measure, "share improved", round(change.share_improved, 3)]
