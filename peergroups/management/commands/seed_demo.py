"""Demo data for trying peergroups out: idempotent, so running it again changes nothing."""

import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts import availability
from accounts.models import CareerArea, CareerInterest, Discipline, Stage, TraineeProfile, User
from accounts.taxonomy import ensure_default_career_areas

DEMO_PASSWORD = "peergroups-demo"
DEMO_TRAINEES = 42
DISCIPLINES = [
    "Biochemistry",
    "Bioengineering",
    "Cell Biology",
    "Chemistry",
    "Computer Science",
    "Ecology",
    "Epidemiology",
    "Immunology",
    "Neuroscience",
    "Physics",
    "Psychology",
    "Public Health",
]
FIRST = [
    "Ada",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jia",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
]
LAST = [
    "Abara",
    "Berg",
    "Costa",
    "Dubois",
    "Eze",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quispe",
    "Rossi",
    "Singh",
]
LABS = [
    f"{name} lab"
    for name in [
        "Adams",
        "Baker",
        "Chow",
        "Diaz",
        "Evans",
        "Fujita",
        "Gray",
        "Hughes",
        "Ivanova",
        "Jones",
        "Khan",
        "Lee",
    ]
]
TIMEZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]


class Command(BaseCommand):
    help = "Create the demo accounts and trainee profiles (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-passwords",
            action="store_true",
            help=f"Give demo accounts the password '{DEMO_PASSWORD}' (always on when DEBUG).",
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        with_passwords = options["with_passwords"] or settings.DEBUG
        rng = random.Random(2027)
        ensure_default_career_areas(CareerArea)
        areas = list(CareerArea.objects.order_by("pk"))
        disciplines = [
            Discipline.objects.get_or_create(
                name=name, defaults={"slug": name.lower().replace(" ", "-")}
            )[0]
            for name in DISCIPLINES
        ]
        self._user(
            "staff@example.edu", "Morgan Office", with_passwords, is_staff=True, is_superuser=True
        )
        self._user("facilitator@example.edu", "Fran Facilitator", with_passwords)
        people = [("trainee@example.edu", "Taylor Trainee")]
        people += [
            (f"trainee{n}@example.edu", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
            for n in range(1, DEMO_TRAINEES + 1)
        ]
        created = 0
        for index, (email, name) in enumerate(people):
            user, is_new = self._user(
                email, name, with_passwords, timezone=TIMEZONES[index % len(TIMEZONES)]
            )
            if not is_new and hasattr(user, "profile"):
                continue
            created += 1
            profile = TraineeProfile.objects.create(
                user=user,
                stage=Stage.POSTDOC if index % 3 == 0 else Stage.PHD_STUDENT,
                program_year=rng.randint(1, 5),
                discipline=disciplines[index % len(disciplines)],
                department=f"Department of {disciplines[index % len(disciplines)].name}",
                lab_or_pi=rng.choice(LABS),
                availability=availability.mask_from_slots(
                    rng.sample(availability.SLOTS, k=rng.randint(4, 9))
                    + ["tue-evening", "thu-afternoon"][index % 2 : index % 2 + 1]
                ),
                wants_multiple_groups=index % 5 == 0,
            )
            first = areas[index % len(areas)]
            others = rng.sample([a for a in areas if a != first], k=rng.randint(0, 2))
            CareerInterest.objects.bulk_create(
                CareerInterest(profile=profile, career_area=area, rank=rank)
                for rank, area in enumerate([first, *others], start=1)
            )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new profiles)."))
        if with_passwords:
            self.stdout.write(
                f"Sign in as staff@example.edu, facilitator@example.edu or trainee@example.edu "
                f"(also trainee1..{DEMO_TRAINEES}@example.edu), password: {DEMO_PASSWORD}"
            )

    def _user(self, email: str, name: str, with_password: bool, **extra) -> tuple[User, bool]:
        user, created = User.objects.get_or_create(email=email, defaults={"name": name, **extra})
        if created or with_password:
            if with_password:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
        return user, created
