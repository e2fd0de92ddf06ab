"""Weekly availability as a compact bit mask: one bit per (weekday, part of day) slot.

Slot codes such as ``mon-evening`` are what forms, CSV files and the formation algorithm use;
the database stores the mask so a profile's availability is one integer.
"""

from django.utils.translation import gettext_lazy as _

DAYS = [
    ("mon", _("Mon")),
    ("tue", _("Tue")),
    ("wed", _("Wed")),
    ("thu", _("Thu")),
    ("fri", _("Fri")),
    ("sat", _("Sat")),
    ("sun", _("Sun")),
]
PARTS = [("morning", _("morning")), ("afternoon", _("afternoon")), ("evening", _("evening"))]
SLOTS = [f"{day}-{part}" for day, _label in DAYS for part, _plabel in PARTS]
SLOT_LABELS = {
    f"{day}-{part}": f"{day_label} {part_label}"
    for day, day_label in DAYS
    for part, part_label in PARTS
}
_BIT = {slot: 1 << i for i, slot in enumerate(SLOTS)}


def mask_from_slots(slots: "list[str] | set[str]") -> int:
    """Unknown slot codes raise KeyError: callers validate first."""
    mask = 0
    for slot in slots:
        mask |= _BIT[slot]
    return mask


def slots_from_mask(mask: int) -> list[str]:
    return [slot for slot in SLOTS if mask & _BIT[slot]]
