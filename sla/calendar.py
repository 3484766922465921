"""Business-time arithmetic: opening hours, public holidays and closures.

This module is pure Python (no Django). It answers four questions about a
:class:`Calendar`:

* :func:`add_business_time` - when has ``duration`` of open time elapsed after
  ``start``?
* :func:`business_time_between` - how much open time lies in ``[start, end)``?
* :func:`is_open` - is an instant inside an open window?
* :func:`next_open` - the first open instant at or after an instant.

Conventions
-----------
Instants
    Every datetime argument must be timezone-aware; a naive one raises
    :class:`ValueError`. Every datetime result is in UTC.

Windows
    Weekly opening hours are local wall-clock windows, several per weekday
    allowed (for example 09:00-14:00 and 15:00-18:00). A window is half-open,
    ``[start, end)``: the opening instant is open, the closing instant is not.
    ``time(0)`` as a window *end* means 24:00, the midnight that ends the day
    (:data:`END_OF_DAY`). A window never crosses midnight; split a night shift
    into two windows on consecutive days. Overlapping or touching windows on
    the same day are merged.

Closed days
    A local date is closed when it is a public holiday of the calendar's
    country (and subdivision, if any) according to the ``holidays`` package,
    or when it is one of the calendar's manual closure dates. A closed date
    has no open time, whatever its weekday windows say.

Daylight saving time
    Each window is built on its local date with ``zoneinfo`` and converted to
    UTC; all arithmetic is done in UTC, so a day on which the clocks change
    has its true length. A wall-clock time that occurs twice (the fall-back
    hour) is read with ``fold=0``, its first occurrence. A wall-clock time that
    does not exist (the spring-forward gap) is moved to the first valid
    instant after the gap, the instant of the change. So a window starting
    inside the gap opens when the gap ends, and a window whose both ends fall
    in the gap is empty.

Addition
    ``add_business_time(cal, start, d)`` with ``d > 0`` returns the instant at
    which ``d`` of open time has elapsed after ``start``. When that happens
    exactly at a window's end, the window's end is returned (a closed
    instant, unless the next window opens at that same instant). With
    ``d == 0`` it returns :func:`next_open` of ``start``: ``start`` itself when
    it is open, otherwise the next opening instant. Consequently the result
    of an addition is always open, except that a positive addition may finish
    exactly at a window end. The additions compose:
    ``add(add(s, a), b) == add(s, a + b)`` for every ``a >= 0`` and ``b > 0``,
    and ``business_time_between(s, add(s, d)) == d``.

Always-open calendars
    A calendar whose seven weekdays are each open 00:00-24:00, with no holiday
    country and no closure dates (:meth:`Calendar.always_open` without
    closures), takes a fast path: plain UTC arithmetic, no time zone or
    holiday work. An always-open calendar that declares closure dates (or a
    holiday country) goes through the general path and honours them.

Limits
    A calendar without any open window raises :class:`ValueError` when asked
    for a positive addition or for :func:`next_open`. A search that finds no
    open time for :data:`MAX_SEARCH` (about 10 years) raises
    :class:`ValueError` instead of looping. Dates must lie between years 2 and
    9998.

Performance
    Open intervals are computed lazily per block of :data:`_CHUNK_DAYS` UTC
    days and cached per calendar as sorted integer microsecond boundaries
    with running totals, so an addition is a couple of binary searches. The
    ``holidays`` objects are cached per ``(country, subdivision)`` and expand
    one year at a time as dates are asked for.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "END_OF_DAY",
    "MAX_SEARCH",
    "Calendar",
    "Window",
    "add_business_time",
    "business_time_between",
    "is_open",
    "next_open",
]

END_OF_DAY = time(0)
"""As a window end, ``time(0)`` means 24:00 (the midnight that ends the day)."""

MAX_SEARCH = timedelta(days=3653)
"""Longest stretch without open time searched before giving up (10 years)."""

_ZERO = timedelta(0)
_ONE_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_CHUNK_DAYS = 128
_CHUNK_US = _CHUNK_DAYS * _DAY_US
_MAX_SEARCH_US = MAX_SEARCH // _ONE_US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIN_ORDINAL = date(2, 1, 1).toordinal()
_MAX_ORDINAL = date(9998, 12, 31).toordinal()


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _parse_time(text: str) -> time:
    text = text.strip()
    if text in {"24:00", "24:00:00"}:
        return END_OF_DAY
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid wall-clock time {text!r}") from None


@dataclass(frozen=True, order=True)
class Window:
    """A local wall-clock opening window ``[start, end)`` within one day.

    ``end == time(0)`` (:data:`END_OF_DAY`) means 24:00. Otherwise ``start``
    must be earlier than ``end``. Times must be naive; their ``fold`` is
    ignored (ambiguous wall times are always read with ``fold=0``).
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise TypeError(f"Window.{name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"Window.{name} must be a naive wall-clock time")
            if value.fold:
                object.__setattr__(self, name, value.replace(fold=0))
        if self.end_us <= self.start_us:
            raise ValueError(
                f"window {self.start.isoformat()}-{self.end.isoformat()} is empty or "
                "crosses midnight; split it into windows on consecutive days"
            )

    @property
    def start_us(self) -> int:
        """Microseconds from the day's midnight to the opening."""
        return _time_us(self.start)

    @property
    def end_us(self) -> int:
        """Microseconds from the day's midnight to the closing (24:00 = one day)."""
        return _time_us(self.end) or _DAY_US

    @classmethod
    def parse(cls, text: str) -> Window:
        """Parse ``"HH:MM-HH:MM"`` (seconds allowed; ``24:00`` as an end)."""
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"invalid window {text!r}; expected 'HH:MM-HH:MM'")
        return cls(_parse_time(start), _parse_time(end))

    def __str__(self) -> str:
        end = "24:00" if self.end_us == _DAY_US else self.end.isoformat("minutes")
        return f"{self.start.isoformat('minutes')}-{end}"


