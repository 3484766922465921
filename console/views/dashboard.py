"""``/console/dashboard/``: the supervisor's dashboard."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Role
from console import charts
from console import queries as console_queries
from console.views._base import _user
from core.permissions import staff_required
from sla.models import PRIORITY_RANK, Priority


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
            "by_plan": console_queries.active_by_plan_and_priority(),
            "priorities": [label for _value, label in sorted(Priority.choices, key=lambda c: PRIORITY_RANK[c[0]])],
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
