"""groups.formation: hard rules, determinism, reasons, locked groups and the exact oracle.

Pure Python: no database. The helpers in this package import only groups.formation and the
standard library (synthetic pools, an independent rule checker, an exhaustive oracle).
"""

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groups import formation
from groups.formation import LockedGroup, Trainee, form_groups
from tests.groups.formation_oracle import exact_optimum, group_score
from tests.groups.formation_pools import synthetic_pool, violations

EVENING = frozenset({"mon-evening"})


def people(n, *, start=0, interests=("policy",), slots=EVENING, **fields):
    """n interchangeable trainees; stages and disciplines alternate so groups score well."""
    stages = (formation.PHD_STUDENT, formation.POSTDOC)
    return [
        Trainee(
            id=start + i,
            stage=stages[i % 2],
            discipline=f"d{i % 6}",
            interests=interests,
            slots=slots,
            **fields,
        )
        for i in range(n)
    ]


def reasons(result):
    return {u.trainee_id: u.reason for u in result.unplaced}


def random_instance(rng: random.Random):
    n = rng.randint(8, 90)
    min_size = rng.choice((3, 4, 5, 5, 5))
    max_size = min_size + rng.choice((0, 1, 2, 3, 3))
    pool = synthetic_pool(
        n,
        seed=rng.randrange(10**6),
        lab_size=rng.choice((2.0, 4.0, 10.0)),
        min_slots=rng.choice((1, 3, 6)),
        max_slots=rng.choice((6, 10, 14)),
        dnp_share=rng.choice((0.0, 0.05, 0.2)),
        previous_share=rng.choice((0.0, 0.3, 0.8)),
    )
    mode = rng.choice(formation.MODES)
    return pool, {"mode": mode, "min_size": min_size, "max_size": max_size}


def test_hard_constraints_hold_in_every_group_of_100_random_instances():
    rng = random.Random(2027)
    groups = 0
    for _ in range(100):
        pool, options = random_instance(rng)
        result = form_groups(pool, seed=rng.randrange(100), effort=0.05, restarts=1, **options)
        assert violations(result, pool) == [], options
        groups += len(result.groups)
    assert groups > 200  # the instances are not all trivially empty


@st.composite
def odd_pools(draw):
    """Small pools with awkward data: empty slots or interests, shared labs, do-not-pair pairs."""
    n = draw(st.integers(0, 24))
    pool = []
    for i in range(n):
        pool.append(
            Trainee(
                id=i,
                stage=draw(st.sampled_from(formation.STAGES)),
                discipline=draw(st.sampled_from("xyz")),
                lab=draw(st.sampled_from(("", "", "A", "B", " a "))),
                interests=tuple(draw(st.lists(st.sampled_from("abc"), max_size=3))),
                slots=frozenset(draw(st.sets(st.sampled_from(("mon-evening", "tue-noon", "z"))))),
                do_not_pair=frozenset(draw(st.sets(st.integers(0, max(0, n - 1)), max_size=2))),
                previous_mates=frozenset(draw(st.sets(st.integers(0, n + 3), max_size=3))),
            )
        )
    min_size = draw(st.integers(2, 5))
    return pool, {
        "mode": draw(st.sampled_from(formation.MODES)),
        "min_size": min_size,
        "max_size": min_size + draw(st.integers(0, 3)),
    }


@settings(max_examples=60, deadline=None)
@given(odd_pools(), st.integers(0, 3))
def test_hard_constraints_hold_on_awkward_small_pools(instance, seed):
    pool, options = instance
    result = form_groups(pool, seed=seed, effort=0.05, restarts=1, **options)
    assert violations(result, pool) == []
    assert all(u.reason for u in result.unplaced)


def test_the_same_seed_gives_the_same_result():
    pool = synthetic_pool(40, seed=3)
    first = form_groups(pool, seed=11, restarts=2)
    second = form_groups(pool, seed=11, restarts=2)
    assert first.groups == second.groups
    assert first.unplaced == second.unplaced
    assert first.objective == second.objective


def test_ten_seeds_agree_within_two_percent_on_a_mid_size_pool():
    pool = synthetic_pool(300, seed=5)
    objectives = [form_groups(pool, seed=seed, effort=0.2).objective for seed in range(10)]
    for position in range(3):
        values = [o[position] for o in objectives]
        assert min(values) >= 0.98 * max(values), (position, values)


