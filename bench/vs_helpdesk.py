"""Ticket creation side by side with django-helpdesk, in one run (not part of the test suite).

    cd <checkout> && .venv/bin/python bench/vs_helpdesk.py [--seconds 10] [--rounds 3]
    .venv/bin/python bench/vs_helpdesk.py --compare /another/checkout   # two versions of the desk too

Both run the same way, on 127.0.0.1 in a throw-away directory: ``gunicorn -w 2``, a SQLite
database on disk, ``DEBUG`` off, ``--clients`` client threads (8) each opening tickets one after
the other for ``--seconds``. Each database as its project sets it up: the desk's with its
write-ahead log, ``synchronous=NORMAL`` and ``IMMEDIATE`` write transactions; django-helpdesk's
with Django's defaults (a rollback journal, synchronised at each commit), or with the desk's
settings under ``--tuned-helpdesk``. A 20 s busy timeout on both.

- **the desk**: ``POST /api/v1/tickets`` with a customer's write token (``bench/api_bench.py``
  sets it up the same way), the database task backend and no worker;
- **django-helpdesk**, installed from PyPI into a virtualenv of its own (``--helpdesk-venv``,
  made on first use; never part of the desk's requirements): ``POST /api/tickets/`` with a staff
  user's Django REST framework token (its API needs staff), its e-mail templates loaded and
  Django's in-memory e-mail backend (it renders and "sends" the submitter's mail in the request,
  as it does in production).

``--compare`` runs a second checkout of the desk (the code before a change) the same way, in
turn with the others. The phases alternate (the desk, django-helpdesk, the desk, …): this machine's speed drifts
within minutes, so only phases run side by side compare. It prints each phase's rate, the
median (p50) and 95th percentile of the time a creation took as a client saw it, the server's CPU
time per ticket (gunicorn's master and workers, from ``/proc``), and at the end the medians over
the rounds and the ratios of the rates and of the CPU a ticket costs (target: the desk at least
10×). On a machine busy with other work the rates depend on the share of the cores each server
gets; the CPU a ticket costs depends on it much less. Every
``201`` is checked against the rows afterwards, on both sides.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import SETUP as DESK_SETUP  # noqa: E402 - the bench folder is not a package on the path
from api_bench import free_port, server_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HELPDESK = "django-helpdesk==2.6.1"
GUNICORN = "gunicorn==27.0.1"  # the desk's own version
# django-helpdesk's database as it is installed (Django's defaults for SQLite), or ``--tuned-helpdesk``:
# the write-ahead log, synchronous=NORMAL and IMMEDIATE write transactions, as the desk runs.
SQLITE_AS_INSTALLED = {"timeout": 20}
SQLITE_TUNED = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

HELPDESK_SETTINGS = """
from pathlib import Path
BASE = Path(__file__).resolve().parent
SECRET_KEY = {secret!r}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "dhbench.urls"
TEMPLATES = [{{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]}},
}}]
DATABASES = {{"default": {{
    "ENGINE": "django.db.backends.sqlite3", "NAME": {database!r},
    "OPTIONS": {options!r},
}}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "/static/"
SITE_ID = 1
LOGIN_URL = "helpdesk:login"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False
REST_FRAMEWORK = {{"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}}
"""

HELPDESK_URLS = """
from django.urls import include, path
urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
"""

HELPDESK_SETUP = """
import django
django.setup()
from django.contrib.auth.models import User
from helpdesk.models import Queue
from rest_framework.authtoken.models import Token
user = User.objects.create_superuser("bench", "bench@example.com", "bench-password-123")
queue = Queue.objects.create(title="Level 1", slug="l1", email_address="l1@example.com")
print(Token.objects.create(user=user).key, queue.pk)
"""


def count_rows(database: Path, sql: str) -> int:
    connection = sqlite3.connect(database)
    try:
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def call(port: int, path: str, body: bytes, authorization: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(port: int, path: str, body: bytes, authorization: str, clients: int, seconds: float) -> dict:
    """``clients`` threads POST ``body`` for ``seconds``; statuses, rate and each call's time."""
    statuses: dict[int, int] = {}
    created: list[bytes] = []
    timings: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status, content = call(port, path, body, authorization)
            took = time.perf_counter() - started
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                timings.append(took)
                if status == 201:
                    created.append(content)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    timings.sort()
    return {
        "statuses": statuses,
        "rate": statuses.get(201, 0) / elapsed,
        "p50": 1000 * statistics.median(timings),
        "p95": 1000 * timings[min(len(timings) - 1, int(0.95 * len(timings)))],
        "created": created,
    }


def start(command: list[str], cwd: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)
    for _ in range(300):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=5).connect()
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def gunicorn(python: str, workers: int, port: int, application: str) -> list[str]:
    return [python, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            application]  # fmt: skip


def helpdesk_venv(path: Path) -> str:
    """The virtualenv holding django-helpdesk (made and filled from PyPI when missing)."""
    python = path / "bin" / "python"
    if not python.exists():
        print(f"installing {HELPDESK} into {path} …", flush=True)
        subprocess.run([PYTHON, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", HELPDESK, GUNICORN], check=True)
    return str(python)


def desk_server(desk: Path, workdir: Path, workers: int) -> tuple[subprocess.Popen[bytes], int, str, Path]:
    workdir.mkdir(parents=True)
    database = workdir / "desk.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        "TIERDESK_DATA_DIR": str(workdir),
        "TIERDESK_DATABASE_URL": f"sqlite:///{database}",
        "TIERDESK_DEBUG": "false",
        "TIERDESK_SECRET_KEY": secrets.token_urlsafe(60),
        "TIERDESK_ALLOWED_HOSTS": "127.0.0.1",
        "TIERDESK_SSL_REDIRECT": "false",
        "TIERDESK_SECURE_COOKIES": "false",
        "TIERDESK_TASK_BACKEND": "database",
        "TIERDESK_API_RATE_LIMIT": "10000000",
        "TIERDESK_LOG_LEVEL": "WARNING",
    }
    env.pop("TIERDESK_TESTING", None)
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=desk, env=env, check=True)
    token = subprocess.run(
        [PYTHON, "-c", DESK_SETUP], cwd=desk, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[0]
    port = free_port()
    return start(gunicorn(PYTHON, workers, port, "tierdesk.wsgi"), desk, env, port), port, token, database


Server = tuple[subprocess.Popen[bytes], int, str, int, Path]


def helpdesk_server(python: str, workdir: Path, workers: int, *, tuned: bool) -> Server:
    project = workdir / "helpdesk"
    (project / "dhbench").mkdir(parents=True)
    database = project / "helpdesk.sqlite3"
    settings = HELPDESK_SETTINGS.format(
        secret=secrets.token_urlsafe(50), database=str(database), options=SQLITE_TUNED if tuned else SQLITE_AS_INSTALLED
    )
    (project / "dhbench" / "__init__.py").write_text("")
    (project / "dhbench" / "settings.py").write_text(settings)
    (project / "dhbench" / "urls.py").write_text(HELPDESK_URLS)
    (project / "dhbench" / "wsgi.py").write_text(
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dhbench.settings", "PYTHONPATH": str(project)}
    for name in [n for n in env if n.startswith("TIERDESK_")]:
        env.pop(name)
    django = [python, "-m", "django"]
    subprocess.run([*django, "migrate", "--no-input", "-v", "0"], cwd=project, env=env, check=True)
    subprocess.run([*django, "loaddata", "emailtemplate.json", "-v", "0"], cwd=project, env=env, check=True)
    token, queue = subprocess.run(
        [python, "-c", HELPDESK_SETUP], cwd=project, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    port = free_port()
    server = start(gunicorn(python, workers, port, "dhbench.wsgi"), project, env, port)
    return server, port, token, int(queue), database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="phases of each, in turn")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each")
    parser.add_argument("--desk", type=Path, default=ROOT, help="the checkout of the desk to run (default: this one)")
    parser.add_argument(
        "--tuned-helpdesk",
        action="store_true",
        help="run django-helpdesk's SQLite database as the desk runs its own (WAL, synchronous=NORMAL)",
    )
    parser.add_argument("--compare", type=Path, help="another checkout of the desk, run side by side with the first")
    parser.add_argument(
        "--helpdesk-venv",
        type=Path,
        default=Path.home() / ".cache" / "tierdesk-bench" / HELPDESK.replace("==", "-"),
        help="the virtualenv for django-helpdesk (made on first use)",
    )
    args = parser.parse_args()

    python = helpdesk_venv(args.helpdesk_venv)
    workdir = Path(tempfile.mkdtemp(prefix="tierdesk-vs-helpdesk-"))
    desks = {"desk": args.desk.resolve()}
    if args.compare:
        desks["desk (compared)"] = args.compare.resolve()
    servers: list[subprocess.Popen[bytes]] = []
    sides: dict[str, tuple[int, str, bytes, str]] = {}
    pids: dict[str, int] = {}
    rows: dict[str, Callable[[], int]] = {}
    desk_body = json.dumps(
        {"subject": "Bench", "body": "El servidor no responde", "category": "server_no_ping",
         "service": "ns1.bench.example"}
    ).encode()  # fmt: skip
    try:
        for number, (side, checkout) in enumerate(desks.items()):
            server, port, token, database = desk_server(checkout, workdir / f"desk-{number}", args.workers)
            servers.append(server)
            pids[side] = server.pid
            sides[side] = (port, "/api/v1/tickets", desk_body, f"Bearer {token}")
            rows[side] = partial(count_rows, database, "SELECT COUNT(*) FROM tickets_ticket WHERE subject = 'Bench'")
        server, port, token, queue, database = helpdesk_server(python, workdir, args.workers, tuned=args.tuned_helpdesk)
        servers.append(server)
        pids["django-helpdesk"] = server.pid
        sides["django-helpdesk"] = (
            port,
            "/api/tickets/",
            json.dumps(
                {
                    "queue": queue,
                    "title": "Bench",
                    "description": "El servidor no responde",
                    "submitter_email": "bench@example.com",
                    "priority": 3,
                }
            ).encode(),  # fmt: skip
            f"Token {token}",
        )
        rows["django-helpdesk"] = partial(
            count_rows, database, "SELECT COUNT(*) FROM helpdesk_ticket WHERE title = 'Bench'"
        )
        results: dict[str, list[dict]] = {side: [] for side in sides}
        answered = dict.fromkeys(sides, 0)
        for side, (port, path, body, authorization) in sides.items():  # warm both workers of each
            answered[side] += load(port, path, body, authorization, args.workers, 1.0)["statuses"].get(201, 0)
        for round_number in range(1, args.rounds + 1):
            for side, (port, path, body, authorization) in sides.items():
                before = server_cpu(pids[side])
                result = load(port, path, body, authorization, args.clients, args.seconds)
                result["cpu"] = 1000 * (server_cpu(pids[side]) - before) / max(1, result["statuses"].get(201, 0))
                results[side].append(result)
                answered[side] += result["statuses"].get(201, 0)
                print(
                    f"round {round_number} {side:16} {result['rate']:8.1f} tickets/s  p50 {result['p50']:7.1f} ms"
                    f"  p95 {result['p95']:7.1f} ms  server CPU {result['cpu']:6.1f} ms a ticket"
                    f"  statuses {result['statuses']}",
                    flush=True,
                )
    finally:
        for server in servers:
            stop(server)

    print(
        "every 201 has its row: "
        + "; ".join(f"{side} {answered[side]} answered, {rows[side]()} rows" for side in sides)
    )
    helpdesk = results["django-helpdesk"]
    for side in desks:
        rate = statistics.median(r["rate"] for r in results[side])
        p50 = statistics.median(r["p50"] for r in results[side])
        cpu = statistics.median(r["cpu"] for r in results[side])
        ratios = [r["rate"] / h["rate"] for r, h in zip(results[side], helpdesk, strict=True) if h["rate"]]
        cpu_ratios = [h["cpu"] / r["cpu"] for r, h in zip(results[side], helpdesk, strict=True) if r["cpu"]]
        print(
            f"{side}: {rate:.1f} tickets/s, p50 {p50:.1f} ms, server CPU {cpu:.1f} ms a ticket;"
            f" {side} / django-helpdesk = {statistics.median(ratios):.1f}x tickets/s"
            f" ({', '.join(f'{r:.1f}' for r in ratios)}), {statistics.median(cpu_ratios):.1f}x less CPU a ticket"
            f" ({', '.join(f'{r:.1f}' for r in cpu_ratios)}), medians of the rounds  (target >= 10x)"
        )
    print(
        f"django-helpdesk: {statistics.median(r['rate'] for r in helpdesk):.1f} tickets/s,"
        f" p50 {statistics.median(r['p50'] for r in helpdesk):.1f} ms,"
        f" server CPU {statistics.median(r['cpu'] for r in helpdesk):.1f} ms a ticket"
    )
    print(f"(data left in {workdir})")


if __name__ == "__main__":
    main()
