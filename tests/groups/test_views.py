from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerArea
from groups import services
from groups.models import GroupStatus, Membership, MembershipRole, MembershipStatus, PeerGroup
from notifications.models import Notification
from tests.factories import (
    CohortFactory,
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    PeerGroupFactory,
    TraineeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, group: PeerGroup) -> str:
    return reverse(f"groups:{name}", args=[group.pk])


@pytest.fixture
def open_group(db) -> PeerGroup:
    group = PeerGroupFactory(name="Policy Open", status=GroupStatus.OPEN)
    MembershipFactory(group=group, role=MembershipRole.FACILITATOR)
    return group


def as_persona(client, request, persona: str):
    """Sign in as a persona fixture by name; 'anon' stays signed out."""
    if persona == "anon":
        return None
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


# Access matrix ---------------------------------------------------------------------------------
# `group` is active, so not open for joining: only its people and the office may see it.

DETAIL = {"anon": 302, "outsider": 404, "member": 200, "facilitator": 200, "staff": 200}
EDIT = {"anon": 302, "outsider": 404, "member": 403, "facilitator": 200, "staff": 200}
JOIN = {"anon": 302, "outsider": 404, "member": 302, "facilitator": 302, "staff": 302}
LEAVE = {"anon": 302, "outsider": 404, "member": 302, "facilitator": 302, "staff": 302}


@pytest.mark.parametrize("persona,status", DETAIL.items())
def test_group_page_access(client, request, group, persona, status):
    as_persona(client, request, persona)
    assert client.get(url("group_detail", group)).status_code == status


@pytest.mark.parametrize("persona,status", EDIT.items())
def test_group_edit_page_access(client, request, group, persona, status):
    as_persona(client, request, persona)
    assert client.get(url("group_update", group)).status_code == status


@pytest.mark.parametrize("persona,status", EDIT.items())
def test_group_edit_post_access(client, request, group, persona, status):
    as_persona(client, request, persona)
    before = group.norms
    response = client.post(url("group_update", group), {"norms": "Be kind.", "meeting_day": ""})
    expected = 302 if status == 200 else status
    assert response.status_code == expected
    group.refresh_from_db()
    assert (group.norms == "Be kind.") == (status == 200)
    if status != 200:
        assert group.norms == before


@pytest.mark.parametrize("persona,status", JOIN.items())
def test_join_access(client, request, group, persona, status):
    user = as_persona(client, request, persona)
    response = client.post(url("membership_join", group))
    assert response.status_code == status
    if persona in ("outsider", "staff"):
        assert not group.memberships.filter(user=user).exists()


@pytest.mark.parametrize("persona,status", LEAVE.items())
def test_leave_access(client, request, group, persona, status):
    as_persona(client, request, persona)
    seated = group.memberships.seated().count()
    response = client.post(url("membership_leave", group))
    assert response.status_code == status
    assert group.memberships.seated().count() == seated - (persona == "member")


@pytest.mark.parametrize("persona,status", [("anon", 302), ("outsider", 200), ("staff", 200)])
def test_group_list_access(client, request, persona, status):
    as_persona(client, request, persona)
    assert client.get(reverse("groups:group_list")).status_code == status


@pytest.mark.parametrize("name", ["membership_join", "membership_leave"])
def test_join_and_leave_are_post_only(client, member, group, name):
    client.force_login(member)
    assert client.get(url(name, group)).status_code == 405
    assert group.memberships.current().filter(user=member).exists()


def test_outsiders_see_a_group_while_it_is_open_but_may_not_edit_it(client, outsider, open_group):
    client.force_login(outsider)
    assert client.get(url("group_detail", open_group)).status_code == 200
    assert client.get(url("group_update", open_group)).status_code == 403


@pytest.mark.parametrize("status", [GroupStatus.DRAFT, GroupStatus.ACTIVE, GroupStatus.CLOSED])
def test_outsiders_get_404_for_groups_not_open(client, outsider, status):
    group = PeerGroupFactory(status=status)
    client.force_login(outsider)
    assert client.get(url("group_detail", group)).status_code == 404
    assert client.post(url("membership_join", group)).status_code == 404


