"""The customer's Manager: Administración → Mis productos → Soporte.

Each view authenticates, validates, calls one query or one action, and renders. Tickets are
fetched only through ``tickets.queries``; every change goes through ``tickets.actions``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from guides import queries as guides
from levels.models import PhoneLine, SupportLevel
from portal.forms import AssistanceForm, IncidentForm, ReopenForm, ReplyForm, ScoreForm, TicketFilterForm, TicketForm
from services.models import Service
from tickets import actions, queries
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import ACTIVE_STATUSES, Attachment, Channel, Status, Ticket

PAGE_SIZE = 25


def customer_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not getattr(request.user, "is_customer", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _services(user: User) -> list[Service]:
    return list(Service.objects.filter(organisation_id=user.organisation_id or 0).order_by("reference"))


@customer_required
def products(request: HttpRequest) -> HttpResponse:
    """Mis productos: the customer's services, with their references and product kinds."""
    return render(request, "portal/products.html", {"services": _services(_user(request)), "section": "products"})


# --- the support list -------------------------------------------------------------------------


def _cursor(ticket: Ticket) -> str:
    return f"{int(ticket.updated_at.timestamp() * 1_000_000)}-{ticket.pk}"


def _parse_cursor(value: str) -> tuple[datetime, int] | None:
    try:
        micros, pk = value.split("-", 1)
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


@customer_required
def support(request: HttpRequest) -> HttpResponse:
    """Soporte: the customer's tickets, newest activity first, filtered, one bounded page at a time."""
    user = _user(request)
    services = _services(user)
    levels = list(SupportLevel.objects.order_by("order", "code"))
    filters = TicketFilterForm(request.GET or None, services=services, levels=levels)
    tickets: QuerySet[Ticket] = queries.visible_tickets(user).select_related("level", "service", "category")
    chosen = {name: request.GET.get(name, "") for name in ("status", "level", "service")}
    if chosen["status"] == "active":
        tickets = tickets.filter(status__in=ACTIVE_STATUSES)
    elif chosen["status"] in Status.values:
        tickets = tickets.filter(status=chosen["status"])
    level_ids = {lv.code: lv.pk for lv in levels}
    if chosen["level"] in level_ids:
        tickets = tickets.filter(level_id=level_ids[chosen["level"]])
    service_ids = {s.reference: s.pk for s in services}
    if chosen["service"] in service_ids:
        tickets = tickets.filter(service_id=service_ids[chosen["service"]])
    # Keyset pagination on the (organisation, -updated_at, -id) index: every page costs the same.
    after = _parse_cursor(request.GET.get("after", ""))
    if after is not None:
        moment, pk = after
        tickets = tickets.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=pk))
    rows = list(tickets.order_by("-updated_at", "-id")[: PAGE_SIZE + 1])
    page, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    next_query = ""
    if more:
        params = request.GET.copy()
        params["after"] = _cursor(page[-1])
        next_query = params.urlencode()
    phone_lines = list(PhoneLine.objects.filter(active=True).select_related("level").order_by("level__order"))
    context = {
        "tickets": page,
        "filters": filters,
        "filtered": any(chosen.values()),
        "next_query": next_query,
        "first_page": after is None,
        "phone_lines": phone_lines,
        "section": "support",
    }
    return render(request, "portal/support.html", context)


# --- opening tickets --------------------------------------------------------------------------


def _initial(request: HttpRequest, form_class: type[TicketForm]) -> dict[str, str]:
    """What a direct link pre-selects: ``?service=<reference>&type=<code>``."""
    initial = {
        "service": request.GET.get("service", "").strip().lower(),
        "type": request.GET.get("type", "").strip(),
        "subject": request.GET.get("subject", "")[:200],
        "description": request.GET.get("description", "")[:20_000],
        "via": Channel.MANAGER if request.GET.get("via") == Channel.MANAGER else Channel.DIRECT_LINK,
    }
    return {k: v for k, v in initial.items() if v}


