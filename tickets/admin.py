from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import Attachment, Message, Ticket, TicketEvent, TicketLink


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "sender", "author", "internal", "body"]


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "data"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change through the console and the API, so every change is audited."""

    list_display = ["number", "subject", "organisation", "level", "status", "channel", "assignee", "updated_at"]
    list_filter = ["level", "status", "channel", "kind"]
    search_fields = ["=number", "subject", "organisation__name", "service__reference"]
    list_select_related = ["organisation", "level", "assignee"]
    inlines = [MessageInline, EventInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(TicketLink)
admin.site.register(Attachment)
