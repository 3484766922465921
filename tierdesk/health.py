"""Whether the background work keeps up: what ``GET /health/work/`` reports.

Three things can fall behind without any page showing it: the worker (ticket events wait to be
dispatched, tasks wait to run) and the scheduler (periodic jobs stop firing). Each is measured
by the age of the oldest thing waiting; past ``TIERDESK_HEALTH_LATE_SECONDS`` it is a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Max, Min, When
from django.tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from tickets.models import PendingDispatch
from tierdesk.models import PeriodicSlot


@dataclass
class Report:
    dispatch: dict[str, Any]
    tasks: dict[str, Any] | None  # None when tasks are not kept in the database
    scheduler: dict[str, Any]
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "late",
            "problems": self.problems,
            "dispatch": self.dispatch,
            "tasks": self.tasks,
            "scheduler": self.scheduler,
        }


def _age(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds()))


def report(now: datetime) -> Report:
    late = settings.HEALTH_LATE_SECONDS
    waiting = PendingDispatch.objects.aggregate(count=Count("pk"), oldest=Min("event__created_at"))
    dispatch = {"waiting": waiting["count"], "oldest_seconds": _age(now, waiting["oldest"])}
    tasks = _tasks(now)
    last_fired = PeriodicSlot.objects.aggregate(last=Max("claimed_at"))["last"]
    scheduler = {"last_fired_seconds_ago": _age(now, last_fired)}

    result = Report(dispatch=dispatch, tasks=tasks, scheduler=scheduler)
    if (dispatch["oldest_seconds"] or 0) > late:
        result.problems.append(
            {
                "code": "dispatch_late",
                "message": f"{dispatch['waiting']} ticket events wait to be dispatched; is a worker running?",
            }
        )
    if tasks is not None and (tasks["oldest_ready_seconds"] or 0) > late:
        result.problems.append(
            {"code": "tasks_late", "message": f"{tasks['ready']} tasks wait to run; is a worker serving every queue?"}
        )
    if scheduler["last_fired_seconds_ago"] is None:
        result.problems.append({"code": "scheduler_never_ran", "message": "The scheduler has never fired a job."})
    elif scheduler["last_fired_seconds_ago"] > max(late, 120):  # a job fires every minute
        result.problems.append({"code": "scheduler_stopped", "message": "The scheduler has not fired a job lately."})
    return result


def _tasks(now: datetime) -> dict[str, Any] | None:
    """Ready tasks of the database backend, and how long the oldest has been ready (a deferred
    task from its time to run, not from when it was enqueued)."""
    if not any(isinstance(backend, DatabaseBackend) for backend in task_backends.all()):
        return None
    ready_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    ready = DBTaskResult.objects.ready().aggregate(count=Count("pk"), oldest=Min(ready_since))
    failed = DBTaskResult.objects.failed().filter(finished_at__gte=now - timedelta(days=1)).count()
    return {"ready": ready["count"], "oldest_ready_seconds": _age(now, ready["oldest"]), "failed_last_day": failed}
