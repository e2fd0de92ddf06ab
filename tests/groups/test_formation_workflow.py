"""The staff workflow around the formation algorithm: pool, preview, adjust, publish."""

import datetime

import pytest
from django.utils import timezone

from accounts.availability import slots_from_mask
from accounts.models import CareerArea, Stage
from groups import formation, formation_services
from groups import services as group_services
from groups.formation_services import UNPLACED, FormationRunError
from groups.models import (
    FormationRun,
    FormationRunStatus,
    GroupStatus,
    Membership,
    MembershipRole,
    MembershipStatus,
    PeerGroup,
)
from notifications.models import Notification, NotificationKind
from tests.factories import (
    CohortFactory,
    DoNotPairFactory,
    MembershipFactory,
    PeerGroupFactory,
    TraineeProfileFactory,
    UserFactory,
    pool_trainee,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 1, 10, 9, 0))


@pytest.fixture
def policy(db) -> CareerArea:
    return CareerArea.objects.get(slug="policy")


@pytest.fixture
def data_science(db) -> CareerArea:
    return CareerArea.objects.get(slug="data-science")


@pytest.fixture
def cohort(db):
    return CohortFactory(name="Spring 2027", slug="spring-2027")


def people(n: int, *areas: CareerArea, **kwargs) -> list:
    """n trainees who all share Tuesday evening, students and postdocs alternating."""
    return [
        pool_trainee(*areas, stage=Stage.POSTDOC if i % 2 else Stage.PHD_STUDENT, **kwargs)
        for i in range(n)
    ]


def preview(cohort, **kwargs) -> FormationRun:
    options = {"mode": formation.AREA, "weights": formation.Weights(), "seed": 1}
    return formation_services.formation_run_create(
        cohort=cohort, created_by=None, now=NOW, **{**options, **kwargs}
    )


def members_of(run: FormationRun) -> list[set[int]]:
    return [set(group["member_ids"]) for group in run.groups]


def counts() -> tuple[int, int, int]:
    return PeerGroup.objects.count(), Membership.objects.count(), Notification.objects.count()


# The pool --------------------------------------------------------------------------------------


def test_the_pool_is_complete_profiles_not_yet_in_a_group_of_the_cohort(cohort, policy):
    ready = pool_trainee(policy)
    facilitating = pool_trainee(policy)
    in_another_cohort = pool_trainee(policy)
    left_the_cohort = pool_trainee(policy)
    placed = pool_trainee(policy)
    waiting = pool_trainee(policy)
    TraineeProfileFactory(stage="")  # no stage
    TraineeProfileFactory(interests=[])  # no career interest
    TraineeProfileFactory(availability=0)  # no availability
    TraineeProfileFactory(user__is_active=False)  # account switched off
    UserFactory()  # no profile at all
    group = PeerGroupFactory(cohort=cohort, capacity=1)
    MembershipFactory(group=group, user=placed)
    MembershipFactory(group=group, user=waiting, status=MembershipStatus.WAITLISTED)
    MembershipFactory(group=group, user=facilitating, role=MembershipRole.FACILITATOR)
    MembershipFactory(group=group, user=left_the_cohort, status=MembershipStatus.LEFT)
    MembershipFactory(user=in_another_cohort)

    pool = formation_services.formation_pool(cohort=cohort)

    assert {t.id for t in pool} == {
        ready.pk,
        facilitating.pk,
        in_another_cohort.pk,
        left_the_cohort.pk,
    }


def test_the_pool_carries_the_profile_ranked_interests_and_slots(cohort, policy, data_science):
    person = pool_trainee(
        data_science,
        policy,
        stage=Stage.POSTDOC,
        slots=("mon-morning", "thu-evening"),
        lab="Smith lab",
    )
    [trainee] = formation_services.formation_pool(cohort=cohort)
    profile = person.profile
    assert trainee == formation.Trainee(
        id=person.pk,
        stage="postdoc",
        discipline=profile.discipline_id,
        lab="Smith lab",
        interests=(data_science.pk, policy.pk),
        slots=frozenset(slots_from_mask(profile.availability)),
    )
    assert trainee.slots == {"mon-morning", "thu-evening"}


def test_a_pool_limited_to_some_areas_keeps_only_those_interests(cohort, policy, data_science):
    both = pool_trainee(data_science, policy)
    pool_trainee(data_science)  # chose none of the areas asked for

    pool = formation_services.formation_pool(cohort=cohort, career_areas=[policy])

    assert [(t.id, t.interests) for t in pool] == [(both.pk, (policy.pk,))]


