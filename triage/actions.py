"""Every write of automatic triage: probe runs and their decisions, overrides, monitoring alerts,
outages. Keyword-only arguments, an explicit actor (``None`` for the desk itself) and ``now``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core import replay
from core.outbox import enqueue_on_commit
from core.signing import VerifiedSignature
from core.stored_text import coded
from levels.models import Category, LevelCode, TicketKind
from services.models import Service
from tickets import actions as ticket_actions
from tickets.actions import works_on
from tickets.errors import ActionRefused, Forbidden, InvalidInput
from tickets.models import ACTIVE_STATUSES, Channel, EventKind, Ticket
from triage import routing, texts
from triage.models import (
    Decision,
    GroupedTicket,
    MonitoringAlert,
    Outage,
    OutageStatus,
    ProbeResult,
    ProbeRun,
    RoutingRuleSet,
    RunStatus,
    ScopeKind,
    Trigger,
)
from triage.monitoring import AlertPayload
from triage.probes import ProbeSpec, normalise_host, run_probes_sync
from triage.rules import Action, Endpoint, decide, may_move, probes_for

logger = logging.getLogger(__name__)

REASON_MAX = 2000
#: Incidents recorded with an older creation time (imported, back-dated) are not probed by
#: themselves: the checks would describe the service now, not when the customer wrote.
AUTOMATIC_TRIAGE_MAX_AGE = timedelta(minutes=15)
#: Narrowest first: a host's failure is reported as the host's, not its rack's.
SCOPES = (ScopeKind.HOST_NODE, ScopeKind.RACK, ScopeKind.NETWORK_SEGMENT)


def _now(now: datetime | None) -> datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def organisation_language(organisation_id: int) -> str:
    """The language of the organisation's first active contact, else the desk's."""
    language = (
        User.objects.filter(organisation_id=organisation_id, role=Role.CUSTOMER, is_active=True)
        .order_by("id")
        .values_list("language", flat=True)
        .first()
    )
    return language or settings.LANGUAGE_CODE


def customer_language(ticket: Ticket) -> str:
    """The language to write to this ticket's customer in."""
    if ticket.requester_id is not None and ticket.requester is not None:
        return ticket.requester.language
    return organisation_language(ticket.organisation_id)


def _require_level_staff(actor: User, ticket: Ticket) -> None:
    if not (actor.is_agent or actor.is_superuser):
        raise Forbidden("staff_only", gettext_lazy("Only support staff can do this."))
    if not works_on(actor, ticket.level.code):
        raise Forbidden(
            "other_level",
            _("This ticket is on %(level)s; only its staff or a supervisor can do this.")
            % {"level": ticket.level.code},
        )


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InvalidInput("reason_required", gettext_lazy("Give a reason."), field="reason")
    if len(cleaned) > REASON_MAX:
        raise InvalidInput(
            "reason_too_long",
            _("This text is too long (at most %(max)s characters).") % {"max": REASON_MAX},
            field="reason",
        )
    return cleaned


# --- probe runs ------------------------------------------------------------------------------


def _start_run(ticket: Ticket, *, trigger: Trigger, actor: User | None, now: datetime) -> ProbeRun | None:
    """A pending run, enqueued on the probes queue after commit; ``None`` if one is already
    pending or running (or the ticket's automatic run already exists)."""
    from triage.tasks import run_probe_run  # triage.tasks imports this module (execute_run)

    try:
        with transaction.atomic():
            run = ProbeRun.objects.create(
                ticket=ticket,
                trigger=trigger,
                requested_by=actor,
                incident_type=routing.incident_type_for(ticket.category.code if ticket.category else None),
                created_at=now,
            )
    except IntegrityError:
        return None
    enqueue_on_commit(run_probe_run, run.pk)
    return run


def triage_new_incident(ticket: Ticket, *, now: datetime | None = None) -> ProbeRun | None:
    """React to a newly declared incident: group it under an ongoing outage of its service, or
    check the service (monitoring's own incidents are evidence enough and are not probed)."""
    now = _now(now)
    if ticket.kind != TicketKind.INCIDENT or ticket.status not in ACTIVE_STATUSES:
        return None
    if ticket.service is not None:
        outage = open_outage_for(ticket.service)
        if outage is not None:
            group_ticket(outage, ticket, now=now)
            return None
    if ticket.channel == Channel.MONITORING or now - ticket.created_at > AUTOMATIC_TRIAGE_MAX_AGE:
        return None
    with transaction.atomic():
        return _start_run(ticket, trigger=Trigger.DECLARED, actor=None, now=now)


