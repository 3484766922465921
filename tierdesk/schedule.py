"""The periodic jobs and how often each runs. Apps add theirs here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    task: Any


def jobs() -> list[Job]:
    from api.tasks import purge_api_records, retry_due_webhooks
    from tickets.tasks import close_resolved_tickets

    return [
        Job("close_resolved_tickets", 3600, close_resolved_tickets),
        Job("retry_due_webhooks", 60, retry_due_webhooks),
        Job("purge_api_records", 3600, purge_api_records),
    ]
