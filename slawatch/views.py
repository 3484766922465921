"""The supervisors' SLA report: first responses per level and week against the target."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.permissions import staff_required
from levels.models import SupportLevel
from sla.models import SlaPolicy
from slawatch.chart import bar_chart
from slawatch.queries import BREACH_LIST_LIMIT, breaches, first_response_report, overdue

MAX_WEEKS = 52


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    try:
        weeks = min(max(int(request.GET.get("weeks", "8")), 1), MAX_WEEKS)
    except ValueError:
        weeks = 8
    until = timezone.now()
    since = until - timedelta(weeks=weeks)
    rows = first_response_report(since, until)
    policies = {p.level.code: p for p in SlaPolicy.objects.select_related("level")}
    waiting = overdue(until)
    sections = []
    for level in SupportLevel.objects.order_by("order"):
        level_rows = [row for row in rows if row.level == level.code]
        policy = policies.get(level.code)
        if policy is None and not level_rows:
            continue
        target_hours = policy.first_response_target.total_seconds() / 3600 if policy else 0.0
        chart = bar_chart(
            [
                (
                    f"{row.week:%d/%m}",
                    row.median_seconds / 3600 if row.median_seconds is not None else None,
                )
                for row in level_rows
            ],
            target_hours,
        )
        late_now = sum(1 for ticket in waiting if ticket.level_id == level.pk)
        sections.append({"level": level, "policy": policy, "rows": level_rows, "chart": chart, "overdue": late_now})
    late = breaches(since, until)
    return render(
        request,
        "sla/report.html",
        {
            "sections": sections,
            "weeks": weeks,
            "breaches": late,
            "overdue": waiting,
            "breach_limit": BREACH_LIST_LIMIT,
        },
    )
