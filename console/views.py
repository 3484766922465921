"""The agents' console: queues, the ticket workspace, phone intake, search and the dashboard.

Views are thin: they read through ``tickets.queries``/``console.queries``, write through the
actions, and show a refused action's message with what was typed kept.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from console import actions as console_actions
from console import charts, search
from console import queries as console_queries
from console.forms import PhoneIntakeForm
from console.models import PLACEHOLDERS, CallLog, CannedReply
from core import replay, signing
from core.permissions import staff_required
from levels.models import Category, LevelCode, PhoneLine, SupportLevel, Team, TicketKind
from services.models import Product, Service
from tickets import actions, queries, rules
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import ACTIVE_STATUSES, Attachment, Channel, EventKind, Status, Ticket

BULK_MAX = 100


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - staff_required guarantees a logged-in user
    return user


# --- queues --------------------------------------------------------------------------------


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Active tickets of one level (and team), filtered, soonest due first."""
    user = _user(request)
    levels = list(SupportLevel.objects.select_related("sla_policy").order_by("order", "code"))
    teams = list(Team.objects.order_by("level__order", "code"))
    filters = console_queries.parse_filters(request.GET, user, levels, teams)
    categories = [c for c in Category.objects.filter(level=filters.level).order_by("kind", "order", "code")]
    counts = console_queries.filter_counts(user, filters, categories)
    size = settings.CONSOLE_PAGE_SIZE
    page = min(filters.page, settings.CONSOLE_MAX_PAGES)
    start = (page - 1) * size
    rows = list(console_queries.queue_tickets(user, filters)[start : start + size + 1])
    has_next = len(rows) > size and page < settings.CONSOLE_MAX_PAGES
    tickets = rows[:size]
    console_queries.sla_marks(tickets, timezone.now())
    staff = list(console_queries.level_staff(filters.level))
    return render(
        request,
        "console/queue.html",
        {
            "tickets": tickets,
            "filters": filters,
            "level": filters.level,
            "levels": levels,
            "teams": [t for t in teams if t.level_id == filters.level.pk],
            "categories": [(c, counts.get(f"category:{c.pk}", 0)) for c in categories],
            "statuses": [(s, counts.get(f"status:{s.value}", 0)) for s in ACTIVE_STATUSES],
            "channels": [(c, counts.get(f"channel:{c.value}", 0)) for c in Channel],
            "products": [(p, counts.get(f"product:{p.value}", 0)) for p in Product],
            "counts": counts,
            "staff": staff,
            "page": page,
            "has_next": has_next,
            "next_query": urlencode({**filters.params, "page": page + 1}),
            "prev_query": urlencode({**filters.params, "page": page - 1}),
            "here": request.get_full_path(),
            "can_work": actions.works_on(user, filters.level.code),
        },
    )


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/console/") and "//" not in target else default


