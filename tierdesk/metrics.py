"""Prometheus metrics: ``GET /metrics`` (``prometheus_client``), read with the health token.

Two kinds:

- **Counted as they happen**, in whichever process does the work: request latency per view
  (``tierdesk_request_seconds``). With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory
  shared by every process of the host, cleared before they start), gunicorn's workers and the
  task workers each write their own files there and the scrape adds them up, so one endpoint
  reports them all.
- **Read from the database when scraped**: the desk's state, the same whichever process answers
  (tickets open per level and SLA state, SLA warnings and breaches, probe results, mail in and
  out, outages open, queue depth and age per task queue). Each is one indexed aggregate.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from notifications.models import Delivery, InboundMail
from tickets.models import ACTIVE_STATUSES, EventKind, Ticket, TicketEvent
from triage.models import Outage, OutageStatus, ProbeResult, ProbeRun, RunStatus

REQUEST_SECONDS = Histogram(
    "tierdesk_request_seconds",
    "Time to answer a request, per view (URL name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RequestMetricsMiddleware:
    """Times every request; the view is its URL's name (``console:queue``), never the path, so the
    number of series stays bounded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        REQUEST_SECONDS.labels(view, request.method or "", f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


def _age(now: datetime, since: datetime | None) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


class DeskCollector(Collector):
    """The desk's state, read from the database at each scrape."""

    def collect(self) -> Iterator[Any]:
        now = timezone.now()
        yield from self._tickets()
        yield from self._queues(now)
        yield from self._probes()
        yield from self._mail()
        outages = GaugeMetricFamily("tierdesk_outages_open", "Outages open now.")
        outages.add_metric([], Outage.objects.filter(status=OutageStatus.OPEN).count())
        yield outages

    def _tickets(self) -> Iterator[Any]:
        open_tickets = GaugeMetricFamily(
            "tierdesk_tickets_open",
            "Tickets open (new, open, waiting), per level and SLA state.",
            labels=["level", "sla"],
        )
        rows = (
            Ticket.objects.filter(status__in=ACTIVE_STATUSES)
            .values("level__code", "sla_state")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for row in rows:
            open_tickets.add_metric([row["level__code"] or "", row["sla_state"] or "none"], row["count"])
        yield open_tickets
        events = dict(
            TicketEvent.objects.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH])
            .values_list("kind")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for kind, name, text in (
            (EventKind.SLA_WARNING, "tierdesk_sla_warnings", "SLA warnings fired."),
            (EventKind.SLA_BREACH, "tierdesk_sla_breaches", "SLA breaches recorded."),
        ):
            family = CounterMetricFamily(name, text)
            family.add_metric([], events.get(kind, 0))
            yield family

    def _queues(self, now: datetime) -> Iterator[Any]:
        depth = GaugeMetricFamily("tierdesk_queue_depth", "Tasks waiting, per task queue.", labels=["queue"])
        age = GaugeMetricFamily(
            "tierdesk_queue_oldest_seconds",
            "How long the oldest waiting task has waited, per task queue (database backend only).",
            labels=["queue"],
        )
        if any(isinstance(backend, DatabaseBackend) for backend in task_backends.all()):
            rows: dict[str, dict[str, Any]] = {
                row["queue_name"]: dict(row)
                for row in DBTaskResult.objects.ready()
                .values("queue_name")
                .annotate(count=Count("pk"), oldest=Min("enqueued_at"))
                .order_by()
            }
            for queue in settings.TASK_QUEUES:
                row = rows.get(queue, {})
                depth.add_metric([queue], row.get("count", 0))
                age.add_metric([queue], _age(now, row.get("oldest")))
        elif any(type(backend).__name__ == "CeleryBackend" for backend in task_backends.all()):
            for queue, count in _broker_depths().items():
                depth.add_metric([queue], count)
        yield depth
        yield age

    def _probes(self) -> Iterator[Any]:
        runs = GaugeMetricFamily("tierdesk_probe_runs", "Probe runs, per status.", labels=["status"])
        counts = dict(ProbeRun.objects.values_list("status").annotate(count=Count("pk")).order_by())
        for status in RunStatus.values:
            runs.add_metric([status], counts.get(status, 0))
        yield runs
        results = CounterMetricFamily(
            "tierdesk_probe_results", "Probes run, per kind and outcome.", labels=["kind", "outcome"]
        )
        by_outcome = ProbeResult.objects.values_list("kind", "outcome").annotate(n=Count("pk")).order_by()
        for kind, outcome, count in by_outcome:
            results.add_metric([kind, outcome], count)
        yield results

    def _mail(self) -> Iterator[Any]:
        out = GaugeMetricFamily("tierdesk_mail_out", "Outgoing e-mails (deliveries), per status.", labels=["status"])
        for status, count in Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by():
            out.add_metric([status], count)
        yield out
        inbound = GaugeMetricFamily(
            "tierdesk_mail_in", "Inbound e-mails kept, per status (quarantined among them).", labels=["status"]
        )
        for status, count in InboundMail.objects.values_list("status").annotate(n=Count("pk")).order_by():
            inbound.add_metric([status], count)
        yield inbound


def _broker_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue, asked of the broker (empty when it cannot answer)."""
    try:
        # Only when the desk runs on Celery: importing the Celery app configures Celery.
        from tierdesk.celery_app import app

        depths = {}
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            channel = connection.default_channel
            for queue in settings.TASK_QUEUES:
                try:
                    depths[queue] = int(channel.queue_declare(queue=queue, passive=True).message_count)
                except Exception:  # noqa: BLE001 - a queue never declared yet holds nothing
                    depths[queue] = 0
                    channel = connection.channel()
        return depths
    except Exception:  # noqa: BLE001 - the scrape still answers with the rest
        return {}


def render() -> bytes:
    """The exposition text: this process's (or, in multi-process mode, every process's) counted
    metrics, and the desk's state from the database."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(DeskCollector())
    return generate_latest(registry)
