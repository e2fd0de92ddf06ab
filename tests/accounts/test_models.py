import pytest
from django.db import IntegrityError, transaction

from accounts import availability
from accounts.models import CareerArea, CareerInterest, TraineeProfile, User
from tests.factories import TraineeProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_stores_the_email_lower_case():
    user = User.objects.create_user("  Ada.Lovelace@Example.EDU ", "a-long-password-1")
    assert user.email == "ada.lovelace@example.edu"
    assert user.check_password("a-long-password-1")


def test_user_without_password_cannot_sign_in_until_invited():
    assert not User.objects.create_user("nopass@example.edu").has_usable_password()


def test_database_rejects_the_same_email_twice():
    UserFactory(email="same@example.edu")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="same@example.edu", password="!")])


def test_database_rejects_an_email_that_differs_only_in_case():
    UserFactory(email="case@example.edu")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="CASE@example.edu", password="!")])


def test_database_rejects_an_empty_email():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="", password="!")])


def test_login_lookup_ignores_case():
    user = UserFactory(email="lookup@example.edu")
    assert User.objects.get_by_natural_key("LookUp@Example.edu") == user


def test_profile_rejects_an_unknown_stage():
    profile = TraineeProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeProfile.objects.filter(pk=profile.pk).update(stage="professor")


def test_profile_rejects_a_program_year_out_of_range():
    profile = TraineeProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeProfile.objects.filter(pk=profile.pk).update(program_year=40)


def test_profile_rejects_availability_bits_beyond_the_week():
    profile = TraineeProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeProfile.objects.filter(pk=profile.pk).update(
            availability=1 << len(availability.SLOTS)
        )


def test_a_trainee_has_one_profile():
    profile = TraineeProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeProfile.objects.create(user=profile.user)


def test_interests_are_ranked_one_to_three_without_repeats():
    profile = TraineeProfileFactory(interests=[])
    areas = list(CareerArea.objects.order_by("pk")[:4])
    CareerInterest.objects.create(profile=profile, career_area=areas[0], rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CareerInterest.objects.create(profile=profile, career_area=areas[1], rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CareerInterest.objects.create(profile=profile, career_area=areas[0], rank=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        CareerInterest.objects.create(profile=profile, career_area=areas[3], rank=4)


def test_the_seven_career_areas_are_seeded():
    assert set(CareerArea.objects.values_list("name", flat=True)) >= {
        "Education",
        "Science Writing/Communication",
        "Business",
        "Policy",
        "Academia",
        "Industry",
        "Data Science",
    }


def test_availability_mask_round_trips():
    slots = ["mon-morning", "wed-evening", "sun-afternoon"]
    assert availability.slots_from_mask(availability.mask_from_slots(slots)) == slots


def test_str_identifies_the_rows():
    profile = TraineeProfileFactory(user__email="str@example.edu")
    assert str(profile.user) == "str@example.edu"
    assert "str@example.edu" in str(profile)
