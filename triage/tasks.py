"""Background work of automatic triage: probes run on the "probes" queue, never in a request."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from triage.actions import execute_run
from triage.models import ProbeRun, RunStatus


@task(queue_name="probes")
def run_probe_run(run_id: int) -> str:
    """Run one pending probe run (idempotent: a run already taken is skipped)."""
    return execute_run(run_id)


@task()
def reap_stuck_runs() -> int:
    """Mark runs that a dead worker left running as failed and flag them for a person."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.TIERDESK_PROBE_DEADLINE + 120)
    return ProbeRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff).update(
        status=RunStatus.FAILED, finished_at=now, needs_human=True, failure="the worker stopped before finishing"
    )
