"""The group-formation pages in the admin: access, the full click path, query budget."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerArea, Stage
from groups import formation, formation_services
from groups.models import DoNotPair, FormationRun, FormationRunStatus, PeerGroup
from notifications.models import Notification, NotificationKind
from tests.factories import CohortFactory, UserFactory, pool_trainee

pytestmark = pytest.mark.django_db

START = reverse("admin:groups_cohort_formation")
RUNS = reverse("admin:groups_formationrun_changelist")


def run_url(run: FormationRun, action: str = "") -> str:
    name = (
        f"admin:groups_cohort_formation_{action}" if action else "admin:groups_cohort_formation_run"
    )
    return reverse(name, args=[run.pk])


@pytest.fixture
def office(staff):
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    return staff


@pytest.fixture
def policy(db) -> CareerArea:
    return CareerArea.objects.get(slug="policy")


@pytest.fixture
def cohort(db):
    return CohortFactory(name="Spring 2027", slug="spring-2027")


def pool(n: int, area: CareerArea, **kwargs) -> list:
    return [
        pool_trainee(area, stage=Stage.POSTDOC if i % 2 else Stage.PHD_STUDENT, **kwargs)
        for i in range(n)
    ]


@pytest.fixture
def run(cohort, policy):
    """A draft run with two Policy groups and one person left out."""
    pool(12, policy)
    pool_trainee(CareerArea.objects.get(slug="business"), user__name="Lone Business")
    return formation_services.formation_run_create(
        cohort=cohort,
        mode=formation.AREA,
        weights=formation.Weights(),
        seed=1,
        created_by=None,
        now=timezone.now(),
    )


START_DATA = {
    "mode": "area",
    "weight_discipline": "1",
    "weight_stage": "1",
    "weight_repeat": "1",
    "weight_interest": "1",
    "seed": "1",
}


def messages_in(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Access ----------------------------------------------------------------------------------------


def test_anonymous_people_and_trainees_are_sent_to_a_login_page(client, run, trainee):
    pages = [START, run_url(run), run_url(run, "publish")]
    posts = [run_url(run, action) for action in ("move", "lock", "rerun", "publish")]
    # Anonymous people meet the site's login first (login is required everywhere); a signed-in
    # trainee gets the admin's login, which asks for a staff account.
    for person, login in ((None, "/accounts/login/"), (trainee, "/admin/login/")):
        if person:
            client.force_login(person)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(login)
        for url in [START, *posts]:
            response = client.post(url)
            assert response.status_code == 302 and response["Location"].startswith(login)
    assert FormationRun.objects.get().is_draft and not PeerGroup.objects.exists()


def test_office_staff_open_the_pages(client, run, office):
    client.force_login(office)
    for url in [START, run_url(run), run_url(run, "publish"), RUNS, f"{START}?cohort=1"]:
        assert client.get(url).status_code == 200
    assert client.get(reverse("admin:groups_formationrun_change", args=[run.pk])).status_code == 200


def test_staff_without_the_permissions_get_403(client, run, staff):
    client.force_login(staff)
    assert client.get(START).status_code == 403
    assert client.get(run_url(run)).status_code == 403
    assert client.post(run_url(run, "publish")).status_code == 403
    # Reviewing needs the view permission only; changing anything needs the add permission.
    staff.user_permissions.add(Permission.objects.get(codename="view_formationrun"))
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    page = client.get(run_url(run))
    assert page.status_code == 200 and 'id="adjust"' not in page.content.decode()
    assert client.post(run_url(run, "rerun"), {"seed": 2}).status_code == 403
    assert client.get(reverse("admin:groups_formationrun_change", args=[run.pk])).status_code == 200


def test_adjusting_needs_a_post(client, run, office):
    client.force_login(office)
    for action in ("move", "lock", "rerun"):
        assert client.get(run_url(run, action)).status_code == 405


def test_an_unknown_run_is_404(client, office):
    client.force_login(office)
    assert client.get(reverse("admin:groups_cohort_formation_run", args=[999])).status_code == 404


# The click path --------------------------------------------------------------------------------


def test_the_office_forms_adjusts_and_publishes_groups_through_the_admin(
    client, office, cohort, policy
):
    people = pool(12, policy)
    loner = pool_trainee(CareerArea.objects.get(slug="business"), user__name="Lone Business")
    client.force_login(office)

    start = client.get(START, {"cohort": cohort.pk})
    assert start.status_code == 200 and "Preview groups" in start.content.decode()
    response = client.post(START, {**START_DATA, "cohort": cohort.pk}, follow=True)
    run = FormationRun.objects.get()
    assert response.redirect_chain[-1][0] == run_url(run)
    page = response.content.decode()
    assert "Proposal ready: 2 groups, 12 of 13 people placed" in page
    assert page.count("Score card of Policy") == 2 and "Discipline diversity" in page
    assert people[0].email in page and "Tue evening" in page
    assert "Lone Business" in page and "only 1 person chose Business" in page
    assert not PeerGroup.objects.exists()

    # Move two people from the first group (of 6) to the second: the first falls below 5.
    first, second = run.groups
    movers = first["member_ids"][:2]
    for mover in movers:
        response = client.post(
            run_url(run, "move"), {"trainee": mover, "to": second["key"]}, follow=True
        )
        assert "That group is now locked" in response.content.decode()
    run.refresh_from_db()
    assert set(movers) <= set(run.groups[1]["member_ids"]) and run.groups[1]["locked"]
    page = response.content.decode()
    assert "1 group breaks a hard rule" in page and "4 members, outside the size bounds 5–8" in page

    # Take one out and put the other back (both groups are now locked), unlock the second
    # group and re-run the rest: the second group is re-formed with the person taken out.
    client.post(run_url(run, "move"), {"trainee": movers[0], "to": "unplaced"})
    client.post(run_url(run, "move"), {"trainee": movers[1], "to": first["key"]})
    response = client.post(run_url(run, "lock"), {"key": second["key"]}, follow=True)
    assert "Group unlocked" in " ".join(messages_in(response))
    response = client.post(run_url(run, "rerun"), {"seed": 7}, follow=True)
    assert "Re-formed everyone outside the locked groups" in response.content.decode()
    run.refresh_from_db()
    assert run.seed == 7 and run.groups[0]["key"] == first["key"] and run.groups[0]["locked"]
    assert not any(group["problems"] for group in run.groups)

    confirm = client.get(run_url(run, "publish"))
    text = confirm.content.decode()
    assert "Publish 2 groups" in text and "12 people become members and are notified" in text
    assert "1 person stays unplaced" in text and "Policy 1" in text and "Policy 2" in text
    assert not PeerGroup.objects.exists()

    response = client.post(run_url(run, "publish"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:groups_peergroup_changelist"))
    assert "Published 2 groups; 12 people were placed and notified." in messages_in(response)
    assert set(PeerGroup.objects.values_list("name", flat=True)) == {"Policy 1", "Policy 2"}
    placed = Notification.objects.filter(kind=NotificationKind.GROUP_PLACED)
    assert placed.count() == 12 and not placed.filter(recipient=loner).exists()
    run.refresh_from_db()
    assert run.status == FormationRunStatus.PUBLISHED

    # Published: read-only review with links to the groups; publishing again does nothing.
    page = client.get(run_url(run)).content.decode()
    assert 'id="adjust"' not in page and "Published" in page
    group = PeerGroup.objects.get(name="Policy 1")
    assert reverse("admin:groups_peergroup_change", args=[group.pk]) in page
    response = client.post(run_url(run, "publish"), follow=True)
    assert "This run is already published." in messages_in(response)
    assert PeerGroup.objects.count() == 2 and placed.count() == 12
    response = client.post(run_url(run, "rerun"), {"seed": 3}, follow=True)
    assert "already published" in " ".join(messages_in(response))


def test_the_start_form_explains_its_errors(client, office, cohort):
    client.force_login(office)
    response = client.post(START, {**START_DATA, "cohort": cohort.pk})
    assert "Nobody to place" in response.content.decode()
    weights = ["discipline", "stage", "repeat", "interest"]
    zero = {**START_DATA, "cohort": cohort.pk, **{f"weight_{name}": "0" for name in weights}}
    response = client.post(START, zero)
    assert "At least one weight must be above 0." in response.content.decode()
    assert not FormationRun.objects.exists()


def test_a_bad_move_is_reported_not_applied(client, office, run):
    client.force_login(office)
    before = run.groups
    response = client.post(
        run_url(run, "move"), {"trainee": UserFactory().pk, "to": "unplaced"}, follow=True
    )
    assert "Select a valid choice" in " ".join(messages_in(response))
    key = run.groups[0]["key"]
    someone = run.groups[0]["member_ids"][0]
    response = client.post(run_url(run, "move"), {"trainee": someone, "to": key}, follow=True)
    assert "They are already there." in messages_in(response)
    run.refresh_from_db()
    assert run.groups == before


def test_the_run_page_has_accessible_tables_and_no_inline_script(client, office, run):
    client.force_login(office)
    page = client.get(run_url(run)).content.decode()
    assert page.count("<caption>") >= 2 * len(run.groups) + 2
    assert '<th scope="col">Person</th>' in page and '<th scope="row">Overall</th>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


@pytest.mark.parametrize("n", [6, 24])
def test_the_run_page_query_count_does_not_grow_with_the_pool(
    client, office, cohort, policy, n, django_assert_num_queries
):
    pool(n, policy)
    run = formation_services.formation_run_create(
        cohort=cohort,
        mode=formation.AREA,
        weights=formation.Weights(),
        seed=1,
        created_by=office,
        now=timezone.now(),
    )
    client.force_login(office)
    # session, user, run (+cohort, creator, publisher), pool's career areas, the people, career
    # area names, discipline names, group names taken in the cohort
    with django_assert_num_queries(8):
        response = client.get(run_url(run))
    assert response.status_code == 200


# Runs and do-not-pair pairs ------------------------------------------------------------------


def test_runs_are_read_only_and_only_drafts_can_be_deleted(client, office, run):
    client.force_login(office)
    listing = client.get(RUNS).content.decode()
    assert "Form groups" in listing and "Adjust and publish" in listing
    assert client.get(reverse("admin:groups_formationrun_add")).status_code == 403
    change = reverse("admin:groups_formationrun_change", args=[run.pk])
    assert "12 of 13 placed in 2 groups" in client.get(change).content.decode()
    formation_services.formation_run_publish(run=run, by=office, now=timezone.now())
    delete = reverse("admin:groups_formationrun_delete", args=[run.pk])
    assert client.get(delete).status_code == 403


def test_a_do_not_pair_pair_is_stored_once_lower_id_first(client, office):
    first, second = UserFactory(), UserFactory()
    client.force_login(office)
    add = reverse("admin:groups_donotpair_add")
    response = client.post(add, {"user_a": second.pk, "user_b": first.pk, "note": "conflict"})
    assert response.status_code == 302
    pair = DoNotPair.objects.get()
    assert (pair.user_a, pair.user_b, pair.created_by) == (first, second, office)
    again = client.post(add, {"user_a": first.pk, "user_b": second.pk, "note": ""})
    assert "These two are already recorded." in again.content.decode()
    same = client.post(add, {"user_a": first.pk, "user_b": first.pk, "note": ""})
    assert "Choose two different people." in same.content.decode()
    assert DoNotPair.objects.count() == 1
