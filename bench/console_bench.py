"""Benchmark of the agents' console: the first queue page, search and the supervisor's dashboard.

Generates N tickets with their messages, audit events ("created", and "transferred" for the L2
tickets that came from L1), SLA clocks and measurements (the L1 promise of a moved ticket, and
each answered ticket's first response on the level that answered) and search documents (text,
and the ``tsvector`` on PostgreSQL or the FTS5 table on SQLite) into a dedicated database. On
PostgreSQL the rows are written by the database itself (``INSERT … SELECT`` over
``generate_series``, 100,000 tickets per statement): 1,000,000 tickets and 5,000,000 messages
take about 13 minutes on two shared cores. On SQLite they go through ``bulk_create`` (use it for
small runs). Then it times each page server-side through Django's test client (middleware,
queries and template rendering included), round-robin over the pages, and prints the median and
the best time and their ratio to the 10,000-ticket run of the same engine when one was recorded,
with the load average (the machine may be shared: compare ratios, and best times under load).

Tickets arrive at a steady rate (``--per-day``, 150 by default), so a larger N means a longer
history, as on a real desk: the active backlog and the dashboard's eight weeks hold about the
same number of tickets at 10,000 as at 1,000,000, and the measurement shows whether a page's cost
grows with the size of the tables.

    # SQLite (a file under var/bench/)
    python bench/console_bench.py --tickets 10000
    # PostgreSQL (the database is dropped and re-created)
    python bench/console_bench.py --database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench \\
        --tickets 1000000 --messages-per-ticket 5
    # time the pages again on the data written before
    python bench/console_bench.py --database-url … --tickets 1000000 --measure-only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "servidor ping correo dns dominio alojamiento web error timeout reinicio disco memoria php mysql "
    "certificado ssl ftp backup copia cuota factura presupuesto configuración red latencia pérdida "
    "paquetes firewall puerto smtp imap pop buzón spam redirección zona registro caducado renovación"
).split()
CUSTOMERS = 200
DAY = timedelta(days=1)
FIRST_NUMBER = 5_000_000


def prepare_database(url: str | None, tickets: int) -> str:
    if url is None:
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"console-{tickets}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if url.startswith(("postgres:", "postgresql:")):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    return url


def generate(tickets: int, messages_per_ticket: int, per_day: int, batch: int | None) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    # The demo accounts need no slow password hashing; the benchmark is about the console.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    call_command("loaddata", "guide", verbosity=0)
    password = os.environ.get("BENCH_PASSWORD", "bench-" + "password-1")
    if connection.vendor == "postgresql":
        generate_postgres(tickets, messages_per_ticket, per_day, batch or 100_000, password)
        return
    batch = batch or 5_000
    from console import search
    from console.models import SearchDocument
    from tickets.models import Message, Sender, SlaMeasurement, Status, Ticket, TicketEvent

    rng = random.Random(20270302)  # noqa: S311 - repeatable data, not secrets
    now = timezone.now()
    customers, levels, categories, teams = _setup(rng, password)
    service_refs = {service.pk: service.reference for _contact, service in customers}
    interval = timedelta(days=1) / per_day
    started = time.perf_counter()
    number = FIRST_NUMBER
    for offset in range(0, tickets, batch):
        rows = []
        count = min(batch, tickets - offset)
        for index in range(offset, offset + count):
            created = now - interval * (tickets - index)
            contact, service = customers[index % len(customers)]
            code = "L1" if index % 3 else "L2"
            category = rng.choice(categories[code])
            age = now - created
            if age < timedelta(days=3):
                status = rng.choice([Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.RESOLVED])
            else:
                status = Status.CLOSED
            responded = created + timedelta(minutes=rng.randint(5, 600)) if rng.random() < 0.9 else None
            if responded is not None and responded > now:
                responded = None
            closed = status == Status.CLOSED
            target, warning = (timedelta(hours=6), timedelta(hours=1)) if code == "L1" else (DAY, DAY / 2)
            running = responded is None and status in {Status.NEW, Status.OPEN}
            rows.append(
                Ticket(
                    number=number + index,
                    organisation=contact.organisation,
                    requester=contact,
                    service=service,
                    level=levels[code],
                    category=category,
                    kind=category.kind,
                    subject=" ".join(rng.sample(WORDS, 4)),
                    channel=rng.choice(["manager", "phone", "email", "api"]),
                    status=status,
                    team=teams[code],
                    created_at=created,
                    updated_at=created,
                    first_responded_at=responded,
                    resolved_at=created + timedelta(hours=8) if closed or status == Status.RESOLVED else None,
                    closed_at=created + timedelta(days=2) if closed else None,
                    score=rng.randint(1, 5) if closed and rng.random() < 0.3 else None,
                    sla_policy_level=code,
                    sla_clock="first_response" if running else "",
                    sla_state=("ok" if running else "")
                    if responded is None
                    else ("breached" if responded - created > target else "met"),
                    sla_started_at=created if running else None,
                    sla_segment_started_at=created if running else None,
                    first_response_warn_at=created + warning if running else None,
                    first_response_due_at=created + target if running else None,
                )
            )
        with transaction.atomic():
            made = Ticket.objects.bulk_create(rows, batch_size=batch)
            if connection.vendor == "sqlite":  # SQLite returns no ids from bulk_create before 3.35 paths
                ids = dict(
                    Ticket.objects.filter(number__gte=number + offset, number__lt=number + offset + count).values_list(
                        "number", "id"
                    )
                )
                for ticket in made:
                    ticket.pk = ids[ticket.number]
            messages, events, documents, measured = [], [], [], []
            for ticket in made:
                if ticket.first_responded_at is not None:
                    used = ticket.first_responded_at - ticket.created_at
                    measured.append(
                        SlaMeasurement(
                            ticket_id=ticket.pk,
                            level=ticket.sla_policy_level,
                            clock="first_response",
                            outcome="breached" if ticket.sla_state == "breached" else "met",
                            started_at=ticket.created_at,
                            ended_at=ticket.first_responded_at,
                            elapsed_seconds=int(used.total_seconds()),
                            target_seconds=6 * 3600 if ticket.sla_policy_level == "L1" else 86400,
                        )
                    )
                bodies = [" ".join(rng.choices(WORDS, k=12)) for _ in range(messages_per_ticket)]
                for position, body in enumerate(bodies):
                    messages.append(
                        Message(
                            ticket_id=ticket.pk,
                            sender=Sender.CUSTOMER if position % 2 == 0 else Sender.SUPPORT,
                            body=body,
                            body_html=f"<p>{body}</p>",
                            created_at=ticket.created_at + timedelta(minutes=position),
                        )
                    )
                events.append(
                    TicketEvent(
                        ticket_id=ticket.pk,
                        kind="created",
                        data={"level": ticket.level.code},
                        created_at=ticket.created_at,
                    )
                )
                if ticket.level.code == "L2" and rng.random() < 0.2:
                    events.append(
                        TicketEvent(
                            ticket_id=ticket.pk,
                            kind="transferred",
                            data={"before": {"level": "L1"}, "after": {"level": "L2"}, "reason": "bench"},
                            created_at=ticket.created_at + timedelta(minutes=30),
                        )
                    )
                documents.append(
                    SearchDocument(
                        ticket_id=ticket.pk,
                        document="\n".join(
                            [str(ticket.number), ticket.subject, service_refs.get(ticket.service_id or 0, ""), *bodies]
                        ),
                        updated_at=now,
                    )
                )
            Message.objects.bulk_create(messages, batch_size=batch)
            SlaMeasurement.objects.bulk_create(measured, batch_size=batch)
            TicketEvent.objects.bulk_create(events, batch_size=batch)
            SearchDocument.objects.bulk_create(documents, batch_size=batch)
            search.write_engine_index([ticket.pk for ticket in made])
        done = offset + count
        rate = done / (time.perf_counter() - started)
        print(f"  {done:>9,} tickets written ({rate:,.0f}/s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _setup(
    rng: random.Random, password: str
) -> tuple[list[tuple[Any, Any]], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Accounts, customers, services and the guide's levels (a few hundred rows, through the ORM)."""
    from accounts.actions import create_customer, create_staff
    from accounts.models import Role
    from levels.models import Category, SupportLevel, Team
    from services.models import Service

    create_staff(username="bench-l1", role=Role.L1_TECHNICIAN, password=password, first_name="L1")
    create_staff(username="bench-boss", role=Role.SUPERVISOR, password=password, first_name="Boss")
    customers = []
    for index in range(CUSTOMERS):
        contact = create_customer(
            name=f"Cliente {index}",
            email=f"c{index}@example.com",
            password=password,
            identifier=f"cb{index:05d}-ovh",
        )
        assert contact.organisation is not None
        service = Service.objects.create(
            organisation=contact.organisation,
            reference=f"ns{index:06d}.ip-51-75-1.eu",
            product=rng.choice(["dedicated", "hosting", "mail", "vps"]),
        )
        customers.append((contact, service))
    levels = {level.code: level for level in SupportLevel.objects.all()}
    categories = {code: list(Category.objects.filter(level=levels[code]).order_by("pk")) for code in ("L1", "L2")}
    teams = {code: Team.objects.filter(level=levels[code]).order_by("pk").first() for code in ("L1", "L2")}
    return customers, levels, categories, teams


