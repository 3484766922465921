"""Benchmark of the REST API under gunicorn (not part of the test suite).

    cd <checkout> && .venv/bin/python bench/api_bench.py [--seconds 10] [--clients 8] [--big 1000000]

What it does, all on 127.0.0.1 and in a throw-away directory:

1. Creates a SQLite database on disk (WAL), loads the guide, a customer with a service, a member
   of staff and a write token for each, then starts ``gunicorn -w 2`` on a free port with the
   database task backend (as a laptop install runs).
2. Floor: ``--clients`` threads call ``GET /api/v1/ping`` (a trivial JSON answer from the same
   processes) for ``--seconds``; then the same threads open tickets with
   ``POST /api/v1/tickets`` for ``--seconds``. Every 201 must match a ticket row afterwards.
   Prints both rates and creation as a percentage of the floor (target: at least 30 %).
3. List at scale: bulk-inserts tickets up to 10,000 and times the first page of
   ``GET /api/v1/tickets`` (median of 30 calls, for the customer and for staff), then up to
   ``--big`` tickets and times it again, printing the ratio (target: within 2x).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SETUP = """
import django
django.setup()
from django.core.management import call_command
from accounts.actions import create_customer, create_staff
from accounts.models import Role
from api.actions import create_token
from services.models import Service
call_command("loaddata", "guide", verbosity=0)
customer = create_customer(name="Bench Customer", email="bench@example.com", password="bench-password-123",
                           identifier="bc1234-ovh")
