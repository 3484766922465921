"""Finding a free slot for an intervention in an administrator's working calendar.

Pure Python, no Django: the caller passes the weekly windows, the time zone, a predicate for
closed dates (public holidays, closures) and the administrator's busy intervals. Every datetime
in and out is aware; arithmetic happens on local wall-clock times inside one day's window and is
converted back to UTC, so a DST change never shortens or lengthens a slot.

An intervention never spans two windows: it must fit whole inside one opening window of one day
(an administrator does not stop a PHP recompilation at 18:00 and resume it the next morning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Interval", "Windows", "earliest_free_start", "fits", "open_windows", "parse_windows"]

Interval = tuple[datetime, datetime]
#: Weekday (0 Monday … 6 Sunday) → list of (opens, closes) local times; ``closes`` of
#: ``time(0)`` means midnight at the end of the day.
Windows = Mapping[int, Sequence[tuple[time, time]]]

MAX_DAYS = 366


def _parse_time(text: str) -> time:
    if text == "24:00":
        return time(0)
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def parse_windows(raw: Mapping[str, Sequence[Sequence[str]]]) -> dict[int, list[tuple[time, time]]]:
    """``{"0": [["09:00", "18:00"]]}`` (as stored on a business calendar) → :data:`Windows`."""
    result: dict[int, list[tuple[time, time]]] = {}
    for day, pairs in raw.items():
        result[int(day)] = [(_parse_time(a), _parse_time(b)) for a, b in pairs]
    return result


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def open_windows(
    start: datetime,
    *,
    windows: Windows,
    zone: ZoneInfo,
    is_closed: Callable[[date], bool],
    days: int = MAX_DAYS,
) -> Iterator[Interval]:
    """The opening windows, in UTC, from the local day of ``start`` for ``days`` days,
    clipped so none begins before ``start``."""
    _require_aware(start, "start")
    local_day = start.astimezone(zone).date()
    for offset in range(days):
        day = local_day + timedelta(days=offset)
        if is_closed(day):
            continue
        for opens, closes in windows.get(day.weekday(), ()):
            begin = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            end_day = day + timedelta(days=1) if closes == time(0) else day
            end = datetime.combine(end_day, closes, tzinfo=zone).astimezone(UTC)
            if end <= start or end <= begin:
                continue
            yield max(begin, start.astimezone(UTC)), end


def _round_up(value: datetime, step: timedelta) -> datetime:
    if step <= timedelta(0):
        return value
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    remainder = (value - epoch) % step
    return value if not remainder else value + (step - remainder)


def earliest_free_start(
    *,
    after: datetime,
    duration: timedelta,
    windows: Windows,
    zone: ZoneInfo,
    is_closed: Callable[[date], bool],
    busy: Sequence[Interval],
    step: timedelta = timedelta(minutes=15),
    days: int = MAX_DAYS,
) -> datetime | None:
    """The first start at or after ``after`` (rounded up to ``step``) where ``duration`` fits
    inside one opening window without overlapping ``busy``; ``None`` if there is none within
    ``days`` days."""
    _require_aware(after, "after")
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    ordered = sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in busy)
    for begin, end in open_windows(after, windows=windows, zone=zone, is_closed=is_closed, days=days):
        candidate = _round_up(begin, step)
        while candidate + duration <= end:
            clash = next((b for b in ordered if b[0] < candidate + duration and candidate < b[1]), None)
            if clash is None:
                return candidate
            candidate = _round_up(clash[1], step)
    return None


def fits(
    start: datetime,
    *,
    duration: timedelta,
    windows: Windows,
    zone: ZoneInfo,
    is_closed: Callable[[date], bool],
    busy: Sequence[Interval] = (),
) -> bool:
    """Whether ``[start, start + duration)`` lies inside one opening window and clear of ``busy``."""
    _require_aware(start, "start")
    end = start + duration
    for begin, close in open_windows(start, windows=windows, zone=zone, is_closed=is_closed, days=1):
        if begin <= start and end <= close:
            return not any(a < end and start < b for a, b in busy)
    return False