def rerun_probes(ticket: Ticket, *, actor: User, now: datetime | None = None) -> ProbeRun:
    """An agent of the ticket's level checks the service again."""
    now = _now(now)
    _require_level_staff(actor, ticket)
    if ticket.service_id is None:
        raise ActionRefused("no_service", gettext_lazy("This ticket names no service to check."))
    with transaction.atomic():
        run = _start_run(ticket, trigger=Trigger.RERUN, actor=actor, now=now)
    if run is None:
        raise ActionRefused("run_in_progress", gettext_lazy("The checks of this ticket are already running."))
    return run


def specs_for(ticket: Ticket, incident_type: str) -> tuple[list[ProbeSpec], list[str]]:
    """The probes for the ticket's service, aimed only at its declared endpoints; and the
    endpoints that could not be used, with why."""
    service = ticket.service
    if service is None:
        return [], ["the ticket names no service"]
    endpoints: list[Endpoint] = []
    problems: list[str] = []
    for row in service.endpoints.order_by("id"):
        try:
            ports = tuple(int(p) for p in (row.ports or []))
            endpoints.append(Endpoint(row.host, ports, row.role))
        except (TypeError, ValueError) as error:
            problems.append(f"endpoint {row.host!r}: {error}")
    if not endpoints:
        problems.append(f"service {service.reference} declares no usable endpoint")
    domain = normalise_host(service.reference)
    try:
        specs = probes_for(
            service.product,
            incident_type,
            endpoints,
            domain=domain,
            resolvers=routing.resolvers(),
            timeout=float(settings.TIERDESK_PROBE_TIMEOUT),
        )
    except ValueError as error:
        return [], [*problems, str(error)]
    return specs, problems


def execute_run(run_id: int, *, now: datetime | None = None) -> str:
    """Run a pending probe run, store every result and the decision, and apply it when the run
    was the automatic one. Idempotent: a run that is not pending is left alone."""
    started = _now(now)
    # Conditional UPDATE: two workers handed the same task run it once.
    if not ProbeRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=started
    ):
        return "skipped"
    run = ProbeRun.objects.select_related("ticket__service", "ticket__category", "ticket__level").get(pk=run_id)
    failure = ""
    results = []
    try:
        specs, problems = specs_for(run.ticket, run.incident_type)
        failure = "; ".join(problems)
        if specs:
            results = run_probes_sync(
                specs,
                denylist=routing.denylist(),
                concurrency=settings.TIERDESK_PROBE_CONCURRENCY,
                overall_timeout=float(settings.TIERDESK_PROBE_DEADLINE),
            )
    except Exception as error:  # noqa: BLE001 - the run is recorded as failed, flagged for a person
        logger.exception("probe run %s failed", run_id)
        failure = f"the checker failed: {error!r}"
        results = []
    ruleset, table = routing.active_rules()
    decision = decide(run.incident_type, results, table)
    finished = timezone.now()
    with transaction.atomic():
        ProbeResult.objects.bulk_create(
            ProbeResult(
                run=run,
                position=index,
                started_at=result.started_at,
                kind=str(result.kind),
                target=result.target,
                port=result.spec.port,
                label=result.spec.label[:300],
                outcome=str(result.outcome),
                latency_ms=result.latency_ms,
                detail_code=result.detail_code,
                detail=result.detail,
                code=result.code,
            )
            for index, result in enumerate(results)
        )
        run.status = RunStatus.DONE if results or not failure else RunStatus.FAILED
        run.finished_at = max(finished, started)
        run.decision = str(decision.action)
        run.message_key = decision.message_key
        run.rule_index = decision.rule_index
        run.ruleset_name = ruleset[:100]
        run.evidence = decision.evidence_dict()
        run.needs_human = decision.flag_human
        run.failure = failure
        run.save(
            update_fields=[
                "status",
                "finished_at",
                "decision",
                "message_key",
                "rule_index",
                "ruleset_name",
                "evidence",
                "needs_human",
                "failure",
            ]
        )
    if run.trigger == Trigger.DECLARED:
        try:
            with transaction.atomic():
                _apply(run, results, now=run.finished_at)
        except Exception:
            # The evidence and the decision are stored; a person finishes the job.
            logger.exception("probe run %s: applying the decision failed", run_id)
            ProbeRun.objects.filter(pk=run.pk).update(needs_human=True)
    return run.decision