BULK_ACTIONS = {"claim", "assign", "resolve", "wait"}


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on many tickets, each through its action; refusals are listed ticket by ticket."""
    user = _user(request)
    back = _safe_next(request, reverse("console:queue"))
    action = request.POST.get("action", "")
    numbers = [n for n in request.POST.getlist("tickets") if n.isdigit()][:BULK_MAX]
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose what to do with the selected tickets."))
        return redirect(back)
    if not numbers:
        messages.error(request, _("Select at least one ticket."))
        return redirect(back)
    assignee = None
    if action == "assign":
        assignee = User.objects.filter(pk=request.POST.get("assignee") or 0, is_active=True).first()
        if assignee is None or not assignee.is_agent:
            messages.error(request, _("Choose who to give the tickets to."))
            return redirect(back)
    now = timezone.now()
    done = 0
    tickets = queries.visible_tickets(user).select_related("level").filter(number__in=numbers).order_by("number")
    for ticket in tickets:
        try:
            if action == "claim":
                actions.claim_ticket(ticket, actor=user, now=now)
            elif action == "assign":
                actions.assign_ticket(ticket, assignee=assignee, actor=user, now=now)
            elif action == "resolve":
                actions.resolve_ticket(ticket, actor=user, now=now)
            else:
                actions.wait_for_customer(ticket, actor=user, now=now)
        except ActionRefused as refused:
            messages.error(request, f"#{ticket.number}: {refused.message}")
        else:
            done += 1
    if done:
        messages.success(request, _("%(n)s tickets updated.") % {"n": done})
    return redirect(back)


# --- the ticket workspace ------------------------------------------------------------------

MOVE_LABELS = {
    rules.Move.NOT_AN_INCIDENT: "No es una incidencia → Nivel 2",
    rules.Move.IS_AN_INCIDENT: "Es una incidencia → abrir incidencia de Nivel 1",
    rules.Move.NEEDS_INTERVENTION: "Requiere infogerencia → presupuesto",
}


def fill_placeholders(text: str, ticket: Ticket, agent: User) -> str:
    """Replace the four known placeholders; anything else in braces stays as written."""
    customer = ticket.requester.get_full_name() if ticket.requester else ""
    values = {
        "customer_name": customer or ticket.organisation.name,
        "ticket_number": str(ticket.number),
        "service_reference": ticket.service.reference if ticket.service else "",
        "agent_name": agent.get_full_name() or agent.username,
    }
    return re.sub(r"\{(" + "|".join(PLACEHOLDERS) + r")\}", lambda match: values[match.group(1)], text)


def describe_event(event: Any) -> str:
    """One line a person can read for an audit event."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return _("Opened on %(level)s via %(channel)s (%(category)s)") % {
            "level": data.get("level"),
            "channel": data.get("channel"),
            "category": data.get("category"),
        }
    if kind == EventKind.STATUS:
        before, after = data.get("before", ""), data.get("after", "")
        labels = dict(Status.choices)
        return f"{labels.get(before, before)} → {labels.get(after, after)}"
    if kind == EventKind.ASSIGNED:
        return f"{data.get('before') or '—'} → {data.get('after') or '—'}"
    if kind in {EventKind.TRANSFERRED, EventKind.HANDED_OFF}:
        before, after = data.get("before", {}), data.get("after", {})
        return f"{before.get('level')} → {after.get('level')}: {data.get('reason', '')}"
    if kind == EventKind.LINKED:
        return f"#{data.get('other')} ({data.get('link')}): {data.get('reason', '')}"
    if kind == EventKind.REOPENED:
        return str(data.get("reason", ""))
    if kind == EventKind.SCORED:
        return f"{data.get('score')}/5"
    return ""


