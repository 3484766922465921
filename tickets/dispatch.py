"""After-commit fan-out of ticket events to the parts that react to them.

Apps register a handler in their ``AppConfig.ready``; every handler is called with each event's
id, in a background worker, never inside the request.

The events themselves are the queue. ``pending(event)`` inserts a ``PendingDispatch`` row in the
event's own transaction (one small row in one table, instead of a task row and its four
indexes), and once that transaction commits ``wake()`` makes sure a ``dispatch_pending`` task is
waiting. That task (``drain()``) claims the pending events in batches, oldest first, hands each
to every handler and deletes the batch. So:

- an event that commits is dispatched, even if its process dies right after the commit (the
  scheduler runs ``dispatch_pending`` every minute as well);
- an event rolled back is never dispatched;
- under load one task carries many events: with the database task backend, ``wake()`` reads
  whether a ``dispatch_pending`` task is already waiting and writes a new one only when none is
  (a task that is waiting has not claimed anything yet, so it will see this event);
- a worker that dies in the middle of a batch leaves its claim behind; after ``STALE_CLAIM``
  the batch is claimed again, so its events reach the handlers at least once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, partial

from django.db import connections, router, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import outbox
from tickets.models import PendingDispatch

logger = logging.getLogger(__name__)

EventHandler = Callable[[int], None]

BATCH = 50
BATCHES = 20
# Well under the health check's late limit (TIERDESK_HEALTH_LATE_SECONDS, 5 minutes), with the
# scheduler's minute between sweeps: a dead worker's batch runs again before it counts as late.
STALE_CLAIM = timedelta(minutes=2)

_handlers: dict[str, EventHandler] = {}


def register(name: str, handler: EventHandler) -> None:
    _handlers[name] = handler


def handlers() -> dict[str, EventHandler]:
    return dict(_handlers)


def run_handlers(event_id: int) -> list[str]:
    """Hand one event to every handler; a failing handler does not stop the others."""
    done = []
    for name, handler in handlers().items():
        try:
            handler(event_id)
        except Exception:
            logger.exception("event handler %s failed for event %s", name, event_id)
        else:
            done.append(name)
    return done


# --- in the event's transaction ------------------------------------------------------------


@cache
def _insert_sql(alias: str) -> str:
    """One column, no key to read back, nothing listening to its signals: the statement alone
    costs a third of ``rows.insert`` (16 against 45–55 µs), on every ticket change."""
    quote = connections[alias].ops.quote_name
    return f"INSERT INTO {quote(PendingDispatch._meta.db_table)} ({quote('event_id')}) VALUES (%s)"  # noqa: S608


def pending(event_id: int, *, using: str | None = None) -> None:
    """Queue the event ``event_id`` for dispatch once the current transaction commits."""
    alias = using or router.db_for_write(PendingDispatch)
    with connections[alias].cursor() as cursor:
        cursor.execute(_insert_sql(alias), [event_id])
    # A transaction that writes several events wakes the dispatch as many times: the first
    # enqueues the task, the others find it waiting.
    transaction.on_commit(partial(wake, alias), using=alias)


# --- after the commit ----------------------------------------------------------------------


def wake(using: str = "default") -> None:
    """Make sure a ``dispatch_pending`` task will run after this point (see the module's notes)."""
    from tickets.tasks import dispatch_pending  # tickets.tasks imports this module (drain)

    try:
        if _already_waiting(dispatch_pending):
            return
        dispatch_pending.enqueue()
    except Exception:  # the change is committed; the scheduler's next round dispatches it
        logger.exception("could not enqueue the dispatch of new ticket events")


def _already_waiting(task: object) -> bool:
    """Whether the database task backend holds ``task`` ready and not yet claimed. Other backends
    cannot be asked: their answer is always no, and each commit enqueues."""
    if not outbox.in_database(task):
        return False
    alias = router.db_for_read(DBTaskResult)
    with connections[alias].cursor() as cursor:
        cursor.execute(_waiting_sql(alias), [task.module_path, task.get_backend().alias])  # type: ignore[attr-defined]
        return cursor.fetchone() is not None


@cache
def _waiting_sql(alias: str) -> str:
    """Read through the backend's partial index of ready tasks: its condition is written out,
    because SQLite uses a partial index only for a literal that matches it."""
    quote = connections[alias].ops.quote_name
    table = quote(DBTaskResult._meta.db_table)
    ready = str(TaskResultStatus.READY.value).replace("'", "")
    return (
        f"SELECT 1 FROM {table} WHERE {quote('status')} = '{ready}'"  # noqa: S608 - model metadata and a constant
        f" AND {quote('task_path')} = %s AND {quote('backend_name')} = %s LIMIT 1"
    )


# --- in the worker -------------------------------------------------------------------------


def drain(*, now: datetime | None = None, batch: int = BATCH, batches: int = BATCHES, using: str | None = None) -> int:
    """Dispatch the pending events, oldest first, ``batches`` batches at most (then another task
    carries on, so no task runs for ever under a steady load); return how many were handed to
    the handlers."""
    alias = using or router.db_for_write(PendingDispatch)
    done = 0
    for _round in range(batches):
        claimed = _claim(alias, now or timezone.now(), batch)
        if not claimed:
            return done
        for _row_id, event_id in claimed:
            run_handlers(event_id)
        PendingDispatch.objects.using(alias).filter(pk__in=[row_id for row_id, _event_id in claimed]).delete()
        done += len(claimed)
    wake(alias)
    return done


def _claim(alias: str, now: datetime, batch: int) -> list[tuple[int, int]]:
    """Mark up to ``batch`` unclaimed (or stale) rows as claimed, in one statement, and return
    them as ``(row id, event id)`` in order. On PostgreSQL rows another worker is claiming are
    skipped; SQLite runs one writer at a time."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    table, pk, claimed_at = quote(PendingDispatch._meta.db_table), quote("id"), quote("claimed_at")
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    sql = (
        f"UPDATE {table} SET {claimed_at} = %s WHERE {pk} IN ("  # noqa: S608 - model metadata
        f"SELECT {pk} FROM {table} WHERE {claimed_at} IS NULL OR {claimed_at} < %s ORDER BY {pk} LIMIT %s{lock}"
        f") RETURNING {pk}, {quote('event_id')}"
    )
    stale = now - STALE_CLAIM
    values = [connection.ops.adapt_datetimefield_value(now), connection.ops.adapt_datetimefield_value(stale), batch]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, values)
        return sorted((int(row_id), int(event_id)) for row_id, event_id in cursor.fetchall())