def placed_by_person(ticket: Ticket) -> bool:
    """Whether a person of the desk put the ticket on its current level: an agent opened it
    there (a linked incident, a phone ticket) or moved it there. A customer's declaration and
    the desk's own moves do not count."""
    event = (
        ticket.events.filter(kind__in=(EventKind.CREATED, EventKind.TRANSFERRED, EventKind.HANDED_OFF))
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return event is not None and event.actor is not None and (event.actor.is_agent or event.actor.is_superuser)


def _apply(run: ProbeRun, results: list[Any], *, now: datetime) -> None:
    """Carry out the automatic run's decision on its ticket, if nobody moved it meanwhile."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("level", "category").get(pk=run.ticket_id)
    if ticket.status not in ACTIVE_STATUSES or ticket.level.code != LevelCode.L1:
        ticket_actions.add_system_note(ticket, body=coded("triage.not_applied", decision=run.decision), now=now)
        return
    evidence = [texts.result_params(r) for r in results]
    if not may_move(Action(run.decision), placed_by_person=placed_by_person(ticket)):
        # Recorded for the agent, not carried out: the run stays unapplied, flagged for a person.
        ticket_actions.add_system_note(ticket, body=coded("triage.kept_by_person", results=evidence), now=now)
        ProbeRun.objects.filter(pk=run.pk).update(needs_human=True)
        run.needs_human = True
        return
    if run.decision == Decision.TO_L2:
        message = coded(
            "triage.to_assistance_message",
            message_key=run.message_key,
            results=evidence,
            guide_slug=ticket.category.guide_slug if ticket.category else "",
        )
        ticket_actions.transfer_to_assistance(
            ticket,
            actor=None,
            reason=coded("triage.automatic_reason", message_key=run.message_key),
            customer_message=message,
            rule=f"triage:{run.message_key}",
            now=now,
        )
    else:
        note = coded(
            "triage.decision_note",
            decision=run.decision,
            message_key=run.message_key,
            needs_human=run.needs_human,
            results=evidence,
        )
        ticket_actions.add_system_note(ticket, body=note, now=now)
    ProbeRun.objects.filter(pk=run.pk).update(applied=True)
    run.applied = True


@transaction.atomic
def override_decision(
    run: ProbeRun, *, actor: User, decision: str, reason: str, now: datetime | None = None
) -> ProbeRun:
    """A person replaces the routing table's decision, saying why; the change is audited."""
    now = _now(now)
    run = ProbeRun.objects.select_for_update(of=("self",)).select_related("ticket__level").get(pk=run.pk)
    ticket = run.ticket
    _require_level_staff(actor, ticket)
    if decision not in Decision.values:
        raise InvalidInput("decision_invalid", gettext_lazy("Pick a decision."), field="decision")
    reason = _reason(reason)
    if not run.is_finished:
        raise ActionRefused("run_not_finished", gettext_lazy("Wait for the checks to finish."))
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", gettext_lazy("This ticket is already resolved or closed."))
    if decision == Decision.TO_L2:
        if ticket.level.code == LevelCode.L1:
            message = coded("triage.override_message", guide_slug=ticket.category.guide_slug if ticket.category else "")
            ticket_actions.transfer_to_assistance(
                ticket, actor=actor, reason=reason, customer_message=message, rule="triage_override", now=now
            )
    elif decision == Decision.STAY_L1 and ticket.level.code != LevelCode.L1:
        raise ActionRefused(
            "already_on_l2",
            gettext_lazy("This ticket is already on level 2; open a linked incident from it instead."),
        )
    ticket_actions.add_note(
        ticket,
        actor=actor,
        body=coded("triage.overridden", before=run.effective_decision or "", after=decision, reason=reason),
        now=now,
    )
    run.overridden_by = actor
    run.overridden_at = now
    run.override_decision = decision
    run.override_reason = reason
    run.needs_human = decision == Decision.KEEP_FLAG_HUMAN
    run.save(update_fields=["overridden_by", "overridden_at", "override_decision", "override_reason", "needs_human"])
    return run


# --- monitoring ------------------------------------------------------------------------------


class Replayed(ActionRefused):
    status = 409


class UnknownService(InvalidInput):
    status = 422


@dataclass(frozen=True)
class AlertOutcome:
    result: str  # opened, duplicate, resolved, ignored
    alert: MonitoringAlert | None
    ticket: Ticket | None
    outage: Outage | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "alert": self.alert.pk if self.alert else None,
            "ticket": self.ticket.number if self.ticket else None,
            "outage": self.outage.pk if self.outage else None,
        }


