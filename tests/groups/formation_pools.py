"""Synthetic trainee pools and an independent hard-constraint checker for the formation tests and
the benchmark. Deliberately shares no code with groups.formation beyond its dataclasses."""

from __future__ import annotations

import random

from groups import formation

AREAS = (
    "industry",
    "academia",
    "data-science",
    "science-communication",
    "business",
    "policy",
    "education",
)
AREA_WEIGHTS = (30, 20, 15, 10, 10, 8, 7)
DISCIPLINES = tuple(f"discipline-{i}" for i in range(12))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
SLOTS = tuple(f"{d}-{p}" for d in DAYS for p in PARTS)
# Weekday evenings and afternoons are popular; mornings and weekends less so.
SLOT_WEIGHTS = tuple(
    (1 if p == "morning" else 3 if p == "afternoon" else 5) * (1 if d in ("sat", "sun") else 3)
    for d in DAYS
    for p in PARTS
)


def _weighted_sample(rng: random.Random, items, weights, k: int) -> list:
    items, weights = list(items), list(weights)
    out = []
    for _ in range(min(k, len(items))):
        i = rng.choices(range(len(items)), weights=weights)[0]
        out.append(items.pop(i))
        weights.pop(i)
    return out


def synthetic_pool(
    n: int,
    seed: int = 0,
    *,
    areas=AREAS,
    area_weights=AREA_WEIGHTS,
    disciplines=DISCIPLINES,
    postdoc_share: float = 0.33,
    other_share: float = 0.07,
    lab_size: float = 4.0,
    min_slots: int = 4,
    max_slots: int = 10,
    dnp_share: float = 0.02,
    previous_share: float = 0.3,
) -> list[formation.Trainee]:
    """A pool that looks like a real program: skewed areas and disciplines, lab-mates, evenings."""
    rng = random.Random(seed)
    disc_weights = [1.0 / (i + 1) ** 0.7 for i in range(len(disciplines))]
    n_labs = max(1, int(n / lab_size))
    lab_disc = [
        rng.choices(range(len(disciplines)), weights=disc_weights)[0] for _ in range(n_labs)
    ]
    rows = []
    for i in range(n):
        u = rng.random()
        stage = (
            formation.POSTDOC
            if u < postdoc_share
            else formation.OTHER
            if u < postdoc_share + other_share
            else formation.PHD_STUDENT
        )
        if rng.random() < 0.8:
            lab_i = rng.randrange(n_labs)
            lab, disc = f"lab-{lab_i}", disciplines[lab_disc[lab_i]]
        else:
            lab = ""
            disc = disciplines[rng.choices(range(len(disciplines)), weights=disc_weights)[0]]
        k = rng.choices((1, 2, 3), weights=(25, 40, 35))[0]
        interests = tuple(_weighted_sample(rng, areas, area_weights, k))
        n_slots = rng.randint(min_slots, max_slots)
        slots = frozenset(_weighted_sample(rng, SLOTS, SLOT_WEIGHTS, n_slots))
        rows.append(
            {
                "id": i,
                "stage": stage,
                "discipline": disc,
                "lab": lab,
                "interests": interests,
                "slots": slots,
                "do_not_pair": set(),
                "previous_mates": set(),
            }
        )
    for row in rows:
        if rng.random() < dnp_share and n > 1:
            other = rng.randrange(n)
            if other != row["id"]:
                row["do_not_pair"].add(other)
    # Previous cohort: groups of six among a share of the pool.
    veterans = rng.sample(range(n), int(n * previous_share))
    for start in range(0, len(veterans) - 1, 6):
        chunk = veterans[start : start + 6]
        for a in chunk:
            rows[a]["previous_mates"].update(b for b in chunk if b != a)
    return [formation.Trainee(**row) for row in rows]


def violations(result: formation.FormationResult, trainees, *, include_locked=False) -> list[str]:
    """Every hard rule a proposed group breaks, checked from scratch."""
    by_id = {t.id: t for t in trainees}
    problems = []
    seen: set = set()
    for gi, group in enumerate(result.groups):
        if group.locked and not include_locked:
            seen.update(group.member_ids)
            continue
        members = [by_id[m] for m in group.member_ids]
        tag = f"group {gi}"
        if len(set(group.member_ids)) != len(group.member_ids):
            problems.append(f"{tag}: someone is listed twice")
        if not result.min_size <= len(members) <= result.max_size:
            problems.append(f"{tag}: size {len(members)}")
        if result.mode == formation.AREA and any(group.area not in m.interests for m in members):
            problems.append(f"{tag}: a member did not choose {group.area}")
        if result.mode == formation.AREA and group.area is None:
            problems.append(f"{tag}: no area in area mode")
        shared = frozenset.intersection(*(m.slots for m in members)) if members else frozenset()
        if not shared:
            problems.append(f"{tag}: no shared slot")
        if set(group.shared_slots) != set(shared):
            problems.append(f"{tag}: shared slots reported {group.shared_slots}, real {shared}")
        labs = [m.lab.strip().casefold() for m in members if m.lab.strip()]
        if len(labs) != len(set(labs)):
            problems.append(f"{tag}: lab-mates")
        ids = {m.id for m in members}
        for m in members:
            if (m.do_not_pair - {m.id}) & ids:
                problems.append(f"{tag}: do-not-pair {m.id}")
        if seen & ids:
            problems.append(f"{tag}: someone is in two groups")
        seen |= ids
    unplaced = {u.trainee_id for u in result.unplaced}
    if seen & unplaced:
        problems.append("someone is both placed and unplaced")
    if seen | unplaced != set(by_id):
        problems.append("someone is neither placed nor unplaced")
    return problems
