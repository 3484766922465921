"""Support plans in the administration: their targets per level and priority, and which plan each
customer is on. Saving a plan changes the due times of tickets opened from then on (a ticket
keeps the plan it was opened on; its clock reads the plan's current targets at each step)."""

from django.contrib import admin

from core.admin import SupervisorsManage
from sla.models import CustomerPlan, PlanTarget, SupportPlan


class PlanTargetInline(SupervisorsManage, admin.TabularInline):
    model = PlanTarget
    fields = ["level", "priority", "first_response_warning", "first_response_target", "next_response_target"]
    extra = 0


@admin.register(SupportPlan)
class SupportPlanAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["code", "name_es", "name_en", "name_fr", "ovh_level", "is_default", "order"]
    fields = ["code", "name_es", "name_en", "name_fr", "ovh_level", "is_default", "channels", "phone_lines", "order"]
    filter_horizontal = ["phone_lines"]
    inlines = [PlanTargetInline]


@admin.register(CustomerPlan)
class CustomerPlanAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["organisation", "plan", "since"]
    list_filter = ["plan"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