def test_groups_of_a_cohort_without_self_join_are_not_listed_or_visible(client, outsider):
    group = PeerGroupFactory(cohort__is_self_join_allowed=False)
    client.force_login(outsider)
    assert group.name not in client.get(reverse("groups:group_list")).content.decode()
    assert client.get(url("group_detail", group)).status_code == 404


def test_people_who_left_lose_access_to_a_group_not_open(client, member, group):
    client.force_login(member)
    client.post(url("membership_leave", group))
    assert client.get(url("group_detail", group)).status_code == 404


# Pages -----------------------------------------------------------------------------------------


def test_group_page_shows_members_without_emails_to_other_trainees(client, member, group):
    other = MembershipFactory(group=group, user__name="Noor Other").user
    client.force_login(member)
    page = client.get(url("group_detail", group)).content.decode()
    assert "Noor Other" in page and other.profile.discipline.name in page
    assert "PhD student" in page and "Fran" not in page  # no facilitator fixture here
    assert other.email not in page and "Confidentiality" in page


def test_facilitators_and_staff_see_emails_and_the_waitlist(client, facilitator, group):
    other = MembershipFactory(group=group).user
    group.capacity = 2
    group.save()
    waiting = MembershipFactory(group=group, status=MembershipStatus.WAITLISTED).user
    client.force_login(facilitator)
    page = client.get(url("group_detail", group)).content.decode()
    assert other.email in page and waiting.email in page
    assert "Edit norms and meeting details" in page


def test_facilitator_edits_norms_and_meeting_defaults(client, facilitator, group):
    client.force_login(facilitator)
    response = client.post(
        url("group_update", group),
        {
            "norms": "Start on time.",
            "meeting_day": "thu",
            "meeting_time": "18:00",
            "meeting_place": "Library room 2",
            "video_link": "meet.example.edu/abc",
        },
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.norms, group.meeting_day, group.meeting_place) == (
        "Start on time.",
        "thu",
        "Library room 2",
    )
    assert group.video_link == "https://meet.example.edu/abc"


def test_joining_from_the_list_then_seeing_it_at_home(client, outsider, open_group):
    client.force_login(outsider)
    response = client.post(url("membership_join", open_group), follow=True)
    assert "You&#x27;re a member of Policy Open" in response.content.decode()
    home = client.get("/").content.decode()
    assert "Policy Open" in home and "Member" in home


def test_double_posting_join_gives_one_membership(client, outsider, open_group):
    client.force_login(outsider)
    client.post(url("membership_join", open_group))
    response = client.post(url("membership_join", open_group), follow=True)
    assert response.status_code == 200
    assert open_group.memberships.filter(user=outsider).count() == 1


def test_joining_a_full_group_shows_the_waitlist_position(client, outsider, open_group):
    MembershipFactory.create_batch(8, group=open_group)
    MembershipFactory(group=open_group, status=MembershipStatus.WAITLISTED)
    client.force_login(outsider)
    response = client.post(url("membership_join", open_group), follow=True)
    assert "#2 on the waitlist" in response.content.decode()
    assert "Waitlisted #2" in client.get("/").content.decode()


def test_leaving_with_a_reason_promotes_the_first_waitlisted(client, open_group):
    members = MembershipFactory.create_batch(8, group=open_group)
    waiting = MembershipFactory(group=open_group, status=MembershipStatus.WAITLISTED)
    client.force_login(members[0].user)
    response = client.post(url("membership_leave", open_group), {"reason": "New job"})
    assert response.status_code == 302 and response["Location"] == "/"
    members[0].refresh_from_db()
    waiting.refresh_from_db()
    assert members[0].leave_reason == "New job" and waiting.status == MembershipStatus.ACTIVE
    assert Notification.objects.filter(recipient=waiting.user).count() == 1


def test_joining_a_group_that_is_not_open_explains_why(client, staff, group):
    client.force_login(staff)
    response = client.post(url("membership_join", group), follow=True)
    assert "not open for joining" in response.content.decode()