_FULL_DAY = (Window(time(0), END_OF_DAY),)

WindowLike = Window | tuple[time, time] | str


def _window(value: WindowLike) -> Window:
    if isinstance(value, Window):
        return value
    if isinstance(value, str):
        return Window.parse(value)
    start, end = value
    return Window(start, end)


def _window_key(window: Window) -> tuple[int, int]:
    return (window.start_us, window.end_us)


def _normalise_day(windows: Iterable[WindowLike]) -> tuple[Window, ...]:
    merged: list[Window] = []
    for window in sorted((_window(w) for w in windows), key=_window_key):
        if merged and window.start_us <= merged[-1].end_us:
            last = merged[-1]
            if window.end_us > last.end_us:
                merged[-1] = Window(last.start, window.end)
        else:
            merged.append(window)
    return tuple(merged)


@lru_cache(maxsize=64)
def _holiday_calendar(country: str, subdiv: str | None) -> holidays.HolidayBase:
    """One lazily expanding ``holidays`` object per (country, subdivision)."""
    return holidays.country_holidays(country, subdiv=subdiv)


_HOLIDAY_LOCK = threading.Lock()


@lru_cache(maxsize=1024)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """The public holidays of one year, as a frozenset of dates."""
    calendar = _holiday_calendar(country, subdiv)
    # A HolidayBase expands itself (mutates) on lookup; serialise that. Neighbouring
    # years are expanded too, since observed days may cross a year boundary.
    with _HOLIDAY_LOCK:
        for y in (year - 1, year, year + 1):
            calendar.get(date(y, 1, 1))
        return frozenset(d for d in calendar if d.year == year)


