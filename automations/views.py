"""``/console/automations/``: supervisors list, write and preview the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from automations import actions, conditions, queries
from automations import steps as rule_steps
from automations.forms import CONDITION_FIELDS, AutomationForm
from automations.history import describe_results
from automations.models import Automation
from core.permissions import staff_required
from tickets.errors import ActionRefused, InvalidInput


def _supervisor(request: HttpRequest) -> Any:
    if not actions.may_edit(request.user):
        raise PermissionDenied
    return request.user


@staff_required
def automation_list(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    return render(request, "automations/list.html", {"rules": queries.rules()})


@staff_required
@require_http_methods(["GET", "POST"])
def automation_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@staff_required
@require_http_methods(["GET", "POST"])
def automation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Automation, pk=pk))


def _edit(request: HttpRequest, rule: Automation | None) -> HttpResponse:
    user = _supervisor(request)
    status = 200
    preview = None
    if request.method == "POST":
        form = AutomationForm(request.POST)
        if form.is_valid():
            data = form.rule_data()
            try:
                if "preview" in request.POST:
                    checked = {
                        "trigger": data["trigger"],
                        "hours": data["hours"],
                        "conditions": conditions.clean(data["conditions"]),
                    }
                    preview = queries.preview(checked, now=timezone.now())
                else:
                    saved = actions.save_automation(rule, data, actor=user, now=timezone.now())
                    messages.success(request, _("Saved: version %(version)s.") % {"version": saved.version})
                    return redirect("automations:edit", saved.pk)
            except InvalidInput as refusal:
                field = refusal.field if refusal.field in form.fields else None
                form.add_error(field, str(refusal.message))
                status = 400
            except ActionRefused as refusal:
                form.add_error(None, str(refusal.message))
                status = refusal.status
        else:
            status = 400
    else:
        form = AutomationForm(initial=AutomationForm.initial_from(rule) if rule is not None else None)
    context = {
        "form": form,
        "when_fields": [form[name] for name in ("name", "trigger", "hours", "position", "stop", "active")],
        "if_fields": [form[name] for name in (*CONDITION_FIELDS, "text")],
        "then_fields": [
            form[name]
            for name in (
                "set_priority",
                "assign_team",
                "assign_agent",
                "move",
                "add_note",
                "reply_es",
                "reply_en",
                "reply_fr",
                "notify",
            )
        ],
        "rule": rule,
        "preview": preview,
        "versions": list(rule.versions.select_related("actor")[:20]) if rule is not None else [],
        "runs": [(run, describe_results(run.results)) for run in queries.runs_of(rule)] if rule is not None else [],
        "placeholders": ["{" + name + "}" for name in rule_steps.PLACEHOLDERS],
    }
    return render(request, "automations/edit.html", context, status=status)
