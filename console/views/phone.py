"""``/console/phone/``: phone intake, the agent verifying the caller and their service and
opening the ticket for them, with the call the switchboard reports; ``/console/cti/events/``:
the switchboard's signed call events."""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from console import actions as console_actions
from console.forms import PhoneIntakeForm
from console.models import CallLog
from console.views._base import _user
from core import replay, signing
from core.permissions import staff_required
from levels.models import PhoneLine
from tickets.errors import ActionRefused


@staff_required
@require_GET
def phone_lines(request: HttpRequest) -> HttpResponse:
    lines = PhoneLine.objects.filter(active=True).select_related("level")
    return render(request, "console/phone_lines.html", {"lines": lines})


@staff_required
def phone(request: HttpRequest, line_id: int) -> HttpResponse:
    """Take a call on one line: verify who is calling and about which service, then open the ticket."""
    user = _user(request)
    line = get_object_or_404(PhoneLine.objects.select_related("level"), pk=line_id, active=True)
    pending = console_actions.pending_call_for(user, line)
    verified = None
    status = 200
    if request.method == "POST":
        form = PhoneIntakeForm(request.POST, line=line)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "check":
                    verified = console_actions.verify_caller(
                        customer_identifier=data["customer_identifier"],
                        service_reference=data["service_reference"],
                    )
                elif form.require_ticket_fields():
                    call = CallLog.objects.filter(pk=data["call"], line=line).first() if data["call"] else None
                    ticket, _call = console_actions.open_phone_ticket(
                        line=line,
                        agent=user,
                        customer_identifier=data["customer_identifier"],
                        service_reference=data["service_reference"],
                        category=data["category"],
                        subject=data["subject"],
                        body=data["body"],
                        caller_number=data["caller_number"],
                        duration_seconds=data["duration"],
                        notes=data["notes"],
                        call=call,
                    )
                    messages.success(
                        request, _("Ticket #%(number)s opened and the call logged.") % {"number": ticket.number}
                    )
                    return redirect("console:ticket", ticket.number)
            except ActionRefused as refused:
                field = getattr(refused, "field", None)
                form.add_error(field if field in form.fields else None, str(refused.message))
        if form.errors:
            status = 400
    else:
        form = PhoneIntakeForm(initial=call_initial(pending) if pending is not None else {}, line=line)
    recent_calls = CallLog.objects.filter(line=line).select_related("agent", "ticket")[:10]
    return render(
        request,
        "console/phone.html",
        {
            "line": line,
            "form": form,
            "pending": pending,
            "verified": verified,
            "recent_calls": recent_calls,
            "poll_seconds": PHONE_POLL_SECONDS,
        },
        status=status,
    )


PHONE_POLL_SECONDS = 3


def call_initial(call: CallLog) -> dict[str, Any]:
    """The intake form's fields a call fills in: the caller's number, and the digits typed on
    the keypad as a service reference (they contain a dot) or a customer identifier."""
    initial: dict[str, Any] = {"caller_number": call.caller_number, "call": call.pk}
    if call.digits and "." in call.digits:
        initial["service_reference"] = call.digits
    elif call.digits:
        initial["customer_identifier"] = call.digits
    return initial


@require_GET
def phone_call(request: HttpRequest, line_id: int) -> JsonResponse:
    """The call the PBX says this agent is taking on this line now, for the phone screen to poll:
    ``{"call": null}`` or the call's state, caller number, digits typed and the form's fields."""
    if not request.user.is_authenticated:
        return _json_error(401, "not_authenticated", _("Sign in to see your calls."))
    if not (getattr(request.user, "is_agent", False) or request.user.is_superuser):
        return _json_error(403, "forbidden", _("Only staff take calls."))
    line = PhoneLine.objects.filter(pk=line_id, active=True).first()
    if line is None:
        return _json_error(404, "unknown_line", _("There is no active support line with this id."))
    pending = console_actions.pending_call_for(_user(request), line)
    payload: dict[str, Any] = {"call": None}
    if pending is not None:
        payload["call"] = {
            "id": pending.pk,
            "state": pending.state,
            "state_label": str(pending.get_state_display()),
            "caller_number": pending.caller_number,
            "digits": pending.digits,
            "started_at": pending.started_at.isoformat(),
            "form": call_initial(pending),
        }
    response = JsonResponse(payload)
    response["Cache-Control"] = "no-store"
    return response


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


CTI_HEADER = "HTTP_X_TIERDESK_SIGNATURE"


CTI_BODY_MAX = 16 * 1024


@csrf_exempt
@require_POST
def cti_event(request: HttpRequest) -> JsonResponse:
    """A call event from the PBX/CTI connector, signed ``X-Tierdesk-Signature: t=<unix>,v1=<hmac>``."""
    secrets = [s.strip().encode() for s in settings.TIERDESK_CTI_SECRET.split(",") if s.strip()]
    if not secrets:
        return _json_error(503, "not_configured", "TIERDESK_CTI_SECRET is not set; call events are refused.")
    body = request.body
    if len(body) > CTI_BODY_MAX:
        return _json_error(413, "too_large", "The event body is larger than 16 KiB.")
    try:
        verified = signing.verify(
            secrets,
            request.META.get(CTI_HEADER),
            body,
            now=int(time.time()),
            tolerance=settings.TIERDESK_CTI_TOLERANCE,
        )
    except signing.SignatureError as error:
        return _json_error(401, error.code, error.message)
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _json_error(400, "invalid_json", "The body is not valid JSON.")
    if not isinstance(payload, dict):
        return _json_error(400, "invalid_json", "The body must be a JSON object.")
    fields = ("event", "call_id", "line", "caller_number", "digits", "agent")
    values = {key: payload.get(key) for key in fields}
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            return _json_error(422, "invalid_field", f"{key} must be a string.")
    line_digits = "".join(c for c in (values["line"] or "") if c.isdigit())
    # The PBX may send the number with the country prefix (+34 902 906 033): match the national digits.
    line = next(
        (item for item in PhoneLine.objects.filter(active=True) if item.digits and line_digits.endswith(item.digits)),
        None,
    )
    if not line_digits or line is None:
        return _json_error(422, "unknown_line", "line does not match an active support line.")
    agent = None
    if values["agent"]:
        agent = (
            User.objects.filter(username=values["agent"].strip().lower(), is_active=True)
            .exclude(role=Role.CUSTOMER)
            .first()
        )
        if agent is None:
            return _json_error(422, "unknown_agent", "agent is not an active member of staff.")
    now = timezone.now()
    try:
        # The replay key and the event's effect commit together: a refused event leaves no key.
        with transaction.atomic():
            if not replay.claim("cti", verified, now=now):
                return _json_error(409, "replayed", "This signed event was already received.")
            call = console_actions.record_call_event(
                event=values["event"] or "",
                call_id=values["call_id"] or "",
                line=line,
                caller_number=values["caller_number"] or "",
                digits=values["digits"] or "",
                agent=agent,
                now=now,
            )
    except ActionRefused as refused:
        return _json_error(422, refused.code, str(refused.message))
    return JsonResponse(
        {"call": call.pk, "call_id": call.call_id, "state": call.state, "duration_seconds": call.duration_seconds}
    )
