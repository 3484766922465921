"""Background work of automatic triage: probes run on the "probes" queue, never in a request."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from core.outbox import in_database
from triage.actions import execute_run
from triage.models import ProbeRun, RunStatus

logger = logging.getLogger(__name__)


@task(queue_name="probes")
def run_probe_run(run_id: int) -> str:
    """Run one pending probe run (idempotent: a run already taken is skipped)."""
    return execute_run(run_id)


# A run still pending this long after it was asked for, with a task backend outside the
# database (Celery), lost its task (the broker did not take it): the reaper enqueues it again.
LOST_AFTER = timedelta(minutes=2)
REQUEUE_LIMIT = 500


@task()
def reap_stuck_runs() -> int:
    """Mark runs that a dead worker left running as failed and flag them for a person; enqueue
    again the runs whose task was lost. Returns how many runs were marked failed."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.TIERDESK_PROBE_DEADLINE + 120)
    reaped = ProbeRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff).update(
        status=RunStatus.FAILED, finished_at=now, needs_human=True, failure="the worker stopped before finishing"
    )
    requeue_lost_runs(now)
    return reaped


def requeue_lost_runs(now: datetime, *, limit: int = REQUEUE_LIMIT) -> int:
    """Enqueue again the runs left pending whose task may have been lost. With the database task
    backend a run's task is written in the run's own transaction and cannot be lost, so nothing
    is done; elsewhere a repeated task is harmless (a run is taken once)."""
    if in_database(run_probe_run):
        return 0
    ids = list(
        ProbeRun.objects.filter(status=RunStatus.PENDING, created_at__lt=now - LOST_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for count, run_id in enumerate(ids):
        try:
            run_probe_run.enqueue(run_id)
        except Exception:  # the broker is down: the next sweep tries again
            logger.warning("could not enqueue probe run %s again", run_id, exc_info=True)
            return count
    return len(ids)
