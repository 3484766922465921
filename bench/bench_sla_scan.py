"""The SLA scan at scale: "which tickets are due for a warning or a breach now" over N open tickets.

Run against a throwaway database (it is created when missing and filled once)::

    TIERDESK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tierdesk_bench_sla \
        .venv/bin/python bench/bench_sla_scan.py --rows 1000000

    TIERDESK_DATABASE_URL=sqlite:////tmp/bench_sla.sqlite3 .venv/bin/python bench/bench_sla_scan.py

Rows are bulk-created in batches of 10,000 (``bulk_create`` on SQLite; on PostgreSQL one
``INSERT … SELECT FROM generate_series`` per 100,000 rows, the same columns and shapes, because
building a million model instances takes far longer than the measurement) with the shapes a
real desk has: about a third
paused or answered (no pending check, NULL), the rest with their next warning or breach spread
over the next two weeks, and about 0.05 % due in the last minute. The script prints the plan
(EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) of the exact query ``slawatch.scan``
runs, then the best and median time of that query over repeated runs against the 20 ms target.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")

TARGET_MS = 20.0
NOW = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)


def ensure_postgres_database() -> None:
    url = os.environ.get("TIERDESK_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg
    from dj_database_url import parse

    config = parse(url)
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')  # noqa: S608 - name from the operator's URL


def fill_postgres(rows: int, have: int, organisation_id: int, level_ids: list[int], seed: int) -> None:
    """The same rows as ``fill`` builds, generated inside PostgreSQL."""
    from django.db import connection

    from tickets.models import SlaClock, SlaState, Status, Ticket

    template = Ticket(
        organisation_id=organisation_id,
        level_id=level_ids[0],
        kind="incident",
        status=Status.OPEN,
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
        sla_policy_level="L1",
        sla_clock=SlaClock.FIRST_RESPONSE,
        sla_state=SlaState.OK,
    )
    columns, expressions, params = [], [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(str(field.column)))
        name = field.attname
        if name == "number":
            expressions.append("10000000 + n")
        elif name == "level_id":
            expressions.append(f"CASE WHEN mod(n, 2) = 0 THEN {int(level_ids[0])} ELSE {int(level_ids[-1])} END")
        elif name == "subject":
            expressions.append("'bench ' || n")
        elif name == "status":
            expressions.append(f"CASE WHEN r < 0.15 THEN '{Status.WAITING_CUSTOMER}' ELSE '{Status.OPEN}' END")
        elif name in {"sla_next_check_at", "first_response_due_at"}:
            expressions.append("chk")
        elif name == "sla_segment_started_at":
            expressions.append("CASE WHEN chk IS NULL THEN NULL ELSE %s END")
            params.append(NOW - timedelta(hours=1))
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(getattr(template, name), connection))
    # Column names and expressions come from the model; every value is a parameter.
    sql = (
        f"INSERT INTO tickets_ticket ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM ("  # noqa: S608
        "SELECT n, r, CASE WHEN r < 0.33 THEN NULL"
        " WHEN r < 0.3305 THEN %s - (1 + floor(random() * 60)) * interval '1 second'"
        " ELSE %s + (60 + floor(random() * (14 * 86400 - 60))) * interval '1 second' END AS chk"
        " FROM (SELECT n, random() AS r FROM generate_series(%s, %s) AS n) AS drawn) AS shaped"
    )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        for offset in range(have, rows, 100_000):
            last = min(offset + 100_000, rows) - 1
            cursor.execute(sql, [*params, NOW, NOW, offset, last])
            print(f"  {last + 1:,} rows, {time.perf_counter() - began:.0f} s", flush=True)


def fill(rows: int, seed: int) -> None:
    from django.core.management import call_command

    from accounts.models import Organisation
    from levels.models import SupportLevel
    from tickets.models import SlaClock, SlaState, Status, Ticket

    if not SupportLevel.objects.exists():
        call_command("loaddata", "guide", verbosity=0)
    have = Ticket.objects.count()
    if have >= rows:
        print(f"{have:,} tickets already there")
        return
    organisation = Organisation.objects.first() or Organisation.objects.create(name="Bench")
    levels = list(SupportLevel.objects.filter(code__in=["L1", "L2"]).order_by("code"))
    from django.db import connection

    if connection.vendor == "postgresql":
        fill_postgres(rows, have, organisation.pk, [level.pk for level in levels], seed)
        return
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    start_number = 10_000_000 + have
    began = time.perf_counter()
    for offset in range(have, rows, 10_000):
        batch = []
        for n in range(offset, min(offset + 10_000, rows)):
            roll = rng.random()
            if roll < 0.33:
                check = None  # paused or answered: nothing pending
            elif roll < 0.3305:
                check = NOW - timedelta(seconds=rng.randint(1, 60))  # due in the last minute
            else:
                check = NOW + timedelta(seconds=rng.randint(60, 14 * 86400))
            batch.append(
                Ticket(
                    number=start_number + n,
                    organisation=organisation,
                    level=levels[n % len(levels)],
                    kind="incident",
                    subject=f"bench {n}",
                    status=Status.WAITING_CUSTOMER if check is None and roll < 0.15 else Status.OPEN,
                    created_at=NOW - timedelta(days=1),
                    updated_at=NOW - timedelta(days=1),
                    sla_policy_level="L1",
                    sla_clock=SlaClock.FIRST_RESPONSE,
                    sla_state=SlaState.OK,
                    sla_segment_started_at=None if check is None else NOW - timedelta(hours=1),
                    first_response_due_at=check,
                    sla_next_check_at=check,
                )
            )
        Ticket.objects.bulk_create(batch, batch_size=10_000)
        done = min(offset + 10_000, rows)
        if done % 100_000 == 0 or done == rows:
            print(f"  {done:,} rows, {time.perf_counter() - began:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    ensure_postgres_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from slawatch.scan import due_query

    call_command("migrate", verbosity=0)
    fill(args.rows, args.seed)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: statistics and the visibility map (which
            # lets the covering index answer without visiting the table).
            cursor.execute("VACUUM ANALYZE tickets_ticket")
        else:
            cursor.execute("ANALYZE")

    query = due_query(NOW, 500)
    sql, params = query.query.sql_with_params()
    print(f"\n{connection.vendor}, {args.rows:,} tickets; the scan query:\n  {sql}\n  params={params}\n")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        for row in cursor.fetchall():
            print("  " + " | ".join(str(part) for part in row))
    timings = []
    found = 0
    for _ in range(args.repeat):
        began = time.perf_counter()
        found = len(list(due_query(NOW, 500).values_list("pk", flat=True)))
        timings.append((time.perf_counter() - began) * 1000)
    best, median = min(timings), statistics.median(timings)
    print(
        f"\n{found} due tickets; scan query best {best:.2f} ms, median {median:.2f} ms "
        f"(target < {TARGET_MS:.0f} ms: {TARGET_MS / median:.1f}x)"
    )


if __name__ == "__main__":
    main()
