"""``/console/``: a level's queue, and one action on many of its tickets (``bulk/``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from console import queries as console_queries
from console.views._base import _user
from core.permissions import staff_required
from levels.models import Category, SupportLevel, Team
from services.models import Product
from tickets import actions, queries
from tickets.errors import ActionRefused
from tickets.models import ACTIVE_STATUSES, Channel

BULK_MAX = 100


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
        messages.success(request, ngettext("%(n)s ticket updated.", "%(n)s tickets updated.", done) % {"n": done})
    return redirect(back)