_CHECK_CATEGORY = {
    "ping": "server_no_ping",
    "icmp": "server_no_ping",
    "host": "server_no_ping",
    "tcp": "server_no_ping",
    "ssh": "server_no_ping",
    "http": "hosting_unreachable",
    "https": "hosting_unreachable",
    "web": "hosting_unreachable",
    "smtp": "mail_cannot_send",
    "smtps": "mail_cannot_send",
    "mail": "mail_cannot_send",
    "imap": "mail_cannot_send",
    "pop3": "mail_cannot_send",
    "dns": "domain_dns_failure",
}


def category_for_check(check: str) -> Category:
    code = _CHECK_CATEGORY.get(check.split("_")[0].split("-")[0].split(".")[0], "incident_other")
    category = Category.objects.filter(code=code, active=True).first()
    return category or Category.objects.get(code="server_no_ping")


def find_service(payload: AlertPayload) -> Service:
    """The service an alert is about: by reference, or by the one service declaring that host."""
    if payload.service:
        service = Service.objects.filter(reference=payload.service.strip().lower()).first()
        if service is None:
            raise UnknownService(
                "unknown_service", _("No service has the reference %(ref)s.") % {"ref": payload.service}
            )
        return service
    host = payload.host or ""
    ids = list(Service.objects.filter(endpoints__host__iexact=host).values_list("id", flat=True).distinct()[:2])
    if not ids:
        ids = list(Service.objects.filter(reference=host.lower()).values_list("id", flat=True)[:1])
    if not ids:
        raise UnknownService("unknown_service", _("No service declares the host %(host)s.") % {"host": host})
    if len(ids) > 1:
        raise UnknownService(
            "ambiguous_host",
            _("Several services declare the host %(host)s; send the service reference instead.") % {"host": host},
        )
    return Service.objects.get(pk=ids[0])


@transaction.atomic
def receive_alert(payload: AlertPayload, *, verified: VerifiedSignature, now: datetime | None = None) -> AlertOutcome:
    """One signed monitoring delivery: a problem opens (or counts towards) an L1 incident, a
    recovery resolves it. The delivery's replay key is stored under a unique constraint, in the
    same transaction, so a replayed delivery is refused and changes nothing."""
    now = _now(now)
    service = find_service(payload)
    if not replay.claim("monitoring", verified, now=now):
        raise Replayed("replayed", _("This delivery was already received."))
    if payload.state == "problem":
        return _problem(service, payload, now=now)
    return _recovery(service, payload, now=now)


def _problem(service: Service, payload: AlertPayload, *, now: datetime) -> AlertOutcome:
    open_alerts = MonitoringAlert.objects.filter(service=service, check_name=payload.check, resolved_at__isnull=True)
    if open_alerts.update(alert_count=F("alert_count") + 1, last_seen_at=now):
        alert = open_alerts.select_related("ticket", "outage").first()
        return AlertOutcome("duplicate", alert, alert.ticket if alert else None, alert.outage if alert else None)
    try:
        with transaction.atomic():
            alert = MonitoringAlert.objects.create(
                service=service,
                check_name=payload.check,
                first_alert_id=payload.alert_id[:200],
                problem_at=payload.time,
                received_at=now,
                last_seen_at=now,
            )
    except IntegrityError:
        # Another delivery for the same check opened it between our UPDATE and INSERT.
        open_alerts.update(alert_count=F("alert_count") + 1, last_seen_at=now)
        alert = open_alerts.select_related("ticket", "outage").get()
        return AlertOutcome("duplicate", alert, alert.ticket, alert.outage)
    ticket = _incident_for(service, payload, now=now)
    alert.ticket = ticket
    outage = open_outage_for(service) or _detect_outage(service, now=now)
    alert.outage = outage
    alert.save(update_fields=["ticket", "outage"])
    if outage is not None:
        group_ticket(outage, ticket, now=now)
    return AlertOutcome("opened", alert, ticket, outage)


