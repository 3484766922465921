"""Reads of automatic triage, always for a given person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from services.models import Service
from tickets.models import ACTIVE_STATUSES, Ticket
from triage import routing
from triage.models import Decision, GroupedTicket, Outage, OutageStatus, ProbeResult, ProbeRun, ScopeKind, Trigger

RUNS_SHOWN = 10
SERVICES_SHOWN = 5


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_agent", False) or getattr(user, "is_superuser", False))


@dataclass
class CustomerOutage:
    outage: Outage
    services: list[str]


def outages_for_customer(user: Any) -> list[CustomerOutage]:
    """Ongoing outages behind this customer's services (one query when there is none)."""
    org_services = Service.objects.filter(organisation_id=user.organisation_id)
    outages = list(
        Outage.objects.filter(status=OutageStatus.OPEN)
        .alias(
            **{
                f"in_{kind}": Exists(org_services.filter(**{kind: OuterRef("scope_value")}))
                for kind in ScopeKind.values
            }
        )
        .filter(
            Q(scope_kind=ScopeKind.HOST_NODE, in_host_node=True)
            | Q(scope_kind=ScopeKind.RACK, in_rack=True)
            | Q(scope_kind=ScopeKind.NETWORK_SEGMENT, in_network_segment=True)
        )
        .order_by("started_at", "id")[:5]
    )
    return [
        CustomerOutage(
            outage,
            list(
                org_services.filter(**{outage.scope_kind: outage.scope_value})
                .order_by("reference")
                .values_list("reference", flat=True)[:SERVICES_SHOWN]
            ),
        )
        for outage in outages
    ]


def runs_for(ticket: Ticket) -> QuerySet[ProbeRun]:
    """The ticket's latest probe runs with their results (two queries)."""
    return (
        ProbeRun.objects.filter(ticket=ticket)
        .select_related("requested_by", "overridden_by")
        .prefetch_related(Prefetch("results", queryset=ProbeResult.objects.order_by("position")))
        .order_by("-created_at", "-id")[:RUNS_SHOWN]
    )


def outage_of(ticket: Ticket) -> Outage | None:
    grouped = (
        GroupedTicket.objects.filter(ticket=ticket).select_related("outage").order_by("-outage__started_at").first()
    )
    return grouped.outage if grouped else None


@dataclass
class Evidence:
    staff: bool
    runs: list[ProbeRun] = field(default_factory=list)
    latest: ProbeRun | None = None
    sentences: list[routing.Sentence] = field(default_factory=list)
    explanation: str = ""
    outage: Outage | None = None
    #: The latest run's results and explanation are the desk's message in the conversation
    #: (its move to level 2): the customer reads them there, once.
    in_conversation: bool = False


def evidence_for(ticket: Ticket, user: Any) -> Evidence:
    """What the desk found about a ticket's service, as this person may see it: every result for
    staff; for the customer, the latest finished run in plain words (in the active language)."""
    staff = _is_staff(user)
    if not staff and not (getattr(user, "is_customer", False) and user.organisation_id == ticket.organisation_id):
        return Evidence(staff=False)
    runs = list(runs_for(ticket))
    finished = [run for run in runs if run.is_finished]
    latest = finished[0] if finished else None
    evidence = Evidence(staff=staff, runs=runs, latest=latest, outage=outage_of(ticket))
    if latest is not None:
        evidence.sentences = [s for s in routing.summary_sentences(list(latest.results.all())) if s.text]
        moved = latest.decision == Decision.TO_L2 and latest.trigger == Trigger.DECLARED
        # A move the desk did not carry out (a person had put the ticket on its level) has no
        # explanation to give: "it has been passed to the assistance team" would be untrue.
        evidence.explanation = routing.explanation(latest.message_key) if latest.applied or not moved else ""
        evidence.in_conversation = moved and latest.applied
    return evidence


def flagged_runs() -> QuerySet[ProbeRun]:
    """Runs waiting for a technician on tickets still active, oldest first (bounded)."""
    return (
        ProbeRun.objects.filter(needs_human=True, ticket__status__in=ACTIVE_STATUSES)
        .select_related("ticket__organisation", "ticket__service", "ticket__level", "ticket__category")
        .order_by("created_at", "id")[:50]
    )


def outages_page(status: str | None = None) -> QuerySet[Outage]:
    qs = Outage.objects.order_by("-started_at", "-id")
    if status in OutageStatus.values:
        qs = qs.filter(status=status)
    return qs[:50]
