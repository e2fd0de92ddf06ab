"""The mechanism every reminder sweep shares; the sweeps themselves live in the apps that own
their data (meetings/sweeps.py, goals/sweeps.py), because this app knows nothing of meetings.

A sweep is a *plan*: a function of `now` that returns the notifications due now, unsaved. Running
it (`services.sweep_run`) drops the ones that exist already and bulk-inserts the rest, skipping any
duplicate key a concurrent run got in first, then asks the sender to email them after commit.
`manage.py run_sweeps --dry-run` prints a plan without saving it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.models import Notification

# Prompts are due at this local time on their day (reminders for a meeting follow the meeting).
PROMPT_TIME = time(9, 0)
KEY_CHUNK = 500


@dataclass(frozen=True)
class Sweep:
    name: str
    description: str
    plan: Callable[..., list[Notification]]  # plan(*, now) -> unsaved notifications


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` where the person lives, as an aware datetime.

    On a daylight-saving day a local time can be skipped or repeated: fold=0 gives the first
    occurrence of a repeated time, and a skipped time lands just after the jump (02:30 on a
    spring-forward night is 03:30). 09:00 exists everywhere on every day in practice.
    """
    return datetime.combine(day, at, tzinfo=tz)


def due_on_local_day(*, day: date, tz: ZoneInfo, now: datetime, at: time = PROMPT_TIME) -> bool:
    """True from `at` local time on `day` until that local day ends.

    The first sweep on or after 09:00 on the due day creates the prompt; its dedupe key keeps it
    to one. A prompt the sweeps could not create all day (an outage) is not sent a day late.
    """
    start = local_moment(day, at, tz)
    end = local_moment(day + timedelta(days=1), time.min, tz)
    return start <= now < end


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def local_text(moment: datetime, tz: ZoneInfo) -> str:
    """A time as people read it in messages: "Thu 14 Jan 2027, 17:30 (America/New_York)"."""
    return f"{moment.astimezone(tz):%a %d %b %Y, %H:%M} ({tz.key})"


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_keys(keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(sorted(set(keys)), KEY_CHUNK):
        found.update(
            Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
    return found


def without_existing(rows: list[Notification]) -> list[Notification]:
    """The planned rows not created yet (one of each key)."""
    done = existing_keys(row.dedupe_key for row in rows)
    fresh: dict[str, Notification] = {}
    for row in rows:
        if row.dedupe_key not in done:
            fresh.setdefault(row.dedupe_key, row)
    return list(fresh.values())


def sweep_plan(sweep: Sweep, *, now: datetime) -> list[Notification]:
    """What the sweep would create now: its plan less the notifications that exist."""
    return without_existing(sweep.plan(now=now))
