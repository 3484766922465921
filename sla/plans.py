"""Support plans: which plan a customer is on, and the promise a plan makes for a level and priority.

A ticket keeps the code of its customer's plan from when it was opened (``Ticket.support_plan``)
and its priority; the clock (``sla.clock.rules_of_ticket``) reads the plan's target for the
ticket's level and priority, and falls back to the level's own ``SlaPolicy`` where the plan sets
none (and for tickets opened before plans, whose plan is blank).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from sla.models import PRIORITY_RANK, CustomerPlan, PlanTarget, Priority, SlaPolicy, SupportPlan
from sla.priority import priority_for


def plan_code_for(organisation_id: int | None) -> str:
    """The code of the customer's plan, or of the default plan; blank when no plan exists (one query)."""
    if organisation_id is None:
        found = SupportPlan.objects.filter(is_default=True).values_list("code", flat=True).first()
    else:
        found = (
            SupportPlan.objects.filter(Q(customers__organisation_id=organisation_id) | Q(is_default=True))
            .order_by("is_default")
            .values_list("code", flat=True)
            .first()
        )
    return found or ""


def plan_for(organisation_id: int | None) -> SupportPlan | None:
    """The customer's plan row (their own, else the default)."""
    if organisation_id is not None:
        own = CustomerPlan.objects.filter(organisation_id=organisation_id).select_related("plan").first()
        if own is not None:
            return own.plan
    return SupportPlan.objects.filter(is_default=True).first()


def target_for(plan_code: str, level_id: int, priority: str) -> PlanTarget | None:
    """The plan's target for a level and priority (one query), None when the plan sets none."""
    if not plan_code:
        return None
    return PlanTarget.objects.filter(plan__code=plan_code, level_id=level_id, priority=priority).first()


def policy_with(policy: SlaPolicy | None, target: PlanTarget | None, level_id: int) -> SlaPolicy | None:
    """The level's policy with the plan's target for the ticket's priority in place (unsaved)."""
    if target is None:
        return policy
    next_target = target.next_response_target or (policy.next_response_target if policy else None)
    next_warning = policy.next_response_warning if policy is not None else None
    if next_warning is not None and (next_target is None or next_warning > next_target):
        next_warning = None
    return SlaPolicy(
        level_id=level_id,
        first_response_warning=target.first_response_warning,
        first_response_target=target.first_response_target,
        next_response_warning=next_warning,
        next_response_target=next_target,
        resolution_target=policy.resolution_target if policy is not None else None,
    )


def targets_of(plan: SupportPlan) -> dict[str, dict[str, PlanTarget]]:
    """{level code: {priority: target}} of a plan, for the pages that show it."""
    table: dict[str, dict[str, PlanTarget]] = {}
    for target in plan.targets.select_related("level").order_by("level__order"):
        table.setdefault(target.level.code, {})[target.priority] = target
    for row in table.values():
        ordered = dict(sorted(row.items(), key=lambda item: PRIORITY_RANK.get(Priority(item[0]), 9)))
        row.clear()
        row.update(ordered)
    return table


def hours(value: timedelta | None) -> float | None:
    """A duration in hours (for the API and the pages)."""
    return None if value is None else value.total_seconds() / 3600


def duration_text(value: timedelta) -> str:
    """A target as people read it: "45 min", "6 h", "1 h 30 min" (the same in es, en and fr)."""
    minutes = int(value.total_seconds() // 60)
    hours_part, minutes_part = divmod(minutes, 60)
    if not hours_part:
        return f"{minutes_part} min"
    return f"{hours_part} h {minutes_part} min" if minutes_part else f"{hours_part} h"


def promised_first_response(
    organisation_id: int | None, level_id: int, kind: str, urgency: str | None
) -> timedelta | None:
    """The first-response target a new ticket of ``kind`` would get on ``level`` for the customer's
    plan and this urgency (shown on the form before it is sent); None when nothing is promised."""
    code = plan_code_for(organisation_id)
    target = target_for(code, level_id, priority_for(kind, urgency=urgency))
    if target is not None:
        return target.first_response_target
    policy = SlaPolicy.objects.filter(level_id=level_id).first()
    return policy.first_response_target if policy is not None else None
