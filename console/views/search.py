"""``/console/search/``: staff search over every ticket."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console import search
from core.permissions import staff_required
from tickets import queries
from tickets.models import Ticket


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
