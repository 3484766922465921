"""The customer's Manager: Administración → Mis productos → Soporte."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tickets import queries


def customer_required(view):  # type: ignore[no-untyped-def]
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not getattr(request.user, "is_customer", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@customer_required
def support(request: HttpRequest) -> HttpResponse:
    """Soporte: the customer's tickets, newest activity first."""
    tickets = (
        queries.visible_tickets(request.user)
        .select_related("level", "service", "category")
        .order_by("-updated_at", "-id")[:50]
    )
    return render(request, "portal/support.html", {"tickets": tickets})


@customer_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = queries.get_ticket_by_number_for(request.user, number)
    return render(
        request,
        "portal/ticket.html",
        {"ticket": ticket, "messages_list": queries.conversation(ticket, request.user)},
    )
