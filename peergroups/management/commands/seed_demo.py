"""Demo data for trying peergroups out: idempotent, so running it again changes nothing."""

import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts import availability
from accounts.models import CareerArea, CareerInterest, Discipline, Stage, TraineeProfile, User
from accounts.taxonomy import ensure_default_career_areas
from groups import services as group_services
from groups.models import Cohort, GroupStatus, Membership, MembershipRole, PeerGroup

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
DEMO_COHORT = {
    "slug": "spring-2027",
    "name": "Spring 2027",
    "start_date": datetime.date(2027, 1, 15),
    "end_date": datetime.date(2027, 6, 30),
    "max_groups_per_trainee": 3,
}
# name, career area slug (None: mixed), status, members, waitlisted, facilitated by the demo
# facilitator, usual day and time. trainee@example.edu joins the Education group.
DEMO_GROUPS = [
    ("Data Science A", "data-science", GroupStatus.OPEN, 8, 3, True, "tue", (17, 30)),
    (
        "Science Writing A",
        "science-writing-communication",
        GroupStatus.OPEN,
        5,
        0,
        False,
        "wed",
        (12, 0),
    ),
    ("Policy A", "policy", GroupStatus.OPEN, 6, 0, False, "thu", (16, 0)),
    ("Industry A", "industry", GroupStatus.ACTIVE, 6, 0, False, "mon", (18, 0)),
    ("Academia A", "academia", GroupStatus.OPEN, 4, 0, False, "fri", (9, 30)),
    ("Education A", "education", GroupStatus.OPEN, 4, 0, False, "tue", (12, 30)),
    ("Mixed A", None, GroupStatus.OPEN, 5, 0, True, "thu", (17, 30)),
    ("Business A", "business", GroupStatus.DRAFT, 0, 0, False, "", None),
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
        new_groups = self._groups()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new profiles, {new_groups} new groups)."
            )
        )
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

    def _groups(self) -> int:
        """The demo cohort's groups, filled through the services; groups that exist are left as
        they are, so running again changes nothing."""
        now = timezone.now()
        cohort, _created = Cohort.objects.get_or_create(
            slug=DEMO_COHORT["slug"], defaults=DEMO_COHORT
        )
        facilitator = User.objects.get(email="facilitator@example.edu")
        demo_trainee = User.objects.get(email="trainee@example.edu")
        trainees = list(
            User.objects.filter(email__regex=r"^trainee[0-9]+@example\.edu$")
            .prefetch_related("profile__interests__career_area")
            .order_by("pk")
        )
        taken = set(
            Membership.objects.filter(group__cohort=cohort).values_list("user_id", flat=True)
        )
        created = 0
        for name, area_slug, status, members, waiting, facilitated, day, time in DEMO_GROUPS:
            area = CareerArea.objects.get(slug=area_slug) if area_slug else None
            group, is_new = PeerGroup.objects.get_or_create(
                cohort=cohort,
                name=name,
                defaults={
                    "career_area": area,
                    # Only an open group takes a waitlist; the others start as they will stay.
                    "status": GroupStatus.OPEN if waiting else status,
                    "meeting_day": day,
                    "meeting_time": datetime.time(*time) if time else None,
                    "meeting_place": "Career Office, room 2.14" if time else "",
                },
            )
            if not is_new:
                continue
            created += 1
            if facilitated:
                group_services.membership_add(
                    group=group, user=facilitator, role=MembershipRole.FACILITATOR, now=now
                )
            people = self._pick(trainees, area, members + waiting, taken)
            if area_slug == "education":
                people = [demo_trainee, *people]
            for index, person in enumerate(people):
                role = MembershipRole.PEER_LEADER if index == 1 else MembershipRole.MEMBER
                if index < members:
                    group_services.membership_add(group=group, user=person, role=role, now=now)
                else:
                    group_services.membership_join(group=group, user=person, now=now)
            if group.status != status:
                group_services.group_set_status(group=group, status=status, now=now)
        return created

    @staticmethod
    def _pick(trainees: list[User], area: CareerArea | None, n: int, taken: set[int]) -> list:
        """Up to n trainees not yet in a demo group, those most interested in the area first."""

        def rank(user: User) -> int:
            if area is None:
                return 0
            ranks = [i.rank for i in user.profile.interests.all() if i.career_area_id == area.pk]
            return ranks[0] if ranks else 9

        free = sorted((t for t in trainees if t.pk not in taken), key=lambda t: (rank(t), t.pk))
        picked = free[:n]
        taken.update(t.pk for t in picked)
        return picked
