from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import supervises
from privacy.models import DataExport, ErasureRecord


class ReadOnly(admin.ModelAdmin):
    """Written only by the privacy actions; supervisors read them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return supervises(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return supervises(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnly):
    list_display = ["subject", "performed_by", "created_at"]
    readonly_fields = ["subject", "performed_by", "removed", "kept", "created_at"]


@admin.register(DataExport)
class DataExportAdmin(ReadOnly):
    list_display = ["subject", "requested_by", "state", "created_at", "expires_at", "size"]
    list_filter = ["state"]
    readonly_fields = ["subject", "requested_by", "state", "size", "created_at", "ready_at", "expires_at"]
    exclude = ["file"]