def test_previous_group_mates_come_from_earlier_cohorts_only(cohort, policy):
    ada, bo, cy, di, ed = (pool_trainee(policy) for _ in range(5))
    earlier = PeerGroupFactory(
        cohort=CohortFactory(
            start_date=datetime.date(2026, 1, 15), end_date=datetime.date(2026, 6, 1)
        )
    )
    MembershipFactory(group=earlier, user=ada)
    MembershipFactory(  # sat in the group, then left
        group=earlier, user=bo, status=MembershipStatus.LEFT, joined_at=NOW
    )
    # Waited for a seat and gave up: never met the group.
    Membership.objects.create(
        group=earlier, user=cy, status=MembershipStatus.LEFT, left_at=NOW, joined_at=None
    )
    later = PeerGroupFactory(
        cohort=CohortFactory(
            start_date=datetime.date(2028, 1, 15), end_date=datetime.date(2028, 6, 1)
        )
    )
    MembershipFactory(group=later, user=ada)
    MembershipFactory(group=later, user=di)
    DoNotPairFactory(user_a=ed, user_b=ada)

    pool = {t.id: t for t in formation_services.formation_pool(cohort=cohort)}

    assert pool[ada.pk].previous_mates == {bo.pk}
    assert pool[bo.pk].previous_mates == {ada.pk}
    assert pool[cy.pk].previous_mates == set()
    assert pool[di.pk].previous_mates == set()
    assert pool[ada.pk].do_not_pair == {ed.pk}
    assert pool[ed.pk].do_not_pair == {ada.pk}


@pytest.mark.parametrize("n", [3, 15])
def test_the_pool_takes_the_same_number_of_queries_whatever_its_size(
    cohort, policy, data_science, n, django_assert_num_queries
):
    for person in people(n, policy, data_science):
        MembershipFactory(user=person)  # an earlier group for everyone
    DoNotPairFactory()
    # profiles, ranked interests, memberships in earlier cohorts, do-not-pair pairs
    with django_assert_num_queries(4):
        formation_services.formation_pool(cohort=cohort)


# Preview ---------------------------------------------------------------------------------------


def test_a_preview_stores_a_draft_run_and_writes_no_groups(cohort, policy):
    everyone = people(12, policy)
    loner = pool_trainee(CareerArea.objects.get(slug="business"))
    before = counts()

    run = preview(cohort)

    assert counts() == before
    run.refresh_from_db()
    assert run.status == FormationRunStatus.DRAFT and run.published_at is None
    assert (run.mode, run.min_size, run.max_size, run.seed) == ("area", 5, 8, 1)
    assert run.pool_size == 13 and len(run.pool) == 13
    assert sorted(len(group["member_ids"]) for group in run.groups) == [6, 6]
    assert set().union(*members_of(run)) == {p.pk for p in everyone}
    assert all(group["area"] == policy.pk and not group["locked"] for group in run.groups)
    assert {"discipline", "stage", "repeat", "interest", "overall"} <= set(run.groups[0]["score"])
    assert run.groups[0]["shared_slots"] == ["tue-evening"]
    [unplaced] = run.unplaced
    assert (
        unplaced["trainee_id"] == loner.pk and "only 1 person chose Business" in unplaced["reason"]
    )
    assert run.summary["placed"] == 12 and run.summary["unplaced"] == 1


def test_the_same_seed_gives_the_same_proposal(cohort, policy, data_science):
    people(11, policy)
    people(9, data_science)
    assert preview(cohort).groups == preview(cohort).groups


def test_a_preview_with_nobody_to_place_says_so(cohort):
    with pytest.raises(FormationRunError, match="Nobody to place"):
        preview(cohort)
    assert not FormationRun.objects.exists()


# Adjusting -------------------------------------------------------------------------------------


@pytest.fixture
def two_groups(cohort, policy):
    """A draft run with two groups of five; Pat and Quinn are lab-mates, so apart."""
    pat = pool_trainee(policy, lab="Lab Z")
    quinn = pool_trainee(policy, lab="Lab Z", stage=Stage.POSTDOC)
    people(8, policy)
    run = preview(cohort)
    assert sorted(len(m) for m in members_of(run)) == [5, 5]
    return run, pat, quinn


def group_of(run: FormationRun, user) -> dict:
    return next(group for group in run.groups if user.pk in group["member_ids"])


