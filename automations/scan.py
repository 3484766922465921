"""The time-based rules: "no reply from the customer for N hours", "nobody has taken it for N hours".

The scheduler runs :func:`scan` every few minutes. For each active time-based rule it reads the
active tickets whose last activity is older than the rule's wait (a range on the partial index
``tickets_active_activity_idx``: only active tickets are in it), leaves out those the rule has
already acted on since that activity, and runs the rule on each that matches. The period a run
is recorded for is that stretch of waiting (``<trigger>:<last activity>``), so a ticket is
handled once per rule and period however many schedulers run: the second one's run row breaks
the unique key and it does nothing. New activity starts a new period.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from automations import conditions
from automations.engine import run_rule
from automations.models import TIME_BASED, Automation, AutomationRun, Trigger
from tickets.models import Status, Ticket

BATCH = 200


def due(rule: Automation, now: datetime) -> Q:
    """The tickets a time-based rule is due on now (before its own conditions)."""
    cutoff = now - timedelta(hours=rule.hours or 0)
    if rule.trigger == Trigger.NO_CUSTOMER_REPLY:
        return Q(status=Status.WAITING_CUSTOMER, updated_at__lte=cutoff)
    return Q(status__in=[Status.NEW, Status.OPEN], assignee__isnull=True, updated_at__lte=cutoff)


def period_of(rule: Automation, ticket: Ticket) -> str:
    return f"{rule.trigger}:{ticket.updated_at.isoformat()}"


def scan(now: datetime, batch: int = BATCH) -> dict[str, int]:
    """Run every time-based rule on the tickets due for it; the counts of tickets acted on."""
    counts: dict[str, int] = {}
    for rule in Automation.objects.filter(active=True, trigger__in=TIME_BASED).order_by("position", "id"):
        done_since = AutomationRun.objects.filter(
            automation=rule, ticket=OuterRef("pk"), created_at__gt=OuterRef("updated_at")
        )
        tickets = (
            Ticket.objects.filter(due(rule, now))
            .filter(conditions.to_q(rule.conditions or {}))
            .exclude(Exists(done_since))
            .order_by("updated_at", "id")[:batch]
        )
        acted = 0
        for ticket in tickets:
            if run_rule(rule, ticket, period=period_of(rule, ticket), depth=1, now=now) is not None:
                acted += 1
        counts[f"{rule.pk}"] = acted
    return counts
