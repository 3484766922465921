"""Writing rules: each save is checked, numbered and kept as a version (who, when, what)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from automations import conditions, steps
from automations.models import TIME_BASED, Automation, AutomationVersion, Trigger
from tickets.errors import Forbidden, InvalidInput

NAME_MAX = 120
HOURS_MAX = 24 * 90


def may_edit(user: Any) -> bool:
    """Supervisors (and superusers) write the rules."""
    return bool(getattr(user, "is_active", False) and (user.is_superuser or user.role == Role.SUPERVISOR))


def snapshot(rule: Automation) -> dict[str, Any]:
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "hours": rule.hours,
        "conditions": rule.conditions,
        "steps": rule.steps,
        "position": rule.position,
        "stop": rule.stop,
        "active": rule.active,
    }


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """A rule's fields as stored, or ``InvalidInput`` naming the field that is wrong."""
    name = (data.get("name") or "").strip()
    if not name:
        raise InvalidInput("name_required", _("Give the rule a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            "name_too_long", _("This text is too long (at most %(max)s characters).") % {"max": NAME_MAX}, field="name"
        )
    trigger = data.get("trigger")
    if trigger not in Trigger.values:
        raise InvalidInput("trigger_invalid", _("Choose when the rule runs."), field="trigger")
    hours = data.get("hours")
    if trigger in TIME_BASED:
        if not isinstance(hours, int) or not 1 <= hours <= HOURS_MAX:
            raise InvalidInput(
                "hours_invalid",
                _("Give a number of hours from 1 to %(max)s.") % {"max": HOURS_MAX},
                field="hours",
            )
    else:
        hours = None
    position = data.get("position", 100)
    if not isinstance(position, int) or not 0 <= position <= 32767:
        raise InvalidInput("position_invalid", _("Give a whole number from 0 to 32767."), field="position")
    return {
        "name": name,
        "trigger": trigger,
        "hours": hours,
        "conditions": conditions.clean(data.get("conditions") or {}),
        "steps": steps.clean(data.get("steps")),
        "position": position,
        "stop": bool(data.get("stop")),
        "active": bool(data.get("active")),
    }


@transaction.atomic
def save_automation(
    rule: Automation | None, data: dict[str, Any], *, actor: User, now: datetime | None = None
) -> Automation:
    """Create a rule (``rule=None``) or change one; a change that alters nothing writes nothing."""
    if not may_edit(actor):
        raise Forbidden("supervisors_only", _("Only supervisors write automations."))
    now = now or timezone.now()
    fields = clean(data)
    if rule is None:
        rule = Automation(created_at=now, version=0)
    else:
        rule = Automation.objects.select_for_update().get(pk=rule.pk)
        if snapshot(rule) == fields:
            return rule
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.version += 1
    rule.updated_at = now
    rule.updated_by = actor
    rule.save()
    AutomationVersion.objects.create(
        automation=rule, version=rule.version, snapshot=snapshot(rule), actor=actor, created_at=now
    )
    return rule
