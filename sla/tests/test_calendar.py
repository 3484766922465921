"""Tests for sla.calendar: named DST and holiday cases, properties, an oracle."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    END_OF_DAY,
    Calendar,
    Window,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)

MADRID = ZoneInfo("Europe/Madrid")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
ONE_US = timedelta(microseconds=1)

OFFICE = Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], "ES", "MD")
ALWAYS = Calendar.always_open("Europe/Madrid")


def md(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An aware Madrid wall-clock datetime (fold=0)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=MADRID)


# --------------------------------------------------------------------------- named cases


def test_it_adds_across_spring_forward_on_a_24_7_calendar() -> None:
    start = md(2027, 3, 27, 23)  # Saturday, CET
    due = add_business_time(ALWAYS, start, 4 * HOUR)
    assert ALWAYS.is_always_open
    assert due == md(2027, 3, 28, 4)
    assert due.tzinfo is UTC
    local = due.astimezone(MADRID)
    assert (local.hour, local.utcoffset()) == (4, 2 * HOUR)  # 04:00 CEST
    assert business_time_between(ALWAYS, start, due) == 4 * HOUR
    # The general path (an always-open calendar with a closure elsewhere) agrees.
    closed_elsewhere = Calendar.always_open("Europe/Madrid", {date(2027, 1, 1)})
    assert not closed_elsewhere.is_always_open
    assert add_business_time(closed_elsewhere, start, 4 * HOUR) == due


def test_it_skips_holy_week_the_weekend_and_dst_in_madrid() -> None:
    """Wed 24 Mar 2027 16:30 + 8 h on Mon-Fri 09:00-18:00 in Madrid.

    Wednesday gives 1.5 h (16:30-18:00). Thursday 25 (Jueves Santo, a Madrid
    holiday) and Friday 26 (Viernes Santo) are closed, then the weekend, during
    which the clocks go forward. Monday opens at 09:00 CEST and the remaining
    6.5 h end at 15:30 CEST. (16:30 CEST would be the result of opening Monday
    at 09:00 CET, i.e. building Monday's window with the winter offset.)
    """
    start = md(2027, 3, 24, 16, 30)
    due = add_business_time(OFFICE, start, 8 * HOUR)
    assert due == md(2027, 3, 29, 15, 30)
    assert due == datetime(2027, 3, 29, 13, 30, tzinfo=UTC)
    assert due.astimezone(MADRID).utcoffset() == 2 * HOUR
    assert business_time_between(OFFICE, start, due) == 8 * HOUR
    for closed_day in (25, 26, 27, 28):
        assert not is_open(OFFICE, md(2027, 3, closed_day, 12))


def test_it_measures_the_october_fall_back_day_exactly() -> None:
    sundays = Calendar.weekly("Europe/Madrid", {6: ["00:00-24:00"]})
    day_start, next_day = md(2027, 10, 31), md(2027, 11, 1)
    assert next_day.astimezone(UTC) - day_start.astimezone(UTC) == 25 * HOUR
    assert business_time_between(sundays, day_start, next_day) == 25 * HOUR
    # 24 open hours from Sunday midnight end at 23:00 CET, not at midnight.
    assert add_business_time(sundays, day_start, 24 * HOUR) == md(2027, 10, 31, 23)
    # A window from 02:00 (first occurrence, CEST) to 03:00 CET lasts two hours.
    repeated = Calendar.weekly("Europe/Madrid", {6: ["02:00-03:00"]})
    assert business_time_between(repeated, day_start, next_day) == 2 * HOUR
    first_two = datetime(2027, 10, 31, 0, tzinfo=UTC)  # 02:00 CEST
    assert next_open(repeated, day_start) == first_two
    assert add_business_time(repeated, day_start, 2 * HOUR) == md(2027, 10, 31, 3)
    # An office day on that Sunday is nine hours, all after the change.
    every_day = Calendar.weekly("Europe/Madrid", dict.fromkeys(range(7), ["09:00-18:00"]))
    assert business_time_between(every_day, day_start, next_day) == 9 * HOUR


def test_it_measures_the_march_spring_forward_day_exactly() -> None:
    sundays = Calendar.weekly("Europe/Madrid", {6: ["00:00-24:00"]})
    day_start, next_day = md(2027, 3, 28), md(2027, 3, 29)
    assert business_time_between(sundays, day_start, next_day) == 23 * HOUR
    # A window starting in the gap (02:30 does not exist) opens at 03:00 CEST.
    in_gap = Calendar.weekly("Europe/Madrid", {6: ["02:30-04:00"]})
    assert next_open(in_gap, day_start) == md(2027, 3, 28, 3)
    assert business_time_between(in_gap, day_start, next_day) == HOUR
    # A window lying entirely in the gap is empty that day.
    gap_only = Calendar.weekly("Europe/Madrid", {6: ["02:00-02:45"]})
    assert business_time_between(gap_only, day_start, next_day) == timedelta(0)
    assert business_time_between(gap_only, md(2027, 4, 4), md(2027, 4, 5)) == 45 * MINUTE


@pytest.mark.parametrize(
    ("day", "closed_in_md", "closed_in_ct"),
    [
        (date(2026, 6, 24), False, True),  # Sant Joan, Wednesday
        (date(2026, 9, 11), False, True),  # Diada, Friday
        (date(2025, 5, 2), True, False),  # Fiesta de la Comunidad de Madrid, Friday
        (date(2028, 5, 2), True, False),  # same, Tuesday
        (date(2027, 5, 3), True, False),  # Monday after it (2 May 2027 is a Sunday)
        (date(2027, 3, 25), True, False),  # Jueves Santo: Madrid, not Catalonia
        (date(2027, 3, 29), False, True),  # Easter Monday: Catalonia, not Madrid
    ],
)
def test_it_applies_spanish_regional_holidays(day: date, closed_in_md: bool, closed_in_ct: bool) -> None:
    madrid = Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], "ES", "MD")
    catalonia = Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], "ES", "CT")
    noon = datetime.combine(day, time(12), tzinfo=MADRID)
    assert day.weekday() < 5
    assert (day in holidays.country_holidays("ES", subdiv="MD", years=day.year)) is closed_in_md
    assert (day in holidays.country_holidays("ES", subdiv="CT", years=day.year)) is closed_in_ct
    assert is_open(madrid, noon) is not closed_in_md
    assert is_open(catalonia, noon) is not closed_in_ct


@pytest.mark.parametrize(
    ("country", "subdiv", "zone"),
    [("ES", "MD", "Europe/Madrid"), ("ES", "CT", "Europe/Madrid"), ("FR", None, "Europe/Paris")],
)
def test_it_closes_exactly_the_holidays_of_the_package(country: str, subdiv: str | None, zone: str) -> None:
    cal = Calendar.weekdays(zone, ["09:00-18:00"], country, subdiv)
    for year in (2027, 2031):
        official = holidays.country_holidays(country, subdiv=subdiv, years=year)
        day = date(year, 1, 1)
        while day.year == year:
            noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(zone))
            expected = day.weekday() < 5 and day not in official
            assert is_open(cal, noon) is expected, day
            day += timedelta(days=1)


def test_it_keeps_the_two_may_rule_of_madrid_in_step_with_the_package() -> None:
    for year in range(2020, 2036):
        official = holidays.country_holidays("ES", subdiv="MD", years=year)
        for day in (date(year, 5, 2), date(year, 5, 3)):
            noon = datetime.combine(day, time(12), tzinfo=MADRID)
            assert is_open(OFFICE, noon) is (day.weekday() < 5 and day not in official)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Fri 30 Apr 2027; Sat 1 May; Mon 3 May is the Madrid holiday.
        (md(2027, 4, 30, 17), md(2027, 5, 6, 14)),
        # Fri 30 Oct 2026; Mon 2 Nov 2026 is "Lunes siguiente a Todos los Santos".
        (md(2026, 10, 30, 17), md(2026, 11, 5, 14)),
    ],
)
def test_it_skips_a_madrid_holiday_monday(start: datetime, due: datetime) -> None:
    # 1 h on Friday, Monday closed, 9 h Tuesday, 9 h Wednesday, 5 h Thursday.
    assert add_business_time(OFFICE, start, 24 * HOUR) == due
    assert business_time_between(OFFICE, start, due) == 24 * HOUR


def test_it_crosses_the_year_end_past_new_year_and_epiphany() -> None:
    start = md(2026, 12, 31, 17)  # Thursday
    # 1 h on the 31st; 1 Jan (Fri) closed; weekend; 4 and 5 Jan 9 h each;
    # 6 Jan (Epifania, Wed) closed; 5 h on Thursday 7 Jan.
    due = add_business_time(OFFICE, start, 24 * HOUR)
    assert due == md(2027, 1, 7, 14)
    assert business_time_between(OFFICE, start, due) == 24 * HOUR
    assert not is_open(OFFICE, md(2027, 1, 1, 12))
    assert not is_open(OFFICE, md(2027, 1, 6, 12))


def test_it_honours_manual_closure_days() -> None:
    closed = Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], "ES", "MD", closures={date(2027, 4, 1)})
    start = md(2027, 3, 31, 17)  # Wednesday
    assert add_business_time(OFFICE, start, 2 * HOUR) == md(2027, 4, 1, 10)
    assert add_business_time(closed, start, 2 * HOUR) == md(2027, 4, 2, 10)
    assert not is_open(closed, md(2027, 4, 1, 12))
    assert next_open(closed, md(2027, 4, 1, 12)) == md(2027, 4, 2, 9)
    # An always-open calendar with a closure leaves its fast path and honours it.
    always = Calendar.always_open("Europe/Madrid", {date(2027, 3, 27)})
    assert add_business_time(always, md(2027, 3, 26, 23), 2 * HOUR) == md(2027, 3, 28, 1)
    assert business_time_between(always, md(2027, 3, 26), md(2027, 3, 29)) == 47 * HOUR


def test_it_handles_several_windows_per_day() -> None:
    lunch = Calendar.weekdays("Europe/Madrid", ["09:00-14:00", "15:00-18:00"])
    monday = (2027, 6, 7)
    assert add_business_time(lunch, md(*monday, 13, 30), HOUR) == md(*monday, 15, 30)
    assert business_time_between(lunch, md(*monday, 13), md(*monday, 16)) == 2 * HOUR
    assert business_time_between(lunch, md(*monday), md(2027, 6, 8)) == 8 * HOUR
    assert is_open(lunch, md(*monday, 13, 59, 59))
    assert not is_open(lunch, md(*monday, 14))
    assert is_open(lunch, md(*monday, 15))
    # Finishing exactly at a close returns the close; zero more waits for the opening.
    at_close = add_business_time(lunch, md(*monday, 13), HOUR)
    assert at_close == md(*monday, 14)
    assert add_business_time(lunch, at_close, timedelta(0)) == md(*monday, 15)
    assert add_business_time(lunch, at_close, MINUTE) == md(*monday, 15, 1)


def test_it_merges_touching_windows_and_parses_24_00() -> None:
    split = Calendar.weekdays("UTC", ["09:00-12:00", "12:00-18:00", "10:00-11:00"])
    assert split.windows[0] == (Window(time(9), time(18)),)
    assert split == Calendar.weekdays("UTC", [(time(9), time(18))])
    assert Window.parse("18:00-24:00") == Window(time(18), END_OF_DAY)
    assert str(Window.parse("18:00-24:00")) == "18:00-24:00"
    late = Calendar.weekly("UTC", {0: ["18:00-24:00"], 1: ["00:00-02:00"]})
    start = datetime(2027, 6, 7, 23, tzinfo=UTC)  # Monday
    assert add_business_time(late, start, 2 * HOUR) == datetime(2027, 6, 8, 1, tzinfo=UTC)
    assert is_open(late, datetime(2027, 6, 8, 0, tzinfo=UTC))


def test_it_returns_the_window_end_and_treats_windows_as_half_open() -> None:
    assert is_open(OFFICE, md(2027, 6, 7, 9))
    assert not is_open(OFFICE, md(2027, 6, 7, 18))
    assert is_open(OFFICE, md(2027, 6, 7, 18) - ONE_US)
    assert add_business_time(OFFICE, md(2027, 6, 7, 17), HOUR) == md(2027, 6, 7, 18)
    assert add_business_time(OFFICE, md(2027, 6, 7, 18), timedelta(0)) == md(2027, 6, 8, 9)
    assert add_business_time(OFFICE, md(2027, 6, 7, 12), timedelta(0)) == md(2027, 6, 7, 12)
    assert next_open(OFFICE, md(2027, 6, 5, 12)) == md(2027, 6, 7, 9)  # Saturday
    assert business_time_between(OFFICE, md(2027, 6, 7, 18), md(2027, 6, 7, 10)) == timedelta(0)


def test_it_rejects_naive_datetimes() -> None:
    naive = md(2027, 6, 7, 12).replace(tzinfo=None)
    aware = md(2027, 6, 7, 12)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(OFFICE, naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(ALWAYS, naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(OFFICE, aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(OFFICE, naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(OFFICE, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_open(OFFICE, naive)


def test_it_rejects_negative_durations_and_bad_definitions() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, md(2027, 6, 7, 12), -MINUTE)
    with pytest.raises(ValueError):
        Window(time(18), time(9))
    with pytest.raises(ValueError):
        Window(time(9), time(9))
    with pytest.raises(ValueError):
        Window.parse("9-18")
    with pytest.raises(ValueError, match="time zone"):
        Calendar.weekdays("Europe/Atlantis", ["09:00-18:00"])
    with pytest.raises(ValueError, match="holidays"):
        Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], "ES", "XX")
    with pytest.raises(ValueError, match="country"):
        Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], None, "MD")
    with pytest.raises(ValueError, match="date"):
        Calendar.weekdays("UTC", ["09:00-18:00"], closures={md(2027, 1, 1)})
    with pytest.raises(ValueError, match="seven"):
        Calendar("UTC", ((),) * 6)


def test_it_refuses_to_search_a_calendar_without_open_time() -> None:
    never = Calendar.weekly("Europe/Madrid", {})
    start = md(2027, 6, 7, 12)
    with pytest.raises(ValueError, match="no open windows"):
        add_business_time(never, start, HOUR)
    with pytest.raises(ValueError, match="no open windows"):
        next_open(never, start)
    assert business_time_between(never, start, start + 1000 * HOUR) == timedelta(0)
    assert not is_open(never, start)


def test_it_gives_up_after_ten_years_without_open_time() -> None:
    mondays = {date(2027, 6, 7) + timedelta(weeks=n) for n in range(12 * 53)}
    closed = Calendar.weekly("Europe/Madrid", {0: ["09:00-18:00"]}, closures=mondays)
    with pytest.raises(ValueError, match="no open time"):
        add_business_time(closed, md(2027, 6, 7, 12), HOUR)
    with pytest.raises(ValueError, match="no open time"):
        next_open(closed, md(2027, 6, 7, 12))


def test_it_is_hashable_comparable_and_picklable() -> None:
    again = Calendar.weekdays("Europe/Madrid", [(time(9), time(18))], "ES", "MD")
    assert again == OFFICE
    assert hash(again) == hash(OFFICE)
    copy = pickle.loads(pickle.dumps(OFFICE))  # noqa: S301 - our own object
    assert copy == OFFICE and hash(copy) == hash(OFFICE)
    assert add_business_time(copy, md(2027, 3, 24, 16, 30), 8 * HOUR) == md(2027, 3, 29, 15, 30)


def test_it_follows_mexico_city_before_and_after_dst_was_abolished() -> None:
    mexico = ZoneInfo("America/Mexico_City")
    sundays = Calendar.weekly("America/Mexico_City", {6: ["00:00-24:00"]})

    def sunday(year: int, month: int, day: int) -> timedelta:
        start = datetime(year, month, day, tzinfo=mexico)
        return business_time_between(sundays, start, start + timedelta(days=2))

    assert sunday(2021, 4, 4) == 23 * HOUR
    assert sunday(2022, 10, 30) == 25 * HOUR
    assert sunday(2023, 4, 2) == 24 * HOUR


# --------------------------------------------------------------------------- strategies

ZONES = ("Europe/Madrid", "Europe/Paris", "Atlantic/Canary", "America/Mexico_City", "UTC")
HOLIDAY_SOURCES: tuple[tuple[str | None, str | None], ...] = (
    (None, None),
    ("ES", "MD"),
    ("ES", "CT"),
    ("FR", None),
)
RANGE_START = datetime(2020, 1, 1, tzinfo=UTC)
RANGE_END = datetime(2036, 1, 1, tzinfo=UTC)
RANGE_MINUTES = (RANGE_END - RANGE_START) // MINUTE


def _transitions() -> tuple[datetime, ...]:
    """Noon UTC of each day on which one of ZONES changes its UTC offset."""
    found: list[datetime] = []
    for name in ZONES:
        zone = ZoneInfo(name)
        day = RANGE_START + 12 * HOUR
        previous = day.astimezone(zone).utcoffset()
        while day < RANGE_END:
            offset = day.astimezone(zone).utcoffset()
            if offset != previous:
                found.append(day - timedelta(days=1))
                previous = offset
            day += timedelta(days=1)
    return tuple(found)


TRANSITIONS = _transitions()

BOUNDARY_MINUTES = st.one_of(
    st.sampled_from((0, 60, 90, 120, 150, 180, 210, 240, 540, 840, 900, 1080, 1380, 1440)),
    st.integers(0, 96).map(lambda quarter: quarter * 15),
)


@dataclass(frozen=True)
class Spec:
    """A calendar described plainly, for building it and for the oracle."""

    zone: str
    days: tuple[tuple[tuple[int, int], ...], ...]  # minutes; 1440 = 24:00
    country: str | None
    subdiv: str | None
    closures: frozenset[date]

    def build(self) -> Calendar:
        def clock(minutes: int) -> time:
            return END_OF_DAY if minutes == 1440 else time(minutes // 60, minutes % 60)

        days = tuple(tuple(Window(clock(a), clock(b)) for a, b in day) for day in self.days)
        return Calendar(self.zone, days, self.country, self.subdiv, self.closures)


KINDS_OF_DAY = st.sampled_from(("closed", "full", "office", "random", "random", "random"))
BOUNDARY_LISTS = st.lists(BOUNDARY_MINUTES, min_size=2, max_size=6)


@st.composite
def day_windows(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    kind = draw(KINDS_OF_DAY)
    if kind == "closed":
        return ()
    if kind == "full":
        return ((0, 1440),)
    if kind == "office":
        return ((540, 1080),)
    points = sorted(set(draw(BOUNDARY_LISTS)))
    return tuple((a, b) for a, b in zip(points[0::2], points[1::2], strict=False) if a < b)


DAY_WINDOWS = day_windows()


def instants(*, minute_aligned: bool = False) -> st.SearchStrategy[datetime]:
    """Aware instants across 2020-2035, often near a DST change, in a random zone."""
    unit = MINUTE if minute_aligned else ONE_US
    uniform = st.integers(0, RANGE_MINUTES * (MINUTE // unit) - 1).map(lambda n: RANGE_START + n * unit)
    near_change = st.builds(
        lambda base, n: base + n * unit,
        st.sampled_from(TRANSITIONS),
        st.integers(-2 * (timedelta(days=1) // unit), 2 * (timedelta(days=1) // unit)),
    )
    return st.builds(
        lambda instant, zone: instant.astimezone(ZoneInfo(zone)),
        st.one_of(uniform, near_change),
        st.sampled_from(ZONES),
    )


INSTANTS = instants()
MINUTE_INSTANTS = instants(minute_aligned=True)
ONE_IN_TEN = st.integers(0, 9)
HOLIDAY_CHOICES = st.sampled_from(HOLIDAY_SOURCES)
CLOSURE_OFFSETS = st.sets(st.integers(-3, 30), max_size=5)
ZONE_NAMES = st.sampled_from(ZONES)


@st.composite
def cases(draw: st.DrawFn, *, minute_aligned: bool = False) -> tuple[Spec, datetime]:
    """A random calendar and a start; closures fall near the start."""
    start = draw(MINUTE_INSTANTS if minute_aligned else INSTANTS)
    if draw(ONE_IN_TEN) == 0:
        days: tuple[tuple[tuple[int, int], ...], ...] = (((0, 1440),),) * 7
    else:
        days = tuple(draw(DAY_WINDOWS) for _ in range(7))
    if not any(days):
        days = (((540, 1080),),) + days[1:]
    country, subdiv = draw(HOLIDAY_CHOICES)
    anchor = start.astimezone(UTC).date()
    closures = frozenset(anchor + timedelta(days=n) for n in draw(CLOSURE_OFFSETS))
    spec = Spec(draw(ZONE_NAMES), days, country, subdiv, closures)
    return spec, start


CASES = cases()
MINUTE_CASES = cases(minute_aligned=True)

durations = st.one_of(
    st.just(timedelta(0)),
    st.integers(0, 72 * 4).map(lambda quarters: quarters * 15 * MINUTE),
    st.integers(0, 72 * 3600 * 10**6).map(lambda n: n * ONE_US),
)
positive_durations = durations.filter(lambda d: d > timedelta(0))

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(CASES, durations, durations)
def test_it_is_monotone_in_the_duration(case: tuple[Spec, datetime], first: timedelta, second: timedelta) -> None:
    spec, start = case
    cal = spec.build()
    short, long = sorted((first, second))
    assert add_business_time(cal, start, short) <= add_business_time(cal, start, long)


@PROPERTY
@given(CASES, durations, positive_durations)
def test_it_is_additive(case: tuple[Spec, datetime], first: timedelta, second: timedelta) -> None:
    spec, start = case
    cal = spec.build()
    step = add_business_time(cal, start, first)
    assert add_business_time(cal, step, second) == add_business_time(cal, start, first + second)


@PROPERTY
@given(CASES, durations)
def test_it_agrees_with_business_time_between(case: tuple[Spec, datetime], duration: timedelta) -> None:
    spec, start = case
    cal = spec.build()
    due = add_business_time(cal, start, duration)
    assert business_time_between(cal, start, due) == duration


@PROPERTY
@given(CASES, durations)
def test_it_never_lands_on_a_closed_instant_except_a_window_end(
    case: tuple[Spec, datetime], duration: timedelta
) -> None:
    spec, start = case
    cal = spec.build()
    due = add_business_time(cal, start, duration)
    assert due >= start
    assert due.tzinfo is UTC
    if not is_open(cal, due):
        # Only a positive addition that used a window up to its close may end here.
        assert duration > timedelta(0)
        assert is_open(cal, due - ONE_US)
        assert business_time_between(cal, due - ONE_US, due) == ONE_US


@PROPERTY
@given(CASES, durations)
def test_it_counts_nothing_outside_open_hours(case: tuple[Spec, datetime], span: timedelta) -> None:
    spec, start = case
    cal = spec.build()
    end = start.astimezone(UTC) + span
    opening = next_open(cal, start)
    assert opening >= start
    assert is_open(cal, opening)
    assert business_time_between(cal, start, opening) == timedelta(0)
    assert (business_time_between(cal, start, end) == timedelta(0)) is (opening >= end)
    assert business_time_between(cal, end, start) == timedelta(0)


@PROPERTY
@given(CASES, durations, durations)
def test_it_splits_business_time_between_additively(
    case: tuple[Spec, datetime], first: timedelta, second: timedelta
) -> None:
    spec, start = case
    cal = spec.build()
    middle = start.astimezone(UTC) + first
    end = middle + second
    total = business_time_between(cal, start, end)
    parts = business_time_between(cal, start, middle) + business_time_between(cal, middle, end)
    assert total == parts
    assert timedelta(0) <= total <= end - start.astimezone(UTC)


@PROPERTY
@given(INSTANTS, durations, st.sampled_from(ZONES))
def test_it_adds_plain_utc_time_on_24_7_calendars(start: datetime, duration: timedelta, zone: str) -> None:
    cal = Calendar.always_open(zone)
    end = start.astimezone(UTC) + duration
    assert add_business_time(cal, start, duration) == end
    assert business_time_between(cal, start, end) == duration


# --------------------------------------------------------------------------- oracle


class Oracle:
    """Minute-by-minute reading of a Spec using only zoneinfo and holidays.

    Open means: the local date is neither a closure nor a public holiday, and
    the local wall-clock time lies in one of the weekday's windows. During the
    second pass through a repeated (fall-back) hour, the wall-clock time counts
    as the last moment of the repeated hour; this is the documented ``fold=0``
    rule expressed in wall-clock terms.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.zone)

    def _closed(self, day: date) -> bool:
        if day in self.spec.closures:
            return True
        if self.spec.country is None:
            return False
        return day in _official(self.spec.country, self.spec.subdiv, day.year)

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        if self._closed(local.date()):
            return False
        wall = local.hour * 60 + local.minute + local.second / 60
        if local.fold:
            probe = instant
            while probe.astimezone(self.zone).fold:
                probe += MINUTE
            after = probe.astimezone(self.zone)
            wall = after.hour * 60 + after.minute - 0.5
        return any(a <= wall < b for a, b in self.spec.days[local.weekday()])

    def add(self, start: datetime, duration: timedelta, limit: int) -> datetime | None:
        needed = duration // MINUTE
        instant = start
        for _ in range(limit):
            if self.is_open(instant):
                if needed == 0:
                    return instant
                needed -= 1
                if needed == 0:
                    return instant + MINUTE
            instant += MINUTE
        return None

    def dues(self, start: datetime, most: int, limit: int) -> list[datetime | None]:
        """``dues[n]`` is ``add(start, n minutes)`` for n up to ``most``, in one walk."""
        found: list[datetime | None] = [None] * (most + 1)
        used = 0
        instant = start
        for _ in range(limit):
            if self.is_open(instant):
                if found[0] is None:
                    found[0] = instant
                used += 1
                found[used] = instant + MINUTE
                if used == most:
                    break
            instant += MINUTE
        return found

    def between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        instant = start
        while instant < end:
            if self.is_open(instant):
                total += MINUTE
            instant += MINUTE
        return total


