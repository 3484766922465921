"""GET /metrics: Prometheus's text, read with the health token; the counted metrics of several
processes (gunicorn's workers, the task workers) add up in multi-process mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from tickets.models import Ticket
from triage.models import Outage

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-monitoring-token-of-some-length"
QUEUES = ["default", "sla", "probes", "mail", "webhooks"]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": QUEUES}}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (labels in any order)."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    raise AssertionError(f"no sample {name}{labels}")


@override_settings(HEALTH_TOKEN=TOKEN)
def test_the_metrics_are_for_the_monitoring_token_and_staff(client: Client, desk: Any) -> None:
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).json()["error"]["code"] == "forbidden"
    client.force_login(desk.lucia)
    assert client.get("/metrics").status_code == 403
    client.logout()
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")


@override_settings(HEALTH_TOKEN=TOKEN)
def test_the_desks_state_and_request_latency_are_reported(client: Client, desk: Any, open_incident: Any) -> None:
    for _ in range(3):
        open_incident()
    client.get("/health/")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    open_l1 = Ticket.objects.filter(level__code="L1", status__in=["new", "open", "waiting_customer"])
    states = {state or "none" for state in open_l1.values_list("sla_state", flat=True)}
    assert sum(sample(text, "tierdesk_tickets_open", level="L1", sla=state) for state in states) == open_l1.count()
    assert open_l1.count() >= 3
    assert sample(text, "tierdesk_outages_open") == Outage.objects.filter(status="open").count()
    assert sample(text, "tierdesk_sla_breaches_total") >= 0
    assert sample(text, "tierdesk_request_seconds_count", view="health", method="GET", status="2xx") >= 1


@override_settings(HEALTH_TOKEN=TOKEN, TASKS=DATABASE_TASKS)
def test_queue_depth_and_age_per_task_queue(client: Client, db: Any) -> None:
    from notifications.tasks import retry_due_deliveries
    from tickets.tasks import dispatch_pending

    dispatch_pending.enqueue()
    retry_due_deliveries.enqueue()
    retry_due_deliveries.enqueue()
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert sample(text, "tierdesk_queue_depth", queue="default") == 1
    assert sample(text, "tierdesk_queue_depth", queue="mail") == 2
    assert sample(text, "tierdesk_queue_depth", queue="probes") == 0
    assert 0 <= sample(text, "tierdesk_queue_oldest_seconds", queue="mail") < 60


def test_processes_report_together_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_", "DJANGO_", "PROMETHEUS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tierdesk.settings",
        TIERDESK_DATA_DIR=str(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    (tmp_path / "metrics").mkdir()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)

    def python(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    requests = "from django.test import Client\nfor _ in range({n}): Client().get('/health/', HTTP_HOST='localhost')"
    python(requests.format(n=3))  # one web worker
    python(requests.format(n=2))  # another
    text = python("import sys; from tierdesk.metrics import render; sys.stdout.write(render().decode())")
    assert sample(text, "tierdesk_request_seconds_count", view="health", method="GET", status="2xx") == 5


pytestmark = pytest.mark.django_db


@override_settings(HEALTH_TOKEN=TOKEN, TASKS=DATABASE_TASKS)
def test_the_example_dashboard_asks_only_for_metrics_the_desk_exposes(client: Client, db: Any) -> None:
    client.get("/health/")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    exposed = {re.sub(r"_total$", "", name) for name in re.findall(r"^# TYPE (\w+) ", text, re.MULTILINE)}
    dashboard = (ROOT / "docs/operators/grafana-dashboard.json").read_text()
    asked = {re.sub(r"_(bucket|count|sum|total)$", "", name) for name in re.findall(r"tierdesk_\w+", dashboard)}
    assert asked and asked <= exposed, asked - exposed
