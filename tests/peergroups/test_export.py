import json

import pytest

from goals.models import Visibility
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/me/export/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_export_holds_my_data_and_nobody_elses(client, group, member, django_assert_num_queries):
    other = MembershipFactory(group=group).user
    GoalFactory(owner=member, group=group, title="My private goal", visibility=Visibility.PRIVATE)
    GoalFactory(owner=other, group=group, title="Someone else's goal")
    MeetingFactory(group=group)
    client.force_login(member)
    # session, user, profile, interests, invitations, memberships, goals, reviews, attendance,
    # notifications
    with django_assert_num_queries(10):
        response = client.get("/me/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == member.email
    assert [g["title"] for g in data["goals"]] == ["My private goal"]
    assert data["memberships"][0]["group__name"] == group.name
    assert other.email not in response.content.decode()
    assert data["profile"]["career_interests"]


def test_export_is_get_only(client, member):
    client.force_login(member)
    assert client.post("/me/export/").status_code == 405
