"""Goal pages: who may open and change what, the forms, the one-click actions, query budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal, GoalStatus, Visibility
from groups.models import GroupStatus, MembershipRole
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory, PeerGroupFactory

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def outsider(outsider):
    """The persona as a trainee of another group, with a goal of their own there."""
    elsewhere = MembershipFactory(user=outsider, group=PeerGroupFactory(status=GroupStatus.ACTIVE))
    GoalFactory(owner=outsider, group=elsewhere.group)
    return outsider


@pytest.fixture
def owner(group):
    return MembershipFactory(group=group, user__name="Omar Owner").user


@pytest.fixture
def goal(group, owner, facilitator, member):
    """A group-visible goal of Omar's: Mia and the facilitator may see it, not change it."""
    return GoalFactory(owner=owner, group=group, title="Ask two editors for a call")


@pytest.fixture
def private_goal(group, owner, facilitator, member):
    return GoalFactory(
        owner=owner, group=group, title="Apply outside academia", visibility=Visibility.PRIVATE
    )


@pytest.fixture
def next_meeting(group):
    return MeetingFactory(group=group, starts_at=timezone.now() + timedelta(days=10))


def as_persona(client, request, persona: str):
    if persona == "anon":
        return None
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def no_writes(queries) -> bool:
    return not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def goal_data(**overrides) -> dict:
    return {
        "title": "Read two career guides",
        "category": "reading",
        "details": "",
        "career_area": "",
        "due_date": "",
        "confidence": "6",
        "visibility": "group",
        **overrides,
    }


# Access matrix ---------------------------------------------------------------------------------

EDIT_GROUP_GOAL = {
    "anon": 302,
    "outsider": 404,
    "member": 403,
    "facilitator": 403,
    "staff": 403,
    "owner": 200,
}
# A private goal is invisible to the group; staff see it exists, so they get 403, not 404.
EDIT_PRIVATE_GOAL = {**EDIT_GROUP_GOAL, "member": 404, "facilitator": 404}
ACTIONS = ["goal_set_status", "goal_carry_over", "goal_share_win"]


