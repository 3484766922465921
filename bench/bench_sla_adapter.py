"""Due-time computations per second through the model adapter (the path the SLA clock takes).

Run from the project: ``.venv/bin/python bench/bench_sla_adapter.py [--cases N] [--repeat R]``.
Uses the guide's Madrid calendar row (Mon–Fri 09–18, Spain + Comunidad de Madrid holidays) as
an unsaved ``BusinessCalendar`` instance, so no database is touched. Three paths:

* ``calendar_for(row)`` + ``add_business_time``: one due time through the per-process cache;
* ``clock.derive``: what each step of the clock does (warning and due time, next check);
* ``calendar_for(row)`` with a changed ``updated_at`` each time (the cost of a cache miss).

Prints the best wall-clock and CPU rates and the ratio to 50,000/s.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")

import django  # noqa: E402

django.setup()

from bench.bench_calendar import TARGET, _rate, make_cases  # noqa: E402
from sla.adapter import calendar_for  # noqa: E402
from sla.calendar import add_business_time  # noqa: E402
from sla.clock import Rules, derive  # noqa: E402
from sla.models import BusinessCalendar, SlaPolicy  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def madrid_row() -> BusinessCalendar:
    row = BusinessCalendar(
        pk=2,
        code="madrid-business",
        name="Madrid",
        time_zone="Europe/Madrid",
        always_open=False,
        windows={str(day): [["09:00", "18:00"]] for day in range(5)},
        country="ES",
        subdivision="MD",
        closures=["2027-12-24", "2027-12-31"],
    )
    row.updated_at = datetime(2027, 1, 1, tzinfo=UTC)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    cases = make_cases(args.cases, args.seed)
    row = madrid_row()
    policy = SlaPolicy(
        first_response_warning=timedelta(hours=12),
        first_response_target=timedelta(hours=24),
        next_response_target=timedelta(hours=24),
    )

    def adapter_add() -> None:
        for start, duration in cases:
            add_business_time(calendar_for(row), start, duration)

    tickets = [
        Ticket(  # unsaved rows: derive() only sets their due times
            sla_clock="first_response",
            sla_segment_started_at=start,
            sla_elapsed=timedelta(hours=1),
            sla_resolution_elapsed=timedelta(0),
            sla_warned_at=None,
            sla_breached_at=None,
            sla_resolution_breached_at=None,
        )
        for start, _ in cases
    ]

    def clock_derive() -> None:
        for ticket in tickets:
            derive(ticket, Rules(calendar_for(row), policy))

    misses = cases[: max(len(cases) // 100, 1)]

    def cache_miss() -> None:
        for n, (start, duration) in enumerate(misses):
            row.updated_at = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(microseconds=n + 1)
            add_business_time(calendar_for(row), start, duration)
        row.updated_at = datetime(2027, 1, 1, tzinfo=UTC)

    print(f"python {sys.version.split()[0]}, {args.cases:,} cases, best of {args.repeat} runs")
    print(f"{'':62} {'wall-clock':>12} {'CPU time':>12}  CPU vs {TARGET:,}/s")
    rows = (
        ("adapter + add_business_time, first run (fills the caches)", adapter_add, len(cases), 1),
        ("adapter + add_business_time, Madrid Mon-Fri, ES-MD holidays", adapter_add, len(cases), args.repeat),
        ("clock.derive per ticket (2 due times + next check), Madrid", clock_derive, len(cases), args.repeat),
        ("adapter cache miss (row edited) + add_business_time", cache_miss, len(misses), args.repeat),
    )
    for label, run, count, repeat in rows:
        wall, cpu = _rate(run, count, repeat)
        print(f"{label:<62} {wall:>10,.0f}/s {cpu:>10,.0f}/s  {cpu / TARGET:5.1f}x")


if __name__ == "__main__":
    main()
