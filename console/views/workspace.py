"""``/console/tickets/<number>/``: the ticket workspace (conversation, history, the customer's
other tickets and calls) and every action its buttons post (``do/``); ``/console/attachments/``:
its files."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from automations import history as automation_history
from console import queries as console_queries
from console.models import PLACEHOLDERS, CallLog, CannedReply
from console.views._base import _user
from core.permissions import staff_required
from levels.models import Category, LevelCode, TicketKind
from services.models import Service
from tickets import actions, queries, rules
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import ACTIVE_STATUSES, Attachment, EventKind, Priority, Status, Ticket

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
    if kind == EventKind.PRIORITY:
        labels = dict(Priority.choices)
        before, after = data.get("before", ""), data.get("after", "")
        return f"{labels.get(before, before)} → {labels.get(after, after)}: {data.get('reason', '')}"
    if kind == EventKind.AUTOMATION:
        return automation_history.describe_event(data)
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
        "priorities": Priority.choices,
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
    "priority",
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
        form = {
            "reply": "reply",
            "note": "note",
            "move": "move",
            "merge": "merge",
            "reopen": "reopen",
            "priority": "priority",
        }.get(action, "general")
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
    elif action == "priority":
        actions.set_priority(
            ticket, priority=post.get("priority", ""), reason=post.get("reason", ""), actor=user, now=now
        )
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
