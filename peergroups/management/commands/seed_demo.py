"""Demo data for trying peergroups out: idempotent, so running it again changes nothing."""

import datetime
import functools
import random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts import availability
from accounts.models import CareerArea, CareerInterest, Discipline, Stage, TraineeProfile, User
from accounts.taxonomy import ensure_default_career_areas
from goals import services as goal_services
from goals.models import Goal, GoalCategory, GoalStatus, Visibility
from groups import services as group_services
from groups.models import (
    Cohort,
    GroupStatus,
    Membership,
    MembershipRole,
    MembershipStatus,
    PeerGroup,
)
from meetings import services as meeting_services
from meetings.models import FlagKind, Meeting

DEMO_PASSWORD = "peergroups-demo"
DEMO_TRAINEES = 42
# trainee43.. trainee62: complete profiles in no group, for staff to try group formation on.
FORMATION_POOL = 20
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
# facilitator, usual day and time. trainee@example.edu joins the Education group, which the demo
# facilitator runs.
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
    ("Education A", "education", GroupStatus.ACTIVE, 5, 0, True, "tue", (12, 30)),
    ("Mixed A", None, GroupStatus.OPEN, 5, 0, False, "thu", (17, 30)),
    ("Business A", "business", GroupStatus.DRAFT, 0, 0, False, "", None),
]


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


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
        created += self._formation_pool(disciplines, with_passwords)
        new_groups = self._groups()
        programs = self._programs()
        call_command("seed_surveys", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new profiles, {new_groups} new groups, "
                f"meetings and goals for {programs} groups)."
            )
        )
        if with_passwords:
            self.stdout.write(
                f"Sign in as staff@example.edu, facilitator@example.edu or trainee@example.edu "
                f"(also trainee1..{DEMO_TRAINEES + FORMATION_POOL}@example.edu), "
                f"password: {DEMO_PASSWORD}"
            )

    def _user(self, email: str, name: str, with_password: bool, **extra) -> tuple[User, bool]:
        user, created = User.objects.get_or_create(email=email, defaults={"name": name, **extra})
        if created or with_password:
            # One hash for every demo account: hashing ~45 passwords one by one takes seconds.
            user.password = _demo_password_hash() if with_password else make_password(None)
            user.save(update_fields=["password"])
        return user, created

    def _formation_pool(self, disciplines: list[Discipline], with_passwords: bool) -> int:
        """Twenty trainees interested in Business or Data Science, all free on Wednesday
        evenings, placed in no group: enough for two or three groups per area."""
        rng = random.Random(4242)
        business, data = (CareerArea.objects.get(slug=s) for s in ("business", "data-science"))
        policy = CareerArea.objects.get(slug="policy")
        created = 0
        for i in range(FORMATION_POOL):
            user, is_new = self._user(
                f"trainee{DEMO_TRAINEES + 1 + i}@example.edu",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                with_passwords,
                timezone=TIMEZONES[i % len(TIMEZONES)],
            )
            if not is_new and hasattr(user, "profile"):
                continue
            created += 1
            discipline = disciplines[(i * 5) % len(disciplines)]
            profile = TraineeProfile.objects.create(
                user=user,
                stage=Stage.POSTDOC if i % 3 == 0 else Stage.PHD_STUDENT,
                program_year=1 + i % 5,
                discipline=discipline,
                department=f"Department of {discipline.name}",
                lab_or_pi=LABS[i % len(LABS)],
                availability=availability.mask_from_slots(
                    {"wed-evening", rng.choice(availability.SLOTS)}
                ),
            )
            first = business if i % 2 == 0 else data
            CareerInterest.objects.bulk_create(
                CareerInterest(profile=profile, career_area=area, rank=rank)
                for rank, area in enumerate([first, policy] if i % 4 == 0 else [first], 1)
            )
        return created

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
            User.objects.filter(
                email__in=[f"trainee{n}@example.edu" for n in range(1, DEMO_TRAINEES + 1)]
            )
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
                people = [demo_trainee, *people[: members + waiting - 1]]
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

    # Meetings and goals ----------------------------------------------------------------------

    def _programs(self) -> int:
        """Held meetings with attendance, reviews, notes and a flag; an upcoming meeting; goals in
        every state. Groups that already have meetings are left alone. Two groups are left off
        track on purpose: Policy A last met about 45 days ago, Mixed A has never met. Meetings
        move to the group's weekday (up to 3 days either way), so the last meeting of a group
        that is on track is planned at most 27 days ago: within 31 days whatever today is."""
        now = timezone.now()
        done = 0
        plans = {
            "Education A": [56, 26],
            "Data Science A": [35, 7],
            "Industry A": [60, 27],
            "Science Writing A": [21],
            "Policy A": [45],
        }
        upcoming = {"Education A": 6, "Data Science A": 20, "Industry A": 3, "Science Writing A": 9}
        groups = PeerGroup.objects.filter(cohort__slug=DEMO_COHORT["slug"], name__in=plans)
        for group in groups:
            if group.meetings.exists():
                continue
            done += 1
            self._history(group, [now - datetime.timedelta(days=d) for d in plans[group.name]])
            if group.name in upcoming:
                self._upcoming(group, now + datetime.timedelta(days=upcoming[group.name]), now)
        return done

    @staticmethod
    def _at(group: PeerGroup, moment: datetime.datetime) -> datetime.datetime:
        """The group's usual weekday and time nearest to `moment` (office time)."""
        usual = group.meeting_time or datetime.time(17, 30)
        day = timezone.localtime(moment).date()
        if group.meeting_day in meeting_services.WEEKDAYS:
            offset = (meeting_services.WEEKDAYS.index(group.meeting_day) - day.weekday()) % 7
            day += datetime.timedelta(days=offset if offset <= 3 else offset - 7)
        return timezone.make_aware(datetime.datetime.combine(day, usual))

    def _members(self, group: PeerGroup) -> list[User]:
        return [
            m.user
            for m in group.memberships.filter(
                status=MembershipStatus.ACTIVE,
                role__in=[MembershipRole.MEMBER, MembershipRole.PEER_LEADER],
            )
            .select_related("user")
            .order_by("seat")
        ]

    def _history(self, group: PeerGroup, days: list[datetime.datetime]) -> None:
        members = self._members(group)
        facilitator = (
            group.memberships.filter(role=MembershipRole.FACILITATOR, status="active")
            .select_related("user")
            .first()
        )
        logger = facilitator.user if facilitator else User.objects.get(email="staff@example.edu")
        for number, day in enumerate(days):
            starts = self._at(group, day)
            before = starts - datetime.timedelta(days=20)
            meeting = Meeting.objects.create(
                group=group,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=90),
                place=group.meeting_place,
                agenda=meeting_services.agenda_default(members=len(members), duration_minutes=90),
            )
            reviews = []
            for index, person in enumerate(members):
                goal = goal_services.goal_create(
                    owner=person,
                    group=group,
                    fields=goal_services.GoalFields(
                        title=GOAL_TITLES[(index + number) % len(GOAL_TITLES)],
                        category=GoalCategory.values[(index + number) % len(GoalCategory.values)],
                        is_specific=True,
                        is_measurable=index % 2 == 0,
                        is_time_bound=True,
                        confidence=5 + index % 5,
                    ),
                    due_meeting=meeting,
                    now=before,
                )
                # Back-date the row too, so the dashboard's "goals set since" reads true.
                Goal.objects.filter(pk=goal.pk).update(created_at=before, updated_at=before)
                outcome = OUTCOMES[(index + number) % len(OUTCOMES)]
                reviews.append(
                    meeting_services.ReviewInput(
                        goal=goal,
                        outcome=outcome,
                        learned="Talking to people in the role helped most."
                        if outcome == "done"
                        else "",
                        blocker="" if outcome == "done" else "time",
                    )
                )
            absent = members[-1:] if number == len(days) - 1 else []
            meeting_services.meeting_log_save(
                meeting=meeting,
                by=logger,
                attendance={p.pk: ("absent" if p in absent else "present") for p in members},
                reviews=reviews,
                summary=SUMMARIES[number % len(SUMMARIES)],
                private_notes="Two members were quiet; invite them to speak first next time.",
                flags=[
                    meeting_services.FlagInput(
                        kind=FlagKind.STALLED,
                        member=absent[0],
                        note="Missed the meeting and has not set goals for a while.",
                    )
                ]
                if absent and group.name == "Industry A"
                else [],
                now=starts + datetime.timedelta(hours=2),
            )
            for review in reviews:
                if review.outcome == "done" and review.goal.owner == members[0]:
                    goal_services.goal_share_win(goal=review.goal, now=starts)
            # The reviews happened at the meeting, not today.
            Goal.objects.filter(due_meeting=meeting).update(updated_at=starts)

    def _upcoming(self, group: PeerGroup, when: datetime.datetime, now: datetime.datetime) -> None:
        facilitator = (
            group.memberships.filter(role=MembershipRole.FACILITATOR, status="active")
            .select_related("user")
            .first()
        )
        starts_at = self._at(group, when)
        if group.name == "Education A":
            # The demo trainee's next meeting is tomorrow, so reminders are due in the demo.
            usual = group.meeting_time or datetime.time(17, 30)
            tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
            starts_at = timezone.make_aware(datetime.datetime.combine(tomorrow, usual))
        elif starts_at < now + datetime.timedelta(days=1):
            starts_at += datetime.timedelta(days=7)
        meeting = meeting_services.meeting_schedule(
            group=group,
            fields=meeting_services.MeetingFields(
                starts_at=starts_at,
                duration_minutes=90,
                place=group.meeting_place,
            ),
            created_by=facilitator.user if facilitator else None,
            now=now,
        )
        for person in self._members(group):
            unfinished = (
                person.goals.filter(group=group, status__in=[GoalStatus.PARTLY])
                .order_by("-created_at")
                .first()
            )
            if unfinished is not None:
                goal_services.goal_carry_over(goal=unfinished, now=now)
            goal_services.goal_create(
                owner=person,
                group=group,
                fields=goal_services.GoalFields(
                    title="Write a one-paragraph summary of a career path I am curious about",
                    category=GoalCategory.READING,
                    is_specific=True,
                    is_achievable=True,
                    confidence=7,
                ),
                due_meeting=meeting,
                now=now,
            )
            goal_services.goal_create(
                owner=person,
                group=group,
                fields=goal_services.GoalFields(
                    title="Decide whether to apply to the fellowship",
                    category=GoalCategory.APPLYING,
                    visibility=Visibility.PRIVATE,
                ),
                due_meeting=meeting,
                now=now,
            )


GOAL_TITLES = [
    "Ask two people in the field for a 20-minute informational interview",
    "Go to the career fair and talk to three employers",
    "Read two job postings and list the skills they ask for",
    "Update my CV for an industry role",
    "Take the first module of an online data course",
    "Draft a cover letter for a practice application",
    "Find three alumni on the professional network and message one",
]
OUTCOMES = ["done", "partly", "not_started", "done", "dropped", "partly"]
SUMMARIES = [
    "Everyone shared one win. We practised asking for informational interviews and agreed to "
    "share job postings in the chat.",
    "Good goal review: most people made progress. A guest from the career office talked about "
    "transferable skills.",
]
