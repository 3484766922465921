"""What a rule does: a list of steps, each one of the ticket actions with its settings.

A step is a JSON object with a ``type`` and its settings:

    {"type": "set_priority", "priority": "critical"}
    {"type": "assign_team", "team": "l2-commercial"}
    {"type": "assign_agent", "agent": "maria"}
    {"type": "add_note", "text": "Check the rack's switch first."}
    {"type": "reply", "text": {"es": "…", "en": "…", "fr": "…"}}   # in the customer's language
    {"type": "move", "move": "not_an_incident"}                      # only as the guide allows
    {"type": "notify", "text": "…"}                                  # e-mail the team (or supervisors)

Every step runs through ``tickets.actions``, so the guide's rules hold as they do for people.
:func:`run` takes the ``actor``: ``None`` for an automation (the desk), which then never
overturns a person's decision (a priority staff chose, a ticket someone took); an agent for a
macro, which runs the same steps as that agent. Texts may use ``{ticket_number}``,
``{customer_name}`` and ``{service_reference}``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from levels.models import Team
from notifications.actions import notify as send
from sla.models import Priority
from tickets import actions, rules
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import Ticket

TYPES = ("set_priority", "assign_team", "assign_agent", "move", "add_note", "reply", "notify")
LANGUAGES = ("es", "en", "fr")
TEXT_MAX = 5000
PLACEHOLDERS = ("ticket_number", "customer_name", "service_reference")
# The moves the desk may make by itself: the guide's L1 → L2 (not an incident), as triage does.
DESK_MOVES = (rules.Move.NOT_AN_INCIDENT,)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("step_text_required", _("Write the text."), field=field)
    if len(value) > TEXT_MAX:
        raise InvalidInput(
            "text_too_long", _("This text is too long (at most %(max)s characters).") % {"max": TEXT_MAX}, field=field
        )
    return value.strip()


def clean(steps: Any) -> list[dict[str, Any]]:
    """The steps as stored, or ``InvalidInput`` naming the field that is wrong."""
    if not isinstance(steps, list) or not steps:
        raise InvalidInput("steps_required", _("Give the rule at least one action."), field="steps")
    cleaned: list[dict[str, Any]] = []
    for step in steps:
        kind = step.get("type") if isinstance(step, dict) else None
        if kind not in TYPES:
            raise InvalidInput("step_unknown", _("Unknown action."), field="steps")
        if kind == "set_priority":
            if step.get("priority") not in Priority.values:
                raise InvalidInput("priority_invalid", _("Unknown priority."), field="set_priority")
            cleaned.append({"type": kind, "priority": step["priority"]})
        elif kind == "assign_team":
            if not Team.objects.filter(code=step.get("team") or "").exists():
                raise InvalidInput("team_unknown", _("Choose a team from the list."), field="assign_team")
            cleaned.append({"type": kind, "team": step["team"]})
        elif kind == "assign_agent":
            if (
                not User.objects.filter(username=step.get("agent") or "", is_active=True)
                .exclude(role=Role.CUSTOMER)
                .exists()
            ):
                raise InvalidInput("agent_unknown", _("Choose a member of staff from the list."), field="assign_agent")
            cleaned.append({"type": kind, "agent": step["agent"]})
        elif kind == "move":
            if step.get("move") not in DESK_MOVES:
                raise InvalidInput(
                    "move_not_automatic",
                    _("An automation may only pass a level 1 ticket that is not an incident to level 2."),
                    field="move",
                )
            cleaned.append({"type": kind, "move": step["move"]})
        elif kind in {"add_note", "notify"}:
            cleaned.append({"type": kind, "text": _text(step.get("text"), kind)})
        else:  # reply
            texts = step.get("text")
            if not isinstance(texts, dict):
                raise InvalidInput("step_text_required", _("Write the text."), field="reply")
            cleaned.append(
                {"type": kind, "text": {lang: _text(texts.get(lang), f"reply_{lang}") for lang in LANGUAGES}}
            )
    return cleaned


def fill(text: str, ticket: Ticket) -> str:
    """Replace the known placeholders; anything else in braces stays as written."""
    customer = ticket.requester.get_full_name() if ticket.requester else ""
    values = {
        "ticket_number": str(ticket.number),
        "customer_name": customer or ticket.organisation.name,
        "service_reference": ticket.service.reference if ticket.service else "",
    }
    return re.sub(r"\{(" + "|".join(PLACEHOLDERS) + r")\}", lambda match: values[match.group(1)], text)


def run(ticket: Ticket, step: dict[str, Any], *, actor: User | None, now: datetime, reason: str) -> str:
    """Run one step; what happened as a code: ``done``, ``unchanged``, ``skipped:<why>`` or
    ``refused:<code>`` (the ticket action refused it; nothing was written)."""
    kind = step["type"]
    try:
        if kind == "set_priority":
            if ticket.priority == step["priority"]:
                return "unchanged"
            actions.set_priority(ticket, priority=step["priority"], reason=reason, actor=actor, now=now)
        elif kind == "assign_team":
            team = Team.objects.get(code=step["team"])
            if ticket.team_id == team.pk:
                return "unchanged"
            if actor is None and ticket.assignee_id is not None:
                return "skipped:taken_by_a_person"
            actions.set_team(ticket, team=team, actor=actor, now=now)
        elif kind == "assign_agent":
            agent = User.objects.get(username=step["agent"])
            if ticket.assignee_id == agent.pk:
                return "unchanged"
            if actor is None and ticket.assignee_id is not None:
                return "skipped:taken_by_a_person"
            actions.assign_ticket(ticket, assignee=agent, actor=actor, now=now)
        elif kind == "move":
            if actor is None and ticket.assignee_id is not None:
                return "skipped:taken_by_a_person"
            actions.transfer_to_assistance(ticket, actor=actor, reason=reason, now=now, rule="automation")
        elif kind == "add_note":
            if actor is None:
                actions.add_system_note(ticket, body=fill(step["text"], ticket), now=now)
            else:
                actions.add_note(ticket, actor=actor, body=fill(step["text"], ticket), now=now)
        elif kind == "reply":
            language = ticket.requester.language if ticket.requester else "es"
            text = step["text"].get(language) or step["text"]["es"]
            actions.reply(ticket, actor=actor, body=fill(text, ticket), now=now)
        elif kind == "notify":
            notify(ticket, fill(step["text"], ticket), reason=reason, now=now)
    except ActionRefused as refused:
        return f"refused:{refused.code}"
    return "done"


def notify(ticket: Ticket, text: str, *, reason: str, now: datetime) -> None:
    """E-mail the ticket's team (or, without one, the supervisors) about the ticket."""
    reachable = User.objects.filter(is_active=True).exclude(email="")
    people: list[User] = []
    if ticket.team_id is not None:
        people = list(reachable.filter(teams__pk=ticket.team_id))
    if not people:
        people = list(reachable.filter(role=Role.SUPERVISOR))
    send(
        event="staff_alert",
        recipients=people,
        context={
            "title": f"#{ticket.number} · {reason}",
            "text": text,
            "url": settings.PUBLIC_URL + reverse("console:ticket", args=[ticket.number]),
        },
        ticket=ticket,
        now=now,
    )
