"""Enqueue periodic jobs through django.tasks, once per time slot, however many schedulers run.

Each firing inserts a ``PeriodicSlot(job, slot)`` row under a unique constraint before it
enqueues; a scheduler that loses the insert knows another one already took that slot.

A scheduler outlives an outage of the broker or of the database: a job whose slot it took but
could not hand to the task backend is owed, logged, and enqueued again at each tick until the
backend takes it (a job is a sweep, so one late run covers every slot it missed); a tick that
cannot reach the database is logged and tried again at the next one.
"""

from __future__ import annotations

import logging
import signal
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, IntegrityError, close_old_connections, transaction

from tierdesk.models import PeriodicSlot
from tierdesk.schedule import Job, jobs

logger = logging.getLogger(__name__)

# While a job is owed (the backend refused it), the scheduler tries again at least this often.
OWED_RETRY_SECONDS = 5.0


def _enqueue(job: Job) -> bool:
    try:
        job.task.enqueue()
    except Exception as error:  # noqa: BLE001 - any backend's failure to take the task (broker down)
        logger.warning(
            "scheduler could not enqueue %s (%s: %s); it will try again",
            job.name,
            type(error).__name__,
            " ".join(str(error).split()),
        )
        return False
    return True


def fire_due_jobs(now: float, owed: dict[str, Job] | None = None) -> list[str]:
    """Take every job's current slot that nobody has taken yet and enqueue the job once the slot
    is committed; enqueue again every job still ``owed`` from an earlier tick. Returns the jobs
    fired. A job the backend refuses goes into ``owed`` (when given) for the next tick, so a
    committed slot is never skipped; after one refusal the tick tries no more (the backend is
    down), it only takes the slots."""
    owed = {} if owed is None else owed
    fired = []
    for name, job in list(owed.items()):
        if not _enqueue(job):
            break
        del owed[name]
        fired.append(name)
    for job in jobs():
        slot = int(now // job.every_seconds) * job.every_seconds
        try:
            with transaction.atomic():
                PeriodicSlot.objects.create(job=job.name, slot=slot)
                if job.name not in owed:  # one run of a sweep covers the slots it missed
                    transaction.on_commit(partial(_enqueue_or_owe, job, owed))
        except IntegrityError:
            continue  # Another scheduler took this slot.
        fired.append(job.name)
    return fired


def _enqueue_or_owe(job: Job, owed: dict[str, Job]) -> None:
    if owed or not _enqueue(job):  # something owed: the backend refused this tick already
        owed[job.name] = job


class Command(BaseCommand):
    help = "Run the periodic jobs (SLA scans, auto-close, probes) through the task backend."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Fire what is due now and exit.")
        parser.add_argument("--tick", type=float, default=None, help="Seconds between checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        tick = options["tick"] or settings.SCHEDULER_TICK_SECONDS
        stopping = False
        owed: dict[str, Job] = {}

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            try:
                fired = fire_due_jobs(time.time(), owed)
            except DatabaseError as error:
                # The database restarts or fails over: this tick is lost, the next one tries again.
                logger.warning("scheduler could not reach the database (%s); it will try again", error)
                close_old_connections()
                fired = []
            if fired:
                logger.info("scheduler fired %s", ", ".join(fired))
            if options["once"] or stopping:
                if owed:
                    logger.error("scheduler stopped with jobs not enqueued: %s", ", ".join(owed))
                return
            wait = min(tick, OWED_RETRY_SECONDS) if owed else tick
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not stopping:
                time.sleep(min(1.0, wait))
            if stopping:
                return
