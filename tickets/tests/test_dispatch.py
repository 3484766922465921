"""Audit events reach the apps that react to them through ``tickets.dispatch``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from core.testing import run_at_once
from tickets import dispatch
from tickets.models import PendingDispatch, TicketEvent
from tickets.tasks import dispatch_event, dispatch_pending

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class Undo(Exception):
    pass


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The event ids a handler of our own is given, in order."""
    ids: list[int] = []
    monkeypatch.setitem(dispatch._handlers, "test", ids.append)
    return ids


def test_an_event_is_queued_in_its_own_transaction_and_handled_after_commit(
    open_incident: Any, heard: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = open_incident()
        event = TicketEvent.objects.get(ticket=ticket)
        assert list(PendingDispatch.objects.values_list("event_id", flat=True)) == [event.pk]
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert heard == [event.pk]
    assert not PendingDispatch.objects.exists()


def test_an_event_rolled_back_is_never_handled(
    open_incident: Any, heard: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Undo), transaction.atomic():
            open_incident()
            raise Undo
    assert callbacks == [] and heard == []
    assert not PendingDispatch.objects.exists()


def test_events_are_handled_oldest_first_and_a_failing_handler_stops_no_one(
    open_incident: Any, heard: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [open_incident() for _ in range(3)]
    events = [TicketEvent.objects.get(ticket=t).pk for t in tickets]

    def fails_on_the_second(event_id: int) -> None:
        if event_id == events[1]:
            raise RuntimeError("broken handler")

    monkeypatch.setitem(dispatch._handlers, "broken", fails_on_the_second)
    assert dispatch.drain() == 3
    assert heard == events
    assert not PendingDispatch.objects.exists()


def test_a_claim_is_taken_again_only_once_it_is_stale(open_incident: Any, heard: list[int], now: Any) -> None:
    ticket = open_incident()
    event = TicketEvent.objects.get(ticket=ticket)
    PendingDispatch.objects.update(claimed_at=now - timedelta(minutes=1))  # a worker is on it
    assert dispatch.drain(now=now) == 0 and heard == []
    PendingDispatch.objects.update(claimed_at=now - dispatch.STALE_CLAIM - timedelta(seconds=1))  # it died
    assert dispatch.drain(now=now) == 1 and heard == [event.pk]


def test_a_drain_stops_after_its_batches_and_another_task_carries_on(open_incident: Any, heard: list[int]) -> None:
    tickets = [open_incident() for _ in range(3)]
    events = [TicketEvent.objects.get(ticket=t).pk for t in tickets]
    # Tests run tasks at once: the task this drain enqueues for the rest runs before it returns.
    assert dispatch.drain(batch=2, batches=1) == 2
    assert heard == events
    assert not PendingDispatch.objects.exists()


def test_dispatch_event_handles_one_event_and_takes_it_out_of_the_queue(open_incident: Any, heard: list[int]) -> None:
    ticket = open_incident()
    event = TicketEvent.objects.get(ticket=ticket)
    dispatch_event.enqueue(event.pk)
    assert heard == [event.pk]
    assert dispatch.drain() == 0 and heard == [event.pk]


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_backend_one_waiting_task_carries_every_new_event(
    open_incident: Any, heard: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    def waiting() -> list[DBTaskResult]:
        return list(DBTaskResult.objects.ready().filter(task_path=dispatch_pending.module_path))

    with django_capture_on_commit_callbacks(execute=True):
        first = open_incident()
    with django_capture_on_commit_callbacks(execute=True):
        second = open_incident()
    assert len(waiting()) == 1  # the second commit found the first one's task waiting
    assert DBTaskResult.objects.count() == 1  # and no task row per event
    assert heard == []
    # The worker claims it: it may already have looked, so the next commit enqueues another.
    DBTaskResult.objects.update(status="RUNNING")
    with django_capture_on_commit_callbacks(execute=True):
        third = open_incident()
    assert len(waiting()) == 1 and DBTaskResult.objects.count() == 2
    assert dispatch.drain() == 3
    assert heard == [TicketEvent.objects.get(ticket=t).pk for t in (first, second, third)]


def test_the_scheduler_dispatches_every_minute() -> None:
    from tierdesk.schedule import jobs

    assert [job.every_seconds for job in jobs() if job.task is dispatch_pending] == [60]


def test_an_sla_notice_is_dispatched_like_any_other_event(
    open_incident: Any, heard: list[int], now: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from slawatch.scan import scan

    ticket = open_incident(now=now)
    dispatch.drain()
    with django_capture_on_commit_callbacks(execute=True):
        scan(now + timedelta(hours=1))
    warning = TicketEvent.objects.get(ticket=ticket, kind="sla_warning")
    assert heard[-1] == warning.pk


def test_the_sla_clock_event_of_a_move_reaches_the_handlers(
    desk: Any, open_incident: Any, heard: list[int], now: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tickets import actions

    ticket = open_incident(now=now)
    dispatch.drain()
    with django_capture_on_commit_callbacks(execute=True):
        actions.transfer_to_assistance(ticket, actor=desk.l1, reason="Responde al ping", now=now + timedelta(hours=1))
    moved = TicketEvent.objects.get(ticket=ticket, kind="transferred")
    clock = TicketEvent.objects.get(ticket=ticket, kind="sla_clock")
    assert heard[-2:] == [moved.pk, clock.pk]
    assert clock.data["before"]["level"] == "L1" and clock.data["after"]["level"] == "L2"


def test_an_sla_breach_and_a_pause_reach_the_handlers(
    desk: Any, open_incident: Any, heard: list[int], now: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from slawatch.scan import scan
    from tickets import actions

    ticket = open_incident(now=now)
    dispatch.drain()
    with django_capture_on_commit_callbacks(execute=True):
        scan(now + timedelta(hours=6, minutes=1))
    breach = TicketEvent.objects.get(ticket=ticket, kind="sla_breach")
    assert heard[-1] == breach.pk
    assert not TicketEvent.objects.filter(ticket=ticket, kind="sla_warning").exists()  # the breach made it moot
    with django_capture_on_commit_callbacks(execute=True):
        actions.wait_for_customer(ticket, actor=desk.l1, now=now + timedelta(hours=7))
    pause = TicketEvent.objects.get(ticket=ticket, kind="status", data__after="waiting_customer")
    assert heard[-1] == pause.pk
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == now + timedelta(hours=7) and ticket.sla_next_check_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_draining_at_once_hand_each_event_over_once(open_incident: Any, heard: list[int]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (SQLite has one writer)")
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        tickets = [open_incident() for _ in range(40)]
    counts = run_at_once(2, lambda _i: dispatch.drain(batch=5))
    assert sum(counts) == 40
    assert sorted(heard) == sorted(TicketEvent.objects.filter(ticket__in=tickets).values_list("pk", flat=True))
    assert not PendingDispatch.objects.exists()