def test_moving_a_person_rescores_both_groups_and_flags_a_broken_rule(two_groups, staff):
    run, pat, quinn = two_groups
    source, target = group_of(run, pat), group_of(run, quinn)

    run = formation_services.formation_run_move(
        run=run, trainee_id=pat.pk, to=target["key"], by=staff, now=NOW
    )

    run.refresh_from_db()
    moved_to = group_of(run, pat)
    assert moved_to["key"] == target["key"] and quinn.pk in moved_to["member_ids"]
    assert "lab-mates in the same group" in moved_to["problems"]
    assert moved_to["locked"]  # a re-run keeps the change
    left = next(group for group in run.groups if group["key"] == source["key"])
    assert len(left["member_ids"]) == 4
    assert "4 members, outside the size bounds 5–8" in left["problems"]
    assert not left["locked"]
    assert run.history[-1] == {
        "at": NOW.isoformat(),
        "by": staff.pk,
        "action": "move",
        "trainee_id": pat.pk,
        "from": source["key"],
        "to": target["key"],
    }
    details = formation_services.formation_run_details(run=run)
    assert details["problem_count"] == 2
    pat_row = next(row for card in details["cards"] for row in card.members if row.user == pat)
    assert any("same lab as" in note for note in pat_row.notes)


def test_a_person_can_be_taken_out_and_put_back(two_groups):
    run, pat, _quinn = two_groups
    home = group_of(run, pat)["key"]

    run = formation_services.formation_run_move(
        run=run, trainee_id=pat.pk, to=UNPLACED, by=None, now=NOW
    )
    assert [u["trainee_id"] for u in run.unplaced] == [pat.pk]
    assert run.unplaced[0]["by_staff"] and run.summary["unplaced"] == 1

    run = formation_services.formation_run_move(
        run=run, trainee_id=pat.pk, to=home, by=None, now=NOW
    )
    assert run.unplaced == [] and pat.pk in group_of(run, pat)["member_ids"]
    assert all(not group["problems"] for group in run.groups)


def test_a_group_emptied_by_moves_disappears(cohort, policy, two_groups):
    run, _pat, _quinn = two_groups
    group = run.groups[0]
    for trainee_id in group["member_ids"]:
        run = formation_services.formation_run_move(
            run=run, trainee_id=trainee_id, to=UNPLACED, by=None, now=NOW
        )
    assert [g["key"] for g in run.groups] == [run.groups[0]["key"]] and len(run.unplaced) == 5


def test_a_move_into_a_full_group_or_of_a_stranger_is_refused(cohort, policy):
    people(13, policy)
    run = preview(cohort)
    big = max(run.groups, key=lambda g: len(g["member_ids"]))
    small = min(run.groups, key=lambda g: len(g["member_ids"]))
    assert len(big["member_ids"]) + len(small["member_ids"]) == 13
    for trainee_id in small["member_ids"][: 8 - len(big["member_ids"])]:
        run = formation_services.formation_run_move(
            run=run, trainee_id=trainee_id, to=big["key"], by=None, now=NOW
        )
    with pytest.raises(FormationRunError, match="already has 8 people"):
        formation_services.formation_run_move(
            run=run, trainee_id=group_of_id(run, small["key"])[0], to=big["key"], by=None, now=NOW
        )
    with pytest.raises(FormationRunError, match="not in this run"):
        formation_services.formation_run_move(
            run=run, trainee_id=UserFactory().pk, to=big["key"], by=None, now=NOW
        )


def group_of_id(run: FormationRun, key: str) -> list[int]:
    return next(group["member_ids"] for group in run.groups if group["key"] == key)


def test_locked_groups_survive_a_rerun(cohort, policy, data_science):
    people(12, policy)
    people(7, data_science)
    run = preview(cohort)
    kept = run.groups[0]
    run = formation_services.formation_run_lock(
        run=run, key=kept["key"], locked=True, by=None, now=NOW
    )

    for seed in (2, 3, 4):
        run = formation_services.formation_run_rerun(run=run, seed=seed, by=None, now=NOW)
        again = next(group for group in run.groups if group["key"] == kept["key"])
        assert again["member_ids"] == kept["member_ids"] and again["locked"]
        assert len({g["key"] for g in run.groups}) == len(run.groups)
    everyone = [tid for group in run.groups for tid in group["member_ids"]]
    everyone += [u["trainee_id"] for u in run.unplaced]
    assert sorted(everyone) == sorted(t["id"] for t in run.pool)
    assert run.seed == 4 and [h["action"] for h in run.history][-3:] == ["rerun"] * 3


def test_a_rerun_keeps_a_hand_made_move(two_groups):
    run, pat, quinn = two_groups
    other = next(g for g in run.groups if pat.pk not in g["member_ids"])
    mover = next(tid for tid in other["member_ids"] if tid != quinn.pk)
    target = group_of(run, pat)["key"]
    run = formation_services.formation_run_move(
        run=run, trainee_id=mover, to=target, by=None, now=NOW
    )

    run = formation_services.formation_run_rerun(run=run, seed=9, by=None, now=NOW)

    assert mover in group_of_id(run, target) and pat.pk in group_of_id(run, target)