@cache
def _official(country: str, subdiv: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdiv, years=year)


ORACLE_LIMIT = 10 * 24 * 60  # minutes walked at most


def _assert_add_matches(cal: Calendar, oracle: Oracle, start: datetime, duration: timedelta) -> datetime:
    """Compare one addition with the oracle; beyond the oracle's walk, only bound it."""
    due = add_business_time(cal, start, duration)
    expected = oracle.add(start, duration, ORACLE_LIMIT)
    if expected is None:
        assert due >= start + ORACLE_LIMIT * MINUTE
    else:
        assert due == expected, (start, duration)
    return due


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    MINUTE_CASES,
    st.integers(0, 6 * 60).map(lambda n: n * MINUTE),
    st.integers(0, 36 * 60).map(lambda n: n * MINUTE),
)
def test_it_matches_a_minute_by_minute_oracle(
    case: tuple[Spec, datetime], duration: timedelta, span: timedelta
) -> None:
    spec, start = case
    cal = spec.build()
    oracle = Oracle(spec)
    start = start.astimezone(UTC)
    due = _assert_add_matches(cal, oracle, start, duration)
    assert business_time_between(cal, start, start + span) == oracle.between(start, start + span)
    for probe in (start, start + span, due):
        assert is_open(cal, probe) is oracle.is_open(probe)


