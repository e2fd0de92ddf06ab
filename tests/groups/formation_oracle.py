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


@dataclass(frozen=True)
class CpSatOptimum:
    placed: int
    worst: float  # exact score of the worst group in the best solution found
    mean: float
    worst_upper_bound: float  # no solution with `placed` people has a better worst group
    proven: bool  # both stages solved to optimality
    groups: tuple[tuple[tuple, object], ...]


def cpsat_optimum(
    trainees,
    *,
    mode=formation.AREA,
    min_size=formation.DEFAULT_MIN_SIZE,
    max_size=formation.DEFAULT_MAX_SIZE,
    weights=None,
    seconds: float = 20.0,
    workers: int = 2,
    hint=None,
) -> CpSatOptimum:
    """Integer-programming oracle for pools of 30-60 (OR-Tools CP-SAT, a dev dependency).

    Stage 1 maximises the people placed; stage 2 fixes that number and maximises the worst
    group's score on a 1/1000 grid. Scores are modelled as upper bounds that the solver pushes
    up to the true values, so the reported bound is a valid upper bound on the true optimum.
    ``hint`` (a FormationResult for the same pool) seeds the search; it can't change the bound.
    """
    from ortools.sat.python import cp_model

    weights = weights or formation.Weights()
    trainees = list(trainees)
    n = len(trainees)
    lo, hi = min_size, max_size
    scale = 1000
    wd, ws, wr, wi = (round(10 * w) for w in dataclass_weights(weights))
    n_disc = max(1, len({t.discipline for t in trainees}))
    areas = list(dict.fromkeys(a for t in trainees for a in t.interests))
    slots = sorted({s for t in trainees for s in t.slots})
    disciplines = sorted({t.discipline for t in trainees}, key=str)
    index = {t.id: i for i, t in enumerate(trainees)}
    n_groups = n

    def build(stage_placed: int | None, chosen: set[tuple[int, int]] | None):
        m = cp_model.CpModel()
        # Each group is represented by its first member j: x[i, j] only for i >= j, and group j
        # exists exactly when j is in it. This removes the symmetry between group labels.
        x = {(i, j): m.new_bool_var(f"x{i}_{j}") for j in range(n) for i in range(j, n)}
        y = [x[j, j] for j in range(n)]
        for i in range(n):
            m.add(sum(x[i, j] for j in range(n_groups) if (i, j) in x) <= 1)
        t = m.new_int_var(0, scale, "t")
        for j in range(n_groups):
            members = [i for i in range(n) if (i, j) in x]
            size = sum(x[i, j] for i in members)
            for i in members:
                if i != j:
                    m.add(x[i, j] <= y[j])
            sz = {k: m.new_bool_var(f"sz{j}_{k}") for k in range(lo, hi + 1)}
            m.add(sum(sz.values()) == y[j])
            m.add(size == sum(k * v for k, v in sz.items()))
            w = [m.new_bool_var(f"w{j}_{s}") for s in slots]
            m.add(sum(w) >= y[j])
            for i in members:
                for si, s in enumerate(slots):
                    if s not in trainees[i].slots:
                        m.add(x[i, j] + w[si] <= 1)
            labs: dict[str, list[int]] = {}
            for i in members:
                lab = trainees[i].lab.strip().casefold()
                if lab:
                    labs.setdefault(lab, []).append(i)
            for group in labs.values():
                if len(group) > 1:
                    m.add(sum(x[i, j] for i in group) <= 1)
            for i in members:
                for other in trainees[i].do_not_pair:
                    k = index.get(other)
                    if k is not None and (k, j) in x and k != i:
                        m.add(x[i, j] + x[k, j] <= 1)
            dd = []
            for d in disciplines:
                ds = [i for i in members if trainees[i].discipline == d]
                if ds:
                    v = m.new_bool_var("")
                    m.add(v <= sum(x[i, j] for i in ds))
                    dd.append(v)
            ndist = sum(dd)
            mix = m.new_int_var(0, 2, f"mix{j}")
            m.add(
                mix <= sum(x[i, j] for i in members if trainees[i].stage == formation.PHD_STUDENT)
            )
            m.add(mix <= sum(x[i, j] for i in members if trainees[i].stage == formation.POSTDOC))
            rep = []
            for i in members:
                mates = {index[o] for o in trainees[i].previous_mates if o in index}
                mates |= {k for k in members if trainees[i].id in trainees[k].previous_mates}
                mates = [k for k in mates if (k, j) in x and k != i]
                if mates:
                    r = m.new_bool_var("")
                    for k in mates:
                        m.add(r >= x[i, j] + x[k, j] - 1)
                    rep.append(r)
            nrep = sum(rep) if rep else 0
            isum3 = 0
            if mode == formation.AREA:
                z = {a: m.new_bool_var(f"z{j}_{a}") for a in areas}
                m.add(sum(z.values()) == y[j])
                terms = []
                for i in members:
                    ranks = list(dict.fromkeys(trainees[i].interests))
                    m.add(x[i, j] <= sum(z[a] for a in ranks))
                    for r_, a in enumerate(ranks):
                        u = m.new_bool_var("")
                        m.add(u <= x[i, j])
                        m.add(u <= z[a])
                        terms.append(max(0, 3 - r_) * u)
                isum3 = sum(terms)
            total_w = wd + ws + wr + (wi if mode == formation.AREA else 0)
            for k, v in sz.items():
                dk = min(k, n_disc)
                lhs = 6 * k * wd * ndist + 3 * k * dk * ws * mix + 6 * dk * wr * (k - nrep)
                if mode == formation.AREA:
                    lhs += 2 * dk * wi * isum3
                m.add(scale * lhs >= total_w * 6 * k * dk * t).only_enforce_if(v)
        placed = sum(x.values())
        if chosen is not None and all(key in x for key in chosen):
            for key, var in x.items():
                m.add_hint(var, key in chosen)
        if stage_placed is None:
            m.maximize(placed)
        else:
            m.add(placed == stage_placed)
            m.maximize(t)
        return m, x

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    chosen = None
    if hint is not None:
        hinted = [[index[m] for m in g.member_ids] for g in hint.groups]
        chosen = {(i, min(members)) for members in hinted for i in members}
    model, x = build(None, chosen)
    status1 = solver.solve(model)
    placed = round(solver.objective_value)
    proven = status1 == cp_model.OPTIMAL
    if status1 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {key for key, var in x.items() if solver.value(var)}
    model, x = build(placed, chosen)
    status2 = solver.solve(model)
    proven = proven and status2 == cp_model.OPTIMAL
    if status2 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CpSatOptimum(placed, 0.0, 0.0, 1.0, False, ())
    groups: dict[int, list[int]] = {}
    for (i, j), var in x.items():
        if solver.value(var):
            groups.setdefault(j, []).append(i)
    scored = []
    for members in groups.values():
        people = [trainees[i] for i in members]
        if mode == formation.AREA:
            common = set(people[0].interests).intersection(*(p.interests for p in people))
            area, score = max(
                (
                    (a, group_score(people, a, n_disciplines=n_disc, weights=weights))
                    for a in common
                ),
                key=lambda item: item[1],
            )
        else:
            area, score = None, group_score(people, None, n_disciplines=n_disc, weights=weights)
        scored.append((tuple(p.id for p in people), area, score))
    scores = [s for *_rest, s in scored]
    return CpSatOptimum(
        placed=placed,
        worst=min(scores) if scores else 0.0,
        mean=sum(scores) / len(scores) if scores else 0.0,
        worst_upper_bound=min(1.0, (solver.best_objective_bound + 1) / scale),
        proven=proven,
        groups=tuple((ids, area) for ids, area, _s in scored),
    )


def dataclass_weights(weights: formation.Weights) -> tuple[float, float, float, float]:
    return (weights.discipline, weights.stage, weights.repeat, weights.interest)
