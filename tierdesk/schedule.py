"""The periodic jobs and how often each runs: the roof names every app's, here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.tasks import purge_api_records, retry_due_webhooks
from automations.tasks import run_time_based_automations
from infogerencia.tasks import expire_quotes
from notifications.tasks import purge_inbound_mail, retry_due_deliveries, retry_unprocessed_mail
from slawatch.tasks import sla_scan
from tickets.tasks import close_resolved_tickets, dispatch_pending
from tierdesk.tasks import purge_replay_keys, purge_task_results
from triage.tasks import reap_stuck_runs


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    task: Any


def jobs() -> list[Job]:
    return [
        # Events are dispatched as they commit; this catches any whose wake-up was lost.
        Job("dispatch_pending", 60, dispatch_pending),
        Job("close_resolved_tickets", 3600, close_resolved_tickets),
        Job("sla_scan", 60, sla_scan),
        Job("triage_reap_stuck_runs", 300, reap_stuck_runs),
        Job("purge_replay_keys", 86400, purge_replay_keys),
        Job("purge_task_results", 86400, purge_task_results),
        Job("retry_due_deliveries", 60, retry_due_deliveries),
        Job("purge_inbound_mail", 86400, purge_inbound_mail),
        Job("retry_unprocessed_mail", 60, retry_unprocessed_mail),
        Job("expire_quotes", 3600, expire_quotes),
        Job("retry_due_webhooks", 60, retry_due_webhooks),
        Job("purge_api_records", 3600, purge_api_records),
        Job("run_time_based_automations", 300, run_time_based_automations),
    ]
