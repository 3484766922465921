"""Changes to calendars and policies. Each saves the row and, after commit, recomputes the due
times of the open tickets on the levels it governs (a background task on the ``sla`` queue)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.outbox import enqueue_on_commit
from sla.models import BusinessCalendar, SlaPolicy
from slawatch.tasks import recompute_due_times
from tickets.errors import Forbidden, InvalidInput


def _require_admin(actor: Any) -> None:
    if actor is not None and not (actor.is_superuser or getattr(actor, "role", "") == "supervisor"):
        raise Forbidden("supervisor_only", "Only a supervisor or an administrator can change SLA settings.")


def _validated(row: BusinessCalendar | SlaPolicy) -> None:
    try:
        row.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        first_field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput("invalid_sla_settings", messages[0], field=first_field) from exc


def _recompute_after_commit(level_ids: list[int]) -> None:
    if level_ids:
        enqueue_on_commit(recompute_due_times, sorted(level_ids))


@transaction.atomic
def save_calendar(calendar: BusinessCalendar, *, actor: Any) -> BusinessCalendar:
    """Save a new or edited calendar; open tickets of its levels get new due times."""
    _require_admin(actor)
    _validated(calendar)
    calendar.save()
    _recompute_after_commit(list(calendar.levels.values_list("pk", flat=True)))
    return calendar


@transaction.atomic
def save_policy(policy: SlaPolicy, *, actor: Any) -> SlaPolicy:
    """Save a new or edited policy; open tickets of its level get new due times."""
    _require_admin(actor)
    _validated(policy)
    policy.save()
    _recompute_after_commit([policy.level_id])
    return policy
