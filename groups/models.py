from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import CareerArea
from peergroups.lib.models import TimeStampedModel

# The hard ceiling the database accepts; each cohort sets its own bounds (5-8 by default).
MAX_GROUP_CAPACITY = 12
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_MAX_GROUP_SIZE = 8

DEFAULT_NORMS = """\
- Confidentiality: what is said in the group stays in the group.
- Equal airtime: everyone gets a turn.
- Every career outcome is legitimate.
- Come prepared: update your goals before the meeting.
- If you can't come, tell the group and post an update.
- Feedback is specific, kind and actionable.
- No gossip about PIs or colleagues.
- No recruiting or selling."""


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class Weekday(models.TextChoices):
    MON = "mon", _("Monday")
    TUE = "tue", _("Tuesday")
    WED = "wed", _("Wednesday")
    THU = "thu", _("Thursday")
    FRI = "fri", _("Friday")
    SAT = "sat", _("Saturday")
    SUN = "sun", _("Sunday")


class GroupStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for joining")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    PEER_LEADER = "peer_leader", _("Peer leader")
    FACILITATOR = "facilitator", _("Facilitator")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WAITLISTED = "waitlisted", _("Waitlisted")
    LEFT = "left", _("Left")


# Roles that take one of the group's seats; facilitators sit outside the 5-8.
SEATED_ROLES = [MembershipRole.MEMBER, MembershipRole.PEER_LEADER]
CURRENT_STATUSES = [MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED]


