"""Tasks enqueued for after commit: in the transaction itself with the database backend."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.tasks.signals import task_enqueued
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from core.counters import next_value
from core.models import Counter
from core.outbox import enqueue_on_commit
from tickets.tasks import dispatch_event

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


class Undo(Exception):
    pass


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_backend_the_task_row_commits_or_rolls_back_with_the_change(db):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        enqueue_on_commit(dispatch_event, 1)
        assert DBTaskResult.objects.count() == 1  # written inside the transaction
    with pytest.raises(Undo), transaction.atomic():
        enqueue_on_commit(dispatch_event, 2)
        raise Undo
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.all()] == [[1]]


@override_settings(TASKS=DATABASE_TASKS)
def test_the_row_is_the_one_the_backend_writes_and_a_worker_finds_its_task(db):  # type: ignore[no-untyped-def]
    announced = []

    def receiver(sender, task_result, **kwargs):  # type: ignore[no-untyped-def]
        announced.append(task_result)

    task_enqueued.connect(receiver)
    try:
        with transaction.atomic():
            enqueue_on_commit(dispatch_event, 5)
        ours = DBTaskResult.objects.get()
        theirs = dispatch_event.enqueue(5).db_result  # type: ignore[attr-defined]
    finally:
        task_enqueued.disconnect(receiver)
    fields = ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name", "run_after", "worker_ids")
    assert {f: getattr(ours, f) for f in fields} == {f: getattr(theirs, f) for f in fields}
    assert ours.enqueued_at is not None
    assert [r.id for r in announced] == [str(ours.id), str(theirs.id)]
    assert ours.task_result.task == dispatch_event  # the worker finds the task it names


@override_settings(TASKS=DUMMY_TASKS)
def test_other_backends_are_called_after_commit(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_on_commit(dispatch_event, 1)
    assert len(callbacks) == 1 and not DBTaskResult.objects.exists()


def test_counters_count_up_in_one_statement_and_start_where_asked(db):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        assert [next_value("demo", start=7) for _ in range(3)] == [7, 8, 9]
    assert Counter.objects.get(name="demo").value == 9


@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_to_run_later_keeps_its_time(db):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    later = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    with transaction.atomic():
        enqueue_on_commit(dispatch_event.using(run_after=later), 1)
    assert DBTaskResult.objects.get().run_after == later
