"""A probe run whose task never reached a worker (the broker refused it) is enqueued again by the
reaper, so it does not stay "pending" for ever and block the agents' re-run."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

from django.test import override_settings

from tickets import actions as ticket_actions
from triage.actions import triage_new_incident
from triage.models import ProbeRun, RunStatus
from triage.tasks import reap_stuck_runs
from triage.tests.conftest import set_endpoint

# A backend that takes a task and never runs it: the broker lost it.
LOST = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": []}}
AT_ONCE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_run_whose_task_was_lost_is_run_by_the_reaper(desk: Any, now: Any) -> None:
    set_endpoint(desk.hosting, ports=[_closed_port()], role="web")
    ticket = ticket_actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.hosting,
        category=desk.category("hosting_unreachable"),
        subject="La web no responde",
        body="Desde esta mañana.",
        channel="manager",
        actor=desk.pedro,
        now=now,
    )
    with override_settings(TASKS=LOST):
        run = triage_new_incident(ticket, now=now)
    assert run is not None and ProbeRun.objects.get(pk=run.pk).status == RunStatus.PENDING
    with override_settings(TASKS=AT_ONCE):
        reap_stuck_runs.call()
        assert ProbeRun.objects.get(pk=run.pk).status == RunStatus.PENDING  # just asked for: its task may be queued
        ProbeRun.objects.filter(pk=run.pk).update(created_at=now - timedelta(minutes=5))
        reap_stuck_runs.call()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.results.exists()
