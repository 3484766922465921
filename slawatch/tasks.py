"""Background work of the SLA clocks: the periodic scan and recomputing due times."""

from __future__ import annotations

import logging

from django.tasks import task
from django.utils import timezone

from core.outbox import enqueue_on_commit
from slawatch.scan import scan
from tickets import actions
from tickets.models import ACTIVE_STATUSES, Ticket

logger = logging.getLogger(__name__)

RECOMPUTE_BATCH = 500
SCAN_BATCH = 500
SCAN_MAX_BATCHES = 20


@task(queue_name="sla")
def sla_scan() -> dict[str, int]:
    """Fire every due warning and breach. Safe to run twice and from several workers at once.

    Handles up to ``SCAN_BATCH × SCAN_MAX_BATCHES`` tickets per run; each handled ticket leaves
    the due set (its next check moves past ``now``), so the next batch is the next tickets.
    """
    now = timezone.now()
    totals = {"tickets": 0, "warning": 0, "breach": 0, "resolution": 0}
    for _ in range(SCAN_MAX_BATCHES):
        counts = scan(now, SCAN_BATCH)
        for key, value in counts.items():
            totals[key] += value
        if counts["tickets"] < SCAN_BATCH:
            break
    return totals


@task(queue_name="sla")
def recompute_due_times(level_ids: list[int], after_id: int = 0) -> int:
    """Re-derive the due times of the open tickets on these levels, one batch, then the next.

    Batches go by primary key (keyset), each ticket in its own short transaction
    (``tickets.actions.recompute_sla_due_times``), so a long recompute never holds many locks.
    Idempotent: running it twice changes nothing more.
    """
    ids = list(
        Ticket.objects.filter(level_id__in=level_ids, status__in=ACTIVE_STATUSES, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:RECOMPUTE_BATCH]
    )
    moved = 0
    for pk in ids:
        moved += actions.recompute_sla_due_times(pk)
    if len(ids) == RECOMPUTE_BATCH:
        enqueue_on_commit(recompute_due_times, level_ids, ids[-1])
    logger.info("recomputed SLA due times of %s tickets (%s moved)", len(ids), moved)
    return moved
