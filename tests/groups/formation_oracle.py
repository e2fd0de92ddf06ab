"""Exact group formation for small pools, by exhaustive search: the test oracle.

Scores groups with its own implementation of the rules documented in groups.formation (so the two
check each other), enumerates every feasible group, then searches all packings for the best
(people placed, worst group score, mean group score). Tractable up to about 16-20 trainees.
"""

from __future__ import annotations

import math
import time
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
    proven: bool  # every stage solved to optimality
    groups: tuple[tuple[tuple, object], ...]
    stage_seconds: tuple[float, ...] = ()  # wall time per stage (column_optimum: 0 = columns)


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


def _score_scale(scores, *, mode, max_size, weights) -> tuple[int, bool]:
    """An integer scale for summing group scores in CP-SAT, and whether it is exact.

    With whole-number weights every score is a multiple of 1 / (D * W): D covers the criteria's
    denominators (min(size, disciplines) and size up to max_size, 2 for stage, 3 * size for
    interest) and W is the sum of the weights in play. Other weights fall back to a 1e-9 grid,
    which keeps the mean within 1e-9 of the best.
    """
    used = dataclass_weights(weights)[: 4 if mode == formation.AREA else 3]
    if all(float(w).is_integer() and w >= 0 for w in used) and sum(used) > 0:
        d = math.lcm(2, 3 * math.lcm(*range(1, max_size + 1)))
        scale = d * round(sum(used))
        if all(abs(s * scale - round(s * scale)) < 1e-6 for s in scores):
            return scale, True
    return 10**9, False


# With two workers, one searches without the LP (it finds packings quickly) and one runs the full
# LP (it proves the bounds); on the benchmark pools this pair beat CP-SAT's default two workers by
# up to 10x.
_PAIR_OF_WORKERS = ("no_lp", "max_lp")
_FIRST_SCAN_COLUMNS = 1000


