"""Enqueue a background task that must run only if the current transaction commits.

With the database task backend writing to the same database, the task is enqueued inside the
transaction itself, through the backend's own ``enqueue``: its row commits or rolls back with
the change (a transactional outbox), a worker sees it only once committed, and a write costs
one transaction instead of two. Any other backend (Celery, immediate, dummy), or a call outside
a transaction, is enqueued after commit, as ``transaction.on_commit`` always did.

The backend announces the task (``task_enqueued``) when it writes the row, so inside the
transaction: a listener may hear of a task whose transaction then rolls back (the desk has none).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import router, transaction
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def in_database(task: Any) -> bool:
    """Whether ``task`` goes through the database task backend (its rows can be written and read)."""
    return isinstance(task.get_backend(), DatabaseBackend)


def enqueue_on_commit(task: Any, *args: Any, using: str | None = None) -> None:
    """``task.enqueue(*args)`` once the transaction on ``using`` commits (never if it rolls back)."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and in_database(task) and router.db_for_write(DBTaskResult) == connection.alias:
        task.enqueue(*args)  # the row is part of the transaction
    else:
        transaction.on_commit(partial(task.enqueue, *args), using=using)
