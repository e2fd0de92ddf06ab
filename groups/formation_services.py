"""Group formation as the office runs it: pool, preview, adjust, publish (DESIGN.md §4).

The algorithm lives in groups/formation.py (pure Python); this module is its edge to the
database. A preview is stored as a draft `FormationRun` holding a snapshot of the pool, so every
later step (moving a person, locking a group, re-running the rest, publishing, reviewing months
later) works on exactly the people and profiles staff saw. Publishing writes groups, memberships
and notifications in one transaction and happens once per run.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.availability import SLOT_LABELS, slots_from_mask
from accounts.models import CareerArea, CareerInterest, Discipline, Stage, TraineeProfile, User
from groups import formation
from groups import services as group_services
from groups.models import (
    SEATED_ROLES,
    Cohort,
    DoNotPair,
    FormationRun,
    FormationRunStatus,
    GroupStatus,
    Membership,
    MembershipRole,
    PeerGroup,
)
from notifications import services as notification_services
from notifications.models import NotificationKind

UNPLACED = "unplaced"  # the move target for "take them out of the groups"
# A safety net for the admin request (the web server gives up on a request after 30 s). The
# algorithm's own budgets usually end sooner, but not always on a slow machine: pools of 45-72
# took 9-30 s on a shared 2-core machine, 2,000 people 6 s. When the limit cuts a run short, the
# result is still valid but depends on the machine's speed as well as the seed.
FORMATION_TIME_LIMIT = 20.0


class FormationRunError(Exception):
    """A formation step is not possible; the message is safe to show staff."""


# The pool -------------------------------------------------------------------------------------


def _placed_in(cohort: Cohort) -> QuerySet:
    # Members, peer leaders and people waiting for a seat count as placed; a trainee who only
    # facilitates a group of the cohort may still be placed as a member.
    return (
        Membership.objects.current()
        .filter(group__cohort=cohort, role__in=SEATED_ROLES)
        .values("user_id")
    )


def formation_candidates(
    *, cohort: Cohort, career_areas: Iterable[CareerArea] = ()
) -> QuerySet[TraineeProfile]:
    """Profiles that may be placed: complete (stage, a career interest, some availability),
    active, and not yet a member of (or waiting for) a group of the cohort; with `career_areas`,
    only people who chose one of them."""
    interests = CareerInterest.objects.filter(profile=OuterRef("pk"))
    area_ids = [area.pk for area in career_areas]
    if area_ids:
        interests = interests.filter(career_area_id__in=area_ids)
    return (
        TraineeProfile.objects.filter(user__is_active=True, availability__gt=0)
        .exclude(stage="")
        .filter(Exists(interests))
        .exclude(user_id__in=_placed_in(cohort))
    )


def formation_pool(
    *, cohort: Cohort, career_areas: Iterable[CareerArea] = ()
) -> list[formation.Trainee]:
    """The algorithm's input for a cohort, in four queries whatever the pool's size."""
    career_areas = list(career_areas)
    area_ids = {area.pk for area in career_areas}
    candidates = formation_candidates(cohort=cohort, career_areas=career_areas)
    user_ids = candidates.values("user_id")
    profiles = list(
        candidates.order_by("user_id").values_list(
            "user_id", "stage", "discipline_id", "lab_or_pi", "availability"
        )
    )
    interests: dict[int, list[int]] = defaultdict(list)
    for user_id, area_id in (
        CareerInterest.objects.filter(profile__user_id__in=user_ids)
        .order_by("profile__user_id", "rank")
        .values_list("profile__user_id", "career_area_id")
    ):
        # With a pool limited to some areas the others are left out, so nobody is grouped in an
        # area staff did not ask for (the remaining choices keep their order).
        if not area_ids or area_id in area_ids:
            interests[user_id].append(area_id)
    # Previous group-mates: people of the pool who sat in the same group in an earlier cohort
    # (joined_at is set once someone held a seat; waiting without ever joining doesn't count).
    earlier_groups: dict[int, set[int]] = defaultdict(set)
    for group_id, user_id in Membership.objects.filter(
        user_id__in=user_ids,
        role__in=SEATED_ROLES,
        joined_at__isnull=False,
        group__cohort__start_date__lt=cohort.start_date,
    ).values_list("group_id", "user_id"):
        earlier_groups[group_id].add(user_id)
    mates: dict[int, set[int]] = defaultdict(set)
    for members in earlier_groups.values():
        for user_id in members:
            mates[user_id] |= members - {user_id}
    avoid: dict[int, set[int]] = defaultdict(set)
    for a, b in DoNotPair.objects.filter(
        Q(user_a_id__in=user_ids) | Q(user_b_id__in=user_ids)
    ).values_list("user_a_id", "user_b_id"):
        avoid[a].add(b)
        avoid[b].add(a)
    return [
        formation.Trainee(
            id=user_id,
            stage=stage,
            discipline=discipline_id or "",
            lab=lab,
            interests=tuple(interests[user_id]),
            slots=frozenset(slots_from_mask(mask)),
            do_not_pair=frozenset(avoid[user_id]),
            previous_mates=frozenset(mates[user_id]),
        )
        for user_id, stage, discipline_id, lab, mask in profiles
    ]


def _trainee_json(t: formation.Trainee) -> dict:
    return {
        "id": t.id,
        "stage": t.stage,
        "discipline": t.discipline,
        "lab": t.lab,
        "interests": list(t.interests),
        "slots": sorted(t.slots),
        "do_not_pair": sorted(t.do_not_pair),
        "previous_mates": sorted(t.previous_mates),
    }


def _trainee_from_json(data: dict) -> formation.Trainee:
    return formation.Trainee(
        id=data["id"],
        stage=data["stage"],
        discipline=data["discipline"],
        lab=data["lab"],
        interests=data["interests"],
        slots=data["slots"],
        do_not_pair=data["do_not_pair"],
        previous_mates=data["previous_mates"],
    )


# Running the algorithm ----------------------------------------------------------------------


def run_weights(run: FormationRun) -> formation.Weights:
    return formation.Weights(
        discipline=run.weight_discipline,
        stage=run.weight_stage,
        repeat=run.weight_repeat,
        interest=run.weight_interest,
    )


def _area_labels() -> dict[int, str]:
    return dict(CareerArea.objects.values_list("pk", "name"))


def _form(
    run: FormationRun,
    trainees: list[formation.Trainee],
    *,
    locked: list[formation.LockedGroup],
    effort: float = 1.0,
) -> formation.FormationResult:
    try:
        return formation.form_groups(
            trainees,
            mode=run.mode,
            min_size=run.min_size,
            max_size=run.max_size,
            weights=run_weights(run),
            locked=locked,
            area_labels=_area_labels(),
            seed=run.seed,
            effort=effort,
            time_limit=FORMATION_TIME_LIMIT,
        )
    except formation.FormationError as e:
        raise FormationRunError(
            _("The groups could not be formed: %(error)s") % {"error": e}
        ) from e


def _group_json(group: formation.ProposedGroup, key: str, *, locked: bool) -> dict:
    return {
        "key": key,
        "area": group.area,
        "member_ids": list(group.member_ids),
        "shared_slots": list(group.shared_slots),
        "score": dataclasses.asdict(group.score),
        "locked": locked,
        "problems": list(group.problems),
    }


def _proposal_json(result: formation.FormationResult, *, first_key: int = 1) -> dict:
    """A result as stored: locked groups keep their key, new groups get the next numbers."""
    groups, next_key = [], first_key
    for group in result.groups:
        if group.key is not None:
            groups.append(_group_json(group, group.key, locked=True))
        else:
            groups.append(_group_json(group, str(next_key), locked=False))
            next_key += 1
    return {
        "groups": groups,
        "unplaced": [
            {"trainee_id": u.trainee_id, "reason": u.reason, "by_staff": False}
            for u in result.unplaced
        ],
        "summary": dataclasses.asdict(result.summary),
        "next_key": next_key,
    }


def _pool_of(run: FormationRun) -> list[formation.Trainee]:
    return [_trainee_from_json(data) for data in run.pool]


def _rescore(run: FormationRun, groups: list[dict], unplaced: list[dict]) -> dict:
    """Score cards, shared slots and broken rules for groups as staff left them.

    Every group is passed to the algorithm as a locked group, which it keeps as given and scores
    with the same functions it uses while forming (so scores compare with the preview's). The
    unplaced stay in the pool, so the pool's discipline count (part of the diversity score) is
    unchanged, but without availability, so they can't be put in a group.
    """
    placed = {tid for group in groups for tid in group["member_ids"]}
    trainees = [
        t if t.id in placed else dataclasses.replace(t, slots=frozenset()) for t in _pool_of(run)
    ]
    locked = [
        formation.LockedGroup(member_ids=group["member_ids"], area=group["area"], key=group["key"])
        for group in groups
    ]
    result = _form(run, trainees, locked=locked, effort=0)
    scored = {group.key: group for group in result.groups}
    return {
        **run.proposal,
        "groups": [
            _group_json(scored[group["key"]], group["key"], locked=group["locked"])
            for group in groups
        ],
        "unplaced": unplaced,
        "summary": {
            **dataclasses.asdict(result.summary),
            # The time and effort of the algorithm's last real run, not of this re-scoring.
            "seconds": run.summary.get("seconds", 0.0),
            "evaluations": run.summary.get("evaluations", 0),
        },
    }


# Preview -------------------------------------------------------------------------------------


def formation_run_create(
    *,
    cohort: Cohort,
    mode: str,
    weights: formation.Weights,
    seed: int,
    created_by: User | None,
    career_areas: Iterable[CareerArea] = (),
    min_size: int | None = None,
    max_size: int | None = None,
    now: datetime,
    save: bool = True,
) -> FormationRun:
    """Build the pool, run the algorithm and keep the proposal as a draft run (no groups yet).

    With `save=False` the run is returned unsaved: a dry run that writes nothing.
    """
    career_areas = list(career_areas)
    run = FormationRun(
        cohort=cohort,
        mode=mode,
        min_size=min_size or cohort.min_group_size,
        max_size=max_size or cohort.max_group_size,
        weight_discipline=weights.discipline,
        weight_stage=weights.stage,
        weight_repeat=weights.repeat,
        weight_interest=weights.interest,
        seed=seed,
        created_by=created_by,
    )
    if run.min_size < 2:
        raise FormationRunError(_("Groups need at least 2 people to be formed."))
    trainees = formation_pool(cohort=cohort, career_areas=career_areas)
    if not trainees:
        raise FormationRunError(
            _(
                "Nobody to place: no one with a complete profile (stage, a career interest and "
                "some availability) is waiting for a group in %(cohort)s."
            )
            % {"cohort": cohort.name}
        )
    # Computed before the transaction: a large pool takes seconds and holds no locks meanwhile.
    result = _form(run, trainees, locked=[])
    run.pool = [_trainee_json(t) for t in trainees]
    run.pool_size = len(trainees)
    run.proposal = _proposal_json(result)
    run.history = [{"at": now.isoformat(), "by": _pk(created_by), "action": "create"}]
    if save:
        formation_run_store(run=run, career_areas=career_areas)
    return run


@transaction.atomic
def formation_run_store(
    *, run: FormationRun, career_areas: Iterable[CareerArea] = ()
) -> FormationRun:
    """Keep a run computed with `save=False` (the command checks it before publishing)."""
    run.save()
    run.pool_career_areas.set(career_areas)
    return run


# Adjusting a draft ---------------------------------------------------------------------------


def _pk(user: User | None) -> int | None:
    return user.pk if user is not None else None


def _lock_draft(run: FormationRun) -> FormationRun:
    # Two people adjusting the same draft queue here instead of overwriting each other's change.
    run = FormationRun.objects.select_for_update().select_related("cohort").get(pk=run.pk)
    if not run.is_draft:
        raise FormationRunError(
            _("This run is already published: start a new run to form more groups.")
        )
    return run


def _find(run: FormationRun, key: str) -> dict:
    group = next((g for g in run.groups if g["key"] == key), None)
    if group is None:
        raise FormationRunError(_("That group is no longer in the proposal: reload the page."))
    return group


@transaction.atomic
def formation_run_move(
    *, run: FormationRun, trainee_id: int, to: str, by: User | None, now: datetime
) -> FormationRun:
    """Move one person to another proposed group (by key) or to the unplaced list (UNPLACED).

    The group they join is locked, so a re-run keeps the change. Both groups are re-scored and
    any hard rule the move breaks is listed on the group.
    """
    run = _lock_draft(run)
    groups = [dict(g, member_ids=list(g["member_ids"])) for g in run.groups]
    unplaced = list(run.unplaced)
    source = next((g for g in groups if trainee_id in g["member_ids"]), None)
    waiting = next((u for u in unplaced if u["trainee_id"] == trainee_id), None)
    if source is None and waiting is None:
        raise FormationRunError(_("That person is not in this run."))
    from_key = source["key"] if source is not None else UNPLACED
    if to == from_key:
        raise FormationRunError(_("They are already there."))
    if to != UNPLACED:
        target = next((g for g in groups if g["key"] == to), None)
        if target is None:
            raise FormationRunError(_("That group is no longer in the proposal: reload the page."))
        if len(target["member_ids"]) >= formation_max_seats(run):
            raise FormationRunError(
                _("That group already has %(n)d people, the most a group of %(cohort)s may have.")
                % {"n": len(target["member_ids"]), "cohort": run.cohort.name}
            )
    if source is not None:
        source["member_ids"].remove(trainee_id)
    else:
        unplaced.remove(waiting)
    if to == UNPLACED:
        unplaced.append(
            {"trainee_id": trainee_id, "reason": _("taken out by staff"), "by_staff": True}
        )
    else:
        target["member_ids"] = sorted([*target["member_ids"], trainee_id])
        target["locked"] = True
    groups = [g for g in groups if g["member_ids"]]  # a group emptied by the move is gone
    run.proposal = _rescore(run, groups, unplaced)
    run.history = [
        *run.history,
        {
            "at": now.isoformat(),
            "by": _pk(by),
            "action": "move",
            "trainee_id": trainee_id,
            "from": from_key,
            "to": to,
        },
    ]
    run.save(update_fields=["proposal", "history", "updated_at"])
    return run


def formation_max_seats(run: FormationRun) -> int:
    """The most people a proposed group may hold: a published group can't seat more."""
    return run.cohort.max_group_size


@transaction.atomic
def formation_run_lock(
    *, run: FormationRun, key: str, locked: bool, by: User | None, now: datetime
) -> FormationRun:
    """Lock a proposed group (a re-run keeps it as it is) or unlock it."""
    run = _lock_draft(run)
    _find(run, key)
    run.proposal = {
        **run.proposal,
        "groups": [dict(g, locked=locked) if g["key"] == key else g for g in run.groups],
    }
    run.history = [
        *run.history,
        {
            "at": now.isoformat(),
            "by": _pk(by),
            "action": "lock" if locked else "unlock",
            "key": key,
        },
    ]
    run.save(update_fields=["proposal", "history", "updated_at"])
    return run


@transaction.atomic
def formation_run_rerun(
    *, run: FormationRun, seed: int, by: User | None, now: datetime
) -> FormationRun:
    """Form everyone outside the locked groups again (the unplaced included); locked groups stay
    exactly as they are."""
    run = _lock_draft(run)
    locked = [g for g in run.groups if g["locked"]]
    run.seed = seed
    result = _form(
        run,
        _pool_of(run),
        locked=[
            formation.LockedGroup(member_ids=g["member_ids"], area=g["area"], key=g["key"])
            for g in locked
        ],
    )
    run.proposal = _proposal_json(result, first_key=run.proposal.get("next_key", 1))
    run.history = [
        *run.history,
        {
            "at": now.isoformat(),
            "by": _pk(by),
            "action": "rerun",
            "seed": seed,
            "kept": [g["key"] for g in locked],
        },
    ]
    run.save(update_fields=["seed", "proposal", "history", "updated_at"])
    return run


# Publishing ---------------------------------------------------------------------------------


def formation_group_names(
    *, run: FormationRun, labels: dict[int, str] | None = None
) -> dict[str, str]:
    """The name each proposed group will get: "<Career area> <n>" (or "Mixed <n>"), the lowest
    n not yet used in the cohort."""
    taken = set(PeerGroup.objects.filter(cohort_id=run.cohort_id).values_list("name", flat=True))
    labels = _area_labels() if labels is None else labels
    names = {}
    counters: dict[str, int] = defaultdict(int)
    for group in run.groups:
        base = _("Mixed") if group["area"] is None else labels.get(group["area"], _("Group"))
        while True:
            counters[base] += 1
            name = f"{base} {counters[base]}"
            if name not in taken:
                break
        taken.add(name)
        names[group["key"]] = name
    return names


def _slot_words(slots: list[str]) -> str:
    return ", ".join(str(SLOT_LABELS.get(slot, slot)) for slot in slots)


def formation_run_publish(*, run: FormationRun, by: User | None, now: datetime) -> FormationRun:
    """Create the proposed groups (active, a seat for each member) and tell each person, all in
    one transaction. Publishing a run again does nothing."""
    with transaction.atomic():
        # Claim the run first: a second publish (a double click, another tab) finds nothing to
        # claim and returns, and a failure below rolls the claim back with everything else.
        claimed = FormationRun.objects.filter(pk=run.pk, status=FormationRunStatus.DRAFT).update(
            status=FormationRunStatus.PUBLISHED, published_at=now, published_by=by, updated_at=now
        )
        run = FormationRun.objects.select_related("cohort").get(pk=run.pk)
        if not claimed:
            return run
        _publish(run, now=now)
        run.save(update_fields=["proposal", "updated_at"])
    return run


def _publish(run: FormationRun, *, now: datetime) -> None:
    cohort = run.cohort
    groups = run.groups
    if not groups:
        raise FormationRunError(_("There are no groups to publish."))
    seats = formation_max_seats(run)
    too_big = [g for g in groups if len(g["member_ids"]) > seats]
    if too_big:
        raise FormationRunError(
            _("%(n)d group(s) have more than %(max)d people: move someone out first.")
            % {"n": len(too_big), "max": seats}
        )
    ids = [tid for g in groups for tid in g["member_ids"]]
    users = User.objects.in_bulk(ids)
    if len(users) != len(ids):
        raise FormationRunError(
            _("%(n)d person(s) in the proposal no longer have an account: start a new run.")
            % {"n": len(set(ids) - set(users))}
        )
    # Someone may have joined a group of the cohort since the preview (or another run was
    # published): placing them again would put them in two groups.
    taken = sorted(
        users[pk].get_full_name()
        for pk in set(_placed_in(cohort).filter(user_id__in=ids).values_list("user_id", flat=True))
    )
    if taken:
        raise FormationRunError(
            _(
                "Already in a group of %(cohort)s since the preview: %(names)s. Move them to the "
                "unplaced list (or start a new run) and publish again."
            )
            % {"cohort": cohort.name, "names": ", ".join(taken)}
        )
    names = formation_group_names(run=run)
    published = []
    for proposed in groups:
        group = PeerGroup.objects.create(
            cohort=cohort,
            name=names[proposed["key"]],
            career_area_id=proposed["area"],
            # Active, not open: the group was balanced on purpose, so trainees don't self-join
            # it; staff can open it from the group list to refill seats later.
            status=GroupStatus.ACTIVE,
            capacity=seats,
        )
        others = len(proposed["member_ids"]) - 1
        for trainee_id in proposed["member_ids"]:
            user = users[trainee_id]
            try:
                membership = group_services.membership_add(
                    group=group, user=user, role=MembershipRole.MEMBER, now=now
                )
            except group_services.MembershipError as e:
                raise FormationRunError(
                    _(
                        "%(person)s could not be placed in %(group)s: %(error)s "
                        "Nothing was published."
                    )
                    % {"person": user.get_full_name(), "group": group.name, "error": e}
                ) from e
            notification_services.notification_create(
                recipient=user,
                kind=NotificationKind.GROUP_PLACED,
                subject=_("You're in a new group: %(group)s") % {"group": group.name},
                body=_(
                    "The career office placed you in %(group)s (%(cohort)s) with %(n)d others. "
                    "Times you can all meet: %(slots)s. Say hello and agree on your first meeting."
                )
                % {
                    "group": group.name,
                    "cohort": cohort.name,
                    "n": others,
                    "slots": _slot_words(proposed["shared_slots"]) or _("none yet"),
                },
                link=group.get_absolute_url(),
                dedupe_key=f"group_placed:{membership.pk}",
            )
        published.append(dict(proposed, group_id=group.pk, name=group.name))
    run.proposal = {**run.proposal, "groups": published}


# Reading a run -------------------------------------------------------------------------------


@dataclasses.dataclass
class PersonRow:
    user: User | None  # None when the account is gone since the run
    trainee_id: int
    stage: str
    discipline: str
    interests: list[str]
    rank: int | None = None  # of the group's area among their interests
    notes: list[str] = dataclasses.field(default_factory=list)
    reason: str = ""
    by_staff: bool = False

    @property
    def label(self) -> str:
        if self.user is None:
            return _("Person #%(id)s (account deleted)") % {"id": self.trainee_id}
        return f"{self.user.get_full_name()} <{self.user.email}>"


@dataclasses.dataclass
class GroupCard:
    key: str
    name: str
    area: str
    members: list[PersonRow]
    shared_slots: list[str]
    criteria: list[tuple[str, float | None]]
    overall: float
    locked: bool
    problems: list[str]
    group_id: int | None
    is_mixed: bool = False


def formation_run_details(*, run: FormationRun) -> dict:
    """What the review page and the command show: score cards with people, the unplaced with
    reasons, and the summary; in a fixed number of queries."""
    pool = {t["id"]: t for t in run.pool}
    in_run = [tid for g in run.groups for tid in g["member_ids"]]
    in_run += [u["trainee_id"] for u in run.unplaced]
    users = User.objects.only("pk", "email", "name").in_bulk(in_run)
    areas = _area_labels()
    disciplines = dict(Discipline.objects.values_list("pk", "name"))
    names = (
        {g["key"]: g.get("name", "") for g in run.groups}
        if not run.is_draft
        else formation_group_names(run=run, labels=areas)
    )

    def person(tid: int, members: Iterable[int] = (), area: int | None = None) -> PersonRow:
        data = pool.get(tid, {})
        row = PersonRow(
            user=users.get(tid),
            trainee_id=tid,
            stage=str(Stage(data["stage"]).label) if data.get("stage") else "—",
            discipline=disciplines.get(data.get("discipline"), "—"),
            interests=[areas.get(a, str(a)) for a in data.get("interests", [])],
        )
        interests = data.get("interests", [])
        if area is not None and area in interests:
            row.rank = interests.index(area) + 1

        def who(ids) -> str:
            return ", ".join(users[i].get_full_name() if i in users else f"#{i}" for i in ids)

        met = [i for i in data.get("previous_mates", []) if i in members]
        if met:
            row.notes.append(_("in an earlier group with %(names)s") % {"names": who(met)})
        avoid = [i for i in data.get("do_not_pair", []) if i in members]
        if avoid:
            row.notes.append(_("do not pair with %(names)s") % {"names": who(avoid)})
        lab = " ".join((data.get("lab") or "").split()).casefold()
        labmates = [
            i
            for i in members
            if i != tid and lab and " ".join((pool[i].get("lab") or "").split()).casefold() == lab
        ]
        if labmates:
            row.notes.append(_("same lab as %(names)s") % {"names": who(labmates)})
        return row

    cards = []
    for group in run.groups:
        members = set(group["member_ids"])
        score = group["score"]
        criteria = [
            (_("Discipline diversity"), score["discipline"]),
            (_("Stage mix"), score["stage"]),
            (_("No repeat group-mates"), score["repeat"]),
        ]
        if group["area"] is not None:
            criteria.append((_("Interest rank"), score["interest"]))
        cards.append(
            GroupCard(
                key=group["key"],
                name=names.get(group["key"], ""),
                area=_("Mixed") if group["area"] is None else areas.get(group["area"], "?"),
                members=[person(tid, members, group["area"]) for tid in group["member_ids"]],
                shared_slots=[str(SLOT_LABELS.get(s, s)) for s in group["shared_slots"]],
                criteria=criteria,
                overall=score["overall"],
                locked=group["locked"],
                problems=group["problems"],
                group_id=group.get("group_id"),
                is_mixed=group["area"] is None,
            )
        )
    unplaced = []
    for entry in run.unplaced:
        row = person(entry["trainee_id"])
        row.reason, row.by_staff = entry["reason"], entry.get("by_staff", False)
        unplaced.append(row)
    return {
        "cards": cards,
        "unplaced": unplaced,
        "summary": run.summary,
        "problem_count": sum(1 for card in cards if card.problems),
    }
