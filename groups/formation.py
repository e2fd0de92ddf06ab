"""Group formation: balanced peer groups from a pool of trainees (DESIGN.md §4).

Pure Python, standard library only: no Django and nothing from the project, so the admin page, the
``form_groups`` command, the tests and the benchmark all call the same function with plain data.

    result = form_groups(trainees, mode=AREA, min_size=5, max_size=8, seed=1)
    for group in result.groups: group.area, group.member_ids, group.shared_slots, group.score
    for person in result.unplaced: person.trainee_id, person.reason

Hard constraints (never broken in a group this module forms): size within the bounds; in ``area``
mode every member chose the group's career area; all members share at least one availability slot;
no two members from the same (non-empty) lab; no do-not-pair pair. Groups that staff locked are kept
as given and any broken rule is listed in ``ProposedGroup.problems``.

Soft criteria, each 0..1, combined as a weighted mean (``Weights``):
- discipline: distinct disciplines / min(size, disciplines in the pool);
- stage: students and postdocs together: 0 if one of the two is missing, 0.5 if the minority is a
  single person (isolated), 1 from two of each;
- repeat: share of members without a previous group-mate in the group;
- interest: mean rank score of the group's area for its members (1st choice 1, 2nd 2/3, 3rd 1/3);
  only for groups with a career area (``None`` in mixed groups).

Objective, compared lexicographically: people placed, then the worst group's score, then the mean
group score (maximin as in CATME Team-Maker: nobody gets the leftover group).

Method, in the order it runs:
1. each person's area is chosen from their ranked interests by counting: first choices, then an
   area whose head count can't be split into groups is topped up from people who also chose it,
   or emptied into its members' next choices;
2. groups are grown one at a time from (area, time slot) buckets, most constrained people first
   (fewest slots and options), each filled greedily by score from the bucket's least flexible
   people; counts are kept incrementally so this is near-linear in the pool;
3. a repair step fills or dissolves short groups and places leftovers: insertion, ejection
   chains, and new groups that borrow people who chose the area from other groups (from a group
   at the minimum only when someone else can stand in for them there);
4. a local search, worst groups first, moves and swaps people between groups that share a time
   (and swaps members with unplaced people), taking a change only when the pair of groups gets
   better in the maximin sense, so the overall objective never gets worse; a worst group that
   no pair can lift tries a two-step chain through a third group;
5. a neighbourhood search dissolves the few groups around someone unplaced (or around a worst
   group), rebuilds them at random and keeps the rebuild only if it is better;
6. exact repacking: a neighbourhood of two to four groups (about 26 people in area mode, 18 in
   mixed mode) plus the unplaced people who could join them is re-split the best possible way,
   by listing every valid group among those people and searching all packings of them (branch
   and bound, bounded in nodes); neighbourhoods are built around each unplaced person, each
   worst group with the partners that hold what it lacks (the missing stage, a new discipline,
   first choices), and each career area with the groups holding most of the people who chose
   it, so the number of groups per area can change. A change is kept only when the whole pool
   gets better: more placed, a better worst group, fewer groups at the worst, or a better mean.
7. whole-pool search (area mode, pools of up to 72 people, on the best run): every valid group
   scoring at least the current worst is listed, then an exact-cover search (Knuth's algorithm X
   on bit sets, a few short searches in different orders) looks for a split that places one
   more person, and a bisection over the scores above the worst looks for a split whose every
   group scores at least a threshold; this finds the changes that pass people through five or
   six groups of different areas at once, which neighbourhoods of a few groups can't see. As a
   whole pool can have too many groups to list, the same search also runs on parts of it (up
   to 40 people): around each person still unplaced, every group holding someone who chose
   one of their areas, with groups listed at any score (placing one more person comes first);
   then around the worst group, every group holding someone who chose its area, a few rounds
   while the worst group changes; each part topped up with the weakest groups it could trade
   with. Then step 6 runs again for the mean.
Pools of up to 800 people are solved 2-4 times (4 for 400 or fewer) and the best result is
kept; if people who could be grouped are still out, extra runs start from groups of the minimum
size, which cover more people. The best run then gets the whole-pool search and a longer exact
repacking (longest for pools of about 60, where a few exact moves matter most). Every step is
bounded by an evaluation budget, so a run is deterministic for a seed; ``time_limit`` is only a
safety net (when it fires, the result depends on the machine's speed).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

AREA = "area"
MIXED = "mixed"
MODES = (AREA, MIXED)
PHD_STUDENT = "phd_student"
POSTDOC = "postdoc"
OTHER = "other"
STAGES = (PHD_STUDENT, POSTDOC, OTHER)

DEFAULT_MIN_SIZE = 5
DEFAULT_MAX_SIZE = 8

_EPS = 1e-9
_NO_AREA = -1
_MAX_RESTARTS = 4
_RESTART_PEOPLE = 1600  # restarts = this / pool size, between 1 and _MAX_RESTARTS
_ANY_SLOT = -1
# Exact repacking (a few groups at a time): at most _EXACT_CAP evaluations in each run, then the
# best run gets _POLISH_EVALS per person more, most at _POLISH_PEOPLE people, less above (large
# pools have many groups to trade with, small ones depend on exact moves).
_EXACT_CAP = 100_000
_POLISH_EVALS = 7200
_POLISH_PEOPLE = 60
# Whole-pool search (pools of up to _WHOLE_POOL_PEOPLE people): at most this many groups listed
# and search nodes per packing.
_WHOLE_POOL_PEOPLE = 72
_WHOLE_POOL_COLUMNS = 150_000
_WHOLE_POOL_NODES = 40_000
_WHOLE_POOL_TRIES = 4
_PACK_NODES = 1500
_PACK_NODES_FIRST = 6000
_PACK_COLUMNS = 60_000
_AREA_SEARCH_ROUNDS = 4
_AREA_SEARCH_PEOPLE = 40
_AREA_SEARCH_COLUMNS = 40_000  # groups at any score around someone unplaced
# A lone postdoc among students (or the reverse) is better than none but still isolated.
_STAGE_MIX_FULL = 2
_RANKS_SCORED = 3
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PARTS = ("morning", "afternoon", "evening")


class FormationError(ValueError):
    """The input can't be used (unknown mode, bad bounds, duplicate or unknown ids)."""


@dataclass(frozen=True)
class Trainee:
    id: Hashable
    stage: str = PHD_STUDENT
    discipline: Hashable = ""
    lab: str = ""  # lab or PI; empty means unknown and never conflicts
    interests: tuple[Hashable, ...] = ()  # career area ids or slugs, first = preferred
    slots: frozenset[str] = frozenset()  # e.g. {"mon-evening", "thu-morning"}
    do_not_pair: frozenset[Hashable] = frozenset()
    previous_mates: frozenset[Hashable] = frozenset()

    def __post_init__(self) -> None:
        # Accept lists and sets from callers while keeping the dataclass hashable.
        object.__setattr__(self, "interests", tuple(self.interests))
        object.__setattr__(self, "slots", frozenset(self.slots))
        object.__setattr__(self, "do_not_pair", frozenset(self.do_not_pair))
        object.__setattr__(self, "previous_mates", frozenset(self.previous_mates))


@dataclass(frozen=True)
class Weights:
    discipline: float = 1.0
    stage: float = 1.0
    repeat: float = 1.0
    interest: float = 1.0


@dataclass(frozen=True)
class LockedGroup:
    """A group staff fixed in the preview; its members are never moved.

    ``open=False`` keeps the group exactly as given. ``open=True`` pre-assigns these people to one
    group that the algorithm may complete with others (up to the maximum size). ``key`` is passed
    through to the result so callers can map it back (e.g. an existing group's id).
    """

    member_ids: tuple[Hashable, ...]
    area: Hashable | None = None
    key: Hashable | None = None
    open: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "member_ids", tuple(self.member_ids))


@dataclass(frozen=True)
class ScoreCard:
    discipline: float
    stage: float
    repeat: float
    interest: float | None  # None for a group without a career area
    overall: float


@dataclass(frozen=True)
class ProposedGroup:
    area: Hashable | None  # None = mixed
    member_ids: tuple[Hashable, ...]
    shared_slots: tuple[str, ...]
    score: ScoreCard
    locked: bool = False
    key: Hashable | None = None
    problems: tuple[str, ...] = ()  # broken hard constraints; only ever set on locked groups


@dataclass(frozen=True)
class Unplaced:
    trainee_id: Hashable
    reason: str


@dataclass(frozen=True)
class Summary:
    trainees: int
    placed: int
    unplaced: int
    groups: int
    placed_share: float
    worst_score: float
    mean_score: float
    stage_mix_share: float  # groups with at least one PhD student and one postdoc
    mean_stage: float
    mean_discipline: float
    min_discipline: float
    first_choice_share: float | None  # placed people in their first-choice area (area mode)
    repeat_pairs: int  # previous group-mates placed together again
    seconds: float
    evaluations: int
    restarts: int


@dataclass(frozen=True)
class FormationResult:
    mode: str
    min_size: int
    max_size: int
    groups: tuple[ProposedGroup, ...]
    unplaced: tuple[Unplaced, ...]
    summary: Summary

    @property
    def objective(self) -> tuple[int, float, float]:
        """(people placed, worst group score, mean group score): larger is better."""
        return (self.summary.placed, self.summary.worst_score, self.summary.mean_score)


