"""Benchmark of the agents' console: the first queue page, search and the supervisor's dashboard.

Generates N tickets (with messages, audit events and search documents, written with
``bulk_create`` in batches) into a dedicated database, then times each page server-side through
Django's test client (middleware, queries and template rendering included) and prints the
median, and the ratio to the 10,000-ticket run of the same engine when one was recorded.

Tickets arrive at a steady rate (``--per-day``, 150 by default), so a larger N means a longer
history, as on a real desk: the active backlog and the dashboard's eight weeks hold about the
same number of tickets at 10,000 as at 1,000,000, and the measurement shows whether a page's cost
grows with the size of the tables.

    # SQLite (a file under var/bench/)
    python bench/console_bench.py --tickets 10000
    # PostgreSQL (the database is dropped and re-created)
    python bench/console_bench.py --database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench \\
        --tickets 1000000 --messages-per-ticket 5
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "servidor ping correo dns dominio alojamiento web error timeout reinicio disco memoria php mysql "
    "certificado ssl ftp backup copia cuota factura presupuesto configuración red latencia pérdida "
    "paquetes firewall puerto smtp imap pop buzón spam redirección zona registro caducado renovación"
).split()


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


def generate(tickets: int, messages_per_ticket: int, per_day: int, batch: int) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.actions import create_customer, create_staff
    from accounts.models import Role
    from console import search
    from console.models import SearchDocument
    from levels.models import Category, SupportLevel, Team
    from services.models import Service
    from tickets.models import Message, Sender, Status, Ticket, TicketEvent

    # The demo accounts need no slow password hashing; the benchmark is about the console.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    call_command("loaddata", "guide", verbosity=0)
    rng = random.Random(20270302)  # noqa: S311 - repeatable data, not secrets
    password = os.environ.get("BENCH_PASSWORD", "bench-" + "password-1")
    now = timezone.now()
    create_staff(username="bench-l1", role=Role.L1_TECHNICIAN, password=password, first_name="L1")
    create_staff(username="bench-boss", role=Role.SUPERVISOR, password=password, first_name="Boss")
    customers = []
    for index in range(200):
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
    service_refs = {service.pk: service.reference for _contact, service in customers}
    levels = {level.code: level for level in SupportLevel.objects.all()}
    categories = {code: list(Category.objects.filter(level=levels[code])) for code in ("L1", "L2")}
    teams = {code: Team.objects.filter(level=levels[code]).first() for code in ("L1", "L2")}
    interval = timedelta(days=1) / per_day
    started = time.perf_counter()
    number = 5_000_000
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
            messages, events, documents = [], [], []
            for ticket in made:
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
            TicketEvent.objects.bulk_create(events, batch_size=batch)
            SearchDocument.objects.bulk_create(documents, batch_size=batch)
            search.write_engine_index([ticket.pk for ticket in made])
        done = offset + count
        rate = done / (time.perf_counter() - started)
        print(f"  {done:>9,} tickets written ({rate:,.0f}/s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(repeat: int) -> dict[str, float]:
    from django.test import Client

    from accounts.models import User

    def timed(client: Client, url: str) -> float:
        client.get(url)  # warm caches and the session
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times)

    agent, boss = Client(), Client()
    agent.force_login(User.objects.get(username="bench-l1"))
    boss.force_login(User.objects.get(username="bench-boss"))
    return {
        "queue_first_page_ms": timed(agent, "/console/?level=L1"),
        "queue_unassigned_ms": timed(agent, "/console/?level=L1&assignee=none"),
        "search_rare_ms": timed(agent, "/console/search/?q=ns000042.ip-51-75-1.eu+certificado"),
        "search_common_ms": timed(agent, "/console/search/?q=servidor"),
        "dashboard_ms": timed(boss, "/console/dashboard/"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--messages-per-ticket", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=150, help="tickets opened per day (sets the history length)")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
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
    print(f"\n{'page':<24}{'median ms':>12}{'× 10,000 run':>15}")
    for name, value in results.items():
        ratio = f"{value / baseline[name]:.2f}" if baseline and baseline.get(name) else "—"
        print(f"{name:<24}{value:>12.1f}{ratio:>15}")


if __name__ == "__main__":
    main()
