"""Run the reminder sweeps now, as beat does on the quarter hour, or print what they would do.

Lives at the project level because it runs every app's sweeps (DESIGN §3: only the project level
imports them all).
"""

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from goals import sweeps as goal_sweeps
from meetings import sweeps as meeting_sweeps
from notifications import services as notification_services
from notifications import sweeps as notification_sweeps
from notifications.models import Notification, NotificationKind
from surveys import services as survey_services
from surveys import tasks as survey_tasks
from surveys.models import Survey

SWEEPS = [*meeting_sweeps.SWEEPS, *goal_sweeps.SWEEPS]
SURVEYS = "survey_invitations"
SURVEY_KINDS = [NotificationKind.SURVEY_INVITATION, NotificationKind.SURVEY_REMINDER]


class Command(BaseCommand):
    help = (
        "Run the reminder sweeps now (notifications are created here and emailed by the "
        "worker), or with --dry-run print who would be reminded of what, saving nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what is due now; save and send nothing."
        )
        parser.add_argument(
            "--sweep",
            action="append",
            choices=[s.name for s in SWEEPS] + [SURVEYS],
            help="Only this sweep (repeatable). Default: all of them.",
        )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        chosen = options["sweep"] or [s.name for s in SWEEPS] + [SURVEYS]
        dry_run = options["dry_run"]
        for sweep in SWEEPS:
            if sweep.name not in chosen:
                continue
            if dry_run:
                self._print_plan(
                    sweep.name, sweep.description, notification_sweeps.sweep_plan(sweep, now=now)
                )
            else:
                created = notification_services.sweep_run(sweep, now=now)
                self.stdout.write(f"{sweep.name}: {created} created")
        if SURVEYS in chosen:
            if dry_run:
                self._print_plan(SURVEYS, "Survey audiences", self._survey_plan(now))
            else:
                # As beat runs it: one invitation task per open survey, done by the worker.
                survey_tasks.send_survey_invitations()
                self.stdout.write(f"{SURVEYS}: handed to the worker")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved or sent."))
        else:
            self.stdout.write(self.style.SUCCESS("Done. The worker emails the new notifications."))

    def _print_plan(self, name: str, description: str, rows: list[Notification]) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"{name} ({description}): {len(rows)} due"))
        for row in rows:
            self.stdout.write(f"  {row.recipient.email}  [{row.kind}]  {row.subject}")

    @staticmethod
    def _survey_plan(now) -> list[Notification]:
        """The survey sweep writes as it goes, so the dry run runs its steps in a transaction it
        rolls back (pulse surveys included); nothing is published, since no task is called."""
        with transaction.atomic():
            before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
            survey_services.pulses_for_held_meetings(now=now)
            for survey_id in survey_services.surveys_to_invite(now=now):
                survey_services.survey_invitations_send(
                    survey=Survey.objects.get(pk=survey_id), now=now
                )
            rows = list(
                Notification.objects.filter(pk__gt=before or 0, kind__in=SURVEY_KINDS)
                .select_related("recipient")
                .order_by("pk")
            )
            transaction.set_rollback(True)
        return rows