def test_scores_follow_the_documented_rules():
    pool = synthetic_pool(30, seed=8)
    result = form_groups(pool, mode=formation.AREA, seed=1)
    by_id = {t.id: t for t in pool}
    n_disciplines = len({t.discipline for t in pool})
    for group in result.groups:
        members = [by_id[m] for m in group.member_ids]
        expected = group_score(
            members, group.area, n_disciplines=n_disciplines, weights=formation.Weights()
        )
        assert group.score.overall == pytest.approx(expected)
        assert 0 <= group.score.discipline <= 1 and 0 <= group.score.stage <= 1


def test_mixed_groups_have_no_area_and_no_interest_score():
    result = form_groups(people(12, interests=("policy", "industry")), mode=formation.MIXED)
    assert result.groups and all(g.area is None for g in result.groups)
    assert all(g.score.interest is None for g in result.groups)


def test_people_get_their_first_choice_when_the_numbers_allow():
    pool = people(6, interests=("policy", "industry")) + people(
        6, start=100, interests=("industry", "policy")
    )
    result = form_groups(pool)
    assert result.summary.first_choice_share == 1.0
    assert {g.area for g in result.groups} == {"policy", "industry"}


def test_an_area_too_few_chose_is_explained():
    pool = people(4, interests=("policy",)) + people(10, start=100, interests=("industry",))
    result = form_groups(pool, area_labels={"policy": "Policy"})
    assert set(reasons(result)) == {0, 1, 2, 3}
    assert all(r.startswith("only 4 people chose Policy") for r in reasons(result).values())


def test_nine_people_in_one_area_leave_one_out_with_the_reason():
    result = form_groups(people(9), area_labels={"policy": "Policy"})
    assert [len(g.member_ids) for g in result.groups] == [8]
    (reason,) = reasons(result).values()
    assert reason == "9 people in Policy cannot be split into groups of 5–8"


def test_someone_with_no_shared_time_is_explained():
    pool = people(10) + people(1, start=100, slots=frozenset({"sun-morning"}))
    result = form_groups(pool)
    assert reasons(result)[100].startswith("no shared time with any group")


def test_lab_mate_conflicts_are_explained():
    pool = people(1, lab="Smith lab") + people(4, start=1)
    pool.append(dataclasses.replace(people(1, start=9)[0], lab="smith  LAB"))
    result = form_groups(pool)
    assert len(result.groups) == 1
    (reason,) = reasons(result).values()
    assert reason.startswith("lab-mate conflicts")


def test_do_not_pair_conflicts_are_explained():
    pool = people(6)
    pool[0] = dataclasses.replace(pool[0], do_not_pair=frozenset({5}))
    result = form_groups(pool)
    assert not violations(result, pool)
    (reason,) = reasons(result).values()
    assert reason.startswith("do-not-pair conflicts")


def test_missing_profile_data_is_explained():
    pool = people(6) + [
        Trainee(id="no-slots", interests=("policy",)),
        Trainee(id="no-interests", slots=EVENING),
    ]
    result = reasons(form_groups(pool))
    assert result == {
        "no-slots": "no availability given",
        "no-interests": "no career interests given",
    }


def test_locked_groups_are_kept_and_the_rest_rerun_around_them():
    pool = synthetic_pool(60, seed=4)
    first = form_groups(pool, seed=1)
    kept, pre = first.groups[0], first.groups[1]
    locked = [
        LockedGroup(kept.member_ids, area=kept.area, key="kept"),
        LockedGroup(pre.member_ids[:3], area=pre.area, key="pre", open=True),
    ]
    second = form_groups(pool, seed=2, locked=locked)
    by_key = {g.key: g for g in second.groups if g.locked}
    assert by_key["kept"].member_ids == kept.member_ids
    assert by_key["kept"].area == kept.area
    assert set(pre.member_ids[:3]) <= set(by_key["pre"].member_ids)
    assert len(by_key["pre"].member_ids) >= 5
    assert by_key["pre"].problems == ()
    assert violations(second, pool, include_locked=True) == []


