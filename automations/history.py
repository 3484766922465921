"""What an automation did, in words, in the reader's language (the ticket's history, the editor).

The ticket's ``automation`` events store codes (the rule's name and version, each step's type
and outcome); these functions render them when read.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _step_label(kind: str) -> str:
    return {
        "set_priority": _("set the priority"),
        "assign_team": _("give it to a team"),
        "assign_agent": _("give it to someone"),
        "move": _("move it"),
        "add_note": _("add a note"),
        "reply": _("reply to the customer"),
        "notify": _("e-mail the team"),
    }.get(kind, kind)


def _outcome_label(outcome: str) -> str:
    if outcome == "done":
        return _("done")
    if outcome == "unchanged":
        return _("already so")
    if outcome == "skipped:taken_by_a_person":
        return _("left alone: a person has taken the ticket")
    if outcome == "refused:priority_chosen_by_staff":
        return _("left alone: a person chose the priority")
    if outcome.startswith("refused:"):
        return _("refused by the guide's rules (%(code)s)") % {"code": outcome.split(":", 1)[1]}
    return outcome


def describe_results(results: list[dict[str, Any]] | None) -> str:
    return "; ".join(f"{_step_label(r.get('type', ''))}: {_outcome_label(r.get('outcome', ''))}" for r in results or [])


def describe_event(data: dict[str, Any]) -> str:
    """One line for an ``automation`` event of a ticket's history."""
    if data.get("outcome") == "chain_stopped":
        return _("A chain of automations stopped here (%(depth)s deep); nothing more ran.") % {
            "depth": data.get("depth")
        }
    return _("“%(name)s” (version %(version)s): %(results)s") % {
        "name": data.get("name", ""),
        "version": data.get("version", ""),
        "results": describe_results(data.get("results")),
    }