def form_groups(
    trainees: Iterable[Trainee],
    *,
    mode: str = AREA,
    min_size: int = DEFAULT_MIN_SIZE,
    max_size: int = DEFAULT_MAX_SIZE,
    target_size: int | None = None,
    weights: Weights | None = None,
    locked: Sequence[LockedGroup] = (),
    area_labels: Mapping[Hashable, str] | None = None,
    seed: int = 0,
    effort: float = 1.0,
    restarts: int | None = None,
    time_limit: float | None = None,
) -> FormationResult:
    """Propose groups for ``trainees``; the same input and seed always give the same result.

    ``target_size`` (default: the middle of the bounds, rounded down; in mixed mode larger when
    PhD students or postdocs are too few for two per group) is the size the construction aims
    for; ``effort`` scales the search budget; ``restarts`` (default: 4 up to 400 people, 2 up to
    800, then 1) is how many independent runs to keep the best of; ``area_labels`` names areas
    in reasons.
    """
    started = time.perf_counter()
    trainees = list(trainees)
    if mode not in MODES:
        raise FormationError(f"Unknown mode {mode!r}; use {AREA!r} or {MIXED!r}.")
    if not 2 <= min_size <= max_size:
        raise FormationError(f"Size bounds {min_size}–{max_size} are not valid.")
    if target_size is None:
        target_size = (min_size + max_size) // 2
        if mode == MIXED:
            target_size = _mixed_target(trainees, min_size, max_size)
    target_size = min(max(target_size, min_size), max_size)
    pool = _Pool(trainees, mode, weights or Weights(), locked, area_labels or {})
    deadline = None if time_limit is None else started + time_limit
    # Small pools are cheap and their optimum is fragile, so they get independent restarts.
    if restarts is None:
        restarts = max(1, min(_MAX_RESTARTS, _RESTART_PEOPLE // max(1, len(trainees))))
    best = None
    evals = runs = 0
    # When people who could be grouped are still out, a few more runs start from groups of the
    # minimum size, which cover more people (they are filled up afterwards).
    plan = [False] * restarts
    while runs < len(plan):
        solver = _Solver(
            pool, min_size, max_size, target_size, seed * 7919 + runs, effort, deadline
        )
        solver.run(locked, smallest=plan[runs])
        runs += 1
        evals += solver.evals
        if best is None or solver.objective() > best.objective():
            best = solver
        if solver.timed_out():
            break
        if runs == restarts and restarts > 1 and any(best.could_join(p) for p in best.leftovers):
            plan += [True] * max(1, restarts // 2)
    # The best run gets a longer exact repacking than each run had.
    spent = best.evals
    best.polish()
    best.evals = evals + best.evals - spent
    return best.result(started, runs)


def _mixed_target(trainees: Sequence[Trainee], min_size: int, max_size: int) -> int:
    """Mixed groups: the middle of the bounds, or larger when that would make more groups than
    the scarcer of PhD students and postdocs can give two people each (the stage criterion's
    full score). In area mode the balance is per area, so the middle is kept."""
    target = (min_size + max_size) // 2
    scarce = min(
        sum(t.stage == PHD_STUDENT for t in trainees), sum(t.stage == POSTDOC for t in trainees)
    )
    if scarce >= _STAGE_MIX_FULL:
        target = max(target, round(len(trainees) / (scarce // _STAGE_MIX_FULL)))
    return target


def size_feasible(n: int, min_size: int, max_size: int) -> bool:
    """Whether n people can be split into groups whose sizes are all within the bounds."""
    return n > 0 and math.ceil(n / max_size) <= n // min_size


def check_group(
    members: Sequence[Trainee], area: Hashable | None, *, mode: str, min_size: int, max_size: int
) -> list[str]:
    """The hard constraints a group breaks, in words (empty when it is valid)."""
    problems = []
    if not min_size <= len(members) <= max_size:
        problems.append(f"{len(members)} members, outside the size bounds {min_size}–{max_size}")
    if mode == AREA and area is not None:
        outside = [m.id for m in members if area not in m.interests]
        if outside:
            problems.append(f"{len(outside)} member(s) did not choose this career area")
    if members and not frozenset.intersection(*(m.slots for m in members)):
        problems.append("no time slot shared by all members")
    labs: dict[str, int] = {}
    for m in members:
        lab = _norm_lab(m.lab)
        if lab:
            labs[lab] = labs.get(lab, 0) + 1
    if any(count > 1 for count in labs.values()):
        problems.append("lab-mates in the same group")
    ids = {m.id for m in members}
    if any(other in ids and other != m.id for m in members for other in m.do_not_pair):
        problems.append("a do-not-pair pair in the same group")
    return problems


def _norm_lab(lab: str) -> str:
    return " ".join((lab or "").split()).casefold()


def _slot_sort_key(slot: str) -> tuple:
    day, _, part = slot.partition("-")
    if day in _DAYS and part in _PARTS:
        return (0, _DAYS.index(day), _PARTS.index(part), slot)
    return (1, 0, 0, slot)


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


class _Pool:
    """The trainees as parallel lists of small ints, so scoring is cheap."""

    def __init__(self, trainees, mode, weights, locked, area_labels):
        self.mode = mode
        self.trainees = trainees
        self.ids = [t.id for t in trainees]
        self.index: dict[Hashable, int] = {}
        for i, t in enumerate(trainees):
            if t.id in self.index:
                raise FormationError(f"Trainee id {t.id!r} appears twice.")
            if t.stage not in STAGES:
                raise FormationError(f"Trainee {t.id!r} has an unknown stage {t.stage!r}.")
            self.index[t.id] = i
        n = len(trainees)
        self.stage = [STAGES.index(t.stage) for t in trainees]
        disc_codes: dict[Hashable, int] = {}
        self.disc = [disc_codes.setdefault(t.discipline, len(disc_codes)) for t in trainees]
        self.n_disc = max(1, len(disc_codes))
        lab_codes: dict[str, int] = {}
        self.lab = []
        for t in trainees:
            lab = _norm_lab(t.lab)
            self.lab.append(lab_codes.setdefault(lab, len(lab_codes)) if lab else -1)
        self.slot_names = sorted({s for t in trainees for s in t.slots}, key=_slot_sort_key)
        slot_bit = {s: 1 << i for i, s in enumerate(self.slot_names)}
        self.mask = [sum(slot_bit[s] for s in t.slots) for t in trainees]
        self.areas: list[Hashable] = []
        area_codes: dict[Hashable, int] = {}
        for t in trainees:
            for a in t.interests:
                if a not in area_codes:
                    area_codes[a] = len(self.areas)
                    self.areas.append(a)
        for lg in locked:
            if lg.area is not None and lg.area not in area_codes:
                area_codes[lg.area] = len(self.areas)
                self.areas.append(lg.area)
        self.area_codes = area_codes
        self.area_labels = area_labels
        self.interests: list[list[int]] = []
        self.rank_score: list[dict[int, float]] = []
        for t in trainees:
            codes: list[int] = []
            for a in t.interests:
                if area_codes[a] not in codes:
                    codes.append(area_codes[a])
            self.interests.append(codes)
            self.rank_score.append(
                {a: max(0.0, 1.0 - r / _RANKS_SCORED) for r, a in enumerate(codes)}
            )
        dnp: list[set[int]] = [set() for _ in range(n)]
        prev: list[set[int]] = [set() for _ in range(n)]
        for i, t in enumerate(trainees):
            for other in t.do_not_pair:
                j = self.index.get(other)
                if j is not None and j != i:
                    dnp[i].add(j)
                    dnp[j].add(i)
            for other in t.previous_mates:
                j = self.index.get(other)
                if j is not None and j != i:
                    prev[i].add(j)
                    prev[j].add(i)
        self.dnp = [tuple(sorted(s)) for s in dnp]
        self.prev = [tuple(sorted(s)) for s in prev]
        self.has_prev = any(self.prev)
        # Trainees with the same signature are interchangeable for scoring.
        self.plain = [not dnp[i] and not prev[i] and self.lab[i] < 0 for i in range(n)]
        self.area_total = [0] * len(self.areas)
        for codes in self.interests:
            for a in codes:
                self.area_total[a] += 1
        self.wd, self.ws = weights.discipline, weights.stage
        self.wr, self.wi = weights.repeat, weights.interest
        base = self.wd + self.ws + self.wr
        self.inv_w = 1.0 / base if base > 0 else 0.0
        self.inv_w_area = 1.0 / (base + self.wi) if base + self.wi > 0 else 0.0

    def label(self, area: int) -> str:
        a = self.areas[area]
        return str(self.area_labels.get(a, a))

    def criteria(self, size, ndist, nphd, npost, isum, nrep, has_area):
        if size == 0:
            return 0.0, 0.0, 0.0, None
        div = ndist / min(size, self.n_disc)
        mix = min(nphd, npost)
        stg = 1.0 if mix >= _STAGE_MIX_FULL else mix / _STAGE_MIX_FULL
        rep = (size - nrep) / size
        return div, stg, rep, (isum / size if has_area else None)

    def overall(self, size, ndist, nphd, npost, isum, nrep, has_area) -> float:
        if size == 0:
            return 0.0
        mix = min(nphd, npost)
        s = (
            self.wd * ndist / min(size, self.n_disc)
            + self.ws * (1.0 if mix >= _STAGE_MIX_FULL else mix / _STAGE_MIX_FULL)
            + self.wr * (size - nrep) / size
        )
        if has_area:
            return (s + self.wi * isum / size) * self.inv_w_area
        return s * self.inv_w


class _Group:
    __slots__ = (
        "gid",
        "area",
        "members",
        "pinned",
        "closed",
        "key",
        "dcnt",
        "ndist",
        "nphd",
        "npost",
        "labcnt",
        "isum",
        "rep",
        "nrep",
        "mask",
        "score",
    )

    def __init__(self, gid: int, area: int, all_slots: int):
        self.gid = gid
        self.area = area
        self.members: list[int] = []
        self.pinned: frozenset[int] = frozenset()
        self.closed = False
        self.key = None
        self.dcnt: dict[int, int] = {}
        self.ndist = self.nphd = self.npost = self.nrep = 0
        self.labcnt: dict[int, int] = {}
        self.isum = 0.0
        self.rep: dict[int, int] = {}
        self.mask = all_slots
        self.score = 0.0


class _Solver:
    def __init__(self, pool, lo, hi, target, seed, effort, deadline):
        self.P = pool
        self.lo, self.hi, self.target = lo, hi, target
        self.rng = random.Random(seed)
        self.effort = effort
        self.deadline = deadline
        self.area_mode = pool.mode == AREA
        self.all_slots = (1 << len(pool.slot_names)) - 1
        self.groups: list[_Group | None] = []
        self.where = [-1] * len(pool.ids)
        self.evals = 0
        self.locked_areas: set[int] = set()
        self.leftovers: list[int] = []
        self._head_counts: dict[tuple[int, ...], int] = {}
        self._by_area_slot: dict[tuple[int, int], list[int]] | None = None

    # -- group bookkeeping -------------------------------------------------------------------

    def new_group(self, area: int) -> _Group:
        g = _Group(len(self.groups), area, self.all_slots)
        self.groups.append(g)
        return g

    def refresh(self, g: _Group) -> None:
        P = self.P
        g.dcnt = {}
        g.labcnt = {}
        g.nphd = g.npost = 0
        g.isum = 0.0
        mask = self.all_slots
        for m in g.members:
            d = P.disc[m]
            g.dcnt[d] = g.dcnt.get(d, 0) + 1
            lab = P.lab[m]
            if lab >= 0:
                g.labcnt[lab] = g.labcnt.get(lab, 0) + 1
            st = P.stage[m]
            if st == 0:
                g.nphd += 1
            elif st == 1:
                g.npost += 1
            if g.area >= 0:
                g.isum += P.rank_score[m].get(g.area, 0.0)
            mask &= P.mask[m]
        g.ndist = len(g.dcnt)
        g.mask = mask
        g.rep = {}
        if P.has_prev:
            gid = g.gid
            where = self.where
            for m in g.members:
                c = sum(1 for y in P.prev[m] if where[y] == gid)
                if c:
                    g.rep[m] = c
        g.nrep = len(g.rep)
        g.score = P.overall(len(g.members), g.ndist, g.nphd, g.npost, g.isum, g.nrep, g.area >= 0)

    def add(self, g: _Group, p: int) -> None:
        if self.where[p] >= 0:
            raise AssertionError(f"trainee {p} is already in group {self.where[p]}")
        g.members.append(p)
        self.where[p] = g.gid
        self.refresh(g)

    def remove(self, g: _Group, p: int) -> None:
        g.members.remove(p)
        self.where[p] = -1
        self.refresh(g)

    def dissolve(self, g: _Group) -> list[int]:
        members = g.members
        for m in members:
            self.where[m] = -1
        self.groups[g.gid] = None
        return members

    def live_groups(self) -> list[_Group]:
        return [g for g in self.groups if g is not None]

    # -- feasibility and incremental scoring ------------------------------------------------

    def mask_without(self, g: _Group, a: int | None) -> int:
        if a is None:
            return g.mask
        mask = self.all_slots
        for m in g.members:
            if m != a:
                mask &= self.P.mask[m]
        return mask

    def fits(self, b: int, g: _Group, a: int | None, mask_wo: int | None = None) -> bool:
        """Whether b may join g once a (if any) has left it: every hard rule but the size."""
        P = self.P
        if g.area >= 0 and self.area_mode and g.area not in P.rank_score[b]:
            return False
        if mask_wo is None:
            mask_wo = self.mask_without(g, a)
        if not P.mask[b] & mask_wo:
            return False
        lab = P.lab[b]
        if lab >= 0:
            c = g.labcnt.get(lab, 0)
            if c and not (a is not None and P.lab[a] == lab and c == 1):
                return False
        gid = g.gid
        where = self.where
        return all(where[x] != gid or x == a for x in P.dnp[b])

    def score_after(self, g: _Group, a: int | None, b: int | None) -> float:
        """g's overall score once a (if any) leaves and b (if any) joins, from its counts."""
        P = self.P
        self.evals += 1
        size = len(g.members)
        ndist, nphd, npost, isum = g.ndist, g.nphd, g.npost, g.isum
        dc = g.dcnt
        area = g.area
        da = -1
        if a is not None:
            size -= 1
            da = P.disc[a]
            if dc[da] == 1:
                ndist -= 1
            st = P.stage[a]
            if st == 0:
                nphd -= 1
            elif st == 1:
                npost -= 1
            if area >= 0:
                isum -= P.rank_score[a].get(area, 0.0)
        if b is not None:
            size += 1
            db = P.disc[b]
            if dc.get(db, 0) - (1 if db == da else 0) == 0:
                ndist += 1
            st = P.stage[b]
            if st == 0:
                nphd += 1
            elif st == 1:
                npost += 1
            if area >= 0:
                isum += P.rank_score[b].get(area, 0.0)
        nrep = self.nrep_after(g, a, b) if P.has_prev else 0
        return P.overall(size, ndist, nphd, npost, isum, nrep, area >= 0)

    def nrep_after(self, g: _Group, a: int | None, b: int | None) -> int:
        P = self.P
        gid = g.gid
        where = self.where
        rep = g.rep
        nrep = g.nrep
        prev_a: tuple[int, ...] = ()
        if a is not None:
            prev_a = P.prev[a]
            if rep.get(a, 0):
                nrep -= 1
            for y in prev_a:
                if where[y] == gid and rep.get(y, 0) == 1:
                    nrep -= 1
        if b is not None:
            found = False
            for y in P.prev[b]:
                if where[y] == gid and y != a:
                    found = True
                    if rep.get(y, 0) - (1 if y in prev_a else 0) == 0:
                        nrep += 1
            if found:
                nrep += 1
        return nrep

    # -- the run ------------------------------------------------------------------------------

    def run(self, locked: Sequence[LockedGroup], smallest: bool = False) -> None:
        free = self.place_locked(locked)
        self.fill_open_groups(free)
        free = [p for p in free if self.where[p] < 0]
        if self.area_mode:
            parts, _rest = self.assign_areas(free)
            assigned = {p: a for a, members in parts.items() for p in members}
            self.grow(sorted(assigned), set(parts), self.rng, assigned, smallest)
        else:
            self.grow(free, {_NO_AREA}, self.rng, smallest=smallest)
        leftovers = [p for p in free if self.where[p] < 0]
        leftovers = self.repair(leftovers)
        n = len(self.P.ids)
        budget = int(self.effort * (200 * n + 1500 * min(n, 40)))
        leftovers = self.local_search(budget // 2, leftovers)
        leftovers = self.repair(leftovers)
        leftovers = self.neighbourhood_search(leftovers, budget // 4)
        leftovers = self.local_search(budget // 4, leftovers)
        leftovers = self.exact_search(leftovers, min(budget, int(self.effort * _EXACT_CAP)))
        self.leftovers = self.finalize(leftovers)

    def polish(self) -> None:
        n = max(1, len(self.P.ids))
        budget = int(self.effort * _POLISH_EVALS * min(n, _POLISH_PEOPLE**2 / n))
        self.leftovers = self.finalize(self.whole_pool_search(self.leftovers))
        self.leftovers = self.finalize(self.part_pool_search(self.leftovers))
        if budget > 0 and not self.timed_out():
            self.leftovers = self.finalize(self.exact_search(self.leftovers, budget))

    def objective(self) -> tuple[int, float, float]:
        scores = [g.score for g in self.live_groups()]
        placed = len(self.P.ids) - len(self.leftovers)
        if not scores:
            return (placed, 0.0, 0.0)
        # Rounded so that float noise can't decide between equal solutions.
        return (placed, round(min(scores), 9), round(sum(scores) / len(scores), 9))

    def finalize(self, leftovers: list[int]) -> list[int]:
        # Safety net: a group this module formed never leaves it breaking a hard rule (a time
        # limit can stop the repair half-way); such a group is dissolved and its people listed.
        P = self.P
        out = set(leftovers)
        for g in self.live_groups():
            if g.pinned:
                continue
            area_ok = not self.area_mode or all(g.area in P.rank_score[m] for m in g.members)
            labs = [P.lab[m] for m in g.members if P.lab[m] >= 0]
            dnp_ok = all(self.where[x] != g.gid for m in g.members for x in P.dnp[m])
            if not (
                self.lo <= len(g.members) <= self.hi
                and g.mask
                and area_ok
                and len(labs) == len(set(labs))
                and dnp_ok
            ):
                out.update(self.dissolve(g))
        return sorted(p for p in out if self.where[p] < 0)

    def timed_out(self) -> bool:
        return self.deadline is not None and time.perf_counter() > self.deadline

    def place_locked(self, locked: Sequence[LockedGroup]) -> list[int]:
        P = self.P
        for lg in locked:
            area = _NO_AREA if lg.area is None else P.area_codes[lg.area]
            g = self.new_group(area)
            g.closed = not lg.open
            g.key = lg.key
            for tid in lg.member_ids:
                p = P.index.get(tid)
                if p is None:
                    raise FormationError(f"Locked group member {tid!r} is not in the pool.")
                if self.where[p] >= 0:
                    raise FormationError(f"Trainee {tid!r} is in two locked groups.")
                g.members.append(p)
                self.where[p] = g.gid
            g.pinned = frozenset(g.members)
            self.refresh(g)
            if area >= 0:
                self.locked_areas.add(area)
        return [p for p in range(len(P.ids)) if self.where[p] < 0]

    def fill_open_groups(self, free: list[int]) -> None:
        for g in self.live_groups():
            if g.closed:
                continue
            while len(g.members) < self.target:
                best, best_score = None, -1.0
                for p in free:
                    if self.where[p] < 0 and self.fits(p, g, None):
                        s = self.score_after(g, None, p)
                        if s > best_score + _EPS:
                            best, best_score = p, s
                if best is None:
                    break
                self.add(g, best)

    # -- construction -------------------------------------------------------------------------

    def choose_k(self, c: int) -> int:
        low, high = math.ceil(c / self.hi), c // self.lo
        if low > high:
            return 0
        return min(max(round(c / self.target), low), high)

    def assign_areas(self, free: list[int]) -> tuple[dict[int, list[int]], list[int]]:
        """Choose one area per person from the ranked interests so every area's head count can
        be split into groups: first choices, then areas short of people are topped up from people
        who also chose them, or emptied into their members' next choices."""
        P, lo, hi = self.P, self.lo, self.hi
        n_areas = len(P.areas)
        total = [0] * n_areas
        for p in free:
            for a in P.interests[p]:
                total[a] += 1
        # Open locked groups already hold people of their area.
        held = [0] * n_areas
        for g in self.live_groups():
            if not g.closed and g.area >= 0:
                held[g.area] += len(g.members) - len(g.pinned)
        alive = [total[a] >= lo or self.is_open_area(a) for a in range(n_areas)]
        choice: list[int] = [_NO_AREA] * len(P.ids)
        count = [0] * n_areas
        chooser: list[list[int]] = [[] for _ in range(n_areas)]
        for p in free:
            for a in P.interests[p]:
                chooser[a].append(p)
            for a in P.interests[p]:
                if alive[a]:
                    choice[p] = a
                    count[a] += 1
                    break

        def ok(a: int, n: int) -> bool:
            return n == 0 or size_feasible(n, lo, hi) or self.is_open_area(a)

        def move(p: int, to: int) -> None:
            count[choice[p]] -= 1
            choice[p] = to
            count[to] += 1

        def pull(a: int, need: int) -> bool:
            cands = []
            for p in chooser[a]:
                b = choice[p]
                if b != a and b >= 0:
                    cands.append((P.interests[p].index(a), -P.interests[p].index(b), p))
            cands.sort()
            plan = []
            for _r, _rb, p in cands:
                b = choice[p]
                if ok(b, count[b] - 1 - sum(1 for q in plan if choice[q] == b)):
                    plan.append(p)
                    if len(plan) == need:
                        for q in plan:
                            move(q, a)
                        return True
            return False

        def push(a: int, excess: int, kill: bool) -> bool:
            cands = []
            for p in chooser[a]:
                if choice[p] != a:
                    continue
                rank = P.interests[p].index(a)
                for b in P.interests[p]:
                    if b != a and alive[b] and (kill or ok(b, count[b] + 1)):
                        cands.append((-rank, P.interests[p].index(b), p, b))
                        break
            cands.sort()
            if not kill and len(cands) < excess:
                return False
            for _r, _rb, p, b in cands[: (len(cands) if kill else excess)]:
                move(p, b)
            return True

        for _ in range(4 * n_areas + 4):
            changed = False
            for a in range(n_areas):
                n = count[a]
                if not alive[a] or ok(a, n):
                    continue
                changed = True
                if n < lo:
                    if not pull(a, lo - n):
                        alive[a] = False
                        push(a, n, kill=True)
                else:
                    k = n // hi
                    excess, deficit = n - k * hi, (k + 1) * lo - n
                    if not (excess <= deficit and push(a, excess, False)) and not pull(a, deficit):
                        push(a, excess, False)
            if not changed:
                break
        parts: dict[int, list[int]] = {}
        leftovers = []
        for p in free:
            a = choice[p]
            if a >= 0 and alive[a]:
                parts.setdefault(a, []).append(p)
            else:
                leftovers.append(p)
        return parts, leftovers

    def is_open_area(self, a: int) -> bool:
        return a in self.locked_areas

    def deal(
        self, area: int, members: list[int], k: int, created: list[_Group] | None = None
    ) -> list[int]:
        """Deal a slot class round-robin into k groups, sorted by stage and discipline so that
        both are spread evenly; returns the people no group could take (lab or do-not-pair)."""
        P = self.P
        rng = self.rng
        tiebreak = {p: rng.random() for p in members}
        disc_size: dict[int, int] = {}
        for p in members:
            disc_size[P.disc[p]] = disc_size.get(P.disc[p], 0) + 1
        order = sorted(
            members,
            key=lambda p: (
                P.stage[p],
                -P.rank_score[p].get(area, 0.0),
                -disc_size[P.disc[p]],
                P.disc[p],
                tiebreak[p],
            ),
        )
        groups = [self.new_group(area) for _ in range(k)]
        if created is not None:
            created.extend(groups)
        c = len(members)
        caps = [c // k + (1 if i < c % k else 0) for i in range(k)]
        leftovers = []
        for i, p in enumerate(order):
            row, col = divmod(i, k)
            start = col if row % 2 == 0 else k - 1 - col
            for j in range(k):
                g = groups[(start + j) % k]
                if len(g.members) < caps[g.gid - groups[0].gid] and self.fits(p, g, None):
                    g.members.append(p)
                    self.where[p] = g.gid
                    self.refresh_light(g, p)
                    break
            else:
                leftovers.append(p)
        for g in groups:
            self.refresh(g)
        return leftovers

    def refresh_light(self, g: _Group, p: int) -> None:
        # While dealing only the counts that fits() reads need to be current.
        P = self.P
        lab = P.lab[p]
        if lab >= 0:
            g.labcnt[lab] = g.labcnt.get(lab, 0) + 1
        g.mask &= P.mask[p]

    # -- repair ---------------------------------------------------------------------------

    def index(self) -> dict[tuple[int, int], list[int]]:
        """(area, slot) -> ids of changeable groups whose members all share that slot; the key
        (area, _ANY_SLOT) lists all of the area's changeable groups."""
        idx: dict[tuple[int, int], list[int]] = {}
        for g in self.groups:
            if g is None or g.closed:
                continue
            idx.setdefault((g.area, _ANY_SLOT), []).append(g.gid)
            for s in _bits(g.mask):
                idx.setdefault((g.area, s), []).append(g.gid)
        return idx

    def areas_of(self, p: int) -> list[int]:
        return self.P.interests[p] if self.area_mode else [_NO_AREA]

    def candidate_groups(self, p: int, idx) -> list[_Group]:
        seen = set()
        out = []
        for a in self.areas_of(p):
            for s in _bits(self.P.mask[p]):
                for gid in idx.get((a, s), ()):
                    if gid not in seen:
                        seen.add(gid)
                        g = self.groups[gid]
                        if g is not None:
                            out.append(g)
        return out

    def repair(self, leftovers: list[int]) -> list[int]:
        unplaced = sorted({p for p in leftovers if self.where[p] < 0})
        for _ in range(6):
            if self.timed_out():
                break
            before = (len(unplaced), sum(1 for g in self.live_groups() if self.short(g)))
            self.fill_short_groups(unplaced)
            for g in self.live_groups():
                if self.short(g) and not g.pinned:
                    unplaced.extend(self.dissolve(g))
            unplaced = sorted({p for p in unplaced if self.where[p] < 0})
            self.insert(unplaced)
            unplaced = [p for p in unplaced if self.where[p] < 0]
            self.new_groups(unplaced)
            unplaced = [p for p in unplaced if self.where[p] < 0]
            self.eject(unplaced)
            unplaced = [p for p in unplaced if self.where[p] < 0]
            after = (len(unplaced), sum(1 for g in self.live_groups() if self.short(g)))
            if after >= before or not unplaced:
                break
        return sorted(unplaced)

    def short(self, g: _Group) -> bool:
        return not g.closed and len(g.members) < self.lo

    def best_group_for(self, p: int, groups: Iterable[_Group], room: int) -> _Group | None:
        best, best_key = None, None
        for g in groups:
            if g.closed or len(g.members) >= room or not self.fits(p, g, None):
                continue
            s = self.score_after(g, None, p)
            # Prefer short groups, then the best score after joining.
            key = (len(g.members) >= self.lo, -s, g.gid)
            if best_key is None or key < best_key:
                best, best_key = g, key
        return best

    def fill_short_groups(self, unplaced: list[int]) -> None:
        shorts = [g for g in self.live_groups() if self.short(g)]
        if not shorts:
            return
        for p in unplaced:
            if self.where[p] < 0:
                g = self.best_group_for(p, (g for g in shorts if self.short(g)), self.lo)
                if g is not None:
                    self.add(g, p)
        for g in shorts:
            if self.short(g):
                spare = [p for p in unplaced if self.where[p] < 0]
                self.borrow_into(g, self.lo - len(g.members), spare)

    def borrow_into(self, g: _Group, need: int, spare: Sequence[int] = (), scan: int = 400) -> bool:
        """Move ``need`` people who chose g's area and share its times into g, all or nothing:
        from groups above the minimum, or from a group at the minimum when someone else can
        take their place there (an unplaced person from ``spare``, or a member of a third group
        above the minimum)."""
        P, lo = self.P, self.lo
        by_area_slot = self.people_by_area_slot()
        plan: list[tuple[int, _Group, int | None, _Group | None]] = []
        given: dict[int, int] = {}
        used: set[int] = set()
        stood_in: set[int] = set()
        stand_in_calls = 0
        mask = g.mask
        looked = 0
        for s in _bits(g.mask):
            for m in by_area_slot.get((g.area, s), ()):
                looked += 1
                if looked > scan:
                    return False
                gid = self.where[m]
                if gid < 0 or gid == g.gid or m in used:
                    continue
                h = self.groups[gid]
                if h.closed or m in h.pinned or len(h.members) < lo:
                    continue
                if not P.mask[m] & mask or not self.fits(m, g, None):
                    continue
                if any(
                    (P.lab[m] >= 0 and P.lab[m] == P.lab[q]) or q in P.dnp[m]
                    for q, _h, _v, _k in plan
                ):
                    continue
                v, k = None, None
                if len(h.members) - given.get(gid, 0) <= lo:
                    # One stand-in per group: fits() can't see a second one arriving.
                    if gid in stood_in:
                        continue
                    if stand_in_calls >= 20:  # each call scans; keep borrowing cheap
                        continue
                    stand_in_calls += 1
                    v, k = self.stand_in(h, m, g, spare, used, given)
                    if v is None:
                        continue
                    stood_in.add(gid)
                    used.add(v)
                    if k is not None:
                        given[k.gid] = given.get(k.gid, 0) + 1
                used.add(m)
                mask &= P.mask[m]
                plan.append((m, h, v, k))
                given[gid] = given.get(gid, 0) + 1
                if len(plan) == need:
                    for q, hh, v, k in plan:
                        self.remove(hh, q)
                        self.add(g, q)
                        if v is not None:
                            if k is not None:
                                self.remove(k, v)
                            self.add(hh, v)
                    return True
        return False

    def stand_in(self, h, m, g, spare, used, given, scan: int = 200):
        """Someone who can take m's place in h: unplaced, or from a group above the minimum."""
        for u in spare[:50]:
            if u not in used and self.where[u] < 0 and self.fits(u, h, m):
                return u, None
        by_area_slot = self.people_by_area_slot()
        looked = 0
        for s in _bits(self.mask_without(h, m)):
            for r in by_area_slot.get((h.area, s), ()):
                looked += 1
                if looked > scan:
                    return None, None
                kid = self.where[r]
                if kid < 0 or kid in (g.gid, h.gid) or r in used:
                    continue
                k = self.groups[kid]
                if k.closed or r in k.pinned or len(k.members) - given.get(kid, 0) <= self.lo:
                    continue
                if self.fits(r, h, m):
                    return r, k
        return None, None

    def insert(self, unplaced: list[int]) -> None:
        idx = self.index()
        for p in unplaced:
            if self.where[p] >= 0:
                continue
            g = self.best_group_for(p, self.candidate_groups(p, idx), self.hi)
            if g is not None:
                self.add(g, p)

    def new_groups(self, unplaced: list[int]) -> None:
        """Form groups among the unplaced who share an area and a slot, borrowing people from
        groups above the minimum when a few are missing."""
        P = self.P
        buckets: dict[tuple[int, int], list[int]] = {}
        for p in sorted(set(unplaced)):
            for a in self.areas_of(p):
                if self.area_mode and P.area_total[a] < self.lo:
                    continue
                for s in _bits(P.mask[p]):
                    buckets.setdefault((a, s), []).append(p)
        order = sorted(buckets, key=lambda k: (-len(buckets[k]), k))
        for key in order:
            if self.timed_out():
                return
            area, s = key
            while True:
                people = [p for p in buckets[key] if self.where[p] < 0]
                if not people:
                    break
                g = self.new_group(area)
                for p in people:
                    if len(g.members) < self.target and self.fits(p, g, None):
                        self.add(g, p)
                if len(g.members) < self.lo:
                    spare = [p for p in unplaced if self.where[p] < 0]
                    if not self.borrow_into(g, self.lo - len(g.members), spare):
                        self.dissolve(g)
                        break

    def eject(self, unplaced: list[int]) -> None:
        """Place p in a full group by moving one of its members to another group with room."""
        idx = self.index()
        for p in unplaced:
            if self.where[p] >= 0 or self.timed_out():
                continue
            done = False
            for g in self.candidate_groups(p, idx)[:40]:
                if g.closed or len(g.members) < self.lo:
                    continue
                for a in list(g.members):
                    if a in g.pinned or not self.fits(p, g, a):
                        continue
                    h = self.best_group_for(
                        a, (h for h in self.candidate_groups(a, idx) if h is not g), self.hi
                    )
                    if h is not None:
                        self.remove(g, a)
                        self.add(h, a)
                        self.add(g, p)
                        done = True
                        break
                if done:
                    break

    # -- local search ---------------------------------------------------------------------

    def local_search(self, budget: int, unplaced: list[int]) -> list[int]:
        """Improve groups worst first (a heap, so a group made worse by a trade comes back up)
        by moves and swaps with other groups, and by swapping a member for someone unplaced;
        returns who is unplaced afterwards."""
        stop_at = self.evals + budget
        rng = self.rng
        out = set(unplaced)
        for _ in range(30):
            idx = self.index()
            waiting = self.unplaced_index(out)
            heap = [(g.score, g.gid) for g in self.groups if g is not None and not g.closed]
            heapq.heapify(heap)
            n_worst = max(3, len(heap) // 50)
            popped = improved = 0
            while heap:
                score, gid = heapq.heappop(heap)
                g = self.groups[gid]
                if g is None or g.score != score:
                    continue  # dissolved, or changed since: a newer entry is in the heap
                popped += 1
                # The worst groups get every partner that shares a time; others a sample.
                worst = popped <= n_worst
                for _attempt in range(4):
                    if self.evals >= stop_at or self.timed_out():
                        return sorted(out)
                    if worst:
                        partners = self.useful_partners(g)
                        partners += [h for h in self.all_partners(g, idx) if h not in partners]
                    else:
                        partners = self.partners(g, idx, rng)
                    partner = next((h for h in partners if self.improve_pair(g, h)), None)
                    if partner is not None:
                        improved += 1
                        heapq.heappush(heap, (partner.score, partner.gid))
                        continue
                    swapped = self.swap_in_unplaced(g, waiting)
                    if swapped is not None:
                        improved += 1
                        out.discard(swapped[1])
                        out.add(swapped[0])
                        waiting = self.unplaced_index(out)
                        continue
                    if worst and (self.improve_by_chain(g, idx, rng) or self.spread_out(g, idx)):
                        improved += 1
                        if self.groups[g.gid] is g:
                            continue
                    break
            if not improved:
                break
        return sorted(out)

    def unplaced_index(self, unplaced: Iterable[int]) -> dict[tuple[int, int], list[int]]:
        idx: dict[tuple[int, int], list[int]] = {}
        for p in sorted(unplaced):
            for a in self.areas_of(p):
                idx.setdefault((a, _ANY_SLOT), []).append(p)
                for s in _bits(self.P.mask[p]):
                    idx.setdefault((a, s), []).append(p)
        return idx

    def swap_in_unplaced(self, g: _Group, waiting) -> tuple[int, int] | None:
        """Swap a member of g for an unplaced person when that improves g (the number placed
        stays the same); returns (who left, who joined)."""
        if not waiting:
            return None
        cands = waiting.get((g.area, _ANY_SLOT), [])
        if len(cands) > 40:
            seen: set[int] = set()
            cands = []
            for s in _bits(g.mask):
                for p in waiting.get((g.area, s), ()):
                    if p not in seen:
                        seen.add(p)
                        cands.append(p)
        best, best_score = None, g.score + _EPS
        for a in g.members:
            if a in g.pinned:
                continue
            mask_wo = self.mask_without(g, a)
            for u in cands:
                if self.where[u] < 0 and self.fits(u, g, a, mask_wo):
                    s = self.score_after(g, a, u)
                    if s > best_score:
                        best, best_score = (a, u), s
        if best is None:
            return None
        a, u = best
        g.members.remove(a)
        self.where[a] = -1
        g.members.append(u)
        self.where[u] = g.gid
        self.refresh(g)
        return best

    # -- ruin and recreate ------------------------------------------------------------------

    def neighbourhood_search(self, unplaced: list[int], budget: int) -> list[int]:
        """Large moves the pairwise search can't make: dissolve a few groups around someone
        unplaced (or around the worst group) and rebuild them with everyone waiting nearby;
        keep the result when more people are placed or the neighbourhood's worst group is
        better, else restore it."""
        stop_at = self.evals + budget
        max_tries = int(self.effort * (150 + len(self.P.ids) // 5))
        tries = 0
        out = set(unplaced)
        rng = self.rng
        # Pools of a few dozen: several rebuilds per person left out are cheap and often needed.
        n = len(self.P.ids)
        per_person = 3 + (300 // n if n >= 30 else 0)

        idx_state = {"idx": self.index(), "at": 0}

        def spent() -> bool:
            return tries >= max_tries or self.evals >= stop_at or self.timed_out()

        def fresh_index():
            # Rebuilding the index is linear in the pool: do it every few tries, not each one.
            if tries - idx_state["at"] >= max(25, len(self.groups) // 10):
                idx_state["idx"], idx_state["at"] = self.index(), tries
            return idx_state["idx"]

        for _round in range(3):
            progress = False
            for u in sorted(out):
                if u not in out or not self.could_join(u):
                    continue
                for _try in range(per_person):
                    if spent() or tries >= max_tries * 2 // 3:
                        break
                    tries += 1
                    groups = self.groups_near(u, fresh_index(), rng)
                    if self.ruin_recreate(groups, out, self.areas_of(u), rng):
                        progress = True
                        break
            if not progress:
                break
        # Then the worst groups, with the tries that are left.
        while not spent():
            order = sorted(
                (g for g in self.groups if g is not None and not g.closed and not g.pinned),
                key=lambda g: (g.score, g.gid),
            )
            if not order:
                break
            for g in order[: max(1, len(order) // 20)]:
                if spent():
                    break
                if self.groups[g.gid] is not g:
                    continue
                tries += 1
                idx = fresh_index()
                if rng.random() < 0.5:
                    near = self.partners(g, idx, rng, k=3)
                else:  # groups holding people who could join g's area at a member's times
                    near = self.groups_near(rng.choice(g.members), idx, rng, k=4)
                near = [g] + [h for h in near if h is not g and not h.pinned]
                self.ruin_recreate(near, out, [g.area], rng)
        return sorted(out)

    def could_join(self, p: int) -> bool:
        """A cheap necessary condition: p has times, a viable area and enough people around."""
        if not self.P.mask[p]:
            return False
        areas = self.areas_of(p)
        if self.area_mode:
            areas = [a for a in areas if self.P.area_total[a] >= self.lo]
            if not areas:
                return False
        return self.sharing_count(p, areas) + 1 >= self.lo

    def groups_near(self, u: int, idx, rng: random.Random, k: int = 4) -> list[_Group]:
        """Up to k changeable groups around u: groups of u's areas that share a time with u, and
        groups holding people who chose one of u's areas and share a time with u."""
        P = self.P
        near: set[int] = set()
        for a in self.areas_of(u):
            for s in _bits(P.mask[u]):
                gids = idx.get((a, s), ())
                if len(gids) > 20:  # large pools: a random sample keeps each try cheap
                    gids = rng.sample(gids, 20)
                for gid in gids:
                    g = self.groups[gid]
                    if g is not None and not g.pinned:
                        near.add(gid)
        by_area_slot = self.people_by_area_slot()
        for a in self.areas_of(u):
            for s in _bits(P.mask[u]):
                people = by_area_slot.get((a, s), ())
                if len(people) > 40:  # large pools: a random sample keeps each try cheap
                    people = rng.sample(people, 40)
                for q in people:
                    gid = self.where[q]
                    if gid >= 0 and not self.groups[gid].pinned and not self.groups[gid].closed:
                        near.add(gid)
        chosen = sorted(near)
        rng.shuffle(chosen)
        chosen = chosen[:k]
        if len(chosen) < k:
            others = [
                gid
                for a in self.areas_of(u)
                for gid in idx.get((a, _ANY_SLOT), ())
                if gid not in near and self.groups[gid] is not None and not self.groups[gid].pinned
            ]
            rng.shuffle(others)
            chosen += others[: k - len(chosen)]
        return [self.groups[gid] for gid in chosen]

    def people_by_area_slot(self) -> dict[tuple[int, int], list[int]]:
        if self._by_area_slot is None:
            self._by_area_slot = {}
            for q in range(len(self.P.ids)):
                for a in self.areas_of(q):
                    for s in _bits(self.P.mask[q]):
                        self._by_area_slot.setdefault((a, s), []).append(q)
        return self._by_area_slot

    def ruin_recreate(
        self, groups: list[_Group], out: set[int], areas: list[int], rng: random.Random
    ) -> bool:
        P = self.P
        old_placed = sum(len(g.members) for g in groups)
        old_min = min((g.score for g in groups), default=2.0)
        old_sum = sum(g.score for g in groups)
        wanted = set(areas)
        for g in groups:
            wanted.add(g.area)
        waiting = [
            p for p in sorted(out) if any(a in wanted for a in self.areas_of(p)) and P.mask[p]
        ]
        if len(waiting) > 30:
            waiting = rng.sample(waiting, 30)
        people = [m for g in groups for m in g.members] + waiting
        for g in groups:
            self.dissolve(g)
        new = self.build(people, wanted, rng)
        new_placed = sum(len(g.members) for g in new)
        new_min = min((g.score for g in new), default=2.0)
        new_sum = sum(g.score for g in new)
        old_mean = old_sum / len(groups) if groups else 0.0
        new_mean = new_sum / len(new) if new else 0.0
        better = new_placed > old_placed or (
            new_placed == old_placed
            and (
                new_min > old_min + _EPS
                or (new_min > old_min - _EPS and len(new) == len(groups) and new_mean > old_mean)
            )
        )
        if better:
            placed = {m for g in new for m in g.members}
            out.difference_update(placed)
            out.update(m for g in groups for m in g.members if m not in placed)
            return True
        for g in new:
            self.dissolve(g)
        for g in groups:
            self.groups[g.gid] = g
            for m in g.members:
                self.where[m] = g.gid
            self.refresh(g)
        return False

    def grow(
        self,
        people: list[int],
        areas: set[int],
        rng: random.Random,
        assigned: dict[int, int] | None = None,
        smallest: bool = False,
    ) -> list[_Group]:
        """Form groups one at a time, most constrained people first: each group starts from a
        well-filled (area, slot) bucket, or from the bucket of the person with the fewest
        options, and is filled greedily by score from that bucket's least flexible people.
        Counts are kept incrementally, so this scales to large pools."""
        P, lo, hi, target = self.P, self.lo, self.hi, self.target
        people = sorted(set(people))
        keys_of: dict[int, list[tuple[int, int]]] = {}
        buckets: dict[tuple[int, int], list[int]] = {}
        for p in people:
            keys = []
            options = self.areas_of(p) if assigned is None else [assigned[p]]
            for a in options:
                if a in areas and (not self.area_mode or P.area_total[a] >= lo):
                    keys.extend((a, s) for s in _bits(P.mask[p]))
            keys_of[p] = keys
            for key in keys:
                buckets.setdefault(key, []).append(p)
        noise = {p: rng.random() for p in people}

        def flex(p: int) -> float:
            # Fewer options first; a lower-ranked area counts as slightly more flexible.
            return len(keys_of[p]) + noise[p]

        for key, members in buckets.items():
            if self.area_mode:
                members.sort(key=lambda p, a=key[0]: flex(p) + 2 * (1 - P.rank_score[p][a]))
            else:
                members.sort(key=flex)
        count = {key: len(members) for key, members in buckets.items()}
        ptr = dict.fromkeys(buckets, 0)
        alive = dict.fromkeys(people, True)
        order = sorted(people, key=flex)
        first = 0
        heap = [(-c, rng.random(), key) for key, c in count.items() if c >= lo]
        heapq.heapify(heap)
        exhausted: set[tuple[int, int]] = set()
        new: list[_Group] = []

        def usable(key) -> bool:
            return key not in exhausted and count[key] >= lo

        def top_bucket():
            picked = []
            while heap and len(picked) < 3:
                c, r, key = heapq.heappop(heap)
                if not usable(key):
                    continue
                if -c != count[key]:
                    heapq.heappush(heap, (-count[key], r, key))
                    continue
                picked.append((c, r, key))
            if not picked:
                return None
            chosen = picked[min(len(picked) - 1, int(rng.random() ** 2 * 3))]
            for entry in picked:
                if entry is not chosen:
                    heapq.heappush(heap, entry)
            heapq.heappush(heap, chosen)
            return chosen[2]

        while True:
            key = None
            seed_person = None
            if rng.random() < 0.5:
                while first < len(order):
                    p = order[first]
                    options = [k for k in keys_of[p] if usable(k)] if alive[p] else []
                    if options:
                        seed_person = p
                        key = max(options, key=lambda k: (count[k], -k[1]))
                        break
                    first += 1
            if key is None:
                key = top_bucket()
                if key is None:
                    break
            members = buckets[key]
            i = ptr[key]
            while i < len(members) and not alive[members[i]]:
                i += 1
            ptr[key] = i
            # Groups at the minimum size cover the most people; they grow later by insertion.
            size = min(count[key], lo if smallest else rng.choice((target, target, lo, hi)))
            window = []
            for p in itertools.islice(members, i, None):
                if alive[p]:
                    window.append(p)
                    if len(window) >= 3 * size:
                        break
            g = self.new_group(key[0])
            start = seed_person if seed_person is not None else window[0]
            self.add(g, start)
            window = [p for p in window if p != start]
            while len(g.members) < size:
                best, best_score = None, -1.0
                for p in window:
                    if self.where[p] < 0 and self.fits(p, g, None):
                        sc = self.score_after(g, None, p)
                        if sc > best_score + _EPS:
                            best, best_score = p, sc
                if best is None:
                    break
                self.add(g, best)
            if len(g.members) < lo:
                # The window was too full of conflicts: try the whole bucket, first fit.
                for p in itertools.islice(members, i, None):
                    if len(g.members) >= lo:
                        break
                    if alive[p] and self.where[p] < 0 and self.fits(p, g, None):
                        self.add(g, p)
            if len(g.members) < lo:
                self.dissolve(g)
                exhausted.add(key)
                continue
            new.append(g)
            for p in g.members:
                alive[p] = False
                for k in keys_of[p]:
                    count[k] -= 1
        return new

    def deal_buckets(
        self, people: list[int], buckets: dict[tuple[int, int], list[int]], rng: random.Random
    ) -> list[_Group]:
        """Repeatedly deal a well-filled (area, slot) bucket into balanced groups."""
        lo = self.lo
        remaining = set(people)
        new: list[_Group] = []
        while True:
            live_buckets = {}
            for key, members in buckets.items():
                live = [p for p in members if p in remaining]
                if len(live) >= lo:
                    live_buckets[key] = live
            if not live_buckets:
                break
            ranked = sorted(live_buckets, key=lambda k: (-len(live_buckets[k]), rng.random()))
            key = ranked[min(len(ranked) - 1, int(rng.random() ** 2 * 3))]
            members = live_buckets[key]
            k = self.choose_k(len(members))
            if k == 0:
                k = len(members) // self.hi
                rng.shuffle(members)
                members = members[: k * self.hi]
            created: list[_Group] = []
            left = self.deal(key[0], members, k, created)
            new.extend(created)
            remaining.difference_update(set(members) - set(left))
        return new

    def build(self, people: list[int], areas: set[int], rng: random.Random) -> list[_Group]:
        """Randomised construction for a small set of people: take a well-filled (area, slot)
        bucket and either deal it into balanced groups or form one group from its least
        flexible people; then place the rest and polish the new groups pairwise."""
        P, lo = self.P, self.lo
        people = sorted(set(people))
        remaining = set(people)
        buckets: dict[tuple[int, int], list[int]] = {}
        for p in people:
            for a in self.areas_of(p):
                if a in areas and (not self.area_mode or P.area_total[a] >= lo):
                    for s in _bits(P.mask[p]):
                        buckets.setdefault((a, s), []).append(p)
        if rng.random() < 0.5:
            new = self.grow(people, areas, rng, smallest=rng.random() < 0.5)
            remaining = {p for p in people if self.where[p] < 0}
        else:
            new = self.deal_buckets(people, buckets, rng)
            remaining = {p for p in people if self.where[p] < 0}
        for p in sorted(remaining):
            g = self.best_group_for(p, new, self.hi)
            if g is not None:
                self.add(g, p)
        for g in new:
            if len(g.members) < lo:
                self.dissolve(g)
        new = [g for g in new if self.groups[g.gid] is g]
        for p in sorted(remaining):
            if self.where[p] < 0:
                g = self.best_group_for(p, new, self.hi)
                if g is not None:
                    self.add(g, p)
        left = {p for p in people if self.where[p] < 0}
        for _ in range(5):
            changed = False
            for i, g in enumerate(new):
                for h in new[i + 1 :]:
                    changed |= self.improve_pair(g, h)
            if left:
                waiting = self.unplaced_index(left)
                for g in new:
                    swapped = self.swap_in_unplaced(g, waiting)
                    if swapped is not None:
                        left.discard(swapped[1])
                        left.add(swapped[0])
                        waiting = self.unplaced_index(left)
                        changed = True
            if not changed:
                break
        return new

    def partners(self, g: _Group, idx, rng: random.Random, k: int = 6) -> list[_Group]:
        """Up to k groups to trade members with: groups in the same area (or a member's other
        areas) that share one of g's times, plus a few others of those areas at random."""
        areas = [g.area]
        if self.area_mode:
            for m in g.members:
                for a in self.P.interests[m]:
                    if a != g.area and a not in areas:
                        areas.append(a)
        if sum(len(idx.get((a, _ANY_SLOT), ())) for a in areas) <= 2 * k + 1:
            return [
                self.groups[gid]
                for a in areas
                for gid in idx.get((a, _ANY_SLOT), ())
                if gid != g.gid and self.groups[gid] is not None
            ]
        slots = _bits(g.mask) or [_ANY_SLOT]
        out, seen = [], {g.gid}
        for _ in range(3 * k):
            area = g.area if len(areas) == 1 or rng.random() < 0.6 else rng.choice(areas)
            slot = _ANY_SLOT if rng.random() < 0.25 else rng.choice(slots)
            lst = idx.get((area, slot))
            if not lst:
                continue
            gid = lst[rng.randrange(len(lst))]
            if gid in seen or self.groups[gid] is None:  # the index may be a little stale
                continue
            seen.add(gid)
            out.append(self.groups[gid])
            if len(out) == k:
                break
        return out

    def all_partners(self, g: _Group, idx) -> list[_Group]:
        """Every group that could trade members with g at one of its times (at most 60):
        exhaustive, so it is kept for the worst groups."""
        areas = [g.area]
        if self.area_mode:
            for m in g.members:
                for a in self.P.interests[m]:
                    if a not in areas:
                        areas.append(a)
        seen = {g.gid}
        out = []

        def take(gid: int) -> bool:
            if gid >= 0 and gid not in seen:
                h = self.groups[gid]
                if h is not None and not h.closed:
                    seen.add(gid)
                    out.append(h)
            return len(out) >= 60

        # Groups holding someone who could join g at one of its times...
        by_area_slot = self.people_by_area_slot()
        for s in _bits(g.mask):
            for q in by_area_slot.get((g.area, s), ()):
                if take(self.where[q]):
                    return out
        # ...and groups that g's members could join.
        for a in areas:
            for s in _bits(g.mask) or [_ANY_SLOT]:
                for gid in idx.get((a, s), ()):
                    if take(gid):
                        return out
        return out

    def useful_partners(self, g: _Group, limit: int = 40) -> list[_Group]:
        """Groups holding people who could join g and would lift the criterion g is short of
        (the missing stage, a new discipline, a first choice), most such people first: the
        partners worth trying before any others when g is among the worst."""
        P = self.P
        need_stage = -1
        if min(g.nphd, g.npost) < _STAGE_MIX_FULL:
            need_stage = 1 if g.npost < g.nphd else 0
        need_disc = g.ndist < min(len(g.members), P.n_disc)
        need_rank = g.area >= 0 and g.isum < len(g.members) - _EPS
        if need_stage < 0 and not need_disc and not need_rank:
            return []
        by_area_slot = self.people_by_area_slot()
        # Per group: how many of its people would bring the missing stage, a new discipline, a
        # first choice; ranked in that order (the stage criterion moves the score most).
        counts: dict[int, list[int]] = {}
        seen: set[int] = set()
        for s in _bits(g.mask):
            for q in by_area_slot.get((g.area, s), ()):
                gid = self.where[q]
                if gid < 0 or gid == g.gid or q in seen:
                    continue
                seen.add(q)
                gains = (
                    P.stage[q] == need_stage,
                    need_disc and P.disc[q] not in g.dcnt,
                    need_rank and P.rank_score[q].get(g.area, 0.0) >= 1.0,
                )
                if any(gains):
                    h = self.groups[gid]
                    if h is not None and not h.closed:
                        c = counts.setdefault(gid, [0, 0, 0])
                        for i, gain in enumerate(gains):
                            c[i] -= gain
        ranked = sorted(counts, key=lambda gid: (counts[gid], gid))[:limit]
        return [self.groups[gid] for gid in ranked]

    def improve_pair(self, g: _Group, h: _Group) -> bool:
        """Apply the best move or swap between g and h that improves the pair's
        (worse score, sum of scores); returns whether one was applied."""
        P = self.P
        lo, hi = self.lo, self.hi
        sg, sh = g.score, h.score
        best_min, best_sum = min(sg, sh), sg + sh
        best = None
        gm = [a for a in g.members if a not in g.pinned]
        hm = [b for b in h.members if b not in h.pinned]
        ng, nh = len(g.members), len(h.members)

        def consider(a, b):
            nonlocal best_min, best_sum, best
            s1 = self.score_after(g, a, b)
            s2 = self.score_after(h, b, a)
            lo_s = s1 if s1 < s2 else s2
            if lo_s > best_min + _EPS or (lo_s > best_min - _EPS and s1 + s2 > best_sum + _EPS):
                best_min, best_sum, best = lo_s, s1 + s2, (a, b)

        if ng > lo and nh < hi:
            for a in gm:
                if self.fits(a, h, None):
                    consider(a, None)
        if nh > lo and ng < hi:
            for b in hm:
                if self.fits(b, g, None):
                    consider(None, b)
        g_wo = {a: self.mask_without(g, a) for a in gm}
        h_wo = {b: self.mask_without(h, b) for b in hm}
        same_area = g.area == h.area
        for a in gm:
            mg = g_wo[a]
            for b in hm:
                if not P.mask[b] & mg or not P.mask[a] & h_wo[b]:
                    continue
                if (
                    same_area
                    and P.disc[a] == P.disc[b]
                    and P.stage[a] == P.stage[b]
                    and P.plain[a]
                    and P.plain[b]
                    and P.rank_score[a].get(g.area) == P.rank_score[b].get(g.area)
                ):
                    continue  # interchangeable: nothing to gain
                if self.fits(b, g, a, mg) and self.fits(a, h, b, h_wo[b]):
                    consider(a, b)
        if best is None:
            return False
        self.apply(g, h, *best)
        return True

    def apply(self, g: _Group, h: _Group, a: int | None, b: int | None) -> None:
        """a (if any) moves from g to h and b (if any) from h to g."""
        if a is not None:
            g.members.remove(a)
        if b is not None:
            h.members.remove(b)
        if a is not None:
            h.members.append(a)
            self.where[a] = h.gid
        if b is not None:
            g.members.append(b)
            self.where[b] = g.gid
        self.refresh(g)
        self.refresh(h)

    def pair_moves(self, g: _Group, h: _Group):
        """Every legal move or swap between g and h, as (a leaving g, b leaving h)."""
        lo, hi = self.lo, self.hi
        gm = [a for a in g.members if a not in g.pinned]
        hm = [b for b in h.members if b not in h.pinned]
        if len(g.members) > lo and len(h.members) < hi:
            for a in gm:
                if self.fits(a, h, None):
                    yield a, None
        if len(h.members) > lo and len(g.members) < hi:
            for b in hm:
                if self.fits(b, g, None):
                    yield None, b
        h_wo = {b: self.mask_without(h, b) for b in hm}
        for a in gm:
            mg = self.mask_without(g, a)
            for b in hm:
                if self.fits(b, g, a, mg) and self.fits(a, h, b, h_wo[b]):
                    yield a, b

    def improve_by_chain(self, g: _Group, idx, rng: random.Random) -> bool:
        """Lift a worst group g with a move from h that h can't afford on its own, followed by
        a move that makes up h's loss from a third group k; kept only if all three end above
        g's old score."""
        floor = g.score + _EPS
        firsts = []
        for h in self.partners(g, idx, rng, k=10):
            for a, b in self.pair_moves(g, h):
                s1 = self.score_after(g, a, b)
                if s1 > floor:
                    firsts.append((-s1, h.gid, a if a is not None else -1, b, h))
        firsts.sort(key=lambda f: f[:3])
        for _neg, _gid, a, b, h in firsts[:5]:
            a = None if a == -1 else a
            self.apply(g, h, a, b)
            if h.score > floor:
                return True
            for k in self.partners(h, idx, rng):
                if k is g:
                    continue
                for c, d in self.pair_moves(h, k):
                    if self.score_after(h, c, d) > floor and self.score_after(k, d, c) > floor:
                        self.apply(h, k, c, d)
                        return True
            self.apply(g, h, b, a)  # undo
        return False

    def spread_out(self, g: _Group, idx) -> bool:
        """Dissolve a worst group g by moving each member to a different group with room, when
        every receiving group still ends above g's score: one group fewer, the worst gone."""
        if g.pinned or g.closed:
            return False
        floor = g.score + _EPS
        taken: set[int] = set()
        plan = []
        for m in sorted(g.members, key=lambda p: len(self.candidate_groups(p, idx))):
            best, best_score = None, floor
            for h in self.candidate_groups(m, idx):
                if h is g or h.gid in taken or h.closed or len(h.members) >= self.hi:
                    continue
                if self.fits(m, h, None):
                    sc = self.score_after(h, None, m)
                    if sc > best_score:
                        best, best_score = h, sc
            if best is None:
                return False
            taken.add(best.gid)
            plan.append((m, best))
        self.dissolve(g)
        for m, h in plan:
            self.add(h, m)
        return True

    # -- exact repacking -------------------------------------------------------------------

    def columns(
        self, people: list[int], limit: int, floor: float | None = None
    ) -> list[tuple[int, float, int]] | None:
        """Every valid group among ``people`` as (bit mask over their positions, score, area),
        keeping the best area for each set; None when there are more than ``limit``. With a
        ``floor``, only groups scoring above it, and partial groups that can't get above it
        (``_score_bound``) are not grown."""
        P, lo, hi = self.P, self.lo, self.hi
        bound = self._score_bound
        m = len(people)
        pos = {p: i for i, p in enumerate(people)}
        prev = [sum(1 << pos[y] for y in P.prev[p] if y in pos) for p in people]
        dnp = [sum(1 << pos[y] for y in P.dnp[p] if y in pos) for p in people]
        disc = [1 << P.disc[p] for p in people]
        lab = [1 << P.lab[p] if P.lab[p] >= 0 else 0 for p in people]
        stage = [P.stage[p] for p in people]
        smask = [P.mask[p] for p in people]
        overall = P.overall
        best: dict[int, tuple[float, int]] = {}
        areas = sorted({a for p in people for a in self.areas_of(p)})
        count = 0
        for area in areas:
            cand = [i for i in range(m) if area < 0 or area in P.rank_score[people[i]]]
            if len(cand) < lo:
                continue
            rank = [P.rank_score[p].get(area, 0.0) for p in people]
            has_area = area >= 0
            stack = [(0, 0, -1, 0, 0, 0, 0, 0, 0.0, 0, 0)]
            # (next, bits, slots, labs, banned, discs, nphd, npost, isum, rep, size)
            while stack:
                k, bits, slots, labs, banned, discs, nphd, npost, isum, rep, size = stack.pop()
                for j in range(k, len(cand)):
                    i = cand[j]
                    bit = 1 << i
                    s2 = slots & smask[i]
                    if not s2 or labs & lab[i] or banned & bit:
                        continue
                    mates = prev[i] & bits
                    rep2 = rep | mates | bit if mates else rep
                    st = stage[i]
                    b2 = bits | bit
                    d2 = discs | disc[i]
                    n2 = size + 1
                    ph2 = nphd + (st == 0)
                    po2 = npost + (st == 1)
                    is2 = isum + rank[i]
                    if n2 >= lo:
                        self.evals += 1
                        sc = overall(n2, d2.bit_count(), ph2, po2, is2, rep2.bit_count(), has_area)
                        if floor is None or sc > floor:
                            count += 1
                            if count > limit:
                                return None
                            old = best.get(b2)
                            if old is None or sc > old[0] + _EPS:
                                best[b2] = (sc, area)
                    if n2 < hi and (
                        floor is None
                        or bound(n2, d2.bit_count(), ph2, po2, is2, rep2.bit_count(), has_area)
                        > floor
                    ):
                        stack.append(
                            (
                                j + 1,
                                b2,
                                s2,
                                labs | lab[i],
                                banned | dnp[i],
                                d2,
                                ph2,
                                po2,
                                is2,
                                rep2,
                                n2,
                            )
                        )
        return [(bits, sc, area) for bits, (sc, area) in best.items()]

    def _score_bound(self, size, ndist, nphd, npost, isum, nrep, has_area) -> float:
        """The best score any larger group grown from this one could reach: each person added
        can bring a new discipline, the missing stage and a first choice, but can't undo a
        repeat group-mate."""
        P = self.P
        best = 0.0
        mix = min(nphd, npost)
        for s in range(max(size + 1, self.lo), self.hi + 1):
            a = s - size
            value = (
                P.wd * min(1.0, (ndist + a) / min(s, P.n_disc))
                + P.ws * min(1.0, (mix + a) / _STAGE_MIX_FULL)
                + P.wr * (s - nrep) / s
            )
            value = (value + P.wi * (isum + a) / s) * P.inv_w_area if has_area else value * P.inv_w
            if value > best:
                best = value
        return best

    def repack(self, groups: list[_Group], extra: list[int], out: set[int], nodes: int) -> bool:
        """Re-split the members of ``groups`` and the unplaced ``extra`` people exactly: the
        best way for the whole pool's (placed, worst, mean), searched over every valid group
        among them. Applies it and returns True only if it is strictly better."""
        people = sorted({m for g in groups for m in g.members} | set(extra))
        cols = self.columns(people, 4 * nodes)
        if not cols:
            return False
        m = len(people)
        ids = {g.gid for g in groups}
        others = [g for g in self.groups if g is not None and g.gid not in ids]
        w_o = min((g.score for g in others), default=2.0)
        s_o = sum(g.score for g in others)
        k_o = len(others)
        placed_o = sum(len(g.members) for g in others)

        low = sorted(g.score for g in others)

        def key(placed: int, scores: list[float]) -> tuple[int, float, int, float]:
            # (placed, worst, fewer groups at the worst, mean): the count steers the search
            # off plateaus where several groups share the worst score.
            worst = min(scores, default=2.0)
            if low and low[0] < worst:
                worst = low[0]
            at_worst = bisect.bisect_right(low, worst + _EPS)
            at_worst += sum(1 for x in scores if x <= worst + _EPS)
            k = k_o + len(scores)
            mean = (s_o + sum(scores)) / k if k else 0.0
            return (placed_o + placed, round(worst, 9), -at_worst, round(mean, 9))

        cur = key(sum(len(g.members) for g in groups), [g.score for g in groups])
        # People with the fewest possible groups are decided first; a group is listed under
        # its member who comes first in that order.
        listed = [(_bits(bits), bits, sc, area) for bits, sc, area in cols]
        count = [0] * m
        for members, *_rest in listed:
            for i in members:
                count[i] += 1
        order = sorted(range(m), key=lambda i: (count[i], i))
        rank = [0] * m
        for r, i in enumerate(order):
            rank[i] = r
        by_first: list[list[tuple[float, int, int, int]]] = [[] for _ in range(m)]
        for members, bits, sc, area in listed:
            first = min(map(rank.__getitem__, members))
            by_first[first].append((sc, bits, area, len(members)))
        for lst in by_first:
            lst.sort(key=lambda c: (-c[0], c[1]))
        state = {"best": cur, "chosen": None, "nodes": 0}
        chosen: list[tuple[int, int, float]] = []
        full = (1 << m) - 1

        def search(r, used, placed, worst):
            st = state
            st["nodes"] += 1
            if st["nodes"] > nodes:
                return
            while r < m and used >> order[r] & 1:
                r += 1
            best = st["best"]
            free = (full & ~used).bit_count()
            bound = placed_o + placed + free
            floor = best[1] - _EPS
            w_now = w_o if w_o < worst else worst
            if bound < best[0] or (bound == best[0] and w_now < floor):
                return
            if r == m:
                kk = key(placed, [c[2] for c in chosen])
                if kk > best:
                    st["best"] = kk
                    st["chosen"] = list(chosen)
                return
            tight = bound <= best[0]
            for col in [c for c in by_first[r] if not c[1] & used]:
                sc = col[0]
                if tight and sc < st["best"][1] - _EPS:
                    break
                chosen.append((col[1], col[2], sc))
                search(r + 1, used | col[1], placed + col[3], worst if worst < sc else sc)
                chosen.pop()
                if st["nodes"] > nodes:
                    return
            search(r + 1, used | 1 << order[r], placed, worst)

        search(0, 0, 0, 2.0)
        self.evals += state["nodes"]
        if state["chosen"] is None:
            return False
        for g in groups:
            self.dissolve(g)
        for bits, area, _sc in state["chosen"]:
            g = self.new_group(area)
            for i in _bits(bits):
                g.members.append(people[i])
                self.where[people[i]] = g.gid
            self.refresh(g)
        out.difference_update(people)
        out.update(p for p in people if self.where[p] < 0)
        return True

    def whole_pool_search(
        self,
        unplaced: list[int],
        subset: set[int] | None = None,
        list_from: float | None = None,
        limit: int = _WHOLE_POOL_COLUMNS,
    ) -> list[int]:
        """Small pools: lift the worst group by re-splitting everyone at once.

        Neighbourhoods of a few groups can't see a better split that moves people through
        five or six groups of different areas at once, which is what lifts the last worst
        group in pools of about 60. Here every valid group scoring at least the current worst is
        listed (``columns`` with a floor); then ``pack`` looks for a split that places one more
        person at no loss, and a bisection over the scores above the worst looks for a split
        whose every group scores at least a threshold. Each split found is kept when the whole
        pool gets better. The search is bounded in groups listed and nodes searched, so it is
        deterministic; a search that runs out only means no change. With ``subset`` (group
        ids), only those groups and the unplaced people are re-split; the rest stay as they are.
        With ``list_from`` below the worst, groups are listed from that score, so a split that
        places one more person at a lower worst group can be found (at most ``limit`` groups).
        """
        out = set(unplaced)
        live = self.live_groups()
        groups = [
            g for g in live if not g.pinned and not g.closed and (subset is None or g.gid in subset)
        ]
        kept = {g.gid for g in groups}
        fixed = [g for g in live if g.gid not in kept]
        people = sorted({m for g in groups for m in g.members} | {p for p in out if self.P.mask[p]})
        if (
            not self.area_mode
            or not groups
            or len(people) > _WHOLE_POOL_PEOPLE
            or self.effort <= 0
            or self.timed_out()
        ):
            return sorted(out)
        # Splits that place the same people are only tried above the worst group.
        floor = min(g.score for g in groups)
        list_from = floor if list_from is None else min(list_from, floor)
        cols = self.columns(people, int(self.effort * limit), list_from - _EPS)
        if not cols:
            return sorted(out)
        m = len(people)
        cols.sort(key=lambda c: (-c[1], c[0]))
        descending = [-sc for _b, sc, _a in cols]
        pack, has = self.packer(m, cols)
        fixed_scores = [g.score for g in fixed]
        fixed_placed = sum(len(g.members) for g in fixed)
        budget = self.evals + int(self.effort * _WHOLE_POOL_NODES)

        def key(placed: int, scores: list[float]) -> tuple[int, float, int, float]:
            scores = fixed_scores + scores
            worst = round(min(scores, default=0.0), 9)
            at_worst = sum(1 for x in scores if round(x, 9) <= worst)
            mean = round(sum(scores) / len(scores), 9) if scores else 0.0
            return (fixed_placed + placed, worst, -at_worst, mean)

        placed = sum(len(g.members) for g in groups)
        current = key(placed, [g.score for g in groups])

        def attempt(target: int, above: float) -> bool:
            """Search for a split placing ``target`` people in groups scoring above ``above``,
            with a few differently ordered searches (their run times are heavy-tailed); keep it
            if the pool gets better."""
            nonlocal groups, current, placed, floor
            usable = bisect.bisect_left(descending, -above)
            for _try in range(_WHOLE_POOL_TRIES):
                if self.evals >= budget or self.timed_out():
                    return False
                if _try:
                    chosen = pack(usable, target, self.rng, _PACK_NODES)
                else:
                    chosen = pack(usable, target, None, _PACK_NODES_FIRST)
                if chosen is not None:
                    break
            else:
                return False
            candidate = key(
                sum(bits.bit_count() for bits, _sc, _a in chosen), [sc for _b, sc, _a in chosen]
            )
            if candidate <= current:
                return False
            for g in groups:
                self.dissolve(g)
            groups = []
            for bits, _sc, area in chosen:
                g = self.new_group(area)
                for i in _bits(bits):
                    g.members.append(people[i])
                    self.where[people[i]] = g.gid
                self.refresh(g)
                groups.append(g)
            out.difference_update(people)
            out.update(p for p in people if self.where[p] < 0)
            current = candidate
            placed = sum(len(g.members) for g in groups)
            floor = min(g.score for g in groups)
            return True

        if placed < m:
            attempt(placed + 1, list_from - _EPS)
        # No split can beat the best group of whoever must be placed: the (spare + 1)-th lowest
        # of those bests bounds the worst group from above (columns are best first).
        best_of = sorted(cols[(h & -h).bit_length() - 1][1] if h else -1.0 for h in has)
        ceiling = best_of[m - placed]
        levels = sorted(
            {round(sc, 9) for _b, sc, _a in cols if floor + _EPS < sc <= ceiling + _EPS}
        )
        lo, hi = 0, len(levels)  # levels[:lo] are reached; levels[hi:] were not found
        while lo < hi and self.evals < budget:
            lo = bisect.bisect_right(levels, floor + _EPS)
            if lo >= hi:
                break
            mid = (lo + hi - 1) // 2
            if not attempt(placed, levels[mid] - _EPS):
                hi = mid
        return sorted(out)

    def part_pool_search(self, unplaced: list[int]) -> list[int]:
        """Small pools: the whole-pool search on part of the pool, which stays small enough to
        list when the whole pool isn't. First around each person still unplaced (every group
        holding someone who chose one of their areas, listing groups at any score, since placing
        one more person beats any worst group), then around the worst group (every group holding
        someone who chose its area), a few rounds while the worst group changes; each part is
        topped up with the weakest groups it could trade with (up to _AREA_SEARCH_PEOPLE)."""
        if not self.area_mode or len(self.P.ids) > _WHOLE_POOL_PEOPLE:
            return unplaced
        P = self.P
        tried: set[frozenset[int]] = set()  # around the worst group
        waiting: set[frozenset[int]] = set()  # around someone unplaced

        def around(live: list[_Group], areas: set[int], first: list[_Group]) -> frozenset[int]:
            near = list(first)
            near += [
                g
                for g in live
                if g not in near and any(a in P.rank_score[m] for m in g.members for a in areas)
            ]
            areas = areas | {g.area for g in near}
            size = sum(len(g.members) for g in near)
            for g in sorted(live, key=lambda g: (g.score, g.gid)):
                if g in near or size + len(g.members) > _AREA_SEARCH_PEOPLE:
                    continue
                if any(a in P.rank_score[m] for m in g.members for a in areas):
                    near.append(g)
                    size += len(g.members)
            return frozenset(g.gid for g in near)

        for p in sorted(unplaced)[:_AREA_SEARCH_ROUNDS]:
            live = [g for g in self.live_groups() if not g.pinned and not g.closed]
            if not live or self.timed_out() or self.where[p] >= 0 or not P.mask[p]:
                continue
            subset = around(live, set(self.areas_of(p)), [])
            if subset and subset not in waiting and len(subset) < len(live):
                waiting.add(subset)
                unplaced = self.whole_pool_search(
                    unplaced, set(subset), list_from=0.0, limit=_AREA_SEARCH_COLUMNS
                )
        for _round in range(_AREA_SEARCH_ROUNDS):
            live = [g for g in self.live_groups() if not g.pinned and not g.closed]
            if not live or self.timed_out():
                break
            worst = min(live, key=lambda g: (g.score, g.gid))
            subset = around(live, {worst.area}, [worst])
            if subset in tried or len(subset) == len(live):
                break
            tried.add(subset)
            unplaced = self.whole_pool_search(unplaced, set(subset))
        return unplaced

    def packer(self, m: int, cols: list[tuple[int, float, int]]):
        """A search for disjoint groups from ``cols`` (bit masks over m people, best score
        first), and each person's columns as a bit set.

        ``pack(usable, target, rng, nodes)`` returns groups from the first ``usable`` columns
        that place at least ``target`` people, or None if none is found within ``nodes``. It is
        exact cover with room to leave ``m - target`` people out (Knuth's algorithm X on bit
        sets): each node decides the person with the fewest groups still open (someone with none
        is left out, or the branch fails), trying their groups best score first, or in an order
        shuffled by ``rng`` (run times of such searches are heavy-tailed, so a few short
        differently ordered searches beat one long one).
        """
        width = (len(cols) + 8) // 8
        maps = [bytearray(width) for _ in range(m)]
        members = []
        for j, (bits, _sc, _area) in enumerate(cols):
            mem = _bits(bits)
            members.append(mem)
            byte, bit = j >> 3, 1 << (j & 7)
            for i in mem:
                maps[i][byte] |= bit
        has = [int.from_bytes(bm, "little") for bm in maps]
        del maps

        def pack(usable: int, target: int, rng: random.Random | None, nodes: int):
            # A node costs time in proportion to the columns in play: past _PACK_COLUMNS the
            # budget shrinks, so a search over a very large list stays within a few seconds.
            scale = min(1.0, _PACK_COLUMNS / max(1, usable))
            limit = max(1, int(self.effort * nodes * scale))
            spare = m - target  # people who may be left out
            state = {"nodes": 0}
            chosen: list[tuple[int, float, int]] = []

            def search(alive: int, open_people: int, left: int) -> bool:
                state["nodes"] += 1
                if state["nodes"] > limit:
                    return False
                pick, pick_options, fewest = -1, 0, -1
                stuck = 0
                for i in _bits(open_people):
                    options = alive & has[i]
                    c = options.bit_count()
                    if c == 0:
                        stuck |= 1 << i
                    elif fewest < 0 or c < fewest:
                        pick, pick_options, fewest = i, options, c
                if stuck:
                    left += stuck.bit_count()
                    if left > spare:
                        return False
                    open_people &= ~stuck
                if not open_people:
                    return True
                tries = []
                options = pick_options
                while options:
                    low = options & -options
                    options ^= low
                    tries.append(low.bit_length() - 1)
                if rng is not None:
                    rng.shuffle(tries)
                for j in tries:
                    kill = 0
                    for i in members[j]:
                        kill |= has[i]
                    chosen.append(cols[j])
                    if search(alive & ~kill, open_people & ~cols[j][0], left):
                        return True
                    chosen.pop()
                    if state["nodes"] > limit:
                        return False
                return left < spare and search(
                    alive & ~has[pick], open_people & ~(1 << pick), left + 1
                )

            found = search((1 << usable) - 1, (1 << m) - 1, 0)
            self.evals += state["nodes"]
            return chosen if found else None

        return pack, has

    def exact_search(self, unplaced: list[int], budget: int) -> list[int]:
        """Exact repacking of neighbourhoods of a few groups: each person still unplaced with
        groups they could join, then the worst groups with partners they can trade with; each
        neighbourhood is re-split the best possible way (``repack``), and nothing gets worse."""
        stop_at = self.evals + budget
        out = set(unplaced)
        rng = self.rng
        # People in one neighbourhood: without areas to split them, far more groups are valid.
        cap = 3 * self.hi + 2 if self.area_mode else 2 * self.hi + 2
        nodes = 6000

        def spent() -> bool:
            return self.evals >= stop_at or self.timed_out()

        def waiting_for(groups: list[_Group], room: int) -> list[int]:
            areas = {g.area for g in groups}
            mask = 0
            for g in groups:
                mask |= g.mask
            return [
                p
                for p in sorted(out)
                if self.P.mask[p] & mask and any(a in areas for a in self.areas_of(p))
            ][: max(0, room)]

        def grow_around(first: list[_Group], pool: list[_Group], size: int) -> list[_Group]:
            chosen = list(first)
            people = sum(len(g.members) for g in chosen)
            for h in pool:
                if h in chosen or h.pinned or h.closed:
                    continue
                if people + len(h.members) > size:
                    continue
                chosen.append(h)
                people += len(h.members)
            return chosen

        tried: set[tuple] = set()

        def attempt(groups: list[_Group], must: Sequence[int] = ()) -> bool:
            if not groups or any(self.groups[g.gid] is not g for g in groups):
                return False
            people = sum(len(g.members) for g in groups)
            extra = list(must) + [p for p in waiting_for(groups, cap - people) if p not in must]
            extra = extra[: max(len(must), cap - people)]
            # The same neighbourhood in the same state gives the same answer: don't search twice.
            key = (len(out), min_score(), tuple(sorted(g.gid for g in groups)), tuple(extra))
            if key in tried:
                return False
            tried.add(key)
            return self.repack(groups, extra, out, nodes)

        def min_score() -> float:
            return round(min((g.score for g in self.groups if g is not None), default=0.0), 9)

        for _round in range(6):
            improved = False
            idx = self.index()
            for u in sorted(out):
                if spent():
                    return sorted(out)
                if u not in out or not self.could_join(u):
                    continue
                near = [h for h in self.candidate_groups(u, idx) if not h.pinned and not h.closed]
                near += [h for h in self.groups_near(u, idx, rng, k=6) if h not in near]
                for size in (2 * self.hi, cap, cap):
                    if spent() or u not in out:
                        break
                    pool = list(near)
                    rng.shuffle(pool)
                    if attempt(grow_around([], pool, size - 1), [u]):
                        improved = True
                        idx = self.index()
            order = sorted(
                (g for g in self.groups if g is not None and not g.closed and not g.pinned),
                key=lambda g: (g.score, g.gid),
            )
            for g in order[: max(3, len(order) // 10)]:
                if spent():
                    return sorted(out)
                if self.groups[g.gid] is not g:
                    continue
                useful = self.useful_partners(g)
                if any(self.improve_pair(g, h) for h in useful) or self.spread_out(g, idx):
                    improved = True
                    idx = self.index()
                    continue
                partners = useful + [h for h in self.all_partners(g, idx) if h not in useful]
                partners = [h for h in partners if not h.pinned]
                tries = [[g, h] for h in partners[:6]]
                for _ in range(4):
                    pool = list(partners)
                    rng.shuffle(pool)
                    tries.append(grow_around([g], pool, cap))
                for groups in tries:
                    if spent():
                        return sorted(out)
                    if attempt(groups):
                        improved = True
                        idx = self.index()
                        break
            if self.area_mode and not spent():
                improved |= self.area_pairs(attempt, grow_around, cap, rng, spent)
            if not improved:
                break
        return sorted(out)

    def area_pairs(self, attempt, grow_around, cap, rng, spent) -> bool:
        """Neighbourhoods of two career areas that someone chose both of: their groups together,
        so the number of groups in each area can change."""
        by_area: dict[int, list[_Group]] = {}
        for g in self.groups:
            if g is not None and not g.closed and not g.pinned:
                by_area.setdefault(g.area, []).append(g)
        pairs = set()
        for p in range(len(self.P.ids)):
            codes = [a for a in self.P.interests[p] if a in by_area]
            for i, a in enumerate(codes):
                for b in codes[i + 1 :]:
                    pairs.add((min(a, b), max(a, b)))
        improved = False
        # Each area with the groups holding most of the people who chose it.
        for a in range(len(self.P.areas)):
            if spent():
                return improved
            holders: dict[int, int] = {}
            for p in range(len(self.P.ids)):
                gid = self.where[p]
                if gid >= 0 and a in self.P.rank_score[p]:
                    holders[gid] = holders.get(gid, 0) + 1
            groups = [
                self.groups[gid]
                for gid in sorted(holders, key=lambda gid: (-holders[gid], rng.random()))
            ]
            if attempt(grow_around([], groups, cap)):
                improved = True
        for a, b in sorted(pairs):
            if spent():
                break
            groups = by_area.get(a, []) + by_area.get(b, [])
            groups = [g for g in groups if self.groups[g.gid] is g]
            if not groups:
                continue
            rng.shuffle(groups)
            if attempt(grow_around([], groups, cap)):
                improved = True
        return improved

    # -- result ---------------------------------------------------------------------------

    def result(self, started: float, restarts: int) -> FormationResult:
        P = self.P
        groups = []
        stage_mixed = 0
        disc_scores = []
        stage_scores = []
        scores = []
        first_choice = placed_with_area = 0
        repeat_pairs = 0
        live = sorted(self.live_groups(), key=lambda g: (not g.pinned, g.gid))
        for g in live:
            div, stg, rep, inter = P.criteria(
                len(g.members), g.ndist, g.nphd, g.npost, g.isum, g.nrep, g.area >= 0
            )
            card = ScoreCard(div, stg, rep, inter, g.score)
            members = sorted(g.members)
            trainees = [P.trainees[m] for m in members]
            area = None if g.area < 0 else P.areas[g.area]
            problems: tuple[str, ...] = ()
            if g.pinned:
                problems = tuple(
                    check_group(trainees, area, mode=P.mode, min_size=self.lo, max_size=self.hi)
                )
            groups.append(
                ProposedGroup(
                    area=area,
                    member_ids=tuple(P.ids[m] for m in members),
                    shared_slots=tuple(P.slot_names[s] for s in _bits(g.mask)),
                    score=card,
                    locked=bool(g.pinned),
                    key=g.key,
                    problems=problems,
                )
            )
            scores.append(g.score)
            disc_scores.append(div)
            stage_scores.append(stg)
            stage_mixed += g.nphd > 0 and g.npost > 0
            if g.area >= 0:
                for m in g.members:
                    placed_with_area += 1
                    first_choice += bool(P.interests[m]) and P.interests[m][0] == g.area
            if P.has_prev:
                repeat_pairs += sum(
                    1 for m in g.members for y in P.prev[m] if y > m and self.where[y] == g.gid
                )
        unplaced = tuple(Unplaced(P.ids[p], self.reason(p)) for p in self.leftovers)
        n = len(P.ids)
        placed = n - len(unplaced)
        n_groups = len(groups)
        summary = Summary(
            trainees=n,
            placed=placed,
            unplaced=len(unplaced),
            groups=n_groups,
            placed_share=placed / n if n else 1.0,
            worst_score=min(scores) if scores else 0.0,
            mean_score=sum(scores) / n_groups if n_groups else 0.0,
            stage_mix_share=stage_mixed / n_groups if n_groups else 0.0,
            mean_stage=sum(stage_scores) / n_groups if n_groups else 0.0,
            mean_discipline=sum(disc_scores) / n_groups if n_groups else 0.0,
            min_discipline=min(disc_scores) if disc_scores else 0.0,
            first_choice_share=(
                first_choice / placed_with_area if self.area_mode and placed_with_area else None
            ),
            repeat_pairs=repeat_pairs,
            seconds=time.perf_counter() - started,
            evaluations=self.evals,
            restarts=restarts,
        )
        return FormationResult(
            mode=P.mode,
            min_size=self.lo,
            max_size=self.hi,
            groups=tuple(groups),
            unplaced=unplaced,
            summary=summary,
        )

    def area_head_count(self, areas: list[int]) -> int:
        """People available to these areas: in one of their groups, or left out and willing."""
        key = tuple(areas)
        if key not in self._head_counts:
            wanted = set(areas)
            self._head_counts[key] = sum(
                1
                for q, gid in enumerate(self.where)
                if (gid >= 0 and self.groups[gid].area in wanted)
                or (gid < 0 and any(a in wanted for a in self.areas_of(q)))
            )
        return self._head_counts[key]

    def sharing_count(self, p: int, areas: list[int]) -> int:
        """Others who chose one of these areas, share a time with p and are not p's lab-mates."""
        P = self.P
        by_area_slot = self.people_by_area_slot()
        others: set[int] = set()
        for a in areas:
            for s in _bits(P.mask[p]):
                others.update(by_area_slot.get((a, s), ()))
        others.discard(p)
        lab = P.lab[p]
        return sum(1 for q in others if lab < 0 or P.lab[q] != lab)

    def reason(self, p: int) -> str:
        """Why p is left out, in words staff can act on."""
        P, lo, hi = self.P, self.lo, self.hi
        if self.area_mode and not P.interests[p]:
            return "no career interests given"
        if not P.mask[p]:
            return "no availability given"
        if self.area_mode:
            interests = P.interests[p]
            if all(P.area_total[a] < lo for a in interests):
                first, *rest = interests
                text = f"only {_people(P.area_total[first])} chose {P.label(first)}"
                others = [f"{P.area_total[a]} {P.label(a)}" for a in rest]
                if len(others) > 1:
                    text += ", " + ", ".join(others[:-1])
                if others:
                    text += " and " + others[-1]
                return text + f" (groups need at least {lo})"
            areas = [a for a in interests if P.area_total[a] >= lo]
            where_ = " in " + " or ".join(P.label(a) for a in areas)
        else:
            areas = [_NO_AREA]
            where_ = ""
        considered = [g for g in self.live_groups() if g.area in areas]
        no_time = lab = dnp = full = closed = 0
        for g in considered:
            if not P.mask[p] & g.mask:
                no_time += 1
            elif g.closed:
                closed += 1
            elif P.lab[p] >= 0 and g.labcnt.get(P.lab[p], 0):
                lab += 1
            elif any(self.where[x] == g.gid for x in P.dnp[p]):
                dnp += 1
            else:
                full += 1
        n_area = self.area_head_count(areas)
        split = f"{_people(n_area)}{where_} cannot be split into groups of {lo}–{hi}"
        if not considered:
            if n_area < lo:
                return (
                    f"only {_people(n_area)} left{where_} once others were placed in their "
                    f"other choices (groups need at least {lo})"
                )
            if not size_feasible(n_area, lo, hi):
                return split
            return (
                f"no group could be formed{where_}: the {n_area} people available don't share "
                f"a time in groups of at least {lo} without lab-mate or do-not-pair conflicts"
            )
        if no_time == len(considered):
            sharing = self.sharing_count(p, areas)
            return (
                f"no shared time with any group{where_} (only {_people(sharing)} who could be "
                "grouped with them share one of their times)"
            )
        if full and not (lab or dnp or closed) and not size_feasible(n_area, lo, hi):
            return split
        if lab and not (dnp or full or closed):
            return f"lab-mate conflicts: every group{where_} that shares a time has a lab-mate"
        if dnp and not (lab or full or closed):
            return (
                f"do-not-pair conflicts: every group{where_} that shares a time includes "
                "someone they should not be grouped with"
            )
        if full and not (lab or dnp or closed):
            return (
                f"every group{where_} that shares a time is full ({hi} members) and too few "
                "others share their times to start a new one"
            )
        parts = []
        if full:
            parts.append(f"{full} full")
        if lab:
            parts.append(f"{lab} with a lab-mate")
        if dnp:
            parts.append(f"{dnp} with a do-not-pair conflict")
        if closed:
            parts.append(f"{closed} locked")
        return f"no group{where_} fits: of the groups that share a time, " + ", ".join(parts)


__all__ = [
    "AREA",
    "MIXED",
    "MODES",
    "PHD_STUDENT",
    "POSTDOC",
    "OTHER",
    "STAGES",
    "DEFAULT_MIN_SIZE",
    "DEFAULT_MAX_SIZE",
    "FormationError",
    "Trainee",
    "Weights",
    "LockedGroup",
    "ScoreCard",
    "ProposedGroup",
    "Unplaced",
    "Summary",
    "FormationResult",
    "form_groups",
    "size_feasible",
    "check_group",
]
