"""A rule's conditions: checked when saved, and turned into one database filter on tickets.

``conditions`` is a JSON object; every key present must hold (AND), each list is "any of":

    {"level": ["L1"], "priority": ["high", "critical"], "plan": ["premium"],
     "channel": ["phone"], "product": ["dedicated"], "category": ["server_no_ping"],
     "language": ["fr"], "text": "ransomware"}

``text`` matches the subject or any public message, ignoring case. The same filter answers
"does this ticket match" (the engine, one query for every rule of a trigger at once) and "which
open tickets match now" (the editor's preview), so both always agree.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from levels.models import Category, LevelCode
from services.models import Product
from sla.models import Priority, SupportPlan
from tickets.errors import InvalidInput
from tickets.models import Channel, Message

LISTS = ("level", "priority", "plan", "channel", "product", "category", "language")
TEXT_MAX = 200


def choices_for(key: str) -> list[tuple[str, Any]]:
    """The values a condition may hold, with their labels (for the editor and for checking)."""
    if key == "level":
        return list(LevelCode.choices)
    if key == "priority":
        return list(Priority.choices)
    if key == "plan":
        return [(p.code, p.name) for p in SupportPlan.objects.all()]
    if key == "channel":
        return list(Channel.choices)
    if key == "product":
        return list(Product.choices)
    if key == "category":
        return [(c.code, f"{c.level.code} · {c.name}") for c in Category.objects.select_related("level")]
    if key == "language":
        return list(Language.choices)
    raise KeyError(key)


def clean(conditions: Any) -> dict[str, Any]:
    """The conditions as stored, or ``InvalidInput`` naming the field that is wrong."""
    if not isinstance(conditions, dict):
        raise InvalidInput("conditions_invalid", _("Conditions must be a set of fields."), field="conditions")
    unknown = set(conditions) - {*LISTS, "text"}
    if unknown:
        raise InvalidInput(
            "condition_unknown",
            _("Unknown condition: %(name)s.") % {"name": ", ".join(sorted(unknown))},
            field="conditions",
        )
    cleaned: dict[str, Any] = {}
    for key in LISTS:
        values = conditions.get(key) or []
        if not values:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidInput("condition_invalid", _("Choose values from the list."), field=key)
        allowed = {value for value, _label in choices_for(key)}
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise InvalidInput(
                "condition_value_unknown",
                _("%(value)s is not one of the choices.") % {"value": ", ".join(wrong)},
                field=key,
            )
        cleaned[key] = sorted(set(values))
    text = conditions.get("text") or ""
    if not isinstance(text, str):
        raise InvalidInput("condition_invalid", _("Write the text to look for."), field="text")
    text = text.strip()
    if len(text) > TEXT_MAX:
        raise InvalidInput(
            "text_too_long", _("This text is too long (at most %(max)s characters).") % {"max": TEXT_MAX}, field="text"
        )
    if text:
        cleaned["text"] = text
    return cleaned


def to_q(conditions: dict[str, Any]) -> Q:
    """The filter on ``tickets.Ticket`` that holds exactly when the conditions do."""
    q = Q()
    lookups = {
        "level": "level__code__in",
        "priority": "priority__in",
        "plan": "support_plan__in",
        "channel": "channel__in",
        "product": "service__product__in",
        "category": "category__code__in",
        "language": "requester__language__in",
    }
    for key, lookup in lookups.items():
        if conditions.get(key):
            q &= Q(**{lookup: conditions[key]})
    text = conditions.get("text")
    if text:
        said = Message.objects.filter(ticket=OuterRef("pk"), internal=False, body__icontains=text)
        q &= Q(subject__icontains=text) | Q(Exists(said))
    return q
