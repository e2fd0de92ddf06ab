import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts import availability
from accounts.models import CareerArea, CareerInterest, Discipline, Stage, TraineeProfile, User
from goals.models import Goal, GoalCategory, GoalStatus, Visibility
from groups.models import (
    SEATED_ROLES,
    Cohort,
    GroupStatus,
    Membership,
    MembershipRole,
    MembershipStatus,
    PeerGroup,
)
from meetings.models import Meeting, MeetingStatus
from notifications.models import Notification, NotificationKind

PASSWORD = "a-long-test-password"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.edu")
    name = factory.Faker("name")
    timezone = "UTC"
    password = factory.django.Password(PASSWORD)


class DisciplineFactory(DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Discipline {n}")
    slug = factory.Sequence(lambda n: f"discipline-{n}")


class TraineeProfileFactory(DjangoModelFactory):
    class Meta:
        model = TraineeProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    stage = Stage.PHD_STUDENT
    program_year = 2
    discipline = factory.SubFactory(DisciplineFactory)
    department = "Biology"
    lab_or_pi = factory.Sequence(lambda n: f"Lab {n}")
    availability = availability.mask_from_slots(["tue-evening", "thu-afternoon"])

    @factory.post_generation
    def interests(self, create: bool, extracted: list[CareerArea] | None, **kwargs) -> None:
        """`interests=[area, ...]` ranks those areas; by default the first seeded area."""
        if not create:
            return
        areas = extracted if extracted is not None else [CareerArea.objects.order_by("pk")[0]]
        CareerInterest.objects.bulk_create(
            CareerInterest(profile=self, career_area=area, rank=rank)
            for rank, area in enumerate(areas, start=1)
        )


class TraineeFactory(UserFactory):
    """A person with a trainee profile (stage, discipline, one career interest)."""

    profile = factory.RelatedFactory(TraineeProfileFactory, factory_related_name="user")


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")
    start_date = datetime.date(2027, 1, 15)
    end_date = datetime.date(2027, 6, 30)


class PeerGroupFactory(DjangoModelFactory):
    """An open group in its own cohort, in the first seeded career area."""

    class Meta:
        model = PeerGroup

    cohort = factory.SubFactory(CohortFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    career_area = factory.LazyFunction(lambda: CareerArea.objects.order_by("pk").first())
    status = GroupStatus.OPEN
    capacity = 8
    meeting_day = "tue"
    meeting_time = datetime.time(17, 30)


def _next_seat(membership) -> int | None:
    if membership.status != MembershipStatus.ACTIVE or membership.role not in SEATED_ROLES:
        return None
    taken = set(membership.group.memberships.seated().values_list("seat", flat=True))
    return next(n for n in range(1, 100) if n not in taken)


def _next_ticket(membership) -> int | None:
    if membership.status != MembershipStatus.WAITLISTED:
        return None
    tickets = membership.group.memberships.waitlisted().values_list("waitlist_ticket", flat=True)
    return max(tickets, default=0) + 1


class MembershipFactory(DjangoModelFactory):
    """A row as the services would write it: active members get the next free seat.

    Factories skip the services' checks: the database constraints and triggers still apply.
    """

    class Meta:
        model = Membership

    group = factory.SubFactory(PeerGroupFactory)
    user = factory.SubFactory(TraineeFactory)
    role = MembershipRole.MEMBER
    status = MembershipStatus.ACTIVE
    seat = factory.LazyAttribute(_next_seat)
    waitlist_ticket = factory.LazyAttribute(_next_ticket)
    joined_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == MembershipStatus.ACTIVE else None
    )
    waitlisted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == MembershipStatus.WAITLISTED else None
    )
    left_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == MembershipStatus.LEFT else None
    )


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.WAITLIST_PROMOTED
    subject = factory.Sequence(lambda n: f"Notice {n}")
    body = "Something happened."
    link = "/"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


class MeetingFactory(DjangoModelFactory):
    """A scheduled meeting of an active group, a week from now, 90 minutes long."""

    class Meta:
        model = Meeting

    group = factory.SubFactory(PeerGroupFactory, status=GroupStatus.ACTIVE)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=90))
    place = "Room 101"
    agenda = "Check-in, goal review, new goals"
    status = MeetingStatus.SCHEDULED
    held_at = factory.LazyAttribute(
        lambda o: o.starts_at if o.status == MeetingStatus.HELD else None
    )
    cancelled_at = factory.LazyAttribute(
        lambda o: o.starts_at if o.status == MeetingStatus.CANCELLED else None
    )


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    owner = factory.SubFactory(TraineeFactory)
    group = factory.SubFactory(PeerGroupFactory, status=GroupStatus.ACTIVE)
    title = factory.Sequence(lambda n: f"Talk to science writer {n}")
    category = GoalCategory.INFORMATIONAL_INTERVIEW
    due_meeting = None
    due_date = factory.LazyAttribute(
        lambda o: o.due_meeting.starts_at.date() if o.due_meeting else None
    )
    status = GoalStatus.ACTIVE
    visibility = Visibility.GROUP


# Surveys ---------------------------------------------------------------------------------------


class SurveyFactory(DjangoModelFactory):
    """An identified survey of an active group, open from a day ago for a week."""

    class Meta:
        model = "surveys.Survey"

    kind = "custom"
    title = factory.Sequence(lambda n: f"Survey {n}")
    group = factory.SubFactory(PeerGroupFactory, status=GroupStatus.ACTIVE)
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + datetime.timedelta(days=7))
    is_anonymous = False


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = "surveys.Question"

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n)
    key = factory.Sequence(lambda n: f"item_{n}")
    kind = "likert"
    text = factory.Sequence(lambda n: f"Statement number {n}.")
    is_required = True


# Group formation -------------------------------------------------------------------------------


class DoNotPairFactory(DjangoModelFactory):
    """A do-not-pair pair; the two people are stored lower id first, whatever order is given."""

    class Meta:
        model = "groups.DoNotPair"

    user_a = factory.SubFactory(TraineeFactory)
    user_b = factory.SubFactory(TraineeFactory)
    note = "Asked not to be grouped together."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs["user_a"].pk > kwargs["user_b"].pk:
            kwargs["user_a"], kwargs["user_b"] = kwargs["user_b"], kwargs["user_a"]
        return super()._create(model_class, *args, **kwargs)


def pool_trainee(
    *areas: CareerArea,
    stage: str = Stage.PHD_STUDENT,
    slots: tuple[str, ...] = ("tue-evening",),
    lab: str | None = None,
    **profile,
) -> User:
    """A trainee with a complete profile for group formation: stage, these career interests in
    order, availability in these slots, and (by default) a lab and discipline of their own."""
    if lab is not None:
        profile["lab_or_pi"] = lab
    return TraineeProfileFactory(
        stage=stage,
        availability=availability.mask_from_slots(slots),
        interests=list(areas),
        **profile,
    ).user
