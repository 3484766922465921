from django.contrib import admin

from console.models import CallLog, CannedReply
from core.admin import SupervisorsManage


@admin.register(CannedReply)
class CannedReplyAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["title", "level", "active", "order"]
    list_filter = ["level", "active"]
    search_fields = ["title", "body"]


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    list_display = ["started_at", "line", "caller_number", "agent", "state", "duration_seconds", "ticket"]
    list_filter = ["line", "state"]
    raw_id_fields = ["ticket", "service", "agent"]
    date_hierarchy = "started_at"
