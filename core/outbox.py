"""Enqueue a background task that must run only if the current transaction commits.

With the database task backend writing to the same database, the task row is inserted inside
the transaction itself: it commits or rolls back with the change (a transactional outbox), and a
write costs one transaction instead of two. The row is the one the backend's own ``enqueue``
writes, inserted with SQL built once (``core.rows``) because it is written inside the
caller's write transaction, on SQLite under the database's single write lock; the
``task_enqueued`` signal is sent once the transaction has committed, when the task really is
queued. Any other backend (Celery, immediate, dummy) is called after commit, as
``transaction.on_commit`` always did.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import router, transaction
from django.tasks.signals import task_enqueued
from django.utils.json import normalize_json
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from core import rows


def in_database(task: Any) -> bool:
    """Whether ``task`` goes through the database task backend (its rows can be written and read)."""
    return isinstance(task.get_backend(), DatabaseBackend)


def _writes_in_transaction(task: Any, alias: str) -> bool:
    return in_database(task) and router.db_for_write(DBTaskResult) == alias


_validated: set[tuple[Any, str]] = set()


class PendingTask:
    """``enqueue_on_commit(task, *args)`` with the task row worked out ahead of the transaction
    (everything but its arguments), for the writes that must hold the lock briefly."""

    def __init__(self, task: Any, *, using: str | None = None) -> None:
        self.task = task
        self.using = using
        alias = transaction.get_connection(using).alias
        self.row = _task_row(task, alias) if _writes_in_transaction(task, alias) else None

    def enqueue(self, *args: Any) -> None:
        connection = transaction.get_connection(self.using)
        if self.row is None or not connection.in_atomic_block:
            transaction.on_commit(partial(self.task.enqueue, *args), using=self.using)
            return
        backend = self.task.get_backend()
        row: Any = self.row.insert(args_kwargs=_arguments(args))
        transaction.on_commit(
            lambda: task_enqueued.send(type(backend), task_result=row.task_result), using=connection.alias
        )


def _arguments(args: tuple[Any, ...]) -> Any:
    return normalize_json({"args": list(args), "kwargs": {}})


def _task_row(task: Any, alias: str) -> rows.Pending[Any]:
    """The row ``DatabaseBackend.enqueue`` writes for ``task``, its arguments still to come."""
    backend = task.get_backend()
    # A task's definition does not change while running; one with a time to run after is
    # checked each time (it must be aware), and not remembered (each time is another Task).
    if task.run_after is not None:
        backend.validate_task(task)
    elif (task, backend.alias) not in _validated:
        backend.validate_task(task)
        _validated.add((task, backend.alias))
    row: Any = DBTaskResult(
        id=backend._get_id(),  # the backend's id function, if one is configured
        args_kwargs=None,
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    return rows.Pending(row, later=["args_kwargs"], using=alias)


def enqueue_on_commit(task: Any, *args: Any, using: str | None = None) -> None:
    """``task.enqueue(*args)`` once the transaction on ``using`` commits (never if it rolls back)."""
    PendingTask(task, using=using).enqueue(*args)
