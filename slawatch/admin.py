"""The SLA settings in the administration: the ``sla`` app's calendars and policies, saved through
``slawatch.actions`` (which move the due times of the open tickets they govern), and the
measured clocks, read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import SupervisorsManage
from sla.models import BusinessCalendar, SlaPolicy
from slawatch import actions
from tickets.models import SlaMeasurement


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(SupervisorsManage, admin.ModelAdmin):
    # By name, in the reader's language: the code is an identifier, not something people read.
    list_display = ["display_name", "time_zone", "always_open", "country", "subdivision", "updated_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["updated_at"]

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, obj: BusinessCalendar) -> str:
        return obj.display_name

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Validated by the model's clean() in the admin form; the action recomputes due times.
        actions.save_calendar(obj, actor=request.user)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = [
        "level",
        "first_response_warning",
        "first_response_target",
        "next_response_warning",
        "next_response_target",
        "resolution_target",
    ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actions.save_policy(obj, actor=request.user)


@admin.register(SlaMeasurement)
class SlaMeasurementAdmin(admin.ModelAdmin):
    list_display = ["ticket", "level", "clock", "outcome", "started_at", "ended_at", "elapsed_seconds"]
    list_filter = ["level", "clock", "outcome"]
    raw_id_fields = ["ticket"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
