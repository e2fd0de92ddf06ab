"""Demo survey data, on top of `seed_demo`: idempotent, so running it again changes nothing.

The demo cohort gets an intake survey (closed months ago) and an exit survey (closed yesterday),
both answered by most of its trainees, with confidence that grew for most of them, so the results
page shows a real pre/post picture. The demo trainee's group gets an open pulse survey.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from groups.models import SEATED_ROLES, Cohort, Membership, MembershipStatus
from meetings.models import MeetingStatus
from surveys import services
from surveys.models import Question, Survey, SurveyKind
from surveys.shipped import ensure_shipped_templates

DEMO_COHORT_SLUG = "spring-2027"
DEMO_TRAINEE = "trainee@example.edu"
CONFIDENCE_KEYS = [
    "conf_identify_paths",
    "conf_find_information",
    "conf_informational_interview",
    "conf_narrow_options",
    "conf_make_plan",
    "conf_transferable_skills",
    "conf_keep_going",
    "conf_another_way",
]
STAGES_BEFORE = ["unsure", "unsure", "exploring", "exploring", "exploring", "preparing"]
STAGES_AFTER = ["exploring", "preparing", "preparing", "applying", "applying", "exploring"]
OUTCOMES = ["info_interview", "updated_cv", "applied_outside", "applied_academic", "offer"]
MOST_USEFUL = [
    "Hearing how others set up informational interviews.",
    "Having to report on my goals every month kept me moving.",
    "The spotlight on science writing careers.",
    "Knowing I'm not the only one who doesn't want to stay in academia.",
    "Practising how to explain my research skills to non-scientists.",
]
TO_CHANGE = [
    "Meet every three weeks instead of monthly.",
    "More guests from industry.",
    "Start the cohort earlier in the semester.",
]


def _clamp(value: int, low: int = 1, high: int = 5) -> int:
    return max(low, min(high, value))


class Command(BaseCommand):
    help = (
        "Demo surveys for the demo cohort: intake and exit with answers, and an open pulse for "
        "the demo trainee's group. Run seed_demo first. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cohort", default=DEMO_COHORT_SLUG, help="Slug of the cohort (default: %(default)s)."
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        slug = options["cohort"]
        cohort = Cohort.objects.filter(slug=slug).first()
        if cohort is None:
            raise CommandError(
                f"There is no cohort '{slug}'. Run `manage.py seed_demo` first (it creates the "
                "demo cohort and its groups), then run seed_surveys again."
            )
        people = list(
            User.objects.filter(
                memberships__in=Membership.objects.filter(
                    group__cohort=cohort, status=MembershipStatus.ACTIVE, role__in=SEATED_ROLES
                )
            )
            .distinct()
            .order_by("pk")
        )
        if not people:
            raise CommandError(
                f"The cohort '{slug}' has no active members yet. Run `manage.py seed_demo` first."
            )
        # Tests that flush the database lose the migration's rows: ship them again if needed.
        ensure_shipped_templates(Survey, Question)
        now = timezone.now()
        staff = User.objects.filter(email="staff@example.edu").first()
        rng = random.Random(2027)
        intake, new_intake = self._survey(
            "template-intake",
            f"demo-{slug}-intake",
            f"Intake survey: {cohort.name}",
            cohort,
            staff,
            opens_at=now - timedelta(days=130),
            closes_at=now - timedelta(days=116),
        )
        exit_survey, new_exit = self._survey(
            "template-exit",
            f"demo-{slug}-exit",
            f"Exit survey: {cohort.name}",
            cohort,
            staff,
            opens_at=now - timedelta(days=15),
            closes_at=now - timedelta(days=1),
            baseline=intake,
        )
        answered = 0
        if new_intake or new_exit:
            answered = self._answer(people, intake, exit_survey, rng, new_intake, new_exit)
        pulse = self._pulse(cohort, staff, now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo surveys ready: {intake.title}, {exit_survey.title}"
                + (f", {pulse.title}" if pulse else "")
                + f" ({answered} new responses)."
            )
        )

    def _survey(
        self, template_slug, slug, title, cohort, staff, *, opens_at, closes_at, baseline=None
    ) -> tuple[Survey, bool]:
        existing = Survey.objects.filter(slug=slug).first()
        if existing is not None:
            return existing, False
        template = Survey.objects.templates().get(slug=template_slug)
        survey = services.survey_copy(
            source=template,
            created_by=staff,
            title=title,
            cohort=cohort,
            opens_at=opens_at,
            closes_at=closes_at,
            baseline=baseline,
            slug=slug,
        )
        return survey, True

    def _answer(self, people, intake, exit_survey, rng, new_intake, new_exit) -> int:
        count = 0
        for person in people:
            demo = person.email == DEMO_TRAINEE
            base = rng.randint(1, 3)
            growth = rng.choice([-1, 0, 1, 1, 1, 2, 2])
            before = {key: _clamp(base + rng.randint(-1, 1)) for key in CONFIDENCE_KEYS}
            after = {key: _clamp(v + growth + rng.randint(-1, 1)) for key, v in before.items()}
            clarity_before = _clamp(base + rng.randint(-1, 0))
            clarity_after = _clamp(clarity_before + max(growth, 0) + rng.randint(0, 1))
            interviews, events = rng.randint(0, 2), rng.randint(0, 3)
            network = rng.randint(2, 12)
            stage = rng.randrange(len(STAGES_BEFORE))
            if new_intake and (demo or rng.random() < 0.9):
                self._save(
                    intake,
                    person,
                    {
                        **before,
                        "career_clarity": clarity_before,
                        "decision_stage": STAGES_BEFORE[stage],
                        "count_informational_interviews": interviews,
                        "count_events": events,
                        "count_applications": rng.randint(0, 2),
                        "network_size": network,
                    },
                )
                count += 1
            if new_exit and (demo or rng.random() < 0.8):
                answers = {
                    **after,
                    "career_clarity": clarity_after,
                    "decision_stage": STAGES_AFTER[stage],
                    "count_informational_interviews": interviews + rng.randint(0, 4),
                    "count_events": events + rng.randint(0, 3),
                    "count_applications": rng.randint(0, 6),
                    "network_size": network + rng.randint(0, 10),
                    "retro_clarity_before": _clamp(clarity_before - rng.randint(0, 1)),
                    "retro_clarity_now": clarity_after,
                    "retro_confidence_before": _clamp(base - rng.randint(0, 1)),
                    "retro_confidence_now": _clamp(base + max(growth, 0)),
                    "outcomes": rng.sample(OUTCOMES, k=rng.randint(1, 3)),
                    "recommend": rng.randint(6, 10),
                }
                if rng.random() < 0.5:
                    answers["exit_most_useful"] = rng.choice(MOST_USEFUL)
                if rng.random() < 0.3:
                    answers["exit_change"] = rng.choice(TO_CHANGE)
                self._save(exit_survey, person, answers)
                count += 1
        return count

    @staticmethod
    def _save(survey: Survey, person: User, answers: dict) -> None:
        # Answered on a day inside the survey's window.
        services.response_save(
            survey=survey,
            user=person,
            answers=answers,
            submit=True,
            now=survey.opens_at + timedelta(days=2),
        )

    def _pulse(self, cohort, staff, now) -> Survey | None:
        """An open pulse for the demo trainee's group: after its last held meeting if it has
        one, else a plain pulse open for a week."""
        membership = (
            Membership.objects.filter(
                user__email=DEMO_TRAINEE,
                group__cohort=cohort,
                status=MembershipStatus.ACTIVE,
                role__in=SEATED_ROLES,
            )
            .select_related("group")
            .first()
        )
        if membership is None:
            return None
        group = membership.group
        pulses = Survey.objects.filter(group=group, kind=SurveyKind.PULSE)
        if pulses.open(now).exists():
            return pulses.open(now).first()
        slug = f"demo-{cohort.slug}-pulse"
        if Survey.objects.filter(slug=slug).exists():
            return None
        meeting = (
            group.meetings.filter(status=MeetingStatus.HELD, surveys__isnull=True)
            .order_by("-starts_at")
            .first()
        )
        if meeting is not None:
            return services.pulse_for_meeting(meeting=meeting, now=now)
        template = Survey.objects.templates().get(slug=services.PULSE_TEMPLATE_SLUG)
        return services.survey_copy(
            source=template,
            created_by=staff,
            title=f"{template.title}: {group.name}",
            group=group,
            opens_at=now,
            closes_at=now + services.PULSE_OPEN_FOR,
            slug=slug,
        )
