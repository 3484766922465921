"""The routing table is edited here; runs, alerts and outages are shown read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import SupervisorsManage
from tickets.errors import ActionRefused
from triage.actions import activate_rule_set
from triage.models import MonitoringAlert, Outage, ProbeResult, ProbeRun, RoutingRuleSet


@admin.register(RoutingRuleSet)
class RoutingRuleSetAdmin(SupervisorsManage, admin.ModelAdmin[RoutingRuleSet]):
    list_display = ["name", "active", "updated_at"]
    readonly_fields = ["updated_at"]
    actions = ["make_active"]

    @admin.action(description=_("Make active (the others stop being used)"))
    def make_active(self, request: HttpRequest, queryset: QuerySet[RoutingRuleSet]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Pick exactly one rule set."), messages.ERROR)
            return
        try:
            chosen = activate_rule_set(queryset.get(), actor=request.user)  # type: ignore[arg-type]
        except ActionRefused as refused:
            self.message_user(request, str(refused.message), messages.ERROR)
            return
        self.message_user(request, _("%(name)s is now the active rule set.") % {"name": chosen.name})


class ProbeResultInline(admin.TabularInline[ProbeResult, ProbeRun]):
    model = ProbeResult
    extra = 0
    can_delete = False
    fields = ["position", "started_at", "label", "outcome", "latency_ms", "detail_code", "detail"]
    readonly_fields = ["position", "started_at", "label", "outcome", "latency_ms", "detail_code", "detail"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProbeRun)
class ProbeRunAdmin(admin.ModelAdmin[ProbeRun]):
    list_display = ["ticket", "trigger", "status", "decision", "needs_human", "override_decision", "created_at"]
    list_filter = ["status", "decision", "needs_human", "trigger"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "requested_by", "overridden_by"]
    inlines = [ProbeResultInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(MonitoringAlert)
class MonitoringAlertAdmin(admin.ModelAdmin[MonitoringAlert]):
    list_display = ["service", "check_name", "received_at", "alert_count", "resolved_at", "ticket", "outage"]
    list_filter = ["check_name"]
    list_select_related = ["service", "ticket", "outage"]
    raw_id_fields = ["service", "ticket", "outage"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin[Outage]):
    list_display = ["__str__", "status", "started_at", "closed_at"]
    list_filter = ["status", "scope_kind"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