@pytest.mark.parametrize("name", ["goal_list", "goal_create"])
@pytest.mark.parametrize("persona", ["anon", "outsider", "member", "facilitator", "staff"])
def test_my_goals_pages_need_only_signing_in(client, request, name, persona):
    as_persona(client, request, persona)
    url = reverse(f"goals:{name}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if persona == "anon":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    else:
        assert response.status_code == 200
    assert no_writes(queries)


@pytest.mark.parametrize(
    ("target", "persona", "status"),
    [("goal", p, s) for p, s in EDIT_GROUP_GOAL.items()]
    + [("private_goal", p, s) for p, s in EDIT_PRIVATE_GOAL.items()],
)
def test_goal_edit_page_access(client, request, target, persona, status):
    goal = request.getfixturevalue(target)
    as_persona(client, request, persona)
    url = reverse("goals:goal_update", args=[goal.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status
    assert no_writes(queries)
    if status != 200:
        assert goal.title not in response.content.decode()
    # Posting is refused the same way and changes nothing.
    response = client.post(url, goal_data(title="Changed"))
    assert response.status_code == (302 if status == 200 else status)
    goal.refresh_from_db()
    assert (goal.title == "Changed") == (status == 200)


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize(
    ("target", "persona", "status"),
    [("goal", p, s) for p, s in EDIT_GROUP_GOAL.items() if p != "owner"]
    + [("private_goal", p, s) for p, s in EDIT_PRIVATE_GOAL.items() if p != "owner"],
)
def test_only_the_owner_acts_on_a_goal(client, request, name, target, persona, status):
    goal = request.getfixturevalue(target)
    goal.status, goal.completed_at = GoalStatus.DONE, timezone.now()
    goal.save()
    as_persona(client, request, persona)
    before = list(Goal.objects.values())
    response = client.post(reverse(f"goals:{name}", args=[goal.pk]), {"status": "dropped"})
    assert response.status_code == status
    assert list(Goal.objects.values()) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_one_click_actions_refuse_get(client, owner, goal, name):
    client.force_login(owner)
    before = list(Goal.objects.values())
    assert client.get(reverse(f"goals:{name}", args=[goal.pk])).status_code == 405
    assert list(Goal.objects.values()) == before


def test_the_goal_list_refuses_post(client, owner):
    client.force_login(owner)
    assert client.post(reverse("goals:goal_list")).status_code == 405


# Happy paths ------------------------------------------------------------------------------------


def test_a_member_sets_a_goal_due_at_the_next_meeting(client, group, member, next_meeting):
    client.force_login(member)
    response = client.post(
        reverse("goals:goal_create"), goal_data(group=str(group.pk), is_specific="on")
    )
    assert response.status_code == 302 and response["Location"] == reverse("goals:goal_list")
    goal = Goal.objects.get()
    assert (goal.owner, goal.group, goal.due_meeting) == (member, group, next_meeting)
    assert goal.is_specific and not goal.is_measurable and goal.confidence == 6


def test_the_new_goal_form_offers_only_my_member_groups(client, group, member, outsider):
    other = MembershipFactory(user=member, group=PeerGroupFactory(status=GroupStatus.ACTIVE))
    facilitated = MembershipFactory(
        user=member,
        group=PeerGroupFactory(status=GroupStatus.ACTIVE),
        role=MembershipRole.FACILITATOR,
    ).group
    client.force_login(member)
    form = client.get(reverse("goals:goal_create")).context["form"]
    assert set(form.fields["group"].queryset) == {group, other.group}
    outsiders_group = outsider.memberships.get().group
    for group_id in (outsiders_group.pk, facilitated.pk):
        response = client.post(reverse("goals:goal_create"), goal_data(group=str(group_id)))
        assert response.status_code == 200 and "group" in response.context["form"].errors
    assert not Goal.objects.filter(owner=member).exists()


def test_someone_in_no_group_is_pointed_to_the_groups(client, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("goals:goal_create"))
    assert b"not in a group yet" in response.content
    client.post(reverse("goals:goal_create"), goal_data())
    assert not Goal.objects.exists()


def test_editing_keeps_the_meeting_unless_the_date_changes(
    client, group, owner, next_meeting, facilitator
):
    held = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(days=3), status="held")
    goal = GoalFactory(owner=owner, group=group, due_meeting=held)
    client.force_login(owner)
    url = reverse("goals:goal_update", args=[goal.pk])
    client.post(url, goal_data(due_date=goal.due_date.isoformat(), title="Sharper title"))
    goal.refresh_from_db()
    assert goal.title == "Sharper title" and goal.due_meeting == held
    client.post(url, goal_data(due_date=next_meeting.starts_at.date().isoformat()))
    goal.refresh_from_db()
    assert goal.due_meeting == next_meeting


def test_the_owner_updates_status_with_and_without_htmx(client, owner, goal):
    client.force_login(owner)
    url = reverse("goals:goal_set_status", args=[goal.pk])
    assert client.post(url, {"status": "done"}).status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DONE and goal.completed_at is not None
    response = client.post(url, {"status": "partly"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    # Only the goal's row comes back, for htmx to swap in.
    assert response.status_code == 200 and "<html" not in page
    assert f'<li class="list-group-item" id="goal-{goal.pk}">' in page
    assert '<option value="partly" selected>' in page


def test_carry_over_is_one_click_and_links_the_new_goal(client, group, owner, next_meeting):
    old = GoalFactory(owner=owner, group=group, status=GoalStatus.NOT_STARTED)
    client.force_login(owner)
    listing = client.get(reverse("goals:goal_list")).content.decode()
    assert reverse("goals:goal_carry_over", args=[old.pk]) in listing
    response = client.post(reverse("goals:goal_carry_over", args=[old.pk]))
    assert response.status_code == 302
    new = Goal.objects.get(carried_from=old)
    assert new.due_meeting == next_meeting and new.status == GoalStatus.ACTIVE
    client.post(reverse("goals:goal_carry_over", args=[old.pk]))
    assert Goal.objects.filter(owner=owner).count() == 2
    listing = client.get(reverse("goals:goal_list")).content.decode()
    assert reverse("goals:goal_carry_over", args=[old.pk]) not in listing
    assert "Carried over" in listing


def test_a_done_goal_is_shared_as_a_win_unless_it_is_private(client, group, owner):
    shared = GoalFactory(owner=owner, group=group, status="done", completed_at=timezone.now())
    private = GoalFactory(
        owner=owner,
        group=group,
        status="done",
        completed_at=timezone.now(),
        visibility=Visibility.PRIVATE,
    )
    client.force_login(owner)
    listing = client.get(reverse("goals:goal_list")).content.decode()
    assert reverse("goals:goal_share_win", args=[shared.pk]) in listing
    assert reverse("goals:goal_share_win", args=[private.pk]) not in listing
    client.post(reverse("goals:goal_share_win", args=[shared.pk]))
    response = client.post(reverse("goals:goal_share_win", args=[private.pk]), follow=True)
    assert b"private" in response.content
    assert list(Goal.objects.wins()) == [shared]


def test_my_goals_show_only_my_own(client, group, owner, member, goal, private_goal):
    GoalFactory(owner=member, group=group, title="Mia's own goal")
    client.force_login(member)
    page = client.get(reverse("goals:goal_list")).content.decode()
    assert "Mia&#x27;s own goal" in page
    assert goal.title not in page and private_goal.title not in page


# Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"confidence": "11"},
        {"confidence": "-1"},
        {"confidence": "ten"},
        {"category": "hobby"},
        {"visibility": "everyone"},
        {"title": ""},
        {"title": "x" * 201},
        {"due_date": "2027-02-30"},
        {"due_date": "soon"},
        {"due_date": "0001-01-01"},
        {"due_date": "9999-12-31"},
        {"career_area": "999999"},
    ],
)
def test_bad_goal_input_is_a_form_error(client, group, owner, goal, bad):
    client.force_login(owner)
    response = client.post(reverse("goals:goal_create"), goal_data(group=str(group.pk), **bad))
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(reverse("goals:goal_update", args=[goal.pk]), goal_data(**bad))
    assert response.status_code == 200 and response.context["form"].errors
    assert Goal.objects.count() == 1
    goal.refresh_from_db()
    assert goal.title == "Ask two editors for a call"


@pytest.mark.parametrize("status", ["finished", "", "ACTIVE"])
def test_an_unknown_status_changes_nothing(client, owner, goal, status):
    client.force_login(owner)
    response = client.post(
        reverse("goals:goal_set_status", args=[goal.pk]), {"status": status}, follow=True
    )
    assert response.status_code == 200 and b"Choose a status" in response.content
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE


def test_carrying_over_a_done_goal_is_a_message_not_an_error(client, owner, goal):
    goal.status, goal.completed_at = GoalStatus.DONE, timezone.now()
    goal.save()
    client.force_login(owner)
    response = client.post(reverse("goals:goal_carry_over", args=[goal.pk]), follow=True)
    assert response.status_code == 200 and b"not done can be carried over" in response.content
    assert Goal.objects.count() == 1


# Query budget -----------------------------------------------------------------------------------


def populate(owner, group, goals: int) -> None:
    """`goals` goals in every state: in progress, to carry over, carried, done, shared."""
    now = timezone.now()
    meeting = MeetingFactory(group=group)
    for n in range(goals):
        kind = n % 5
        if kind == 0:
            GoalFactory(owner=owner, group=group, due_meeting=meeting)
        elif kind == 1:
            GoalFactory(owner=owner, group=group, status="partly", visibility="private")
        elif kind == 2:
            old = GoalFactory(owner=owner, group=group, status="not_started")
            GoalFactory(owner=owner, group=group, carried_from=old, due_date=now.date())
        elif kind == 3:
            GoalFactory(owner=owner, group=group, status="done", completed_at=now)
        else:
            GoalFactory(
                owner=owner, group=group, status="done", completed_at=now, shared_as_win_at=now
            )


@pytest.mark.parametrize("goals", [1, 25])
def test_goal_list_query_budget(client, group, owner, goals, django_assert_num_queries):
    populate(owner, group, goals)
    client.force_login(owner)
    # session, user, my goals (+group, meeting, career area, carried-to copy)
    with django_assert_num_queries(3):
        response = client.get(reverse("goals:goal_list"))
    context = response.context
    shown = len(context["current"]) + len(context["follow_up"]) + len(context["finished"])
    assert shown == Goal.objects.filter(owner=owner).count()