def _workspace(
    request: HttpRequest,
    ticket: Ticket,
    *,
    errors: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    events = list(queries.history(ticket))
    for event in events:
        event.description = describe_event(event)  # type: ignore[attr-defined]
    can_work = actions.works_on(user, ticket.level.code)
    moves = rules.allowed_moves(level=ticket.level.code, status=ticket.status, kind=ticket.kind) if can_work else []
    context = {
        "ticket": ticket,
        "messages_list": queries.conversation(ticket, user),
        "events": events,
        "links": queries.linked_tickets(ticket, user),
        "services": Service.objects.filter(organisation_id=ticket.organisation_id).order_by("reference")[:20],
        "recent": Ticket.objects.filter(organisation_id=ticket.organisation_id)
        .exclude(pk=ticket.pk)
        .select_related("level")
        .order_by("-created_at", "-id")[:10],
        "calls": CallLog.objects.filter(ticket=ticket).select_related("line", "agent")[:10],
        "canned": CannedReply.objects.filter(level_id=ticket.level_id, active=True),
        "moves": [(move.value, MOVE_LABELS[move]) for move in moves],
        "incident_categories": Category.objects.filter(level__code=LevelCode.L1, kind=TicketKind.INCIDENT, active=True),
        "l2_categories": Category.objects.filter(level__code=LevelCode.L2, active=True).exclude(
            kind=TicketKind.ASSISTANCE_COMMERCIAL
        ),
        "staff": console_queries.level_staff(ticket.level),
        "can_work": can_work,
        "is_active": ticket.status in ACTIVE_STATUSES,
        "errors": errors or {},
        "data": data or {},
    }
    return render(request, "console/ticket.html", context, status=status)


@staff_required
@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = queries.get_ticket_by_number_for(request.user, number)
    return _workspace(request, ticket)


TICKET_ACTIONS = {
    "reply",
    "note",
    "insert_canned",
    "claim",
    "assign",
    "wait",
    "resolve",
    "close",
    "reopen",
    "move",
    "merge",
}


@staff_required
@require_POST
def ticket_action(request: HttpRequest, number: int) -> HttpResponse:
    """Every button of the workspace posts here with ``action``; one action runs per request."""
    user = _user(request)
    ticket = queries.get_ticket_by_number_for(user, number)
    action = request.POST.get("action", "")
    data = {key: request.POST.get(key, "") for key in request.POST}
    if action not in TICKET_ACTIONS:
        return _workspace(request, ticket, errors={"general": _("Unknown action.")}, data=data, status=400)
    if action == "insert_canned":
        canned = CannedReply.objects.filter(
            pk=request.POST.get("canned") or 0, level_id=ticket.level_id, active=True
        ).first()
        if canned is None:
            return _workspace(request, ticket, errors={"reply": _("Choose a canned reply.")}, data=data, status=400)
        data["body"] = fill_placeholders(canned.body, ticket, user)
        return _workspace(request, ticket, data=data)
    now = timezone.now()
    target = ticket
    try:
        target = _run_ticket_action(action, ticket, user, request, now) or ticket
    except ActionRefused as refused:
        form = {"reply": "reply", "note": "note", "move": "move", "merge": "merge", "reopen": "reopen"}.get(
            action, "general"
        )
        if action == "move":
            form = f"move:{request.POST.get('move', '')}"
        return _workspace(request, ticket, errors={form: str(refused.message)}, data=data, status=refused.status)
    messages.success(request, _("Done."))
    return redirect("console:ticket", target.number)


def _run_ticket_action(action: str, ticket: Ticket, user: User, request: HttpRequest, now: datetime) -> Ticket | None:
    post = request.POST
    if action == "reply":
        then = post.get("then") or None
        if then not in {None, Status.WAITING_CUSTOMER, Status.RESOLVED}:
            raise InvalidInput("then_invalid", _("Unknown status."), field="then")
        actions.reply(
            ticket,
            actor=user,
            body=post.get("body", ""),
            now=now,
            attachments=request.FILES.getlist("attachments"),
            then=then,
        )
    elif action == "note":
        actions.add_note(
            ticket, actor=user, body=post.get("note", ""), now=now, attachments=request.FILES.getlist("attachments")
        )
    elif action == "claim":
        actions.claim_ticket(ticket, actor=user, now=now)
    elif action == "assign":
        assignee = None
        wanted = post.get("assignee", "")
        if wanted:
            assignee = User.objects.filter(pk=int(wanted) if wanted.isdigit() else 0).first()
            if assignee is None:
                raise InvalidInput("assignee_unknown", _("Choose someone to give the ticket to."), field="assignee")
        actions.assign_ticket(ticket, assignee=assignee, actor=user, now=now)
    elif action == "wait":
        actions.wait_for_customer(ticket, actor=user, now=now)
    elif action == "resolve":
        actions.resolve_ticket(ticket, actor=user, now=now)
    elif action == "close":
        actions.close_ticket(ticket, actor=user, now=now)
    elif action == "reopen":
        actions.reopen_ticket(ticket, actor=user, reason=post.get("reason", ""), now=now)
    elif action == "move":
        return _move(ticket, user, post, now)
    elif action == "merge":
        into_number = post.get("into", "").strip().lstrip("#")
        into = queries.visible_tickets(user).filter(number=int(into_number)).first() if into_number.isdigit() else None
        if into is None:
            raise InvalidInput("into_unknown", _("There is no ticket with that number."), field="into")
        actions.merge_duplicate(ticket, into=into, actor=user, reason=post.get("reason", ""), now=now)
    return None


def _move(ticket: Ticket, user: User, post: Any, now: datetime) -> Ticket | None:
    """The guide's three moves; a move the rules forbid is refused with the rule's reason."""
    move = post.get("move", "")
    reason = post.get("reason", "")
    if move == rules.Move.NOT_AN_INCIDENT:
        category = None
        if post.get("category"):
            category = Category.objects.filter(pk=post["category"] if post["category"].isdigit() else 0).first()
        actions.transfer_to_assistance(
            ticket,
            actor=user,
            reason=reason,
            now=now,
            category=category,
            customer_message=post.get("customer_message", ""),
        )
        return None
    if move == rules.Move.IS_AN_INCIDENT:
        category = Category.objects.filter(pk=post.get("category") if post.get("category", "").isdigit() else 0).first()
        if category is None:
            # Refuse with the rule first when the move itself is not allowed.
            refusal = rules.refusal_for(
                rules.Move.IS_AN_INCIDENT, level=ticket.level.code, status=ticket.status, kind=ticket.kind
            )
            if refusal is None:
                raise InvalidInput("category_required", _("Pick the level 1 incident type."), field="category")
            category = Category.objects.filter(level__code=LevelCode.L1, kind=TicketKind.INCIDENT).first()
            assert category is not None  # noqa: S101 - the guide's fixture always has incident types
        return actions.open_incident_from(ticket, actor=user, reason=reason, category=category, now=now)
    if move == rules.Move.NEEDS_INTERVENTION:
        actions.hand_off_for_quote(ticket, actor=user, reason=reason, now=now)
        return None
    raise InvalidInput("move_unknown", _("Unknown move."), field="move")


@staff_required
@require_GET
def attachment(request: HttpRequest, token: str) -> FileResponse:
    """Download an attachment of a ticket this person may see."""
    item = Attachment.objects.select_related("ticket", "message").filter(token=token).first()
    if item is None or not queries.visible_tickets(request.user).filter(pk=item.ticket_id).exists():
        raise Http404("No such attachment")
    if item.message is not None and item.message.internal and getattr(request.user, "is_customer", True):
        raise Http404("No such attachment")
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
    response["Content-Type"] = item.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- phone intake --------------------------------------------------------------------------


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


# --- search --------------------------------------------------------------------------------


@staff_required
@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    """Full text over subjects, messages, customer identifiers and service references."""
    query = request.GET.get("q", "").strip()
    results: list[Ticket] = []
    if query:
        ids = search.search_ticket_ids(query)
        by_id = {
            t.pk: t
            for t in queries.visible_tickets(request.user)
            .filter(pk__in=ids)
            .select_related("organisation", "service", "level", "assignee")
        }
        results = [by_id[i] for i in ids if i in by_id]
    return render(
        request,
        "console/search.html",
        {"query": query, "results": results, "limit": search.RESULTS_MAX},
    )


# --- the supervisor's dashboard ------------------------------------------------------------


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.role == Role.SUPERVISOR or user.is_superuser):
        raise PermissionDenied
    data = console_queries.dashboard(timezone.now())
    return render(
        request,
        "console/dashboard.html",
        {
            "data": data,
            "backlog_chart": charts.bars(
                [
                    (f"{row['level'].code} · {row['team'].name if row['team'] else '—'}", [row["total"]])
                    for row in data.backlog
                ],
                [_("Active tickets")],
            ),
            "sla_chart": charts.bars(
                [(row["week"].isoformat(), [row["met"], row["breached"]]) for row in data.sla_weeks],
                [_("Met"), _("Breached")],
            ),
            "transfer_chart": charts.bars(
                [(row["week"].isoformat(), [row["l1_l2"], row["l2_l1"], row["to_l3"]]) for row in data.transfer_weeks],
                ["L1 → L2", "L2 → L1", "→ L3"],
            ),
            "score_chart": charts.bars(
                [(row["level"].code, [row[f"s{n}"] for n in range(1, 6)]) for row in data.scores],
                ["1", "2", "3", "4", "5"],
            ),
        },
    )
