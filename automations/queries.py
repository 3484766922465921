"""Reads for the rule editor: the rules, a rule's preview, what ran on a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from automations import conditions
from automations.models import TIME_BASED, Automation, AutomationRun
from automations.scan import due
from tickets.models import ACTIVE_STATUSES, Ticket

PREVIEW_LIMIT = 20


@dataclass(frozen=True)
class Preview:
    count: int
    tickets: list[Ticket]


def rules() -> QuerySet[Automation]:
    return Automation.objects.annotate(run_count=Count("runs")).order_by("trigger", "position", "id")


def preview(data: dict[str, Any], *, now: datetime) -> Preview:
    """The open tickets a rule with these (already checked) fields would match now: for a
    time-based rule, those also due for it. The same filter the engine uses."""
    q = Q(status__in=ACTIVE_STATUSES) & conditions.to_q(data.get("conditions") or {})
    if data.get("trigger") in TIME_BASED:
        q &= due(Automation(trigger=data["trigger"], hours=data.get("hours") or 0), now)
    matched = Ticket.objects.filter(q)
    return Preview(
        count=matched.count(),
        tickets=list(matched.select_related("level", "organisation").order_by("-updated_at", "-id")[:PREVIEW_LIMIT]),
    )


def runs_of(rule: Automation, limit: int = 20) -> list[AutomationRun]:
    return list(rule.runs.select_related("ticket").order_by("-created_at", "-id")[:limit])
