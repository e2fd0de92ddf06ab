from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services


class Command(BaseCommand):
    help = (
        "Import a roster CSV (email, name, stage, discipline, career_interests): everyone or "
        "nobody. Each new person gets an invitation email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as e:
            raise CommandError(f"Cannot read {file}: {e.strerror}") from e
        if dry_run:
            result = services.roster_check(data=data)
        else:
            try:
                result = services.roster_import(data=data, invited_by=None)
            except services.RosterInvalid as e:
                result = e.result
        problems = result.check.problems
        for problem in problems:
            self.stderr.write(f"{file}: {problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found; nothing was imported.")
        new, existing = len(result.new_rows), len(result.existing_emails)
        if result.new_disciplines:
            self.stdout.write("New disciplines: " + ", ".join(result.new_disciplines))
        if dry_run:
            self.stdout.write(
                f"The file is valid: {new} new people would be imported, {existing} are "
                "already registered. Nothing was written (dry run)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {result.created} people ({existing} already registered); "
                    "invitations are being sent."
                )
            )
