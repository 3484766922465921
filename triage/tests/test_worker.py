"""The probe task through a real worker: the database task backend and ``db_worker --batch``.

On PostgreSQL the worker is a separate process (``manage.py db_worker``), as in production; on
the in-memory SQLite test database, which no other process can open, the same command runs in
this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from tickets import actions as ticket_actions
from triage.models import Decision, ProbeRun, RunStatus
from triage.tests.conftest import set_endpoint
from triage.tests.test_probes import http_stub

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}}
ROOT = Path(__file__).resolve().parents[2]


def run_worker() -> None:
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        env = os.environ | {
            "TIERDESK_DATABASE_URL": url,
            "TIERDESK_TASK_BACKEND": "database",
            "TIERDESK_PROBE_TIMEOUT": "2",
        }
        done = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--queue-name",
                "*",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    else:
        # The worker installs its own signal handlers; give pytest its own back afterwards.
        saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command("db_worker", batch=True, queue_name="*", startup_delay=False, reload=False, verbosity=0)
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True)
def test_the_probes_run_on_the_probes_queue_through_the_worker(desk: Any) -> None:
    with override_settings(TASKS=DATABASE_TASKS), http_stub(500) as server:
        set_endpoint(desk.hosting, ports=[server.port], role="web")
        ticket = ticket_actions.open_ticket(
            organisation=desk.pedro.organisation,
            requester=desk.pedro,
            service=desk.hosting,
            category=desk.category("hosting_unreachable"),
            subject="La web da error 500",
            body="Desde esta mañana.",
            channel="manager",
            actor=desk.pedro,
        )
        assert not ProbeRun.objects.exists()  # nothing ran in the request
        run_worker()
        assert server.requests, "the worker never reached the stub"
    run = ProbeRun.objects.get(ticket=ticket)
    assert (run.status, run.decision, run.applied) == (RunStatus.DONE, Decision.STAY_L1, True)
    assert run.results.filter(kind="http", outcome="down", code=500).exists()
    probes = DBTaskResult.objects.get(task_path="triage.tasks.run_probe_run")
    assert (probes.queue_name, probes.status) == ("probes", "SUCCESSFUL")
