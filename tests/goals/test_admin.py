import pytest
from django.urls import reverse

from goals.models import Visibility
from tests.factories import GoalFactory

pytestmark = pytest.mark.django_db


def test_office_sees_a_private_goal_exists_and_its_status_but_not_its_text(office, member, group):
    GoalFactory(
        owner=member,
        group=group,
        title="Secret plan",
        details="hidden details",
        visibility=Visibility.PRIVATE,
        status="partly",
    )
    shared = GoalFactory(owner=member, group=group, title="Shared plan")
    listing = office.get(reverse("admin:goals_goal_changelist")).content.decode()
    assert "Secret plan" not in listing and "private goal" in listing
    assert "Shared plan" in listing and "Partly done" in listing
    private = member.goals.get(visibility=Visibility.PRIVATE)
    page = office.get(reverse("admin:goals_goal_change", args=[private.pk])).content.decode()
    assert "Secret plan" not in page and "hidden details" not in page
    assert (
        "Shared plan"
        in office.get(reverse("admin:goals_goal_change", args=[shared.pk])).content.decode()
    )


def test_searching_goals_does_not_match_private_text(office, member, group):
    GoalFactory(owner=member, group=group, title="Secret plan", visibility=Visibility.PRIVATE)
    response = office.get(reverse("admin:goals_goal_changelist"), {"q": "Secret"})
    assert "0 goals" in response.content.decode()


def test_trainees_cannot_open_the_goal_admin(client, member):
    client.force_login(member)
    response = client.get(reverse("admin:goals_goal_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