def _most_placeable(people: int, min_size: int, max_size: int) -> int:
    """The largest number of people, at most ``people``, that groups of valid sizes can hold."""
    for p in range(people, 0, -1):
        if -(-p // max_size) * min_size <= p:
            return p
    return 0


def column_optimum(
    trainees,
    *,
    mode=formation.AREA,
    min_size=formation.DEFAULT_MIN_SIZE,
    max_size=formation.DEFAULT_MAX_SIZE,
    weights=None,
    seconds: float = 60.0,
    workers: int = 2,
    hint=None,
    mean: bool = True,
) -> CpSatOptimum:
    """Exact oracle for pools of 30-60 by set packing over every feasible group (OR-Tools CP-SAT).

    Columns are the groups from feasible_groups (best area per set of people); a solution picks
    columns with nobody in two, so the best (placed, worst, mean) over packings is the optimum.

    Stage 1, people placed: no packing places more than the people in some column (rounded down
    to a number that valid sizes can hold), so the search first looks for a packing of that many
    among the best-scoring columns, doubling the columns each time; if even all columns fail, it
    maximises the people placed directly. Stage 2, worst group: bisection over the distinct
    column scores, each step asking whether the columns scoring at least the threshold can place
    that many people; an infeasible answer proves an upper bound. Stage 3, mean: with both fixed,
    for every possible number of groups k, the best total score (scaled to integers) that beats
    the best mean so far.

    ``hint`` (a FormationResult or an iterable of member-id tuples for the same pool) is used as a
    starting packing when every group in it is feasible; it can't change a bound. ``seconds``
    limits each solve; if one stops at the limit, the result is the best found, ``proven`` is
    False and ``worst_upper_bound`` is still a proven bound. ``mean=False`` skips stage 3: the
    people placed and the worst group are still exact, the mean is only that of a packing found.
    """
    from ortools.sat.python import cp_model

    weights = weights or formation.Weights()
    trainees = list(trainees)
    n = len(trainees)
    n_disc = max(1, len({t.discipline for t in trainees}))
    stage_seconds: list[float] = []
    clock = time.perf_counter()
    found = feasible_groups(
        trainees, mode=mode, min_size=min_size, max_size=max_size, weights=weights
    )
    order = sorted(found, key=lambda bits: -found[bits][0])  # best score first
    members = [[i for i in range(n) if bits >> i & 1] for bits in order]
    sizes = [len(m) for m in members]
    scores = [found[bits][0] for bits in order]
    # Distinct scores, ascending, and each column's level; the columns at level L or above are
    # the first prefix[L] columns.
    levels: list[float] = []
    level = [0] * len(order)
    for j in reversed(range(len(order))):
        if not levels or scores[j] > levels[-1] + EPS:
            levels.append(scores[j])
        level[j] = len(levels) - 1
    prefix = [0] * (len(levels) + 1)
    for lv in level:
        prefix[lv] += 1
    for lv in reversed(range(len(levels))):
        prefix[lv] += prefix[lv + 1]
    stage_seconds.append(time.perf_counter() - clock)

    def result(chosen, placed, worst_bound, proven):
        chosen = sorted(chosen)
        # Rescore from scratch so the report does not rest on the enumeration's bookkeeping.
        exact = [
            group_score(
                [trainees[i] for i in members[j]],
                found[order[j]][1],
                n_disciplines=n_disc,
                weights=weights,
            )
            for j in chosen
        ]
        stage_seconds.extend([0.0] * (4 - len(stage_seconds)))
        return CpSatOptimum(
            placed=placed,
            worst=min(exact, default=0.0),
            mean=sum(exact) / len(exact) if exact else 0.0,
            worst_upper_bound=worst_bound,
            proven=proven,
            groups=tuple(
                (tuple(trainees[i].id for i in members[j]), found[order[j]][1]) for j in chosen
            ),
            stage_seconds=tuple(stage_seconds),
        )

    def solve(m, *, placed=None, count=None, values=None, at_least=None, start=()):
        """Pack the first m columns; returns (status, chosen columns)."""
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"g{j}") for j in range(m)]
        cover: list[list] = [[] for _ in range(n)]
        for j in range(m):
            for i in members[j]:
                cover[i].append(x[j])
        size_sum = cp_model.LinearExpr.weighted_sum(x, sizes[:m])
        if placed is None:
            for options in cover:
                if len(options) > 1:
                    model.add_at_most_one(options)
            model.maximize(size_sum)
        else:
            # Everyone is in exactly one chosen group or left out, and n - placed are left out.
            out = [model.new_bool_var(f"out{i}") for i in range(n)]
            for i in range(n):
                model.add_exactly_one([*cover[i], out[i]])
            model.add(sum(out) == n - placed)
            model.add(size_sum == placed)
            if start and max(start) < m:
                covered = {i for j in start for i in members[j]}
                for i in range(n):
                    model.add_hint(out[i], i not in covered)
        if count is not None:
            model.add(sum(x) == count)
        if values is not None:
            total = cp_model.LinearExpr.weighted_sum(x, values[:m])
            if at_least is not None:
                model.add(total >= at_least)
            model.maximize(total)
        if start and max(start) < m:
            picked = set(start)
            for j in range(m):
                model.add_hint(x[j], j in picked)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = workers
        if workers == 2:
            solver.parameters.subsolvers.extend(_PAIR_OF_WORKERS)
            solver.parameters.num_full_subsolvers = 2
        status = solver.solve(model)
        chosen = []
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = [j for j in range(m) if solver.value(x[j])]
        return status, chosen

    def solved(status) -> bool:
        return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    best = _hinted_columns(hint, trainees, {bits: j for j, bits in enumerate(order)})

    # Stage 1: people placed.
    clock = time.perf_counter()
    covered = 0
    for bits in order:
        covered |= bits
    most = _most_placeable(covered.bit_count(), min_size, max_size)
    proven = True
    refuted = len(levels)  # levels[refuted:] can't place `most` people
    placed = None
    if best and sum(sizes[j] for j in best) == most:
        placed = most
    elif most:
        target, lv = _FIRST_SCAN_COLUMNS, len(levels)
        while lv > 0:
            while lv > 0 and prefix[lv] < min(target, len(order)):
                lv -= 1
            status, cols = solve(prefix[lv], placed=most, start=best)
            if solved(status):
                placed, best = most, cols
                break
            if status == cp_model.INFEASIBLE:
                refuted = lv
            target = 2 * prefix[lv]
    if placed is None:
        # Nobody found a packing of `most` (or there is no column): maximise directly.
        if order:
            status, cols = solve(len(order), start=best)
            proven = status == cp_model.OPTIMAL
            if solved(status) and sum(sizes[j] for j in cols) > sum(sizes[j] for j in best):
                best = cols
        placed = sum(sizes[j] for j in best)
        refuted = len(levels) if placed < most else refuted
    stage_seconds.append(time.perf_counter() - clock)
    if not best:
        return result([], 0, 0.0, proven)

    # Stage 2: the worst group, by bisection over the levels. levels[lo] is reached by `best`;
    # levels[refuted:] are proven out of reach; `top` is also lowered by solves that ran out of
    # time.
    clock = time.perf_counter()
    lo = min(level[j] for j in best)
    top = refuted
    while top - lo > 1:
        mid = (lo + top) // 2
        status, cols = solve(prefix[mid], placed=placed, start=best)
        if solved(status):
            best = cols
            lo = min(level[j] for j in best)
        else:
            if status == cp_model.INFEASIBLE:
                refuted = mid
            top = mid
    proven = proven and refuted == lo + 1
    worst_bound = levels[refuted - 1]
    stage_seconds.append(time.perf_counter() - clock)

    # Stage 3: the mean, as the best total over each feasible number of groups.
    clock = time.perf_counter()
    m = prefix[lo]
    scale, _exact = _score_scale(scores[:m], mode=mode, max_size=max_size, weights=weights)
    values = [round(score * scale) for score in scores[:m]]
    best_total, best_k = sum(values[j] for j in best), len(best)
    counts = range(-(-placed // max_size), placed // min_size + 1) if mean else range(0)
    for k in sorted(counts, key=lambda k: k != best_k):
        # A better mean than best_total / best_k needs total * best_k > best_total * k.
        status, cols = solve(
            m,
            placed=placed,
            count=k,
            values=values,
            at_least=best_total * k // best_k + 1,
            start=best if len(best) == k else (),
        )
        if solved(status):
            best, best_total, best_k = cols, sum(values[j] for j in cols), k
        proven = proven and status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    stage_seconds.append(time.perf_counter() - clock)
    return result(best, placed, worst_bound, proven)


def _hinted_columns(hint, trainees, column_of: dict[int, int]) -> list[int]:
    """The hint's groups as column indices, or [] unless it is a packing of feasible groups."""
    if hint is None:
        return []
    position = {t.id: i for i, t in enumerate(trainees)}
    chosen, used = [], 0
    for group in getattr(hint, "groups", hint):
        ids = getattr(group, "member_ids", group)
        if any(i not in position for i in ids):
            return []
        bits = sum(1 << position[i] for i in set(ids))
        if bits & used or bits not in column_of:
            return []
        used |= bits
        chosen.append(column_of[bits])
    return chosen