@dataclass(frozen=True)
class Calendar:
    """A business calendar: a time zone, weekly windows, holidays and closures.

    ``windows`` holds seven tuples of :class:`Window`, Monday (0) to Sunday
    (6); they are normalised (sorted, overlapping or touching windows merged).
    ``country`` and ``subdiv`` select public holidays from the ``holidays``
    package (for example ``"ES"`` and ``"MD"``); ``closures`` are extra closed
    local dates. Instances are immutable, hashable and cheap to compare; equal
    calendars share their cached intervals.
    """

    tz: str
    windows: tuple[tuple[Window, ...], ...]
    country: str | None = None
    subdiv: str | None = None
    closures: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)
    _has_open_time: bool = field(init=False, repr=False, compare=False)
    _always_open: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.tz!r}") from None
        windows = tuple(_normalise_day(day) for day in self.windows)
        if len(windows) != 7:
            raise ValueError("windows must hold seven days, Monday first")
        closures = frozenset(self.closures)
        for day in closures:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"closure {day!r} must be a datetime.date")
        if self.subdiv is not None and self.country is None:
            raise ValueError("a holiday subdivision needs a country")
        if self.country is not None:
            try:
                _holiday_calendar(self.country, self.subdiv)
            except NotImplementedError as exc:
                where = f"{self.country!r}/{self.subdiv!r}"
                message = f"no public holidays known for {where}: {exc}"
                raise ValueError(message) from None
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "closures", closures)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_has_open_time", any(windows))
        object.__setattr__(
            self,
            "_always_open",
            self.country is None and not closures and all(day == _FULL_DAY for day in windows),
        )
        object.__setattr__(
            self,
            "_hash",
            hash((self.tz, windows, self.country, self.subdiv, closures)),
        )

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            self.__class__,
            (self.tz, self.windows, self.country, self.subdiv, self.closures),
        )

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._zone

    @property
    def has_open_time(self) -> bool:
        """Whether any weekday has a window (holidays and closures aside)."""
        return self._has_open_time

    @property
    def is_always_open(self) -> bool:
        """Whether the fast 24/7 path applies (no holidays, no closures)."""
        return self._always_open

    @classmethod
    def always_open(cls, tz: str = "UTC", closures: Iterable[date] = ()) -> Calendar:
        """Open 24 hours a day, seven days a week, except on ``closures``."""
        return cls(tz, (_FULL_DAY,) * 7, closures=frozenset(closures))

    @classmethod
    def weekdays(
        cls,
        tz: str,
        windows: Iterable[WindowLike],
        country: str | None = None,
        subdiv: str | None = None,
        closures: Iterable[date] = (),
    ) -> Calendar:
        """Open Monday to Friday in ``windows``; closed on weekends."""
        day = _normalise_day(windows)
        return cls(tz, (day,) * 5 + ((), ()), country, subdiv, frozenset(closures))

    @classmethod
    def weekly(
        cls,
        tz: str,
        windows: Mapping[int, Sequence[WindowLike]],
        country: str | None = None,
        subdiv: str | None = None,
        closures: Iterable[date] = (),
    ) -> Calendar:
        """Open per weekday (0 = Monday .. 6 = Sunday); missing weekdays are closed."""
        if any(not 0 <= weekday <= 6 for weekday in windows):
            raise ValueError("weekdays are numbered 0 (Monday) to 6 (Sunday)")
        days = tuple(_normalise_day(windows.get(weekday, ())) for weekday in range(7))
        return cls(tz, days, country, subdiv, frozenset(closures))


# --------------------------------------------------------------------------- internals


def _to_us(instant: datetime, name: str) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    try:
        # Subtracting from an aware datetime raises TypeError for a naive one.
        delta = instant - _EPOCH
    except TypeError:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {instant!r}") from None
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(us: int) -> datetime:
    seconds, micro = divmod(us, 1_000_000)
    return _EPOCH + timedelta(0, seconds, micro)


def _offset_at(zone: ZoneInfo, us: int) -> timedelta:
    offset = _from_us(us).astimezone(zone).utcoffset()
    assert offset is not None  # noqa: S101 - a ZoneInfo always has an offset
    return offset


