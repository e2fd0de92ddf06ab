from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import availability
from peergroups.lib.models import TimeStampedModel

MAX_CAREER_INTERESTS = 3


def normalize_email(email: str) -> str:
    """Emails are the login and compared without case: store them stripped and lower-case."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email=normalize_email(email))

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        user = self.model(email=normalize_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A person who signs in with their email. `is_staff` means career-office staff."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        default="UTC",
        help_text=_("Meeting times and reminders are shown in this timezone."),
    )
    is_staff = models.BooleanField(
        _("office staff"),
        default=False,
        help_text=_("Career-office staff: may use the office dashboard and all staff tools."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            # With `unique=True`, storing emails lower-case makes them unique in any case.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
            models.CheckConstraint(condition=~Q(email=""), name="user_email_not_empty"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Taxonomy(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CareerArea(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("career area")


class Discipline(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("discipline")


class Stage(models.TextChoices):
    PHD_STUDENT = "phd_student", _("PhD student")
    POSTDOC = "postdoc", _("Postdoc")
    OTHER = "other", _("Other")


class TraineeProfile(TimeStampedModel):
    """What a trainee tells the office about themselves; used to form and match groups."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile")
    stage = models.CharField(_("career stage"), max_length=20, choices=Stage, blank=True)
    program_year = models.PositiveSmallIntegerField(
        _("year in program"),
        null=True,
        blank=True,
        help_text=_("Year of your PhD or postdoc (1 for your first year)."),
    )
    discipline = models.ForeignKey(
        Discipline,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("discipline"),
    )
    department = models.CharField(_("department"), max_length=150, blank=True)
    lab_or_pi = models.CharField(
        _("lab or PI"),
        max_length=150,
        blank=True,
        help_text=_(
            "Private: only the office sees it, to avoid putting lab-mates in the same group."
        ),
    )
    availability = models.PositiveIntegerField(
        _("weekly availability"),
        default=0,
        help_text=_("Times of the week you could usually meet."),
    )
    wants_multiple_groups = models.BooleanField(
        _("open to more than one group"),
        default=False,
        help_text=_("Join several groups while your interests are still broad."),
    )
    career_areas = models.ManyToManyField(
        CareerArea, through="CareerInterest", related_name="profiles", blank=True
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=[*Stage.values, ""]), name="profile_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(program_year__isnull=True)
                | Q(program_year__gte=1, program_year__lte=15),
                name="profile_program_year_range",
            ),
            models.CheckConstraint(
                condition=Q(availability__gte=0, availability__lt=1 << len(availability.SLOTS)),
                name="profile_availability_slots",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile_update")

    @property
    def availability_slots(self) -> list[str]:
        return availability.slots_from_mask(self.availability)


class CareerInterest(TimeStampedModel):
    """One of a trainee's ranked career interests (1 = first choice)."""

    profile = models.ForeignKey(TraineeProfile, models.CASCADE, related_name="interests")
    career_area = models.ForeignKey(CareerArea, models.PROTECT, related_name="interests")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["profile", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "rank"], name="interest_rank_unique"),
            models.UniqueConstraint(fields=["profile", "career_area"], name="interest_area_unique"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=MAX_CAREER_INTERESTS),
                name="interest_rank_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile.user} #{self.rank}: {self.career_area}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True)


class Invitation(TimeStampedModel):
    """A one-time link that lets an imported or staff-created person set their password."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    # Only a hash of the token is stored: a database leak does not hand out working links.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(sent_at__isnull=True)
                | Q(expires_at__gt=F("sent_at")),
                name="invitation_expires_after_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation #{self.pk} for {self.user}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return _("Accepted")
        if self.sent_at:
            return _("Sent")
        return _("Not sent yet")
