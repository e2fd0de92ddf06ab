"""Turning a local wall-clock time into an aware datetime without guessing.

On daylight-saving days some local times happen twice (ambiguous) and some never happen
(nonexistent). Scheduling must not silently pick one: callers get a clear error instead.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class LocalTimeError(ValueError):
    pass


def aware_local(naive: datetime, tz: ZoneInfo) -> datetime:
    """`naive` as a time in `tz`; LocalTimeError if it is skipped or repeated there."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the clocks went back (the time happens twice) or forward (it never happens).
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if round_trip != naive:
            raise LocalTimeError(
                f"{naive:%H:%M} does not exist on {naive:%d %b %Y} in {tz.key}: the clocks "
                "skip that hour. Choose another time."
            )
        raise LocalTimeError(
            f"{naive:%H:%M} happens twice on {naive:%d %b %Y} in {tz.key} (the clocks go "
            "back). Choose another time."
        )
    return first