def _incident_for(service: Service, payload: AlertPayload, *, now: datetime) -> Ticket:
    """The service's active L1 incident if it has one (one ticket per service, however many
    checks fail), else a new one from monitoring."""
    existing = (
        Ticket.objects.filter(
            service=service, kind=TicketKind.INCIDENT, level__code=LevelCode.L1, status__in=ACTIVE_STATUSES
        )
        .order_by("created_at", "id")
        .first()
    )
    if existing is not None:
        ticket_actions.add_system_note(
            existing,
            body=coded("triage.monitoring_also_failing", check=payload.check, id=payload.alert_id),
            now=now,
        )
        return existing
    with translation.override(organisation_language(service.organisation_id)):
        subject = _("Monitoring: the %(check)s check of %(service)s fails") % {
            "check": payload.check,
            "service": service.reference,
        }
    body = coded(
        "triage.monitoring_fails",
        check=payload.check,
        service=service.reference,
        time=payload.time.strftime("%Y-%m-%d %H:%M UTC"),
    )
    return ticket_actions.open_ticket(
        organisation=service.organisation,
        requester=None,
        service=service,
        category=category_for_check(payload.check),
        subject=subject[:200],
        body=body,
        channel=Channel.MONITORING,
        actor=None,
        now=now,
    )


def _recovery(service: Service, payload: AlertPayload, *, now: datetime) -> AlertOutcome:
    alert = (
        MonitoringAlert.objects.select_for_update(of=("self",))
        .filter(service=service, check_name=payload.check, resolved_at__isnull=True)
        .first()
    )
    # Conditional UPDATE: of two recoveries delivered at once, one resolves.
    if alert is None or not MonitoringAlert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
        resolved_at=now, last_seen_at=now
    ):
        return AlertOutcome("ignored", None, None, None)
    alert.resolved_at = now
    ticket = Ticket.objects.filter(pk=alert.ticket_id).select_related("requester").first() if alert.ticket_id else None
    outage = alert.outage
    if ticket is None or ticket.status not in ACTIVE_STATUSES:
        return AlertOutcome("resolved", alert, ticket, outage)
    still_failing = MonitoringAlert.objects.filter(ticket=ticket, resolved_at__isnull=True).exists()
    in_open_outage = GroupedTicket.objects.filter(ticket=ticket, outage__status=OutageStatus.OPEN).exists()
    if still_failing or in_open_outage:
        # The outage's closing message (or the last recovery) tells the customer once.
        ticket_actions.add_system_note(ticket, body=coded("triage.monitoring_recovered", check=payload.check), now=now)
        return AlertOutcome("resolved", alert, ticket, outage)
    ticket_actions.resolve_by_desk(
        ticket,
        reason=coded("triage.monitoring_recovery_reason", check=payload.check, id=payload.alert_id),
        customer_message=coded("triage.monitoring_works_again", service=service.reference),
        now=now,
    )
    return AlertOutcome("resolved", alert, ticket, outage)


# --- outages ---------------------------------------------------------------------------------


def open_outage_for(service: Service) -> Outage | None:
    """The ongoing outage of the host, rack or network segment this service runs behind."""
    for kind in SCOPES:
        value = getattr(service, kind)
        if value:
            outage = Outage.objects.filter(status=OutageStatus.OPEN, scope_kind=kind, scope_value=value).first()
            if outage is not None:
                return outage
    return None


def _detect_outage(service: Service, *, now: datetime) -> Outage | None:
    """Open an outage when enough distinct services behind one of this service's host, rack or
    segment have open alerts received within the window."""
    since = now - timedelta(seconds=settings.TIERDESK_OUTAGE_WINDOW)
    for kind in SCOPES:
        value = getattr(service, kind)
        if not value:
            continue
        failing = (
            MonitoringAlert.objects.filter(
                resolved_at__isnull=True, received_at__gte=since, **{f"service__{kind}": value}
            )
            .values("service_id")
            .distinct()
            .count()
        )
        if failing >= settings.TIERDESK_OUTAGE_MIN_SERVICES:
            return _open_outage(kind, value, since=since, now=now)
    return None


def _open_outage(kind: str, value: str, *, since: datetime, now: datetime) -> Outage:
    try:
        with transaction.atomic():
            outage = Outage.objects.create(scope_kind=kind, scope_value=value, started_at=now)
    except IntegrityError:
        # Another worker opened it first: join theirs.
        return Outage.objects.get(status=OutageStatus.OPEN, scope_kind=kind, scope_value=value)
    in_scope = {f"service__{kind}": value}
    alerts = MonitoringAlert.objects.filter(resolved_at__isnull=True, outage__isnull=True, **in_scope)
    ticket_ids = set(alerts.exclude(ticket__isnull=True).values_list("ticket_id", flat=True))
    alerts.update(outage=outage)
    ticket_ids |= set(
        Ticket.objects.filter(
            kind=TicketKind.INCIDENT, status__in=ACTIVE_STATUSES, created_at__gte=since, **in_scope
        ).values_list("id", flat=True)
    )
    GroupedTicket.objects.bulk_create(
        [GroupedTicket(outage=outage, ticket_id=pk, added_at=now) for pk in sorted(ticket_ids)],
        ignore_conflicts=True,
    )
    logger.warning("outage %s opened: %s %s, %s tickets grouped", outage.pk, kind, value, len(ticket_ids))
    return outage