def test_list_puts_the_trainees_interests_first_and_filters(client):
    areas = {a.slug: a for a in CareerArea.objects.all()}
    person = TraineeFactory(profile__interests=[areas["policy"], areas["business"]])
    other = PeerGroupFactory(name="Z Academia", career_area=areas["academia"])
    mixed = PeerGroupFactory(name="Y Mixed", career_area=None)
    business = PeerGroupFactory(name="B Business", career_area=areas["business"])
    policy = PeerGroupFactory(name="X Policy", career_area=areas["policy"])
    client.force_login(person)
    page = client.get(reverse("groups:group_list")).content.decode()
    order = [page.index(g.name) for g in (policy, business, mixed, other)]
    assert order == sorted(order)
    filtered = client.get(reverse("groups:group_list"), {"career_area": "mixed"}).content.decode()
    assert "Y Mixed" in filtered and "X Policy" not in filtered
    by_cohort = client.get(
        reverse("groups:group_list"), {"cohort": policy.cohort.slug}
    ).content.decode()
    assert "X Policy" in by_cohort and "B Business" not in by_cohort


def test_list_shows_seats_left_waitlist_and_facilitator(client, outsider, open_group):
    MembershipFactory.create_batch(8, group=open_group)
    MembershipFactory.create_batch(2, group=open_group, status=MembershipStatus.WAITLISTED)
    facilitator = open_group.memberships.get(role=MembershipRole.FACILITATOR).user
    partly = PeerGroupFactory(name="Half Full")
    MembershipFactory.create_batch(3, group=partly)
    client.force_login(outsider)
    page = client.get(reverse("groups:group_list")).content.decode()
    assert "Full" in page and "2 waiting" in page and facilitator.get_full_name() in page
    assert "5 seats left" in page and "Join the waitlist" in page


# Query budgets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 50])
def test_group_list_query_count_does_not_grow(client, outsider, django_assert_num_queries, n):
    cohort = CohortFactory()
    for group in PeerGroupFactory.create_batch(n, cohort=cohort):
        MembershipFactory(group=group, role=MembershipRole.FACILITATOR)
        MembershipFactory(group=group)
    MembershipFactory(group=group, user=outsider)
    client.force_login(outsider)
    # session, user; cohort menu, career-area menu; count for the pager; the groups (with
    # counts and interest rank); their facilitators; the person's own places
    with django_assert_num_queries(8):
        response = client.get(reverse("groups:group_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_group_page_query_count_does_not_grow(
    client, facilitator, group, django_assert_num_queries, n
):
    group.status = GroupStatus.OPEN
    group.save()
    for i in range(n):
        joiner = TraineeFactory()
        services.membership_join(group=group, user=joiner, now=group.created_at)
        meeting = MeetingFactory(
            group=group, starts_at=timezone.now() - timedelta(days=i + 1), status="held"
        )
        GoalFactory(owner=joiner, group=group, due_meeting=meeting)
        GoalFactory(owner=joiner, group=group, status="done", shared_as_win_at=timezone.now())
    MeetingFactory(group=group)
    client.force_login(facilitator)
    # session, user, group (+visibility, cohort, area), memberships (+people, profiles);
    # the next meeting, past meetings, current goals (+owners), wins (+owners)
    with django_assert_num_queries(8):
        response = client.get(url("group_detail", group))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 5])
def test_home_page_query_count_does_not_grow(client, django_assert_num_queries, n):
    person = TraineeFactory()
    cohort = CohortFactory(max_groups_per_trainee=5)
    for group in PeerGroupFactory.create_batch(n, cohort=cohort):
        MembershipFactory(group=group, user=person)
        meeting = MeetingFactory(group=group)
        GoalFactory(owner=person, group=group, due_meeting=meeting)
    client.force_login(person)
    # session, user, profile, the person's groups (with waitlist positions), next meetings
    # (+groups), goals due (+groups, meetings), open surveys
    with django_assert_num_queries(7):
        response = client.get("/")
    assert response.status_code == 200


def test_home_page_empty_state_links_to_the_groups(client, outsider):
    client.force_login(outsider)
    page = client.get("/").content.decode()
    assert "not in a group yet" in page and f'href="{reverse("groups:group_list")}"' in page


def test_staff_without_a_profile_can_browse(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("groups:group_list")).status_code == 200
    assert Membership.objects.count() == 0
