import factory
from factory.django import DjangoModelFactory

from accounts import availability
from accounts.models import CareerArea, CareerInterest, Discipline, Stage, TraineeProfile, User

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
