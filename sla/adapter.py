"""From a ``BusinessCalendar`` row to the pure ``sla.calendar.Calendar``, cached per process.

Building a ``Calendar`` validates it and prepares its holidays; doing that for every due-time
computation would cost more than the arithmetic. The cache is keyed by the row's id and its
``updated_at``, so an edited calendar is rebuilt the next time any process reads the row.
"""

from __future__ import annotations

import threading
from datetime import date

from sla.calendar import Calendar
from sla.models import BusinessCalendar

_cache: dict[int, tuple[object, Calendar]] = {}
_lock = threading.Lock()


def build(row: BusinessCalendar) -> Calendar:
    """The arithmetic calendar for a row, without the cache (also used to validate an edit)."""
    closures = frozenset(date.fromisoformat(day) for day in (row.closures or []))
    if row.always_open:
        return Calendar.always_open(row.time_zone, closures=closures)
    windows = {int(day): [f"{start}-{end}" for start, end in pairs] for day, pairs in (row.windows or {}).items()}
    return Calendar.weekly(
        row.time_zone,
        windows,
        country=row.country or None,
        subdiv=row.subdivision or None,
        closures=closures,
    )


def calendar_for(row: BusinessCalendar) -> Calendar:
    """The cached arithmetic calendar of a saved row."""
    cached = _cache.get(row.pk)
    if cached is not None and cached[0] == row.updated_at:
        return cached[1]
    calendar = build(row)
    with _lock:
        _cache[row.pk] = (row.updated_at, calendar)
    return calendar


def clear() -> None:
    with _lock:
        _cache.clear()
