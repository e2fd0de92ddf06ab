from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerArea
from groups import formation, formation_services
from groups.models import Cohort, FormationMode, FormationRun


class Command(BaseCommand):
    help = (
        "Propose balanced groups for a cohort's unplaced trainees and print the score cards, the "
        "unplaced with reasons and the summary. Nothing is written unless --apply is given, which "
        "publishes the groups (memberships and notifications) and keeps the run for review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cohort", required=True, help="The cohort's slug.")
        parser.add_argument(
            "--mode", choices=FormationMode.values, default=FormationMode.AREA, help="area or mixed"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Same seed and pool, same groups (default 1)."
        )
        parser.add_argument(
            "--area",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only people interested in this career area (repeat for several).",
        )
        parser.add_argument(
            "--apply", action="store_true", help="Publish the groups and notify people."
        )

    def handle(self, *args, cohort: str, mode: str, seed: int, area: list, apply: bool, **opts):
        found = Cohort.objects.filter(slug=cohort).first()
        if found is None:
            known = ", ".join(Cohort.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No cohort with the slug {cohort!r}. Known cohorts: {known}.")
        areas = list(CareerArea.objects.filter(slug__in=area))
        unknown = sorted(set(area) - {a.slug for a in areas})
        if unknown:
            raise CommandError(f"Unknown career area(s): {', '.join(unknown)}.")
        if seed < 0:
            raise CommandError("The seed must be 0 or more.")
        try:
            run = formation_services.formation_run_create(
                cohort=found,
                mode=mode,
                weights=formation.Weights(),
                seed=seed,
                career_areas=areas,
                created_by=None,
                now=timezone.now(),
                save=False,
            )
        except formation_services.FormationRunError as e:
            raise CommandError(str(e)) from e
        self._print(run)
        if not run.groups:
            message = "No group could be formed, so nothing was written."
            if apply:
                raise CommandError(message.replace("written", "published"))
            self.stdout.write(f"\n{message}")
            return
        if not apply:
            self.stdout.write(
                "\nNothing was written. Run again with --apply to publish these groups (the same "
                "seed gives the same groups while the pool is unchanged), or adjust them first in "
                f"the admin: {reverse('admin:groups_cohort_formation')}?cohort={found.pk}"
            )
            return
        formation_services.formation_run_store(run=run, career_areas=areas)
        try:
            run = formation_services.formation_run_publish(run=run, by=None, now=timezone.now())
        except formation_services.FormationRunError as e:
            raise CommandError(f"{e} (run #{run.pk} is kept as a draft)") from e
        self.stdout.write(
            self.style.SUCCESS(
                f"\nPublished {len(run.groups)} groups in {found.name}: "
                f"{sum(len(g['member_ids']) for g in run.groups)} people placed and notified. "
                f"Run #{run.pk}: {reverse('admin:groups_cohort_formation_run', args=[run.pk])}"
            )
        )

    def _print(self, run: FormationRun) -> None:
        details = formation_services.formation_run_details(run=run)
        for card in details["cards"]:
            scores = ", ".join(f"{label.lower()} {value:.2f}" for label, value in card.criteria)
            self.stdout.write(
                self.style.MIGRATE_HEADING(
                    f"{card.name} · {card.area} · {len(card.members)} people · "
                    f"overall {card.overall:.2f}"
                )
            )
            self.stdout.write(f"  scores: {scores}")
            self.stdout.write(f"  shared times: {', '.join(card.shared_slots) or 'none'}")
            for problem in card.problems:
                self.stdout.write(self.style.WARNING(f"  problem: {problem}"))
            for row in card.members:
                rank = f" · choice {row.rank}" if row.rank else ""
                notes = f" ({'; '.join(row.notes)})" if row.notes else ""
                self.stdout.write(f"  - {row.label} · {row.stage} · {row.discipline}{rank}{notes}")
        self.stdout.write(self.style.MIGRATE_HEADING(f"\nUnplaced ({len(details['unplaced'])})"))
        for row in details["unplaced"]:
            self.stdout.write(f"  - {row.label}: {row.reason}")
        s = details["summary"]
        first = s.get("first_choice_share")
        self.stdout.write(
            self.style.MIGRATE_HEADING("\nSummary")
            + f"\n  {_people(s['trainees'])} in the pool, {s['placed']} placed "
            f"({s['placed_share']:.0%}) in {s['groups']} groups, {s['unplaced']} unplaced"
            + f"\n  worst group {s['worst_score']:.2f}, mean {s['mean_score']:.2f}; "
            f"students with postdocs in {s['stage_mix_share']:.0%} of groups"
            + (f"; first-choice area for {first:.0%}" if first is not None else "")
            + f"; previous group-mates together again: {s['repeat_pairs']}"
            + f"\n  computed in {s['seconds']:.2f} s"
        )


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"