class Cohort(TimeStampedModel):
    """A round of the program, such as "Spring 2027"."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=DEFAULT_MIN_GROUP_SIZE,
        help_text=_("Groups with fewer active members are flagged as under-size."),
    )
    max_group_size = models.PositiveSmallIntegerField(
        _("maximum group size"),
        default=DEFAULT_MAX_GROUP_SIZE,
        help_text=_("No group in the cohort may have more seats. Facilitators don't count."),
    )
    cadence = models.CharField(
        _("target cadence"), max_length=10, choices=Cadence, default=Cadence.MONTHLY
    )
    is_self_join_allowed = models.BooleanField(
        _("trainees may join groups themselves"),
        default=True,
        help_text=_("If off, only the office places people in this cohort's groups."),
    )
    max_groups_per_trainee = models.PositiveSmallIntegerField(
        _("groups per trainee"),
        default=2,
        help_text=_("How many groups of this cohort one trainee may be in (or waiting for)."),
    )

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="cohort_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(
                    min_group_size__gte=1,
                    min_group_size__lte=F("max_group_size"),
                    max_group_size__lte=MAX_GROUP_CAPACITY,
                ),
                name="cohort_size_bounds",
            ),
            models.CheckConstraint(
                condition=Q(max_groups_per_trainee__gte=1), name="cohort_max_groups_positive"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=Cadence.values), name="cohort_cadence_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PeerGroupQuerySet(models.QuerySet["PeerGroup"]):
    def joinable(self) -> PeerGroupQuerySet:
        """Groups a trainee may join on their own (or wait for)."""
        return self.filter(status=GroupStatus.OPEN, cohort__is_self_join_allowed=True)

    def with_counts(self) -> PeerGroupQuerySet:
        """Annotate `seated_count` (members holding a seat), `seats_left` and `waitlist_count`."""
        return self.annotate(
            seated_count=Count("memberships", filter=Q(memberships__seat__isnull=False)),
            waitlist_count=Count(
                "memberships", filter=Q(memberships__status=MembershipStatus.WAITLISTED)
            ),
        ).annotate(seats_left=F("capacity") - F("seated_count"))


class PeerGroup(TimeStampedModel):
    """A Peer Career Exploration Group: 5-8 trainees in one career area, or mixed."""

    cohort = models.ForeignKey(
        Cohort, models.PROTECT, related_name="groups", verbose_name=_("cohort")
    )
    name = models.CharField(_("name"), max_length=120)
    career_area = models.ForeignKey(
        CareerArea,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="peer_groups",
        verbose_name=_("career area"),
        help_text=_("Leave empty for a mixed group."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GroupStatus, default=GroupStatus.DRAFT
    )
    capacity = models.PositiveSmallIntegerField(
        _("seats"),
        default=DEFAULT_MAX_GROUP_SIZE,
        help_text=_("Members and peer leaders; facilitators don't take a seat."),
    )
    meeting_day = models.CharField(
        _("usual meeting day"), max_length=3, choices=Weekday, blank=True
    )
    meeting_time = models.TimeField(_("usual meeting time"), null=True, blank=True)
    meeting_place = models.CharField(_("usual place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    norms = models.TextField(
        _("group norms"),
        default=DEFAULT_NORMS,
        help_text=_("The agreements the group keeps; restated at the start of each meeting."),
    )

    objects = PeerGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("group")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "name"], name="peergroup_name_per_cohort"),
            models.CheckConstraint(
                condition=Q(status__in=GroupStatus.values), name="peergroup_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_GROUP_CAPACITY),
                name="peergroup_capacity_range",
            ),
            models.CheckConstraint(
                condition=Q(meeting_day__in=[*Weekday.values, ""]),
                name="peergroup_meeting_day_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("groups:group_detail", args=[self.pk])

    @property
    def is_mixed(self) -> bool:
        return self.career_area_id is None

    @property
    def is_open(self) -> bool:
        return self.status == GroupStatus.OPEN


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        return self.filter(status__in=CURRENT_STATUSES)

    def seated(self) -> MembershipQuerySet:
        return self.filter(seat__isnull=False)

    def waitlisted(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.WAITLISTED)

    def facilitators(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.ACTIVE, role=MembershipRole.FACILITATOR)

    def with_waitlist_position(self) -> MembershipQuerySet:
        """Annotate `waitlist_position` (1 = next in line; None unless waitlisted)."""
        ahead = (
            Membership.objects.filter(
                group=OuterRef("group"),
                status=MembershipStatus.WAITLISTED,
                waitlist_ticket__lte=OuterRef("waitlist_ticket"),
            )
            .order_by()
            .values("group")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(waitlist_position=Subquery(ahead))


class Membership(TimeStampedModel):
    """A person's place in a group: a seat, a place on the waitlist, or a facilitator role.

    Capacity lives in the data: every active member or peer leader holds a numbered `seat`,
    unique in the group, and the database refuses a seat above the group's capacity (see
    groups/dbguards.py). Waitlisted people hold an increasing `waitlist_ticket`.
    """

    group = models.ForeignKey(
        PeerGroup, models.CASCADE, related_name="memberships", verbose_name=_("group")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole, default=MembershipRole.MEMBER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MembershipStatus, default=MembershipStatus.ACTIVE
    )
    seat = models.PositiveSmallIntegerField(_("seat"), null=True, blank=True, editable=False)
    waitlist_ticket = models.PositiveIntegerField(
        _("waitlist ticket"), null=True, blank=True, editable=False
    )
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=500, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "seat", "waitlist_ticket", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="membership_status_valid"
            ),
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status__in=CURRENT_STATUSES),
                name="membership_one_current_per_user",
            ),
            # Two people can never hold the same seat: concurrent inserts of the same seat
            # serialize on this index and all but one fail.
            models.UniqueConstraint(fields=["group", "seat"], name="membership_seat_unique"),
            models.UniqueConstraint(
                fields=["group", "waitlist_ticket"], name="membership_waitlist_ticket_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    status=MembershipStatus.ACTIVE, role__in=SEATED_ROLES, seat__isnull=False
                )
                | (
                    Q(seat__isnull=True) & ~Q(status=MembershipStatus.ACTIVE, role__in=SEATED_ROLES)
                ),
                name="membership_seat_iff_active_member",
            ),
            models.CheckConstraint(
                condition=Q(seat__isnull=True) | Q(seat__gte=1, seat__lte=MAX_GROUP_CAPACITY),
                name="membership_seat_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    status=MembershipStatus.WAITLISTED,
                    role__in=SEATED_ROLES,
                    waitlist_ticket__isnull=False,
                    waitlisted_at__isnull=False,
                )
                | (~Q(status=MembershipStatus.WAITLISTED) & Q(waitlist_ticket__isnull=True)),
                name="membership_ticket_iff_waitlisted",
            ),
            models.CheckConstraint(
                condition=Q(status=MembershipStatus.LEFT, left_at__isnull=False)
                | (~Q(status=MembershipStatus.LEFT) & Q(left_at__isnull=True)),
                name="membership_left_at_iff_left",
            ),
            models.CheckConstraint(
                condition=~Q(status=MembershipStatus.ACTIVE) | Q(joined_at__isnull=False),
                name="membership_active_has_joined_at",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="membership_user_status_idx")]

    def __str__(self) -> str:
        return (
            f"Membership #{self.pk}: user {self.user_id} in group {self.group_id} "
            f"({self.role}, {self.status})"
        )

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES

    @property
    def is_waitlisted(self) -> bool:
        return self.status == MembershipStatus.WAITLISTED

    @property
    def is_facilitator(self) -> bool:
        return self.role == MembershipRole.FACILITATOR and self.status == MembershipStatus.ACTIVE


# Group formation -------------------------------------------------------------------------------


class FormationMode(models.TextChoices):
    AREA = "area", _("By career area")
    MIXED = "mixed", _("Mixed career areas")


class FormationRunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


MAX_FORMATION_WEIGHT = 10


class FormationRun(TimeStampedModel):
    """One group-formation proposal for a cohort: its inputs, the proposed groups and what staff
    did with it (groups/formation_services.py).

    `pool` is a snapshot of the formation input taken at preview time (ids, stage, discipline id,
    lab, ranked interests, slots, do-not-pair and previous mates), so adjusting, re-running and
    reviewing later all see the same people. `proposal` holds the groups (members, area, shared
    slots, score card, locked flag, problems; after publishing also the created group's id and
    name), the unplaced with reasons and the summary. `history` lists what staff changed.
    """

    cohort = models.ForeignKey(
        Cohort, models.PROTECT, related_name="formation_runs", verbose_name=_("cohort")
    )
    mode = models.CharField(_("mode"), max_length=10, choices=FormationMode)
    min_size = models.PositiveSmallIntegerField(_("minimum group size"))
    max_size = models.PositiveSmallIntegerField(_("maximum group size"))
    weight_discipline = models.FloatField(_("weight: discipline diversity"), default=1.0)
    weight_stage = models.FloatField(_("weight: stage mix"), default=1.0)
    weight_repeat = models.FloatField(_("weight: no repeat group-mates"), default=1.0)
    weight_interest = models.FloatField(_("weight: interest rank"), default=1.0)
    seed = models.PositiveIntegerField(_("seed"), default=1)
    pool_career_areas = models.ManyToManyField(
        CareerArea,
        blank=True,
        related_name="+",
        verbose_name=_("pool limited to career areas"),
        help_text=_("Empty: everyone with a complete profile not yet placed in the cohort."),
    )
    pool_size = models.PositiveIntegerField(_("people in the pool"), default=0)
    pool = models.JSONField(_("pool snapshot"), default=list, editable=False)
    proposal = models.JSONField(_("proposal"), default=dict, editable=False)
    history = models.JSONField(_("changes by staff"), default=list, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=FormationRunStatus, default=FormationRunStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group formation run")
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=FormationMode.values), name="formationrun_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FormationRunStatus.values), name="formationrun_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    min_size__gte=2,
                    min_size__lte=F("max_size"),
                    max_size__lte=MAX_GROUP_CAPACITY,
                ),
                name="formationrun_size_bounds",
            ),
            models.CheckConstraint(
                condition=Q(
                    weight_discipline__gte=0,
                    weight_discipline__lte=MAX_FORMATION_WEIGHT,
                    weight_stage__gte=0,
                    weight_stage__lte=MAX_FORMATION_WEIGHT,
                    weight_repeat__gte=0,
                    weight_repeat__lte=MAX_FORMATION_WEIGHT,
                    weight_interest__gte=0,
                    weight_interest__lte=MAX_FORMATION_WEIGHT,
                ),
                name="formationrun_weights_range",
            ),
            models.CheckConstraint(
                condition=Q(status=FormationRunStatus.PUBLISHED, published_at__isnull=False)
                | (~Q(status=FormationRunStatus.PUBLISHED) & Q(published_at__isnull=True)),
                name="formationrun_published_at_iff_published",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "-created_at"], name="formationrun_cohort_idx")]

    def __str__(self) -> str:
        return f"Formation run #{self.pk} for cohort {self.cohort_id} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == FormationRunStatus.DRAFT

    @property
    def groups(self) -> list[dict]:
        return self.proposal.get("groups", [])

    @property
    def unplaced(self) -> list[dict]:
        return self.proposal.get("unplaced", [])

    @property
    def summary(self) -> dict:
        return self.proposal.get("summary", {})


class DoNotPair(TimeStampedModel):
    """Two people the office never wants in the same group (a conflict, a supervisor and their
    student). Stored once per pair, the lower user id first."""

    user_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("person")
    )
    user_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="+",
        verbose_name=_("not with"),
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("Why, for the office only. Never shown to either person."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["user_a", "user_b"]
        verbose_name = _("do-not-pair pair")
        constraints = [
            models.CheckConstraint(
                condition=Q(user_a__lt=F("user_b")), name="donotpair_ordered_pair"
            ),
            models.UniqueConstraint(fields=["user_a", "user_b"], name="donotpair_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"Do not pair users {self.user_a_id} and {self.user_b_id}"