DST_DAYS = (
    ("Europe/Madrid", date(2027, 3, 28)),
    ("Europe/Madrid", date(2027, 10, 31)),
    ("Atlantic/Canary", date(2027, 3, 28)),
    ("Atlantic/Canary", date(2027, 10, 31)),
    ("America/Mexico_City", date(2021, 4, 4)),
    ("America/Mexico_City", date(2021, 10, 31)),
)
DST_WINDOWS: tuple[tuple[tuple[int, int], ...], ...] = (
    ((90, 150), (170, 200)),
    ((0, 120), (130, 180), (181, 1440)),
    ((120, 180),),
    ((150, 210),),
    ((60, 130),),
    ((0, 1440),),
)


@pytest.mark.parametrize(("zone", "day"), DST_DAYS)
def test_it_matches_the_oracle_on_every_minute_of_dst_days(zone: str, day: date) -> None:
    first = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC) - 3 * HOUR
    last = first + 30 * HOUR
    for windows in DST_WINDOWS:
        spec = Spec(zone, (windows,) * 7, None, None, frozenset())
        cal, oracle = spec.build(), Oracle(spec)
        instant = first
        while instant < last:
            assert is_open(cal, instant) is oracle.is_open(instant), (windows, instant)
            instant += MINUTE
        assert business_time_between(cal, first, last) == oracle.between(first, last)
        dues = oracle.dues(first, 6 * 60, ORACLE_LIMIT)
        for minutes in range(0, 6 * 60 + 1, 20):
            due = add_business_time(cal, first, minutes * MINUTE)
            assert due == dues[minutes] or (dues[minutes] is None and due >= first + ORACLE_LIMIT * MINUTE)
