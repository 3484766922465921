"""Background jobs of the project itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import replay

PURGE_BATCH = 5000
PURGE_MAX_BATCHES = 100


@task()
def purge_replay_keys() -> int:
    """Forget the replay keys of signed webhooks whose signatures are stale anyway."""
    return replay.purge(timezone.now())


@task()
def purge_task_results() -> int:
    """Delete the rows of finished tasks of the database task backend once they are old enough
    (``TIERDESK_TASK_RESULT_RETENTION_DAYS``, ``TIERDESK_FAILED_TASK_RETENTION_DAYS``)."""
    return purge_finished_tasks(timezone.now())


def purge_finished_tasks(now: datetime) -> int:
    """Delete finished task rows past their retention, in batches of
    ``PURGE_BATCH`` each in its own transaction (on SQLite the writer lock is never held for long);
    at most ``PURGE_MAX_BATCHES`` a run, the rest the next day. Tasks waiting or running stay.
    Rows left by the database backend are purged whatever backend runs now."""
    old = DBTaskResult.objects.filter(
        Q(
            status=TaskResultStatus.SUCCESSFUL,
            finished_at__lte=now - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS),
        )
        | Q(status=TaskResultStatus.FAILED, finished_at__lte=now - timedelta(days=settings.FAILED_TASK_RETENTION_DAYS))
    )
    deleted = 0
    for _batch in range(PURGE_MAX_BATCHES):
        with transaction.atomic():
            ids = list(old.order_by().values_list("pk", flat=True)[:PURGE_BATCH])
            if not ids:
                break
            count, _by_model = DBTaskResult.objects.filter(pk__in=ids).delete()
        deleted += count
    return deleted