def test_unlocking_lets_a_rerun_change_the_group(two_groups):
    run, _pat, _quinn = two_groups
    key = run.groups[0]["key"]
    run = formation_services.formation_run_lock(run=run, key=key, locked=True, by=None, now=NOW)
    run = formation_services.formation_run_lock(run=run, key=key, locked=False, by=None, now=NOW)
    assert not any(group["locked"] for group in run.groups)
    with pytest.raises(FormationRunError, match="no longer in the proposal"):
        formation_services.formation_run_lock(run=run, key="nope", locked=True, by=None, now=NOW)


# Publishing ------------------------------------------------------------------------------------


def publish(run: FormationRun, by=None) -> FormationRun:
    return formation_services.formation_run_publish(run=run, by=by, now=NOW)


def test_publishing_creates_the_groups_memberships_and_notices(cohort, policy, staff):
    everyone = people(12, policy)
    PeerGroupFactory(cohort=cohort, name="Policy 1")  # the name is taken
    run = preview(cohort)
    planned = members_of(run)

    run = publish(run, by=staff)

    run.refresh_from_db()
    assert run.status == FormationRunStatus.PUBLISHED
    assert run.published_at == NOW and run.published_by == staff
    groups = list(PeerGroup.objects.filter(cohort=cohort).exclude(name="Policy 1").order_by("name"))
    assert [g.name for g in groups] == ["Policy 2", "Policy 3"]
    assert [group["group_id"] for group in run.groups] == [g.pk for g in groups]
    for group, members in zip(groups, planned, strict=True):
        assert group.status == GroupStatus.ACTIVE and group.career_area == policy
        assert group.capacity == cohort.max_group_size
        memberships = group.memberships.all()
        assert {m.user_id for m in memberships} == members
        assert all(
            m.status == MembershipStatus.ACTIVE and m.role == MembershipRole.MEMBER and m.seat
            for m in memberships
        )
    notices = Notification.objects.filter(kind=NotificationKind.GROUP_PLACED)
    assert {n.recipient_id for n in notices} == {p.pk for p in everyone}
    notice = notices.get(recipient=everyone[0])
    mine = PeerGroup.objects.get(memberships__user=everyone[0])
    assert notice.link == mine.get_absolute_url()
    assert mine.name in notice.subject and "Tue evening" in notice.body


def test_trainees_see_their_new_group(client, cohort, policy):
    everyone = people(6, policy)
    publish(preview(cohort))
    client.force_login(everyone[0])
    group = PeerGroup.objects.get(cohort=cohort)
    assert client.get(group.get_absolute_url()).status_code == 200
    assert group.name in client.get("/").content.decode()


def test_publishing_twice_creates_nothing_twice(cohort, policy):
    people(12, policy)
    run = preview(cohort)
    stale = FormationRun.objects.get(pk=run.pk)  # e.g. a second browser tab
    publish(run)
    after_first = counts()

    again = publish(stale)

    assert counts() == after_first
    assert again.status == FormationRunStatus.PUBLISHED
    with pytest.raises(FormationRunError, match="already published"):
        formation_services.formation_run_rerun(run=again, seed=2, by=None, now=NOW)


def test_a_failure_in_the_middle_of_publishing_leaves_nothing(cohort, policy, monkeypatch):
    people(12, policy)
    run = preview(cohort)
    before = counts()
    real_add = group_services.membership_add
    calls = []

    def failing_add(**kwargs):
        calls.append(kwargs["user"])
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real_add(**kwargs)

    monkeypatch.setattr(group_services, "membership_add", failing_add)
    with pytest.raises(RuntimeError):
        publish(run)

    assert len(calls) == 3
    assert counts() == before
    run.refresh_from_db()
    assert run.status == FormationRunStatus.DRAFT and run.published_at is None
    assert "group_id" not in run.groups[0]
    monkeypatch.setattr(group_services, "membership_add", real_add)
    publish(run)
    assert Membership.objects.count() == before[1] + 12


def test_publishing_refuses_someone_placed_since_the_preview(cohort, policy):
    everyone = people(6, policy)
    run = preview(cohort)
    MembershipFactory(group=PeerGroupFactory(cohort=cohort), user=everyone[2])
    before = counts()

    with pytest.raises(FormationRunError, match="Already in a group of Spring 2027"):
        publish(run)

    assert counts() == before
    run.refresh_from_db()
    assert run.is_draft
