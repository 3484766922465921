"""The rule editor's form: the shape of what a supervisor types. ``automations.actions`` checks
the rule itself (which values exist, which moves the desk may make)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from automations.conditions import choices_for
from automations.models import Automation, Trigger
from automations.steps import LANGUAGES
from levels.models import Team
from sla.models import Priority
from tickets.rules import Move

CONDITION_FIELDS = ("level", "priority", "plan", "channel", "product", "category", "language")
STEP_ORDER = ("set_priority", "assign_team", "assign_agent", "move", "add_note", "reply", "notify")


def _blank(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class AutomationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    hours = forms.IntegerField(
        label=_("After how many hours"),
        required=False,
        min_value=1,
        help_text=_("Only for “no reply from the customer” and “nobody has taken the ticket”."),
    )
    position = forms.IntegerField(
        label=_("Order"), initial=100, min_value=0, max_value=32767, help_text=_("Lower numbers run first.")
    )
    stop = forms.BooleanField(label=_("Stop the rules after this one when it runs"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    level = forms.MultipleChoiceField(label=_("Level"), required=False, widget=forms.CheckboxSelectMultiple)
    priority = forms.MultipleChoiceField(label=_("Priority"), required=False, widget=forms.CheckboxSelectMultiple)
    plan = forms.MultipleChoiceField(label=_("Support plan"), required=False, widget=forms.CheckboxSelectMultiple)
    channel = forms.MultipleChoiceField(label=_("Channel"), required=False, widget=forms.CheckboxSelectMultiple)
    product = forms.MultipleChoiceField(label=_("Product"), required=False, widget=forms.SelectMultiple)
    category = forms.MultipleChoiceField(label=_("Category"), required=False, widget=forms.SelectMultiple)
    language = forms.MultipleChoiceField(
        label=_("Customer's language"), required=False, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(label=_("Subject or messages contain"), required=False, max_length=200)

    set_priority = forms.ChoiceField(label=_("Set the priority"), required=False)
    assign_team = forms.ChoiceField(label=_("Give it to the team"), required=False)
    assign_agent = forms.ChoiceField(label=_("Give it to"), required=False)
    move = forms.ChoiceField(label=_("Move it"), required=False)
    add_note = forms.CharField(
        label=_("Add an internal note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reply_es = forms.CharField(
        label=_("Reply to the customer (Spanish)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reply_en = forms.CharField(
        label=_("Reply to the customer (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reply_fr = forms.CharField(
        label=_("Reply to the customer (French)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notify = forms.CharField(
        label=_("E-mail the ticket's team (or the supervisors)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in CONDITION_FIELDS:
            self.fields[key].choices = choices_for(key)  # type: ignore[attr-defined]
        self.fields["set_priority"].choices = _blank(list(Priority.choices), _("— leave as it is —"))  # type: ignore[attr-defined]
        teams = [(t.code, f"{t.level.code} · {t.name}") for t in Team.objects.select_related("level")]
        self.fields["assign_team"].choices = _blank(teams, _("— leave as it is —"))  # type: ignore[attr-defined]
        staff = User.objects.filter(is_active=True).exclude(role=Role.CUSTOMER).order_by("username")
        people = [(u.username, u.get_full_name() or u.username) for u in staff]
        self.fields["assign_agent"].choices = _blank(people, _("— leave as it is —"))  # type: ignore[attr-defined]
        moves = [(Move.NOT_AN_INCIDENT.value, _("Not an incident → level 2 (only from level 1)"))]
        self.fields["move"].choices = _blank(moves, _("— leave it on its level —"))  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, rule: Automation) -> dict[str, Any]:
        """The form's values for a saved rule."""
        initial: dict[str, Any] = {
            "name": rule.name,
            "trigger": rule.trigger,
            "hours": rule.hours,
            "position": rule.position,
            "stop": rule.stop,
            "active": rule.active,
            **{key: rule.conditions.get(key, []) for key in CONDITION_FIELDS},
            "text": rule.conditions.get("text", ""),
        }
        for step in rule.steps:
            kind = step["type"]
            if kind == "set_priority":
                initial[kind] = step["priority"]
            elif kind == "assign_team":
                initial[kind] = step["team"]
            elif kind == "assign_agent":
                initial[kind] = step["agent"]
            elif kind == "move":
                initial[kind] = step["move"]
            elif kind == "reply":
                for language in LANGUAGES:
                    initial[f"reply_{language}"] = step["text"].get(language, "")
            else:
                initial[kind] = step["text"]
        return initial

    def rule_data(self) -> dict[str, Any]:
        """What ``automations.actions.save_automation`` takes, from the cleaned form."""
        data = self.cleaned_data
        conditions: dict[str, Any] = {key: data.get(key) or [] for key in CONDITION_FIELDS}
        conditions["text"] = data.get("text") or ""
        steps: list[dict[str, Any]] = []
        for kind in STEP_ORDER:
            if kind == "reply":
                texts = {language: data.get(f"reply_{language}") or "" for language in LANGUAGES}
                if any(text.strip() for text in texts.values()):
                    steps.append({"type": "reply", "text": texts})
                continue
            value = data.get(kind)
            if not value:
                continue
            key = {"set_priority": "priority", "assign_team": "team", "assign_agent": "agent", "move": "move"}.get(
                kind, "text"
            )
            steps.append({"type": kind, key: value})
        return {
            "name": data.get("name") or "",
            "trigger": data.get("trigger"),
            "hours": data.get("hours"),
            "position": data.get("position") if data.get("position") is not None else 100,
            "stop": data.get("stop"),
            "active": data.get("active"),
            "conditions": conditions,
            "steps": steps,
        }
