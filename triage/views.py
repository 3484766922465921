"""Pages and the monitoring webhook of automatic triage: authenticate, validate, call one action."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.permissions import staff_required
from core.signing import SignatureError, verify
from tickets import queries as ticket_queries
from tickets.errors import ActionRefused
from triage import actions, queries
from triage.forms import CloseOutageForm, OverrideForm
from triage.models import GroupedTicket, Outage, ProbeRun
from triage.monitoring import PayloadError, parse_alert

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "Tierdesk-Signature"


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, **extra}, status=status)


@csrf_exempt
def monitoring_alert(request: HttpRequest) -> JsonResponse:
    """POST one signed alert (see docs/operators/triage.md). Answers JSON, 4xx for bad input."""
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "POST a signed JSON alert.")
        response["Allow"] = "POST"
        return response
    secrets = [s.strip().encode() for s in settings.TIERDESK_MONITORING_SECRET.split(",") if s.strip()]
    if not secrets:
        return _error(503, "not_configured", "The monitoring webhook has no secret configured.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "body_too_large", "The body is too large.")
    try:
        verified = verify(
            secrets,
            request.headers.get(SIGNATURE_HEADER),
            body,
            now=int(time.time()),
            tolerance=settings.TIERDESK_MONITORING_TOLERANCE,
        )
    except SignatureError as error:
        return _error(401, error.code, error.message)
    try:
        payload = parse_alert(body)
    except PayloadError as error:
        return _error(413 if error.code == "body_too_large" else 400, error.code, error.message, field=error.field)
    try:
        outcome = actions.receive_alert(payload, verified=verified)
    except ActionRefused as error:
        return _error(error.status, error.code, str(error.message))
    except DatabaseError:
        logger.exception("monitoring alert %s could not be stored", payload.alert_id)
        return _error(503, "temporarily_unavailable", "Try again shortly.")
    except Exception:  # noqa: BLE001 - the monitor retries on 503; the error is logged for us
        logger.exception("monitoring alert %s failed", payload.alert_id)
        return _error(503, "temporarily_unavailable", "Try again shortly.")
    return JsonResponse(outcome.as_dict(), status=201 if outcome.result == "opened" else 200)


def _ticket_page(
    request: HttpRequest, number: int, *, form: OverrideForm | None = None, status: int = 200
) -> HttpResponse:
    ticket = ticket_queries.get_ticket_by_number_for(request.user, number)
    evidence = queries.evidence_for(ticket, request.user)
    return render(
        request,
        "triage/ticket.html",
        {
            "ticket": ticket,
            "evidence": evidence,
            "override_form": form or OverrideForm(),
            "can_act": actions.works_on(request.user, ticket.level.code),  # type: ignore[arg-type]
        },
        status=status,
    )


@staff_required
def ticket_triage(request: HttpRequest, number: int) -> HttpResponse:
    """The evidence of a ticket, with the re-run and override forms."""
    return _ticket_page(request, number)


@staff_required
@require_POST
def rerun(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_queries.get_ticket_by_number_for(request.user, number)
    try:
        actions.rerun_probes(ticket, actor=request.user)  # type: ignore[arg-type]
    except ActionRefused as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The checks will run in a moment; reload the page to see them."))
    return redirect("triage:ticket", number=ticket.number)


@staff_required
@require_POST
def override(request: HttpRequest, number: int, run_id: int) -> HttpResponse:
    ticket = ticket_queries.get_ticket_by_number_for(request.user, number)
    run = get_object_or_404(ProbeRun, pk=run_id, ticket=ticket)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, form=form, status=400)
    try:
        actions.override_decision(
            run,
            actor=request.user,  # type: ignore[arg-type]
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ActionRefused as error:
        form.add_error(getattr(error, "field", None) or None, str(error.message))
        return _ticket_page(request, number, form=form, status=error.status)
    messages.success(request, _("Decision recorded."))
    return redirect("triage:ticket", number=ticket.number)


@staff_required
def flagged(request: HttpRequest) -> HttpResponse:
    """Tickets whose checks could not settle where they belong."""
    return render(request, "triage/flagged.html", {"runs": queries.flagged_runs()})


@staff_required
def outage_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "open"
    return render(request, "triage/outages.html", {"outages": queries.outages_page(status), "status": status})


@staff_required
def outage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outage = get_object_or_404(Outage.objects.select_related("closed_by"), pk=pk)
    form = CloseOutageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                count = actions.close_outage(outage, actor=request.user, message=form.cleaned_data["message"])  # type: ignore[arg-type]
            except ActionRefused as error:
                form.add_error(None, str(error.message))
                status = error.status
            else:
                said = ngettext(
                    "Outage closed; %(n)s ticket resolved.", "Outage closed; %(n)s tickets resolved.", count
                )
                messages.success(request, said % {"n": count})
                return redirect("triage:outage", pk=outage.pk)
        else:
            status = 400
    grouped = (
        GroupedTicket.objects.filter(outage=outage)
        .select_related("ticket__organisation", "ticket__service", "ticket__level")
        .order_by("ticket__number")[:200]
    )
    return render(
        request,
        "triage/outage.html",
        {
            "outage": outage,
            "grouped": grouped,
            "grouped_count": GroupedTicket.objects.filter(outage=outage).count(),
            "alert_count": outage.alerts.count(),
            "form": form,
        },
        status=status,
    )
