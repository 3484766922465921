"""Throughput of sla.calendar.add_business_time.

Run from anywhere: ``.venv/bin/python bench/bench_calendar.py [--cases N] [--repeat R]``.
Prints computations per second (wall-clock and CPU time, best of several runs) for a
Madrid Monday-Friday 09:00-18:00 calendar with Spain + Comunidad de Madrid holidays
and for a 24/7 calendar, and the ratio to the 50,000 computations per second target.
The first run over fresh caches is shown separately. Needs no Django.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.calendar import Calendar, add_business_time, business_time_between  # noqa: E402

TARGET = 50_000  # computations per second on one core
FIRST = datetime(2026, 1, 1, tzinfo=UTC)
LAST = datetime(2031, 1, 1, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")


def make_cases(count: int, seed: int) -> list[tuple[datetime, timedelta]]:
    """Random aware starts in 2026-2030 (half UTC, half Madrid) and 1-24 h durations."""
    rng = random.Random(seed)  # noqa: S311 - benchmark inputs, not secrets
    span = (LAST - FIRST) // timedelta(microseconds=1)
    cases = []
    for n in range(count):
        start = FIRST + timedelta(microseconds=rng.randrange(span))
        if n % 2:
            start = start.astimezone(MADRID)
        duration = timedelta(seconds=rng.randint(3600, 24 * 3600))
        cases.append((start, duration))
    return cases


def _rate(run: Callable[[], object], count: int, repeat: int) -> tuple[float, float]:
    """Best (wall-clock, CPU-time) computations per second over ``repeat`` runs."""
    wall = cpu = 0.0
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        ended, ended_cpu = time.perf_counter(), time.process_time()
        wall = max(wall, count / (ended - began))
        cpu = max(cpu, count / max(ended_cpu - began_cpu, 1e-9))
    return wall, cpu


def adding(cal: Calendar, cases: list[tuple[datetime, timedelta]]) -> Callable[[], object]:
    def run() -> None:
        for start, duration in cases:
            add_business_time(cal, start, duration)

    return run


def measuring(cal: Calendar, cases: list[tuple[datetime, timedelta]]) -> Callable[[], object]:
    pairs = [(start, start.astimezone(UTC) + 3 * duration) for start, duration in cases]

    def run() -> None:
        for start, end in pairs:
            business_time_between(cal, start, end)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=200_000, help="random cases per run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best is kept")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()

    cases = make_cases(args.cases, args.seed)
    office = Calendar.weekdays("Europe/Madrid", ["09:00-18:00"], "ES", "MD")
    always = Calendar.always_open("Europe/Madrid")
    print(f"python {sys.version.split()[0]}, {args.cases:,} cases, best of {args.repeat} runs")
    print(f"{'':58} {'wall-clock':>12} {'CPU time':>12}  CPU vs {TARGET:,}/s")
    rows = (
        ("add_business_time, first run (fills the caches)", adding(office, cases), 1),
        ("add_business_time, Madrid Mon-Fri 09-18, ES-MD holidays", adding(office, cases), args.repeat),
        ("add_business_time, 24/7", adding(always, cases), args.repeat),
        ("business_time_between, Madrid Mon-Fri 09-18, ES-MD", measuring(office, cases), args.repeat),
    )
    for label, run, repeat in rows:
        wall, cpu = _rate(run, len(cases), repeat)
        print(f"{label:<58} {wall:>10,.0f}/s {cpu:>10,.0f}/s  {cpu / TARGET:5.1f}x")


if __name__ == "__main__":
    main()