def group_ticket(outage: Outage, ticket: Ticket, *, now: datetime) -> bool:
    """Put a ticket under an outage (once). Returns whether it was added now."""
    try:
        with transaction.atomic():
            GroupedTicket.objects.create(outage=outage, ticket=ticket, added_at=now)
    except IntegrityError:
        return False
    return True


def close_outage(outage: Outage, *, actor: User, message: str = "", now: datetime | None = None) -> int:
    """The outage is over: resolve every grouped ticket still active with one public message in
    its customer's language, and close the monitoring alerts. Returns how many were resolved."""
    now = _now(now)
    if not (actor.is_agent or actor.is_superuser) or not works_on(actor, LevelCode.L1):
        raise Forbidden("staff_only", gettext_lazy("Only level 1 staff or a supervisor can close an outage."))
    note = (message or "").strip()[:REASON_MAX]
    with transaction.atomic():
        # Conditional UPDATE: of two people closing at once, one does the work.
        if not Outage.objects.filter(pk=outage.pk, status=OutageStatus.OPEN).update(
            status=OutageStatus.CLOSED, closed_at=now, closed_by=actor, closing_note=note
        ):
            raise ActionRefused("outage_closed", gettext_lazy("This outage is already closed."))
        MonitoringAlert.objects.filter(outage=outage, resolved_at__isnull=True).update(resolved_at=now)
        tickets = (
            Ticket.objects.filter(pk__in=GroupedTicket.objects.filter(outage=outage).values("ticket_id"))
            .filter(status__in=ACTIVE_STATUSES)
            .select_related("requester", "service")
            .order_by("id")
        )
        resolved = 0
        for ticket in tickets:
            with translation.override(customer_language(ticket)):
                body = _(
                    "The failure of our infrastructure that affected your service %(service)s has been repaired "
                    "and the service works again. We consider this incident resolved; reply to this message if "
                    "the problem continues."
                ) % {"service": ticket.service.reference if ticket.service else ""}
            if note:
                body = f"{body}\n\n{note}"
            ticket_actions.reply(ticket, actor=actor, body=body, then="resolved", now=now)
            resolved += 1
    outage.refresh_from_db()
    return resolved


# --- the routing table ---------------------------------------------------------------------------


def activate_rule_set(rule_set: RoutingRuleSet, *, actor: User) -> RoutingRuleSet:
    """Make ``rule_set`` the routing table automatic triage decides with; the set active before
    stops being used. Supervisors (and superusers) only, and only a set whose rules validate.

    Audited in the administration's history of each set it changes (``LogEntry``: who, when,
    the ``active`` field changed), where the other changes of a rule set are recorded too.
    """
    if not actor.is_active or not (actor.is_superuser or actor.role == Role.SUPERVISOR):
        raise Forbidden("supervisors_only", gettext_lazy("Only a supervisor can switch the routing rules."))
    rule_set.active = False  # validated as a set about to be switched on, not against itself
    try:
        rule_set.full_clean()
    except ValidationError as error:
        reasons = "; ".join(str(message) for messages in error.message_dict.values() for message in messages)
        raise InvalidInput(
            "rule_set_invalid", gettext_lazy("This rule set is invalid: %(e)s") % {"e": reasons}, field="rules"
        ) from None
    with transaction.atomic():
        before = list(RoutingRuleSet.objects.select_for_update().filter(active=True).exclude(pk=rule_set.pk))
        RoutingRuleSet.objects.filter(pk__in=[r.pk for r in before]).update(active=False)
        RoutingRuleSet.objects.filter(pk=rule_set.pk).update(active=True)
        changed = RoutingRuleSet.objects.filter(pk__in=[rule_set.pk, *(r.pk for r in before)])
        LogEntry.objects.log_actions(actor.pk, changed, CHANGE, [{"changed": {"fields": ["active"]}}])
        transaction.on_commit(routing.invalidate_rules)
    rule_set.refresh_from_db()
    return rule_set
