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
    from sla.tasks import sla_scan
    from tickets.tasks import close_resolved_tickets

    return [
        Job("close_resolved_tickets", 3600, close_resolved_tickets),
        Job("sla_scan", 60, sla_scan),
    ]
