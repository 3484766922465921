"""The agents' console: queues per level and the ticket workspace."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from levels.models import SupportLevel
from tickets import queries
from tickets.models import ACTIVE_STATUSES


def staff_required(view):  # type: ignore[no-untyped-def]
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not (getattr(request.user, "is_agent", False) or request.user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    level_code = request.GET.get("level") or getattr(request.user, "level_code", None) or "L1"
    level = SupportLevel.objects.filter(code=level_code).first()
    tickets = (
        queries.visible_tickets(request.user)
        .filter(level=level, status__in=ACTIVE_STATUSES)
        .select_related("organisation", "service", "category", "assignee")
        .order_by(Coalesce("first_response_due_at", "next_response_due_at").asc(nulls_last=True), "created_at", "id")[
            :50
        ]
    )
    return render(
        request,
        "console/queue.html",
        {"tickets": tickets, "level": level, "levels": SupportLevel.objects.order_by("order")},
    )


@staff_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = queries.get_ticket_by_number_for(request.user, number)
    return render(
        request,
        "console/ticket.html",
        {
            "ticket": ticket,
            "messages_list": queries.conversation(ticket, request.user),
            "events": queries.history(ticket),
        },
    )