def _local_to_utc_us(zone: ZoneInfo, ordinal: int, tod_us: int) -> int:
    """UTC instant of a local wall-clock time, with the module's DST rules.

    ``tod_us`` may equal one day (24:00). Ambiguous times take ``fold=0``;
    times in a gap move to the instant of the change.
    """
    if tod_us >= _DAY_US:
        ordinal += 1
        tod_us -= _DAY_US
    seconds, micro = divmod(tod_us, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    local = datetime.combine(date.fromordinal(ordinal), time(hour, minute, second, micro), tzinfo=zone)
    before = local.utcoffset()
    after = local.replace(fold=1).utcoffset()
    assert before is not None and after is not None  # noqa: S101 - ZoneInfo offsets
    wall_us = (ordinal - _EPOCH_ORDINAL) * _DAY_US + tod_us
    late = wall_us - before // _ONE_US
    if after <= before:
        # Ordinary time, or the first occurrence of a repeated one.
        return late
    # Non-existent time: the change happens in (early, late]; find its instant.
    early = wall_us - after // _ONE_US
    while late - early > 1:
        middle = (early + late) // 2
        if _offset_at(zone, middle) == before:
            early = middle
        else:
            late = middle
    return late


class _Chunk:
    """Open intervals of one block of UTC time, as parallel integer lists.

    ``starts[i]``/``ends[i]`` bound the i-th interval (clipped to the block,
    sorted, disjoint, not touching); ``cum[i]`` is the open time before it and
    ``cum[-1]`` the block's total.
    """

    __slots__ = ("cum", "ends", "starts", "total")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        cum = [0]
        running = 0
        for start, end in zip(starts, ends, strict=True):
            running += end - start
            cum.append(running)
        self.starts = starts
        self.ends = ends
        self.cum = cum
        self.total = running


class _Schedule:
    """Lazily built, cached open intervals of one calendar."""

    __slots__ = ("calendar", "chunks", "lock")

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.chunks: dict[int, _Chunk] = {}
        self.lock = threading.Lock()

    def chunk(self, index: int) -> _Chunk:
        chunk = self.chunks.get(index)
        if chunk is None:
            with self.lock:
                chunk = self.chunks.get(index)
                if chunk is None:
                    chunk = self._build(index)
                    self.chunks[index] = chunk
        return chunk

    def _closed(self, day: date) -> bool:
        cal = self.calendar
        if day in cal.closures:
            return True
        if cal.country is None:
            return False
        return day in _holiday_dates(cal.country, cal.subdiv, day.year)

    def _build(self, index: int) -> _Chunk:
        low = index * _CHUNK_US
        high = low + _CHUNK_US
        # UTC offsets stay within a day, so two days of margin cover every
        # local date whose windows can reach into the block.
        first = _EPOCH_ORDINAL + low // _DAY_US - 2
        last = _EPOCH_ORDINAL + high // _DAY_US + 2
        if first < _MIN_ORDINAL or last > _MAX_ORDINAL:
            raise ValueError("date outside the supported range (years 2 to 9998)")
        zone = self.calendar.zone
        week = self.calendar.windows
        starts: list[int] = []
        ends: list[int] = []
        for ordinal in range(first, last + 1):
            day_windows = week[(ordinal - 1) % 7]
            if not day_windows or self._closed(date.fromordinal(ordinal)):
                continue
            for window in day_windows:
                start = max(_local_to_utc_us(zone, ordinal, window.start_us), low)
                end = min(_local_to_utc_us(zone, ordinal, window.end_us), high)
                if end <= start:
                    continue
                if ends and start <= ends[-1]:
                    ends[-1] = max(ends[-1], end)
                else:
                    starts.append(start)
                    ends.append(end)
        return _Chunk(starts, ends)

    def _require_open_time(self) -> None:
        if not self.calendar.has_open_time:
            raise ValueError("the calendar has no open windows")

    def _give_up(self, since: int) -> ValueError:
        return ValueError(
            f"no open time in the {MAX_SEARCH.days} days after "
            f"{_from_us(since).isoformat()}; check the calendar's windows and closures"
        )

    def next_open(self, instant: int) -> int:
        self._require_open_time()
        index = instant // _CHUNK_US
        position = instant
        while True:
            chunk = self.chunk(index)
            i = bisect_right(chunk.ends, position)
            if i < len(chunk.ends):
                start = chunk.starts[i]
                return start if start > position else position
            index += 1
            position = index * _CHUNK_US
            if position - instant > _MAX_SEARCH_US:
                raise self._give_up(instant)

    def add(self, instant: int, remaining: int) -> int:
        self._require_open_time()
        index = instant // _CHUNK_US
        position = instant
        quiet_since = instant
        while True:
            chunk = self.chunk(index)
            ends = chunk.ends
            i = bisect_right(ends, position)
            if i < len(ends):
                starts = chunk.starts
                cum = chunk.cum
                start = starts[i]
                target = cum[i] + remaining
                if position > start:
                    target += position - start
                if target <= chunk.total:
                    j = bisect_left(cum, target, i + 1) - 1
                    return starts[j] + target - cum[j]
                remaining = target - chunk.total
                quiet_since = ends[-1]
            index += 1
            position = index * _CHUNK_US
            if position - quiet_since > _MAX_SEARCH_US:
                raise self._give_up(quiet_since)

    def is_open(self, instant: int) -> bool:
        chunk = self.chunk(instant // _CHUNK_US)
        i = bisect_right(chunk.starts, instant) - 1
        return i >= 0 and instant < chunk.ends[i]

    def _before(self, chunk: _Chunk, instant: int) -> int:
        """Open time in ``chunk`` before ``instant``."""
        i = bisect_right(chunk.ends, instant)
        if i == len(chunk.ends):
            return chunk.total
        start = chunk.starts[i]
        return chunk.cum[i] + (instant - start if instant > start else 0)

    def between(self, start: int, end: int) -> int:
        first = start // _CHUNK_US
        last = end // _CHUNK_US
        head = self.chunk(first)
        if first == last:
            return self._before(head, end) - self._before(head, start)
        total = head.total - self._before(head, start)
        for index in range(first + 1, last):
            total += self.chunk(index).total
        return total + self._before(self.chunk(last), end)


@lru_cache(maxsize=256)
def _schedule(calendar: Calendar) -> _Schedule:
    return _Schedule(calendar)


# --------------------------------------------------------------------------- public API


def add_business_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The UTC instant at which ``duration`` of open time has elapsed after ``start``.

    ``duration`` must not be negative. With a positive duration the result may
    be exactly a window's end (the addition used that window up to its close).
    With a zero duration the result is :func:`next_open` of ``start``.

    Raises ValueError for a naive ``start``, a negative duration, a calendar
    without open windows, or no open time within :data:`MAX_SEARCH`.
    """
    start_us = _to_us(start, "start")
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration!r}")
    if cal.is_always_open:
        return start.astimezone(UTC) + duration
    schedule = _schedule(cal)
    if not duration:
        return _from_us(schedule.next_open(start_us))
    return _from_us(schedule.add(start_us, duration // _ONE_US))


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time in ``[start, end)``; zero when ``end <= start``.

    Raises ValueError when either datetime is naive.
    """
    start_us = _to_us(start, "start")
    end_us = _to_us(end, "end")
    if end_us <= start_us:
        return _ZERO
    if cal.is_always_open:
        return timedelta(microseconds=end_us - start_us)
    if not cal.has_open_time:
        return _ZERO
    return timedelta(microseconds=_schedule(cal).between(start_us, end_us))


def is_open(cal: Calendar, instant: datetime) -> bool:
    """Whether ``instant`` lies in an open window (windows are ``[open, close)``)."""
    instant_us = _to_us(instant, "instant")
    if cal.is_always_open:
        return True
    if not cal.has_open_time:
        return False
    return _schedule(cal).is_open(instant_us)


def next_open(cal: Calendar, instant: datetime) -> datetime:
    """The earliest open instant at or after ``instant``, in UTC.

    Returns ``instant`` (in UTC) when it is open. Raises ValueError for a naive
    datetime, a calendar without open windows, or no open time within
    :data:`MAX_SEARCH`.
    """
    instant_us = _to_us(instant, "instant")
    if cal.is_always_open:
        return instant.astimezone(UTC)
    return _from_us(_schedule(cal).next_open(instant_us))