def test_a_locked_group_that_breaks_a_rule_is_kept_with_its_problems():
    pool = people(6, lab="same lab") + people(10, start=100)
    result = form_groups(pool, locked=[LockedGroup(tuple(range(4)), area="policy")])
    (locked,) = [g for g in result.groups if g.locked]
    assert locked.member_ids == (0, 1, 2, 3)
    assert "lab-mates in the same group" in locked.problems
    assert any("outside the size bounds" in p for p in locked.problems)
    assert violations(result, pool) == []  # every group it formed itself is valid


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "teams"}, "Unknown mode"),
        ({"min_size": 6, "max_size": 5}, "not valid"),
        ({"locked": [LockedGroup(("nobody",))]}, "not in the pool"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    with pytest.raises(formation.FormationError, match=message):
        form_groups(people(6), **kwargs)


def test_duplicate_ids_are_refused():
    with pytest.raises(formation.FormationError, match="twice"):
        form_groups(people(3) + people(3))


def test_size_feasibility():
    assert [n for n in range(1, 20) if not formation.size_feasible(n, 5, 8)] == [1, 2, 3, 4, 9]


@pytest.mark.parametrize("seed", range(16))
def test_worst_group_is_within_five_percent_of_the_exact_optimum(seed):
    pool = synthetic_pool(
        12 + seed % 5,
        seed=seed,
        min_slots=6,
        max_slots=12,
        areas=("policy", "industry", "academia"),
        area_weights=(1, 2, 1),
    )
    mode = (formation.AREA, formation.MIXED)[seed % 2]
    optimum = exact_optimum(pool, mode=mode)
    result = form_groups(pool, mode=mode, seed=0)
    assert violations(result, pool) == []
    assert result.summary.placed == optimum.placed
    assert result.summary.worst_score >= 0.95 * optimum.worst - 1e-9


@pytest.mark.parametrize("pool_seed", (1, 2, 4))
def test_thirty_person_pools_reach_the_proven_optimum(pool_seed):
    # Pools of 30 are past the brute-force oracle; the column oracle (CP-SAT over every valid
    # group) proves their optimum in seconds. Before exact repacking, pool 1 placed 26 of the 27.
    from tests.groups.formation_oracle import column_optimum

    pool = synthetic_pool(30, seed=pool_seed)
    optimum = column_optimum(pool, mode=formation.AREA, seconds=60)
    assert optimum.proven
    result = form_groups(pool, mode=formation.AREA, seed=0)
    assert violations(result, pool) == []
    assert result.summary.placed == optimum.placed
    assert result.summary.worst_score >= 0.95 * optimum.worst - 1e-9


def test_a_pool_of_forty_five_with_one_weak_area_reaches_the_proven_optimum_within_five_percent():
    # The column oracle proves pool 3 of 45 places at most 44 with a worst group of 0.875 (224 s
    # of CP-SAT on one of these machines, too long to repeat in the suite: rerun with
    # column_optimum(synthetic_pool(45, seed=3), mean=False) to check the figure). Its worst
    # group is the one area few people chose; lifting it needs a re-split of every group holding
    # someone who chose that area, which the search on part of the pool does (0.808 without it).
    pool = synthetic_pool(45, seed=3)
    result = form_groups(pool, mode=formation.AREA, seed=1)
    assert violations(result, pool) == []
    assert result.summary.placed == 44
    assert result.summary.worst_score >= 0.95 * 0.875


def test_a_pool_of_sixty_places_everyone_when_a_chain_of_trades_makes_room():
    # Pool 2 of 60: the last person chose only Education, which has too few people left once
    # the others are placed in their other choices. Making room means a re-split of every group
    # holding someone who chose Education, at a lower worst group (more people placed comes
    # first); 59 of 60 were placed before the search around unplaced people.
    pool = synthetic_pool(60, seed=2)
    result = form_groups(pool, mode=formation.AREA, seed=1)
    assert violations(result, pool) == []
    assert (result.summary.placed, result.unplaced) == (60, ())


def test_a_pool_of_sixty_is_within_five_percent_of_the_proven_optimum():
    # Neighbourhoods of a few groups stopped at 0.800 on pool 1 of 60, whose optimum is 0.858
    # (0.93): lifting it moves people through six groups of different areas at once, which is
    # what the whole-pool search finds. The oracle starts from our groups and proves an upper
    # bound on the worst group; measuring against the bound holds even if it runs out of time.
    from tests.groups.formation_oracle import column_optimum

    pool = synthetic_pool(60, seed=1)
    result = form_groups(pool, mode=formation.AREA, seed=1)
    assert violations(result, pool) == []
    optimum = column_optimum(pool, mode=formation.AREA, seconds=120, hint=result, mean=False)
    assert result.summary.placed == optimum.placed
    assert result.summary.worst_score >= 0.95 * optimum.worst_upper_bound - 1e-9
