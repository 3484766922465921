"""Running the rules: on each ticket event (a ``tickets.dispatch`` handler) and by the scheduler.

For one event the cost is fixed whatever the number of tickets: the event with its ticket, the
active rules of its trigger, and one query that says which of them match the ticket (every rule's
conditions as one ``CASE`` each); then, per rule that matches, its run row and its steps.

Loops are impossible:

- every change a rule makes is recorded with ``{"via": {"automation": id, "depth": n}}``
  (``tickets.acting``); a rule never fires on an event it caused itself;
- a chain (a rule's change fires another rule, whose change fires a third…) stops at
  ``MAX_DEPTH``: the event that would go deeper runs nothing, and the ticket's history says so
  (an ``automation`` event with ``outcome: chain_stopped``);
- each rule runs at most once per ticket and event (``AutomationRun``'s unique key), so an event
  dispatched twice, or two workers, never act twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from automations import conditions, steps
from automations.models import Automation, AutomationRun, Trigger
from tickets import acting, actions
from tickets.models import EventKind, Sender, Ticket, TicketEvent

logger = logging.getLogger(__name__)

MAX_DEPTH = 3

_EVENT_TRIGGERS = {
    EventKind.CREATED: Trigger.OPENED,
    EventKind.TRANSFERRED: Trigger.LEVEL_MOVED,
    EventKind.SLA_WARNING: Trigger.SLA_WARNING,
    EventKind.SLA_BREACH: Trigger.SLA_BREACH,
}


def trigger_of(event: TicketEvent) -> str | None:
    """The trigger an audit event stands for, if any."""
    if event.kind == EventKind.MESSAGE:
        sender = (event.data or {}).get("sender")
        if sender == Sender.CUSTOMER:
            return Trigger.CUSTOMER_REPLIED
        if sender == Sender.SUPPORT:
            return Trigger.AGENT_REPLIED
        return None
    return _EVENT_TRIGGERS.get(EventKind(event.kind)) if event.kind in EventKind.values else None


def active_rules(trigger: str) -> list[Automation]:
    return list(Automation.objects.filter(trigger=trigger, active=True).order_by("position", "id"))


def matching(rules: Sequence[Automation], ticket_id: int) -> set[int]:
    """Which of these rules match the ticket now, in one query."""
    if not rules:
        return set()
    annotations: dict[str, Any] = {}
    for rule in rules:
        q = conditions.to_q(rule.conditions or {})
        annotations[f"r{rule.pk}"] = (
            Value(True) if not q else Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
    row = Ticket.objects.filter(pk=ticket_id).annotate(**annotations).values(*annotations).first()
    if row is None:
        return set()
    return {rule.pk for rule in rules if row[f"r{rule.pk}"]}


def _reason(rule: Automation) -> str:
    return gettext("Automation “%(name)s”") % {"name": rule.name}


def run_rule(rule: Automation, ticket: Ticket, *, period: str, depth: int, now: datetime) -> AutomationRun | None:
    """Run one rule's steps on a ticket, once per ``period``; None when it already ran for it.

    One transaction: the run row (its unique key is the claim), every step through the ticket
    actions, and the ``automation`` event that records on the ticket what ran and what each step
    did. A step the ticket actions refuse writes nothing and is recorded as refused.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = AutomationRun.objects.create(
                    automation=rule, ticket=ticket, version=rule.version, period=period, results=[], created_at=now
                )
        except IntegrityError:
            return None
        results = []
        with acting.on_behalf_of({"automation": rule.pk, "name": rule.name, "depth": depth}):
            for step in rule.steps:
                fresh = Ticket.objects.select_related("level", "requester", "organisation", "service").get(pk=ticket.pk)
                results.append(
                    {"type": step["type"], "outcome": steps.run(fresh, step, actor=None, now=now, reason=_reason(rule))}
                )
            run.results = results
            run.save(update_fields=["results"])
            actions.record_event(
                ticket,
                EventKind.AUTOMATION,
                actor=None,
                now=now,
                outcome="ran",
                automation=rule.pk,
                name=rule.name,
                version=rule.version,
                trigger=rule.trigger,
                results=results,
            )
    return run


def run_rules(
    rules: Sequence[Automation], ticket: Ticket, *, period: str, depth: int, caused_by: int | None, now: datetime
) -> list[AutomationRun]:
    """The matching rules in order, each once; a rule with ``stop`` that ran ends the list."""
    ran: list[AutomationRun] = []
    candidates = [rule for rule in rules if rule.pk != caused_by]
    matched = matching(candidates, ticket.pk)
    for rule in candidates:
        if rule.pk not in matched:
            continue
        run = run_rule(rule, ticket, period=period, depth=depth, now=now)
        if run is not None:
            ran.append(run)
            if rule.stop:
                break
    return ran


def on_ticket_event(event_id: int) -> None:
    """The ``tickets.dispatch`` handler: run the rules of the event's trigger on its ticket."""
    event = TicketEvent.objects.filter(pk=event_id).select_related("ticket").first()
    if event is None:
        return
    trigger = trigger_of(event)
    if trigger is None:
        return
    rules = active_rules(trigger)
    if not rules:
        return
    via = (event.data or {}).get("via") or {}
    depth = int(via.get("depth") or 0)
    now = timezone.now()
    if depth >= MAX_DEPTH:
        _chain_stopped(event, depth=depth, now=now)
        return
    run_rules(
        rules, event.ticket, period=f"event:{event.pk}", depth=depth + 1, caused_by=via.get("automation"), now=now
    )


def _chain_stopped(event: TicketEvent, *, depth: int, now: datetime) -> None:
    """Record, once per event, that a chain of automations stopped here."""
    with transaction.atomic():
        already = TicketEvent.objects.filter(
            ticket_id=event.ticket_id, kind=EventKind.AUTOMATION, data__outcome="chain_stopped", data__event=event.pk
        ).exists()
        if not already:
            actions.record_event(
                event.ticket,
                EventKind.AUTOMATION,
                actor=None,
                now=now,
                outcome="chain_stopped",
                depth=depth,
                event=event.pk,
            )