def generate_postgres(tickets: int, messages_per_ticket: int, per_day: int, batch: int, password: str) -> None:
    """The same shapes as ``generate``, written by PostgreSQL itself: ``INSERT … SELECT`` over
    ``generate_series`` per batch of tickets, then messages, audit events, SLA measurements and
    search documents (text and ``tsvector``) from the tickets just written."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from tickets.models import Ticket

    rng = random.Random(20270302)  # noqa: S311 - repeatable data, not secrets
    customers, levels, categories, teams = _setup(rng, password)
    agent_id = User.objects.get(username="bench-l1").pk
    now = timezone.now()
    started = time.perf_counter()

    def step(label: str, done: int) -> None:
        print(f"  {label:<28}{done:>12,}  ({time.perf_counter() - started:,.0f} s)", flush=True)

    l1, l2 = levels["L1"], levels["L2"]
    params: dict[str, Any] = {
        "now": now,
        "total": tickets,
        "spacing": 86400.0 / per_day,
        "base": FIRST_NUMBER,
        "orgs": [contact.organisation_id for contact, _service in customers],
        "requesters": [contact.pk for contact, _service in customers],
        "services": [service.pk for _contact, service in customers],
        "l1": l1.pk,
        "l2": l2.pk,
        "l1_team": teams["L1"].pk if teams["L1"] else None,
        "l2_team": teams["L2"].pk if teams["L2"] else None,
        "l1_cats": [c.pk for c in categories["L1"]],
        "l1_kinds": [c.kind for c in categories["L1"]],
        "l2_cats": [c.pk for c in categories["L2"]],
        "l2_kinds": [c.kind for c in categories["L2"]],
        "words": list(WORDS),
        "agent": agent_id,
        "customers": len(customers),
        "mpt": messages_per_ticket,
    }
    # Per ticket n (0 … N-1), drawn once: opened at a steady rate up to now; L2 every third; a
    # fifth of those moved from L1 after 30 min … 10 h (the L1 clock measured, cancelled or late);
    # 90 % answered 5 … 600 min after arriving on their level; active only in the last 3 days.
    shaped = """
      SELECT s.*,
        CASE WHEN s.recent THEN (ARRAY['new','open','waiting_customer','resolved'])[1 + floor(s.r1 * 4)::int]
             ELSE 'closed' END AS status,
        CASE WHEN s.r2 < 0.9 AND s.arrived + s.resp_min * interval '1 minute' <= %(now)s
             THEN s.arrived + s.resp_min * interval '1 minute' END AS responded
      FROM (
        SELECT d.*, d.created + d.xfer_min * interval '1 minute' AS arrived,
               d.created > %(now)s - interval '3 days' AS recent,
               CASE WHEN d.on_l1 THEN 21600 ELSE 86400 END AS target_s,
               CASE WHEN d.on_l1 THEN 3600 ELSE 43200 END AS warn_s
        FROM (
          SELECT n, %(now)s - (%(total)s - n) * %(spacing)s * interval '1 second' AS created,
                 mod(n, 3) <> 0 AS on_l1,
                 CASE WHEN mod(n, 3) = 0 AND mod(n / 3, 5) = 0 THEN 30 + mod(n * 7919, 571) ELSE 0 END AS xfer_min,
                 1 + mod(n, %(customers)s) AS customer,
                 5 + floor(random() * 596)::int AS resp_min,
                 random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
        ) AS d
      ) AS s
    """

    def pick(array: str, kind: str, draw: str) -> str:
        """One element of a parameter array, chosen by a draw in [0, 1)."""
        return f"(%({array})s::{kind}[])[1 + floor({draw} * cardinality(%({array})s::{kind}[]))::int]"

    running = "(t.status IN ('new', 'open') AND t.responded IS NULL)"
    paused = "(t.status = 'waiting_customer' AND t.responded IS NULL)"
    due = "(t.arrived + t.target_s * interval '1 second')"
    warn = "(t.arrived + t.warn_s * interval '1 second')"
    late = "(t.responded IS NOT NULL AND t.resp_min * 60 > t.target_s)"
    resolved = "(CASE WHEN t.status IN ('resolved', 'closed') THEN LEAST(t.arrived + interval '8 hours', %(now)s) END)"
    expressions = {
        "number": "%(base)s + t.n",
        "organisation_id": "(%(orgs)s::bigint[])[t.customer]",
        "requester_id": "(%(requesters)s::bigint[])[t.customer]",
        "service_id": "(%(services)s::bigint[])[t.customer]",
        "level_id": "CASE WHEN t.on_l1 THEN %(l1)s ELSE %(l2)s END",
        "category_id": f"CASE WHEN t.on_l1 THEN {pick('l1_cats', 'bigint', 't.r3')}"
        f" ELSE {pick('l2_cats', 'bigint', 't.r3')} END",
        "kind": f"CASE WHEN t.on_l1 THEN {pick('l1_kinds', 'text', 't.r3')}"
        f" ELSE {pick('l2_kinds', 'text', 't.r3')} END",
        "subject": " || ' ' || ".join([pick("words", "text", "random()")] * 4),
        "channel": "(ARRAY['manager', 'phone', 'email', 'api'])[1 + floor(t.r4 * 4)::int]",
        "status": "t.status",
        "assignee_id": "CASE WHEN t.recent AND t.on_l1 AND t.r5 < 0.3 THEN %(agent)s END",
        "team_id": "CASE WHEN t.on_l1 THEN %(l1_team)s ELSE %(l2_team)s END",
        "created_at": "t.created",
        "updated_at": "LEAST(GREATEST(t.arrived, t.responded, CASE WHEN t.status = 'closed'"
        " THEN t.created + interval '2 days' END), %(now)s)",
        "first_responded_at": "t.responded",
        "resolved_at": resolved,
        "closed_at": "CASE WHEN t.status = 'closed' THEN t.created + interval '2 days' END",
        "score": "CASE WHEN t.status = 'closed' AND t.r5 < 0.3 THEN 1 + floor(t.r4 * 5)::int END",
        "sla_policy_level": "CASE WHEN t.on_l1 THEN 'L1' ELSE 'L2' END",
        "sla_clock": f"CASE WHEN {running} OR {paused} THEN 'first_response' ELSE '' END",
        "sla_state": f"CASE WHEN {running} AND {due} <= %(now)s THEN 'breached'"
        f" WHEN {running} AND {warn} <= %(now)s THEN 'warning' WHEN {running} OR {paused} THEN 'ok'"
        f" WHEN {late} THEN 'breached' WHEN t.responded IS NOT NULL THEN 'met' ELSE '' END",
        "sla_started_at": f"CASE WHEN {running} OR {paused} THEN t.arrived END",
        "sla_segment_started_at": f"CASE WHEN {running} THEN t.arrived END",
        "sla_paused_at": f"CASE WHEN {paused} THEN t.arrived + interval '1 hour' END",
        "first_response_warn_at": f"CASE WHEN {running} THEN {warn} END",
        "first_response_due_at": f"CASE WHEN {running} THEN {due} END",
        "sla_warned_at": f"CASE WHEN {running} AND {warn} <= %(now)s THEN {warn} END",
        "sla_breached_at": f"CASE WHEN {running} AND {due} <= %(now)s THEN {due} END",
        "sla_next_check_at": f"CASE WHEN {running} AND {due} > %(now)s THEN"
        f" CASE WHEN {warn} > %(now)s THEN {warn} ELSE {due} END END",
    }
    template = Ticket(kind="incident", subject="", created_at=now, updated_at=now)
    columns, selects = [], []
    for ticket_field in Ticket._meta.concrete_fields:
        if ticket_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(str(ticket_field.column)))
        if ticket_field.attname in expressions:
            selects.append(expressions[ticket_field.attname])
        else:
            key = f"default_{ticket_field.attname}"
            params[key] = ticket_field.get_db_prep_save(getattr(template, ticket_field.attname), connection)
            selects.append(f"%({key})s")
    insert_tickets = (
        f"INSERT INTO tickets_ticket ({', '.join(columns)}) SELECT {', '.join(selects)} FROM ({shaped}) AS t"  # noqa: S608
    )
    body = " || ' ' || ".join([pick("words", "text", "random()")] * 12)
    # Back from a ticket's number to its n; the L1 → L2 move and its time are functions of n.
    n_of = "(t.number - %(base)s)"
    xfer_min = f"(CASE WHEN mod({n_of}, 3) = 0 AND mod({n_of} / 3, 5) = 0 THEN 30 + mod({n_of} * 7919, 571) ELSE 0 END)"
    chunk = "t.number BETWEEN %(base)s + %(first)s AND %(base)s + %(last)s"
    insert_messages = f"""
      INSERT INTO tickets_message (ticket_id, author_id, sender, body, body_html, body_code, body_params, internal,
                                   channel, created_at)
      SELECT b.id, NULL, CASE WHEN mod(b.position, 2) = 0 THEN 'customer' ELSE 'support' END,
             b.body, '<p>' || b.body || '</p>', '', '{{}}'::jsonb, false, 'manager',
             b.created_at + b.position * interval '1 minute'
      FROM (SELECT t.id, t.created_at, p.position, {body} AS body
            FROM tickets_ticket AS t CROSS JOIN generate_series(0, %(mpt)s - 1) AS p(position)
            WHERE {chunk}) AS b
    """  # noqa: S608
    insert_events = f"""
      INSERT INTO tickets_ticketevent (ticket_id, actor_id, kind, data, created_at)
      SELECT t.id, NULL::bigint, 'created',
             jsonb_build_object('level', CASE WHEN {xfer_min} > 0 THEN 'L1' ELSE t.sla_policy_level END,
                                'channel', t.channel, 'category', t.category_id),
             t.created_at
      FROM tickets_ticket AS t WHERE {chunk}
      UNION ALL
      SELECT t.id, NULL::bigint, 'transferred',
             jsonb_build_object('before', jsonb_build_object('level', 'L1'),
                                'after', jsonb_build_object('level', 'L2'), 'reason', 'bench'),
             t.created_at + {xfer_min} * interval '1 minute'
      FROM tickets_ticket AS t WHERE {chunk} AND {xfer_min} > 0
    """  # noqa: S608
    # How each first-response promise ended: the L1 clock of a moved ticket (stopped by the move,
    # late after 6 h), and every answered ticket's clock on the level that answered.
    insert_measurements = f"""
      INSERT INTO sla_slameasurement (ticket_id, level, clock, outcome, started_at, ended_at,
                                      elapsed_seconds, target_seconds)
      SELECT t.id, 'L1', 'first_response', CASE WHEN {xfer_min} * 60 > 21600 THEN 'breached' ELSE 'cancelled' END,
             t.created_at, t.created_at + {xfer_min} * interval '1 minute', {xfer_min} * 60, 21600
      FROM tickets_ticket AS t WHERE {chunk} AND {xfer_min} > 0
      UNION ALL
      SELECT t.id, t.sla_policy_level, 'first_response',
             CASE WHEN t.sla_state = 'breached' THEN 'breached' ELSE 'met' END,
             t.created_at + {xfer_min} * interval '1 minute', t.first_responded_at,
             EXTRACT(EPOCH FROM t.first_responded_at - t.created_at)::bigint - {xfer_min} * 60,
             CASE WHEN t.sla_policy_level = 'L1' THEN 21600 ELSE 86400 END
      FROM tickets_ticket AS t WHERE {chunk} AND t.first_responded_at IS NOT NULL
    """  # noqa: S608
    # build_document's text: number, subject, customer, contacts, service, every message.
    insert_documents = f"""
      INSERT INTO console_searchdocument (ticket_id, document, vector, updated_at)
      SELECT d.id, d.document, to_tsvector('simple', d.document), %(now)s
      FROM (
        SELECT t.id, concat_ws(E'\\n', t.number::text, t.subject, o.name, u.username, s.reference,
                               string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id)) AS document
        FROM tickets_ticket AS t
        JOIN accounts_organisation AS o ON o.id = t.organisation_id
        LEFT JOIN accounts_user AS u ON u.id = t.requester_id
        LEFT JOIN services_service AS s ON s.id = t.service_id
        JOIN tickets_message AS m ON m.ticket_id = t.id
        WHERE {chunk}
        GROUP BY t.id, o.name, u.username, s.reference
      ) AS d
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2027)")
        for first in range(0, tickets, batch):
            last = min(first + batch, tickets) - 1
            cursor.execute(insert_tickets, {**params, "first": first, "last": last})
            step("tickets", last + 1)
        for name, sql in (
            ("messages", insert_messages),
            ("audit events", insert_events),
            ("SLA measurements", insert_measurements),
            ("search documents", insert_documents),
        ):
            for first in range(0, tickets, batch):
                last = min(first + batch, tickets) - 1
                cursor.execute(sql, {**params, "first": first, "last": last})
            step(name, tickets)
        # What autovacuum does after a bulk load: statistics and the visibility map.
        cursor.execute("VACUUM ANALYZE")
        step("vacuum analyze", tickets)


