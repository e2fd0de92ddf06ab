"""Survey figures from plain values: distributions and paired pre/post change.

Pure Python (no Django), so the arithmetic can be checked on hand-made examples. Privacy rule: a
figure computed from fewer than MIN_CELL respondents is suppressed (returned without values), in
the overall view and in every breakdown, so nobody's answer can be read off a small cell.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from statistics import mean, median

MIN_CELL = 5
NUMBER_BINS = [(0, 0, "0"), (1, 2, "1–2"), (3, 5, "3–5"), (6, 10, "6–10"), (11, 20, "11–20")]


@dataclass(frozen=True)
class PairedChange:
    """Change from a first to a second answer of the same people on one item."""

    n: int
    mean_pre: float | None = None
    mean_post: float | None = None
    mean_change: float | None = None
    share_improved: float | None = None

    @property
    def is_suppressed(self) -> bool:
        return self.n < MIN_CELL


def paired_change(pairs: Sequence[tuple[float, float]]) -> PairedChange:
    """Mean before, mean after, mean change and the share who improved; suppressed below
    MIN_CELL pairs."""
    n = len(pairs)
    if n < MIN_CELL:
        return PairedChange(n=n)
    return PairedChange(
        n=n,
        mean_pre=mean(pre for pre, _post in pairs),
        mean_post=mean(post for _pre, post in pairs),
        mean_change=mean(post - pre for pre, post in pairs),
        share_improved=sum(1 for pre, post in pairs if post > pre) / n,
    )


def pair_up(
    pre: dict[Hashable, float], post: dict[Hashable, float]
) -> dict[Hashable, tuple[float, float]]:
    """(before, after) for each person who answered both."""
    return {person: (pre[person], post[person]) for person in pre.keys() & post.keys()}


def breakdown(
    pairs: dict[Hashable, tuple[float, float]], label_of: Callable[[Hashable], str]
) -> list[tuple[str, PairedChange]]:
    """Paired change per label (career area, stage...), each cell suppressed on its own."""
    cells: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for person, pair in pairs.items():
        cells[label_of(person)].append(pair)
    return [(label, paired_change(cells[label])) for label in sorted(cells)]


@dataclass(frozen=True)
class Distribution:
    """How many respondents gave each answer to one question."""

    n: int
    rows: list[tuple[str, int]]
    mean: float | None = None
    median: float | None = None

    @property
    def is_suppressed(self) -> bool:
        return self.n < MIN_CELL


def distribution(options: Sequence[tuple[object, str]], values: Iterable[object]) -> Distribution:
    """Counts per option, in the options' order. `values` holds one value per respondent, or a
    list of values for a multiple-choice answer."""
    counts: Counter = Counter()
    n = 0
    numbers: list[float] = []
    for value in values:
        n += 1
        if isinstance(value, list | tuple):
            counts.update(set(value))
        else:
            counts[value] += 1
            if isinstance(value, int | float):
                numbers.append(value)
    if n < MIN_CELL:
        return Distribution(n=n, rows=[])
    return Distribution(
        n=n,
        rows=[(label, counts[option]) for option, label in options],
        mean=mean(numbers) if numbers else None,
        median=median(numbers) if numbers else None,
    )


def number_distribution(values: Sequence[int]) -> Distribution:
    """Counts of numeric answers in bins (0, 1–2, 3–5, 6–10, 11–20, more than 20)."""
    if len(values) < MIN_CELL:
        return Distribution(n=len(values), rows=[])
    rows = [(label, sum(1 for v in values if low <= v <= high)) for low, high, label in NUMBER_BINS]
    rows.append(("21+", sum(1 for v in values if v > NUMBER_BINS[-1][1])))
    below = sum(1 for v in values if v < 0)
    if below:
        rows.insert(0, ("< 0", below))
    return Distribution(n=len(values), rows=rows, mean=mean(values), median=median(values))
