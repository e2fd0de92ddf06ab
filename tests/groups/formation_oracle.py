"""Exact group formation for small pools, by exhaustive search: the test oracle.

Scores groups with its own implementation of the rules documented in groups.formation (so the two
check each other), enumerates every feasible group, then searches all packings for the best
(people placed, worst group score, mean group score). Tractable up to about 16-20 trainees.
"""

from __future__ import annotations

from dataclasses import dataclass

from groups import formation

EPS = 1e-9


@dataclass(frozen=True)
class Optimum:
    placed: int
    worst: float
    mean: float
    groups: tuple[tuple[tuple, object], ...]  # (member ids, area)

    @property
    def objective(self) -> tuple[int, float, float]:
        return (self.placed, self.worst, self.mean)


def group_score(members, area, *, n_disciplines: int, weights: formation.Weights) -> float:
    """The documented overall score of one group (area None: no interest criterion)."""
    size = len(members)
    distinct = len({m.discipline for m in members})
    discipline = distinct / min(size, n_disciplines)
    phd = sum(m.stage == formation.PHD_STUDENT for m in members)
    postdoc = sum(m.stage == formation.POSTDOC for m in members)
    stage = min(1.0, min(phd, postdoc) / 2)
    ids = {m.id for m in members}
    with_repeat = sum(
        1
        for m in members
        if any((o in ids and o != m.id) for o in m.previous_mates)
        or any(m.id in o.previous_mates for o in members if o.id != m.id)
    )
    repeat = (size - with_repeat) / size
    total = weights.discipline * discipline + weights.stage * stage + weights.repeat * repeat
    weight = weights.discipline + weights.stage + weights.repeat
    if area is not None:
        ranks = []
        for m in members:
            unique = list(dict.fromkeys(m.interests))
            ranks.append(max(0.0, 1 - unique.index(area) / 3))
        total += weights.interest * sum(ranks) / size
        weight += weights.interest
    return total / weight if weight else 0.0


def _compatible(a: formation.Trainee, b: formation.Trainee) -> bool:
    lab_a, lab_b = a.lab.strip().casefold(), b.lab.strip().casefold()
    if lab_a and lab_a == lab_b:
        return False
    return b.id not in a.do_not_pair and a.id not in b.do_not_pair


def feasible_groups(trainees, *, mode, min_size, max_size, weights):
    """Every group that satisfies the hard rules, as {member bitmask: (score, area)} keeping the
    best area for each set of people."""
    n = len(trainees)
    n_disc = max(1, len({t.discipline for t in trainees}))
    areas = [None]
    if mode == formation.AREA:
        areas = list(dict.fromkeys(a for t in trainees for a in t.interests))
    compat = [[_compatible(trainees[i], trainees[j]) for j in range(n)] for i in range(n)]
    best: dict[int, tuple[float, object]] = {}
    for area in areas:
        people = [i for i in range(n) if area is None or area in trainees[i].interests]

        def extend(start, chosen, slots, area=area, people=people):
            if len(chosen) >= min_size:
                members = [trainees[i] for i in chosen]
                score = group_score(members, area, n_disciplines=n_disc, weights=weights)
                bits = sum(1 << i for i in chosen)
                if bits not in best or score > best[bits][0]:
                    best[bits] = (score, area)
            if len(chosen) == max_size:
                return
            for k in range(start, len(people)):
                i = people[k]
                shared = slots & trainees[i].slots if chosen else trainees[i].slots
                if shared and all(compat[i][j] for j in chosen):
                    extend(k + 1, chosen + [i], shared)

        extend(0, [], frozenset())
    return best


def exact_optimum(
    trainees,
    *,
    mode=formation.AREA,
    min_size=formation.DEFAULT_MIN_SIZE,
    max_size=formation.DEFAULT_MAX_SIZE,
    weights=None,
) -> Optimum:
    """The lexicographically best (placed, worst, mean) over all valid sets of groups."""
    weights = weights or formation.Weights()
    trainees = list(trainees)
    n = len(trainees)
    groups = feasible_groups(
        trainees, mode=mode, min_size=min_size, max_size=max_size, weights=weights
    )
    by_first: list[list[tuple[int, float, object, int]]] = [[] for _ in range(n)]
    for bits, (score, area) in groups.items():
        first = (bits & -bits).bit_length() - 1
        by_first[first].append((bits, score, area, bits.bit_count()))
    for options in by_first:
        options.sort(key=lambda o: -o[1])
    best = {"key": (-1, -1.0, -1.0), "groups": ()}

    def better(key, other):
        if key[0] != other[0]:
            return key[0] > other[0]
        if abs(key[1] - other[1]) > EPS:
            return key[1] > other[1]
        return key[2] > other[2] + EPS

    def search(p, used, placed, worst, total, chosen):
        while p < n and used >> p & 1:
            p += 1
        free = n - used.bit_count()
        best_placed, best_worst = best["key"][0], best["key"][1]
        bound = placed + free
        if bound < best_placed or (bound == best_placed and worst < best_worst - EPS):
            return
        if p == n:
            count = len(chosen)
            key = (placed, worst if count else 0.0, total / count if count else 0.0)
            if better(key, best["key"]):
                best["key"], best["groups"] = key, tuple(chosen)
            return
        for bits, score, area, size in by_first[p]:
            if bits & used:
                continue
            if bound <= best["key"][0] and score < best["key"][1] - EPS:
                break  # sorted by score: the rest are worse still
            chosen.append((bits, area, score))
            search(p + 1, used | bits, placed + size, min(worst, score), total + score, chosen)
            chosen.pop()
        search(p + 1, used | 1 << p, placed, worst, total, chosen)

    search(0, 0, 0, 2.0, 0.0, [])
    placed, worst, mean = best["key"]
    out = tuple(
        (tuple(trainees[i].id for i in range(n) if bits >> i & 1), area)
        for bits, area, _score in best["groups"]
    )
    return Optimum(placed=placed, worst=worst, mean=mean, groups=out)
