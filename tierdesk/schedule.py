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
    from infogerencia.tasks import expire_quotes
    from tickets.tasks import close_resolved_tickets

    return [
        Job("close_resolved_tickets", 3600, close_resolved_tickets),
        Job("expire_quotes", 3600, expire_quotes),
    ]
