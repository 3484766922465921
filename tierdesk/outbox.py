"""Enqueue a background task that must run only if the current transaction commits.

With the database task backend writing to the same database, the task row is inserted inside
the transaction itself: it commits or rolls back with the change (a transactional outbox), and a
write costs one transaction instead of two. Any other backend (Celery, immediate, dummy) is
called after commit, as ``transaction.on_commit`` always did.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import router, transaction


def _writes_in_transaction(task: Any, alias: str) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the package is a requirement
        return False
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return bool(router.db_for_write(DBTaskResult) == alias)


def enqueue_on_commit(task: Any, *args: Any, using: str | None = None) -> None:
    """``task.enqueue(*args)`` once the transaction on ``using`` commits (never if it rolls back)."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and _writes_in_transaction(task, connection.alias):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args), using=using)
