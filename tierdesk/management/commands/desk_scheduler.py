"""Enqueue periodic jobs through django.tasks, once per time slot, however many schedulers run.

Each firing inserts a ``PeriodicSlot(job, slot)`` row under a unique constraint before it
enqueues; a scheduler that loses the insert knows another one already took that slot.
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction

from tierdesk.models import PeriodicSlot
from tierdesk.schedule import jobs

logger = logging.getLogger(__name__)


def fire_due_jobs(now: float) -> list[str]:
    """Enqueue every job whose current slot nobody has taken yet; returns the jobs fired."""
    fired = []
    for job in jobs():
        slot = int(now // job.every_seconds) * job.every_seconds
        try:
            with transaction.atomic():
                PeriodicSlot.objects.create(job=job.name, slot=slot)
                transaction.on_commit(job.task.enqueue)
        except IntegrityError:
            continue  # Another scheduler took this slot.
        fired.append(job.name)
    return fired


class Command(BaseCommand):
    help = "Run the periodic jobs (SLA scans, auto-close, probes) through the task backend."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Fire what is due now and exit.")
        parser.add_argument("--tick", type=float, default=None, help="Seconds between checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        tick = options["tick"] or settings.SCHEDULER_TICK_SECONDS
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            fired = fire_due_jobs(time.time())
            if fired:
                logger.info("scheduler fired %s", ", ".join(fired))
            if options["once"] or stopping:
                return
            deadline = time.monotonic() + tick
            while time.monotonic() < deadline and not stopping:
                time.sleep(min(1.0, tick))
            if stopping:
                return