def measure(repeat: int) -> dict[str, float]:
    """Median and best time of each page, in ms (``<page>_ms`` and ``<page>_best_ms``)."""
    from django.test import Client

    from accounts.models import User

    agent, boss = Client(), Client()
    agent.force_login(User.objects.get(username="bench-l1"))
    boss.force_login(User.objects.get(username="bench-boss"))
    pages = {
        "queue_first_page": (agent, "/console/?level=L1"),
        "queue_unassigned": (agent, "/console/?level=L1&assignee=none"),
        "search_rare": (agent, "/console/search/?q=ns000042.ip-51-75-1.eu+certificado"),
        "search_common": (agent, "/console/search/?q=servidor"),
        "dashboard": (boss, "/console/dashboard/"),
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    for client, url in pages.values():
        client.get(url)  # warm caches and the session
    # Round-robin over the pages, so a burst of load on the machine touches every page alike.
    for _ in range(repeat):
        for name, (client, url) in pages.items():
            started = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    results = {}
    for name, values in times.items():
        results[f"{name}_ms"] = statistics.median(values)
        results[f"{name}_best_ms"] = min(values)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--messages-per-ticket", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=150, help="tickets opened per day (sets the history length)")
    parser.add_argument(
        "--batch", type=int, default=None, help="tickets per statement (5,000 on SQLite, 100,000 on PostgreSQL)"
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="a database the benchmark may drop and re-create")
    parser.add_argument("--generate-only", action="store_true", help="write the data and stop")
    parser.add_argument("--measure-only", action="store_true", help="time the pages on data generated before")
    args = parser.parse_args()

    if args.measure_only:
        url = args.database_url or f"sqlite:///{ROOT / 'var' / 'bench' / f'console-{args.tickets}.sqlite3'}"
    else:
        url = prepare_database(args.database_url, args.tickets)
    os.environ["TIERDESK_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    os.environ.setdefault("TIERDESK_TASK_BACKEND", "dummy")
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    if not args.measure_only:
        print(f"Generating {args.tickets:,} tickets × {args.messages_per_ticket} messages on {connection.vendor}")
        started = time.perf_counter()
        generate(args.tickets, args.messages_per_ticket, args.per_day, args.batch)
        print(f"Generated in {time.perf_counter() - started:,.0f} s")
    if args.generate_only:
        return
    results = measure(args.repeat)
    record = ROOT / "var" / "bench" / f"console-{connection.vendor}-{args.tickets}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(results, indent=2))
    baseline_file = ROOT / "var" / "bench" / f"console-{connection.vendor}-10000.json"
    baseline = json.loads(baseline_file.read_text()) if baseline_file.exists() else None
    print(f"\nload average {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)")
    print(f"{'page':<20}{'median ms':>11}{'× 10,000':>10}{'best ms':>10}{'× 10,000':>10}")
    for name in [key[:-3] for key in results if not key.endswith("_best_ms")]:
        cells: list[str] = []
        for key in (f"{name}_ms", f"{name}_best_ms"):
            value = results[key]
            ratio = f"{value / baseline[key]:.2f}" if baseline and baseline.get(key) else "—"
            cells.append(f"{value:>11.1f}{ratio:>10}" if not cells else f"{value:>10.1f}{ratio:>10}")
        print(f"{name:<20}{''.join(cells)}")


if __name__ == "__main__":
    main()
