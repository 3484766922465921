"""The demo data set, the scheduler's slots and the real task worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from core.counters import next_value
from core.models import Counter
from core.testing import run_at_once
from levels.models import SupportLevel
from tickets.models import Status, Ticket
from tierdesk.management.commands.desk_scheduler import fire_due_jobs
from tierdesk.models import PeriodicSlot
from tierdesk.schedule import jobs

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_has_tickets_in_every_state_on_every_level_and_loads_once(db):
    call_command("load_demo")
    pairs = set(Ticket.objects.values_list("level__code", "status"))
    assert pairs == {(level, status) for level in ("L1", "L2", "L3") for status in Status.values}
    assert set(User.objects.values_list("role", flat=True)) >= {
        "customer", "l1_technician", "l2_technical", "l2_commercial", "l3_administrator", "supervisor", "billing",
    }  # fmt: skip
    count = Ticket.objects.count()
    call_command("load_demo")
    assert Ticket.objects.count() == count
    assert SupportLevel.objects.count() == 3


def test_a_demo_login_works(client, db):
    call_command("load_demo")
    assert client.login(username="lm4321-ovh", password="tierdesk-demo")
    assert "Corte de red" in client.get("/manager/support/").text


def test_two_schedulers_fire_each_slot_once(db):
    every_job = {job.name for job in jobs()}
    assert fire_due_jobs(86400.0 * 10) == sorted(every_job, key=[j.name for j in jobs()].index)
    assert fire_due_jobs(86400.0 * 10) == []  # a second scheduler in the same slot fires nothing
    hourly = fire_due_jobs(86400.0 * 10 + 3600)
    assert "close_resolved_tickets" in hourly and "purge_replay_keys" not in hourly
    assert PeriodicSlot.objects.filter(job="close_resolved_tickets").count() == 2


@pytest.mark.django_db(transaction=True)
def test_counters_never_repeat_under_concurrent_callers():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the concurrent case is PostgreSQL's")
    from django.db import transaction

    def take(_index: int) -> int:
        with transaction.atomic():
            return next_value("concurrency")

    results = run_at_once(20, take)
    assert sorted(results) == list(range(1, 21))
    assert Counter.objects.get(name="concurrency").value == 20


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_enqueued_tasks(tmp_path):
    """The real ``db_worker`` in its own process drains what the desk enqueued."""
    import os

    db_file = tmp_path / "worker.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERDESK_")}
    env.update(
        TIERDESK_DATA_DIR=str(tmp_path), TIERDESK_DATABASE_URL=f"sqlite:///{db_file}", TIERDESK_TASK_BACKEND="database"
    )

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    assert manage("migrate", "-v0").returncode == 0
    assert manage("load_demo").returncode == 0
    script = (
        "import django; django.setup();"
        "from tickets.tasks import close_resolved_tickets;"
        "from django.db import transaction;"
        "r = close_resolved_tickets.enqueue(); print(r.id)"
    )
    enqueue = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "tierdesk.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert enqueue.returncode == 0, enqueue.stderr
    worker = manage("db_worker", "--batch", "--queue-name", "*")
    assert worker.returncode == 0, worker.stderr
    check = (
        "import django; django.setup();"
        "from django_tasks_db.models import DBTaskResult;"
        "print(sorted(set(DBTaskResult.objects.values_list('status', flat=True))))"
    )
    statuses = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "tierdesk.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert statuses.stdout.strip() == "['SUCCESSFUL']", statuses.stdout + statuses.stderr