def _open(request: HttpRequest, form_class: type[TicketForm], template: str) -> HttpResponse:
    user = _user(request)
    link_warning = ""
    if request.method == "POST" and "suggest" in request.POST:
        # "Find matching guides" without JavaScript: show the form again as typed, with suggestions.
        fields = ("service", "type", "subject", "description", "via")
        form = form_class(initial={k: request.POST.get(k, "") for k in fields}, user=user)
    elif request.method == "POST":
        form = form_class(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                ticket = actions.open_ticket(
                    organisation=user.organisation,  # type: ignore[arg-type]
                    requester=user,
                    service=form.cleaned_data.get("service"),
                    category=form.cleaned_data["type"],
                    subject=form.subject_text(),
                    body=form.cleaned_data["description"],
                    channel=form.channel,
                    actor=user,
                    now=timezone.now(),
                    attachments=form.cleaned_data["attachments"],
                    urgency=form.cleaned_data.get("urgency") or None,
                )
            except InvalidInput as refusal:
                field = {"body": "description", "category": "type"}.get(refusal.field or "", refusal.field)
                form.add_error(field if field in form.fields else None, str(refusal.message))
            except ActionRefused as refusal:
                form.add_error(None, str(refusal.message))
            else:
                messages.success(
                    request, _("Ticket #%(number)s is open. We will answer here.") % {"number": ticket.number}
                )
                return redirect("portal:ticket", number=ticket.number)
    else:
        initial = _initial(request, form_class)
        form = form_class(initial=initial, user=user)
        if initial.get("service") and initial["service"] not in form.services:
            link_warning = _("The service in the link is not one of yours; choose one below.")
            initial.pop("service")
            form = form_class(initial=initial, user=user)
    text = form.data.get("description", "") if form.is_bound else form.initial.get("description", "")
    guide_slug = form.guide_slug() if isinstance(form, AssistanceForm) else ""
    context = {
        "form": form,
        "link_warning": link_warning,
        "had_files": bool(request.FILES) and form.errors,
        "suggested_guides": guides.suggestions(guide_slug=guide_slug, text=text)
        if isinstance(form, AssistanceForm)
        else [],
        "section": "support",
    }
    return render(request, template, context, status=400 if form.errors else 200)


@customer_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    """Declarar un incidente."""
    return _open(request, IncidentForm, "portal/incident_form.html")


@customer_required
@require_http_methods(["GET", "POST"])
def assistance_new(request: HttpRequest) -> HttpResponse:
    """Soporte asistencia."""
    return _open(request, AssistanceForm, "portal/assistance_form.html")


# --- one ticket -------------------------------------------------------------------------------


def _ticket_page(request: HttpRequest, ticket: Ticket, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = _user(request)
    conversation = list(queries.conversation(ticket, user))
    steps = queries.level_history(ticket)
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "level_steps": steps if len(steps) > 1 else [],
        "links": queries.linked_tickets(ticket, user),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "score_form": forms.get("score_form") or ScoreForm(),
        "can_reply": ticket.status != Status.CLOSED,
        "can_close": ticket.status != Status.CLOSED,
        "can_reopen": ticket.status in {Status.RESOLVED, Status.CLOSED},
        "can_score": actions.can_be_scored(ticket, user),
        "section": "support",
    }
    return render(request, "portal/ticket.html", context, status=status)


@customer_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, queries.get_ticket_by_number_for(_user(request), number))


def _refused(request: HttpRequest, refusal: ActionRefused, number: int) -> HttpResponse:
    messages.error(request, str(refusal.message))
    return redirect("portal:ticket", number=number)


@customer_required
@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    ticket = queries.get_ticket_by_number_for(user, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.reply(
                ticket,
                actor=user,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
                channel=Channel.MANAGER,
                now=timezone.now(),
            )
        except InvalidInput as refusal:
            field = refusal.field if refusal.field in form.fields else None
            form.add_error(field, str(refusal.message))
        except ActionRefused as refusal:
            return _refused(request, refusal, number)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect(reverse("portal:ticket", args=[number]) + "#conversation-end")
    return _ticket_page(request, ticket, status=400, reply_form=form)


@customer_required
@require_POST
def ticket_close(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    ticket = queries.get_ticket_by_number_for(user, number)
    try:
        actions.close_ticket(ticket, actor=user, now=timezone.now())
    except ActionRefused as refusal:
        return _refused(request, refusal, number)
    messages.success(request, _("The ticket is closed. Tell us how we did below."))
    return redirect("portal:ticket", number=number)


@customer_required
@require_POST
def ticket_reopen(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    ticket = queries.get_ticket_by_number_for(user, number)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            actions.reopen_ticket(ticket, actor=user, reason=form.cleaned_data["reason"], now=timezone.now())
        except InvalidInput as refusal:
            form.add_error("reason", str(refusal.message))
        except ActionRefused as refusal:
            return _refused(request, refusal, number)
        else:
            messages.success(request, _("The ticket is open again."))
            return redirect("portal:ticket", number=number)
    return _ticket_page(request, ticket, status=400, reopen_form=form)


@customer_required
@require_POST
def ticket_score(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    ticket = queries.get_ticket_by_number_for(user, number)
    form = ScoreForm(request.POST)
    if form.is_valid():
        try:
            actions.score_ticket(
                ticket,
                actor=user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                now=timezone.now(),
            )
        except InvalidInput as refusal:
            form.add_error("score", str(refusal.message))
        except ActionRefused as refusal:
            return _refused(request, refusal, number)
        else:
            messages.success(request, _("Thank you for your score."))
            return redirect("portal:ticket", number=number)
    return _ticket_page(request, ticket, status=400, score_form=form)


@customer_required
def attachment_download(request: HttpRequest, number: int, token: str) -> FileResponse:
    """A file of the conversation, served only to someone who may see the ticket and the message."""
    ticket = queries.get_ticket_by_number_for(_user(request), number)
    attachment = (
        Attachment.objects.filter(ticket=ticket, token=token)
        .filter(message__internal=False)
        .only("file", "filename", "content_type")
        .first()
    )
    if attachment is None:
        raise Http404("No such file")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such file") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename)
    response["Content-Type"] = attachment.content_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
