"""GET /health/ for load balancers, GET /health/work/ for whoever watches the worker and scheduler."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tickets import dispatch
from tickets.models import PendingDispatch
from tickets.tasks import dispatch_event
from tierdesk.management.commands.desk_scheduler import fire_due_jobs
from tierdesk.models import PeriodicSlot

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TOKEN = "a-monitoring-token-of-some-length"


def work(client: Client, **headers: str) -> tuple[int, dict[str, Any]]:
    response = client.get("/health/work/", headers=headers)
    return response.status_code, response.json()


def test_the_load_balancers_check_answers_without_login(client: Client, db: Any) -> None:
    response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@override_settings(HEALTH_TOKEN=TOKEN)
def test_the_work_report_is_for_staff_and_the_monitoring_token(client: Client, desk: Any) -> None:
    fire_due_jobs(time.time())
    assert work(client)[0] == 403
    status, body = work(client, Authorization="Bearer not-the-token")
    assert status == 403 and body["error"]["code"] == "forbidden"
    client.force_login(desk.lucia)
    assert work(client)[0] == 403  # customers see nothing of the desk's insides
    client.force_login(desk.l1)
    assert work(client)[0] == 200
    client.logout()
    assert work(client, Authorization=f"Bearer {TOKEN}")[0] == 200


@override_settings(HEALTH_TOKEN="")
def test_without_a_token_configured_no_header_opens_it(client: Client, db: Any) -> None:
    assert work(client, Authorization="Bearer ")[0] == 403


def test_a_scheduler_that_never_ran_or_stopped_is_reported(client: Client, desk: Any) -> None:
    client.force_login(desk.supervisor)
    status, body = work(client)
    assert status == 503 and [p["code"] for p in body["problems"]] == ["scheduler_never_ran"]
    fire_due_jobs(time.time())
    status, body = work(client)
    assert status == 200 and body["status"] == "ok" and body["scheduler"]["last_fired_seconds_ago"] <= 5
    PeriodicSlot.objects.update(claimed_at=timezone.now() - timedelta(minutes=10))
    status, body = work(client)
    assert status == 503 and [p["code"] for p in body["problems"]] == ["scheduler_stopped"]


def test_ticket_events_waiting_too_long_are_reported_until_dispatched(
    client: Client, desk: Any, open_incident: Any
) -> None:
    fire_due_jobs(time.time())
    client.force_login(desk.supervisor)
    open_incident(now=timezone.now() - timedelta(minutes=2))  # its dispatch is still waiting (no commit here)
    status, body = work(client)
    assert status == 200 and body["dispatch"]["waiting"] == 1 and 110 <= body["dispatch"]["oldest_seconds"] <= 130
    open_incident(now=timezone.now() - timedelta(minutes=6))
    status, body = work(client)
    assert status == 503 and body["dispatch"]["waiting"] == 2
    assert [p["code"] for p in body["problems"]] == ["dispatch_late"]
    dispatch.drain()
    status, body = work(client)
    assert status == 200 and body["dispatch"] == {"waiting": 0, "oldest_seconds": None}
    assert not PendingDispatch.objects.exists()


@override_settings(TASKS=DATABASE_TASKS)
def test_tasks_ready_too_long_are_reported_from_when_they_became_ready(client: Client, desk: Any) -> None:
    fire_due_jobs(time.time())
    DBTaskResult.objects.all().delete()  # what the scheduler just enqueued
    client.force_login(desk.supervisor)
    now = timezone.now()
    old = dispatch_event.enqueue(1)
    DBTaskResult.objects.filter(pk=old.id).update(enqueued_at=now - timedelta(minutes=10))
    status, body = work(client)
    assert status == 503 and body["tasks"]["ready"] == 1 and body["tasks"]["oldest_ready_seconds"] >= 600
    assert [p["code"] for p in body["problems"]] == ["tasks_late"]
    # A retry deferred until a minute ago has waited a minute, however long ago it was enqueued.
    DBTaskResult.objects.filter(pk=old.id).update(run_after=now - timedelta(minutes=1))
    status, body = work(client)
    assert status == 200 and 55 <= body["tasks"]["oldest_ready_seconds"] <= 75
    DBTaskResult.objects.filter(pk=old.id).update(status="FAILED", finished_at=now)
    status, body = work(client)
    assert status == 200 and body["tasks"] == {"ready": 0, "oldest_ready_seconds": None, "failed_last_day": 1}


def test_with_another_task_backend_there_are_no_task_rows_to_report(client: Client, desk: Any) -> None:
    fire_due_jobs(time.time())
    client.force_login(desk.supervisor)
    status, body = work(client)
    assert status == 200 and body["tasks"] is None


@pytest.mark.parametrize("path", ["/health/", "/health/work/"])
def test_no_proxy_keeps_an_old_answer(client: Client, desk: Any, path: str) -> None:
    client.force_login(desk.supervisor)
    assert "no-cache" in client.get(path).headers["Cache-Control"]


def test_events_a_dead_worker_claimed_run_again_before_they_count_as_late(
    client: Client, desk: Any, open_incident: Any, settings: Any
) -> None:
    fire_due_jobs(time.time())
    client.force_login(desk.supervisor)
    now = timezone.now()
    open_incident(now=now - timedelta(seconds=settings.HEALTH_LATE_SECONDS - 30))
    # A worker claimed the batch, then was killed; the scheduler's next sweep (every minute)
    # comes while the events are still within the late limit, and takes them again.
    PendingDispatch.objects.update(claimed_at=now - timedelta(seconds=settings.HEALTH_LATE_SECONDS - 60 - 30))
    assert work(client)[0] == 200
    assert dispatch.drain(now=now) == 1
    assert not PendingDispatch.objects.exists()


def test_pending_mail_inbound_mail_and_probe_runs_are_seen_whatever_the_task_backend(
    client: Client, desk: Any, open_incident: Any
) -> None:
    """With Celery there are no task rows to count; the work the tasks carry is counted instead."""
    from notifications.actions import notify, receive_raw_mail
    from notifications.models import Delivery, InboundMail
    from triage.models import ProbeRun, Trigger

    fire_due_jobs(time.time())
    client.force_login(desk.supervisor)
    now = timezone.now()
    lost = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    with override_settings(TASKS=lost):  # the broker took nothing
        notify(event="staff_alert", recipients=["ops@example.org"], context={"title": "x", "text": "y"}, now=now)
        receive_raw_mail(b"From: a@example.es\r\n\r\nhola\r\n", envelope_from="a@example.es", envelope_to=[], now=now)
    ticket = open_incident(now=now)
    ProbeRun.objects.create(ticket=ticket, trigger=Trigger.RERUN, incident_type="unreachable", created_at=now)
    status, body = work(client)
    assert status == 200 and body["tasks"] is None
    assert (body["mail"]["waiting"], body["inbound"]["waiting"], body["probes"]["waiting"]) == (1, 1, 1), body
    Delivery.objects.update(created_at=now - timedelta(minutes=6))
    InboundMail.objects.update(received_at=now - timedelta(minutes=6))
    ProbeRun.objects.update(status="running", started_at=now - timedelta(minutes=6))
    status, body = work(client)
    assert status == 503
    assert {p["code"] for p in body["problems"]} == {"mail_late", "inbound_late", "probes_late"}
    assert body["probes"] == {"waiting": 0, "running": 1, "oldest_seconds": body["probes"]["oldest_seconds"]}
    assert body["probes"]["oldest_seconds"] >= 300
