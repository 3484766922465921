"""Whether the background work keeps up: what ``GET /health/work/`` reports.

Several things can fall behind without any page showing it: the worker (ticket events wait to
be dispatched, tasks wait to run), the scheduler (periodic jobs stop firing), and the work those
tasks carry, whatever the task backend: mail waiting to be sent, inbound mail waiting to be
processed, probe runs waiting or stuck. Each is measured by the age of the oldest thing waiting;
past ``TIERDESK_HEALTH_LATE_SECONDS`` it is a problem.
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

from notifications.models import Delivery, DeliveryStatus, InboundMail, InboundStatus
from tickets.models import PendingDispatch
from tierdesk.models import PeriodicSlot
from triage.models import ProbeRun, RunStatus


@dataclass
class Report:
    dispatch: dict[str, Any]
    tasks: dict[str, Any] | None  # None when tasks are not kept in the database
    scheduler: dict[str, Any]
    mail: dict[str, Any]
    inbound: dict[str, Any]
    probes: dict[str, Any]
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
            "mail": self.mail,
            "inbound": self.inbound,
            "probes": self.probes,
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

    mail = _mail(now)
    inbound = _inbound(now)
    probes = _probes(now)
    result = Report(dispatch=dispatch, tasks=tasks, scheduler=scheduler, mail=mail, inbound=inbound, probes=probes)
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
    if (mail["oldest_seconds"] or 0) > late:
        result.problems.append(
            {"code": "mail_late", "message": f"{mail['waiting']} e-mails wait to be sent; is a worker serving 'mail'?"}
        )
    if (inbound["oldest_seconds"] or 0) > late:
        result.problems.append(
            {
                "code": "inbound_late",
                "message": f"{inbound['waiting']} inbound e-mails wait to be processed; is a worker serving 'mail'?",
            }
        )
    if (probes["oldest_seconds"] or 0) > late:
        result.problems.append(
            {
                "code": "probes_late",
                "message": f"{probes['waiting']} probe runs wait or are stuck; is a worker serving 'probes'?",
            }
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


def _oldest(*instants: datetime | None) -> datetime | None:
    known = [instant for instant in instants if instant is not None]
    return min(known) if known else None


def _mail(now: datetime) -> dict[str, Any]:
    """Deliveries waiting to be sent: new ones since they were created, retries since their time
    to try again came (a retry not yet due is not waiting)."""
    new = Delivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(count=Count("pk"), oldest=Min("created_at"))
    due = Delivery.objects.filter(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now).aggregate(
        count=Count("pk"), oldest=Min("next_attempt_at")
    )
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED, updated_at__gte=now - timedelta(days=1)).count()
    return {
        "waiting": new["count"] + due["count"],
        "oldest_seconds": _age(now, _oldest(new["oldest"], due["oldest"])),
        "failed_last_day": failed,
    }


def _inbound(now: datetime) -> dict[str, Any]:
    """Inbound mail stored and not processed yet, and what waits in the quarantine."""
    waiting = InboundMail.objects.filter(status=InboundStatus.RECEIVED).aggregate(
        count=Count("pk"), oldest=Min("received_at")
    )
    quarantined = InboundMail.objects.filter(status=InboundStatus.QUARANTINED).count()
    return {"waiting": waiting["count"], "oldest_seconds": _age(now, waiting["oldest"]), "quarantined": quarantined}


def _probes(now: datetime) -> dict[str, Any]:
    """Probe runs waiting for a worker (since they were asked for) or running past their
    deadline (a run ends within ``TIERDESK_PROBE_DEADLINE``)."""
    pending = ProbeRun.objects.filter(status=RunStatus.PENDING).aggregate(count=Count("pk"), oldest=Min("created_at"))
    running = ProbeRun.objects.filter(status=RunStatus.RUNNING).aggregate(count=Count("pk"), oldest=Min("started_at"))
    overdue = running["oldest"]
    if overdue is not None:
        overdue += timedelta(seconds=settings.TIERDESK_PROBE_DEADLINE)
    return {
        "waiting": pending["count"],
        "running": running["count"],
        "oldest_seconds": _age(now, _oldest(pending["oldest"], overdue)),
    }
