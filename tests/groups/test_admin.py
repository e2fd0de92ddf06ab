import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from groups.models import GroupStatus, Membership, MembershipRole, MembershipStatus, PeerGroup
from tests.factories import CohortFactory, MembershipFactory, PeerGroupFactory, TraineeFactory

pytestmark = pytest.mark.django_db

GROUPS = reverse("admin:groups_peergroup_changelist")
MEMBERSHIPS = reverse("admin:groups_membership_changelist")


@pytest.fixture
def office(staff):
    """Office staff with the admin permissions (as the demo's staff account has)."""
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    return staff


def change_url(group: PeerGroup) -> str:
    return reverse("admin:groups_peergroup_change", args=[group.pk])


def form_data(response, **overrides) -> dict:
    """The POST data the admin change form would send back unchanged, plus overrides."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return {**data, **overrides}


def group_with(seated: int, waiting: int = 0, **kwargs) -> PeerGroup:
    group = PeerGroupFactory(**kwargs)
    MembershipFactory.create_batch(seated, group=group)
    MembershipFactory.create_batch(waiting, group=group, status=MembershipStatus.WAITLISTED)
    return group


def test_trainees_and_facilitators_cannot_open_the_admin(client, member, facilitator):
    for person in (member, facilitator):
        client.force_login(person)
        assert client.get(GROUPS).status_code == 302


def test_the_group_list_flags_under_size_and_full_groups(client, office):
    group_with(3, name="Tiny group")
    group_with(8, waiting=2, name="Packed group")
    group_with(6, name="Fine group")
    client.force_login(office)
    page = client.get(GROUPS).content.decode()
    assert "Under-size (fewer than 5)" in page and "Full" in page
    under = client.get(GROUPS, {"size": "under"}).content.decode()
    assert "Tiny group" in under and "Packed group" not in under and "Fine group" not in under
    full = client.get(GROUPS, {"size": "full"}).content.decode()
    assert "Packed group" in full and "Tiny group" not in full
    assert "Packed group" in client.get(GROUPS, {"size": "waitlist"}).content.decode()


def test_the_group_list_filters_mixed_groups_and_finds_a_member_by_email(client, office):
    mixed = group_with(1, name="Mixed bag", career_area=None)
    group_with(1, name="Area group")
    client.force_login(office)
    page = client.get(GROUPS, {"area": "mixed"}).content.decode()
    assert "Mixed bag" in page and "Area group" not in page
    email = mixed.memberships.get().user.email
    found = client.get(GROUPS, {"q": email}).content.decode()
    assert "Mixed bag" in found and "Area group" not in found


@pytest.mark.parametrize("n", [1, 20])
def test_the_group_list_query_count_does_not_grow(client, office, django_assert_num_queries, n):
    cohort = CohortFactory()
    for group in PeerGroupFactory.create_batch(n, cohort=cohort):
        MembershipFactory(group=group, role=MembershipRole.FACILITATOR)
        MembershipFactory(group=group)
    client.force_login(office)
    # session, user; counts for the pager (filtered and total); the page of groups with counts;
    # their facilitators; the cohort and career-area filter choices
    with django_assert_num_queries(8):
        assert client.get(GROUPS).status_code == 200


def test_status_actions_move_groups_forward(client, office):
    draft = PeerGroupFactory(status=GroupStatus.DRAFT)
    client.force_login(office)
    for action, status in [
        ("open_groups", GroupStatus.OPEN),
        ("activate_groups", GroupStatus.ACTIVE),
        ("close_groups", GroupStatus.CLOSED),
    ]:
        client.post(GROUPS, {"action": action, ACTION_CHECKBOX_NAME: [draft.pk]})
        draft.refresh_from_db()
        assert draft.status == status
    response = client.post(
        GROUPS, {"action": "open_groups", ACTION_CHECKBOX_NAME: [draft.pk]}, follow=True
    )
    assert "can&#x27;t become" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == GroupStatus.CLOSED


def test_staff_add_a_facilitator_and_a_member_from_the_group_page(client, office):
    group = group_with(7)
    new_member, new_facilitator = TraineeFactory(), TraineeFactory()
    client.force_login(office)
    data = form_data(client.get(change_url(group)))
    data.update(
        {
            "memberships-2-0-user": new_member.pk,
            "memberships-2-0-role": MembershipRole.MEMBER,
            "memberships-2-1-user": new_facilitator.pk,
            "memberships-2-1-role": MembershipRole.FACILITATOR,
            "memberships-2-TOTAL_FORMS": 2,
        }
    )
    response = client.post(change_url(group), data)
    assert response.status_code == 302, response.context["errors"]
    assert group.memberships.get(user=new_member).seat == 8
    assert group.memberships.get(user=new_facilitator).seat is None


def test_adding_more_people_than_free_seats_is_a_form_error(client, office):
    group = group_with(8)
    client.force_login(office)
    data = form_data(client.get(change_url(group)))
    data.update({"memberships-2-0-user": TraineeFactory().pk, "memberships-2-0-role": "member"})
    response = client.post(change_url(group), data)
    assert response.status_code == 200
    assert "Only 0 seat(s) are free" in response.content.decode()
    assert group.memberships.count() == 8


def test_raising_capacity_in_the_admin_promotes_the_waitlist(client, office):
    group = group_with(6, waiting=1, capacity=6)
    client.force_login(office)
    response = client.post(change_url(group), form_data(client.get(change_url(group)), capacity=7))
    assert response.status_code == 302
    assert group.memberships.seated().count() == 7 and not group.memberships.waitlisted()


def test_capacity_below_the_members_is_refused(client, office):
    group = group_with(6)
    client.force_login(office)
    response = client.post(change_url(group), form_data(client.get(change_url(group)), capacity=5))
    assert response.status_code == 200 and "6 members hold seats" in response.content.decode()


def test_facilitator_autocomplete_finds_people(client, office):
    person = TraineeFactory(name="Quinn Findable")
    client.force_login(office)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "groups",
            "model_name": "membership",
            "field_name": "user",
            "term": "Findable",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(person.pk)]


def test_moving_members_goes_through_a_confirmation_page_then_moves_them(client, office):
    source, target = group_with(8, waiting=1), PeerGroupFactory(name="Target group")
    movers = list(source.memberships.seated()[:2])
    client.force_login(office)
    picked = {"action": "move_to_group", ACTION_CHECKBOX_NAME: [m.pk for m in movers]}
    page = client.post(MEMBERSHIPS, picked)
    assert page.status_code == 200 and "Move these 2 people" in page.content.decode()
    assert all(
        m.status == MembershipStatus.ACTIVE
        for m in Membership.objects.filter(pk__in=[m.pk for m in movers])
    )
    response = client.post(MEMBERSHIPS, {**picked, "apply": "1", "to_group": target.pk})
    assert response.status_code == 302
    assert target.memberships.seated().count() == 2
    assert source.memberships.seated().count() == 7  # 8 - 2 moved + 1 promoted


def test_moving_is_all_or_nothing(client, office):
    source, target = group_with(3), group_with(7, name="Almost full")
    picked = [m.pk for m in source.memberships.all()[:2]]
    client.force_login(office)
    response = client.post(
        MEMBERSHIPS,
        {
            "action": "move_to_group",
            ACTION_CHECKBOX_NAME: picked,
            "apply": "1",
            "to_group": target.pk,
        },
        follow=True,
    )
    assert "Nobody was moved" in response.content.decode()
    assert source.memberships.seated().count() == 3 and target.memberships.seated().count() == 7


def test_removing_someone_frees_the_seat_for_the_waitlist(client, office):
    group = group_with(8, waiting=1)
    leaver = group.memberships.seated().first()
    client.force_login(office)
    client.post(MEMBERSHIPS, {"action": "remove_from_group", ACTION_CHECKBOX_NAME: [leaver.pk]})
    leaver.refresh_from_db()
    assert leaver.status == MembershipStatus.LEFT
    assert group.memberships.seated().count() == 8 and not group.memberships.waitlisted()


def test_changing_a_role_to_facilitator_frees_the_seat(client, office):
    group = group_with(8, waiting=1)
    membership = group.memberships.seated().first()
    client.force_login(office)
    url = reverse("admin:groups_membership_change", args=[membership.pk])
    assert client.post(url, {"role": MembershipRole.FACILITATOR}).status_code == 302
    membership.refresh_from_db()
    assert membership.seat is None and not group.memberships.waitlisted()


def test_cohort_admin_lists_cohorts(client, office):
    CohortFactory(name="Spring 2027")
    client.force_login(office)
    assert "Spring 2027" in client.get(reverse("admin:groups_cohort_changelist")).content.decode()
