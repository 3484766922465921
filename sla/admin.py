from django.contrib import admin

from sla.models import BusinessCalendar, SlaPolicy


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "always_open", "country", "subdivision"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["level", "first_response_warning", "first_response_target", "next_response_target"]