Service.objects.create(organisation=customer.organisation, reference="ns1.bench.example", product="dedicated")
staff = create_staff(username="bench-super", role=Role.SUPERVISOR, password="bench-password-123", first_name="Bench")
print(create_token(user=customer, name="bench", scope="write", actor=customer).secret)
print(create_token(user=staff, name="bench", scope="write", actor=staff).secret)
print(customer.organisation_id, customer.pk)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(port: int, method: str, path: str, body: bytes | None = None, token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(port: int, clients: int, seconds: float, request: tuple[str, str, bytes | None, str | None]) -> dict:
    """``clients`` threads repeat ``request`` for ``seconds`` (at most 5,000 calls each)."""
    statuses: dict[int, int] = {}
    created: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        for _ in range(5000):
            if time.monotonic() >= deadline:
                return
            status, content = call(port, *request)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    created.append(json.loads(content)["number"])

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    return {"statuses": statuses, "rate": total / elapsed, "created": created, "elapsed": elapsed}


def first_page_ms(port: int, token: str, runs: int = 30) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        status, _content = call(port, "GET", "/api/v1/tickets?limit=25", token=token)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return statistics.median(timings)


def phase(pid: int, port: int, args: argparse.Namespace, request: tuple[str, str, bytes | None, str | None]) -> dict:
    """One timed phase of ``load``, with the server's CPU time it used."""
    before = server_cpu(pid)
    result = load(port, args.clients, args.seconds, request)
    result["cpu"] = server_cpu(pid) - before
    return result


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server's master and its workers (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for each in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def fill(database: Path, organisation_id: int, requester_id: int, up_to: int) -> float:
    """Insert tickets with one SQL statement until the table holds ``up_to`` rows."""
    started = time.monotonic()
    db = sqlite3.connect(database, timeout=60)
    count = db.execute("SELECT COUNT(*), COALESCE(MAX(number), 1000000) FROM tickets_ticket").fetchone()
    missing = up_to - count[0]
    if missing > 0:
        level, category = db.execute(
            "SELECT level_id, id FROM levels_category WHERE code = 'server_no_ping'"
        ).fetchone()
        db.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO tickets_ticket (number, organisation_id, requester_id, service_id, level_id, category_id, kind,
                subject, channel, status, priority, assignee_id, team_id, last_message_from, created_at, updated_at,
                first_responded_at, resolved_at, closed_at, reopen_count, score, score_comment, scored_at,
                sla_policy_level, sla_clock, sla_state, sla_elapsed, sla_resolution_elapsed)
            SELECT ? + i, ?, ?, NULL, ?, ?, 'incident', 'Bulk ticket ' || i, 'api',
                CASE i % 4 WHEN 0 THEN 'closed' WHEN 1 THEN 'open' WHEN 2 THEN 'new' ELSE 'resolved' END,
                'normal', NULL, NULL, 'customer',
                datetime('2020-01-01', '+' || i || ' seconds'), datetime('2020-01-01', '+' || i || ' seconds'),
                NULL, NULL, NULL, 0, NULL, '', NULL, '', '', '', 0, 0
            FROM n
            """,
            (missing, count[1], organisation_id, requester_id, level, category),
        )
        db.commit()
    db.execute("ANALYZE")
    db.close()
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: any free one)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the target is set for 2)")
    parser.add_argument("--rounds", type=int, default=3, help="ping and create phases, in turn (median ratio)")
    parser.add_argument("--no-list", action="store_true", help="skip the list phase")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tierdesk-bench-"))
    database = workdir / "bench.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        "TIERDESK_DATA_DIR": str(workdir),
        "TIERDESK_DATABASE_URL": f"sqlite:///{database}",
        "TIERDESK_DEBUG": "false",
        "TIERDESK_SECRET_KEY": secrets.token_urlsafe(60),
        "TIERDESK_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "TIERDESK_ALLOWED_HOSTS": "127.0.0.1",
        "TIERDESK_SSL_REDIRECT": "false",
        "TIERDESK_SECURE_COOKIES": "false",
        "TIERDESK_TASK_BACKEND": "database",
        "TIERDESK_API_RATE_LIMIT": "10000000",
        "TIERDESK_LOG_LEVEL": "WARNING",
    }
    env.pop("TIERDESK_TESTING", None)
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    lines = subprocess.run(
        [PYTHON, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    customer_token, staff_token, organisation_id, requester_id = lines[0], lines[1], int(lines[2]), int(lines[3])

    port = args.port or free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "tierdesk.wsgi",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                if call(port, "GET", "/api/v1/ping")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        for _ in range(20):  # warm both workers
            call(port, "GET", "/api/v1/ping")
            call(port, "GET", "/api/v1/tickets", token=customer_token)

        body = json.dumps(
            {"subject": "Bench", "body": "El servidor no responde", "category": "server_no_ping",
             "service": "ns1.bench.example"}
        ).encode()  # fmt: skip
        ratios = []
        numbers: list[int] = []
        answered = 0
        for round_number in range(1, args.rounds + 1):
            ping = phase(server.pid, port, args, ("GET", "/api/v1/ping", None, None))
            create = phase(server.pid, port, args, ("POST", "/api/v1/tickets", body, customer_token))
            numbers += create["created"]
            answered += create["statuses"].get(201, 0)
            ratios.append(100 * create["rate"] / ping["rate"])
            print(f"round {round_number}: create / ping = {ratios[-1]:.1f} %")
            for name, result in (("ping", ping), ("create", create)):
                calls = sum(result["statuses"].values())
                print(
                    f"  {name + ':':7} {result['rate']:8.1f} req/s  statuses {result['statuses']}"
                    f"  server CPU {1000 * result['cpu'] / calls:.2f} ms a request,"
                    f" {100 * result['cpu'] / result['elapsed']:.0f} % of one core"
                )
        db = sqlite3.connect(database, timeout=60)
        found = {
            row[0]
            for row in db.execute(
                "SELECT number FROM tickets_ticket WHERE channel = 'api' AND subject = 'Bench'"
            ).fetchall()
        }
        db.close()
        print(f"every 201 has its row: {set(numbers) == found and len(numbers) == answered}"
              f" ({answered} answered 201, {len(found)} rows)")  # fmt: skip
        print(
            f"create / ping = {statistics.median(ratios):.1f} %, median of {len(ratios)} rounds"
            f" ({', '.join(f'{r:.1f}' for r in ratios)})  (target >= 30 %)"
        )

        if args.no_list:
            return
        fill(database, organisation_id, requester_id, 10_000)
        small = {"customer": first_page_ms(port, customer_token), "staff": first_page_ms(port, staff_token)}
        took = fill(database, organisation_id, requester_id, args.big)
        large = {"customer": first_page_ms(port, customer_token), "staff": first_page_ms(port, staff_token)}
        print(f"(filled to {args.big:,} tickets in {took:.0f} s)")
        for who in ("customer", "staff"):
            print(
                f"first page, {who:8}: {small[who]:7.1f} ms at 10,000  {large[who]:7.1f} ms at {args.big:,}"
                f"  ratio {large[who] / small[who]:.2f}  (target <= 2)"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"(data left in {workdir})")


if __name__ == "__main__":
    main()
