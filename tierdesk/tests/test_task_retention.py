"""Finished rows of the database task backend are deleted once past their retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tickets.tasks import dispatch_event
from tierdesk import tasks
from tierdesk.schedule import jobs

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def task_row(status: str, finished_days_ago: float | None) -> str:
    result = dispatch_event.enqueue(1)
    finished = None if finished_days_ago is None else timezone.now() - timedelta(days=finished_days_ago)
    DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=finished)
    return str(result.id)


@override_settings(TASKS=DATABASE_TASKS, TASK_RESULT_RETENTION_DAYS=14, FAILED_TASK_RETENTION_DAYS=90)
def test_successful_and_failed_tasks_go_after_their_retention_and_the_others_stay(db: Any) -> None:
    gone = [task_row("SUCCESSFUL", 15), task_row("FAILED", 91)]
    kept = [
        task_row("SUCCESSFUL", 13),
        task_row("FAILED", 30),  # a failure is kept longer, for whoever looks into it
        task_row("READY", None),
        task_row("RUNNING", None),
    ]
    DBTaskResult.objects.filter(pk__in=kept[2:]).update(enqueued_at=timezone.now() - timedelta(days=400))
    assert tasks.purge_task_results.call() == 2
    assert sorted(str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)) == sorted(kept)
    assert not DBTaskResult.objects.filter(pk__in=gone).exists()


@override_settings(TASKS=DATABASE_TASKS, TASK_RESULT_RETENTION_DAYS=14)
def test_a_long_backlog_goes_in_batches_and_what_a_run_leaves_goes_the_next_day(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        task_row("SUCCESSFUL", 20)
    monkeypatch.setattr(tasks, "PURGE_BATCH", 2)
    monkeypatch.setattr(tasks, "PURGE_MAX_BATCHES", 2)
    assert tasks.purge_finished_tasks(timezone.now()) == 4
    assert tasks.purge_finished_tasks(timezone.now()) == 1
    assert not DBTaskResult.objects.exists()


def test_rows_the_database_backend_left_go_too_when_another_backend_runs(db: Any) -> None:
    with override_settings(TASKS=DATABASE_TASKS):
        task_row("SUCCESSFUL", 400)
        waiting = task_row("READY", None)
    assert tasks.purge_task_results.call() == 1  # the tests' backend runs tasks at once
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [waiting]


def test_the_scheduler_purges_task_rows_daily() -> None:
    assert [job.every_seconds for job in jobs() if job.task is tasks.purge_task_results] == [86400]
