"""Staff's view of e-mail: deliveries and their attempts, preferences, and the inbound quarantine."""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from notifications.actions import reprocess_inbound_mail, send_again
from notifications.models import (
    Delivery,
    DeliveryAttempt,
    InboundMail,
    InboundStatus,
    Notification,
    NotificationPreference,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "attempted_at", "status", "sent_at", "message_id", "error"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "address", "event", "ticket_number", "status", "attempts", "sent_at"]
    list_filter = ["status", "notification__event"]
    search_fields = ["=address", "=message_id", "=notification__ticket__number"]
    list_select_related = ["notification__ticket"]
    inlines = [AttemptInline]
    show_full_result_count = False
    actions = ["send_failed_again"]

    @admin.action(description=_("Send the selected failed deliveries again"))
    def send_failed_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = sum(send_again(delivery, now=timezone.now()) for delivery in queryset[:500])
        self.message_user(request, _("%(count)s deliveries will be sent again.") % {"count": count})

    @admin.display(description=_("event"))
    def event(self, obj: Delivery) -> str:
        return obj.notification.event

    @admin.display(description=_("ticket"))
    def ticket_number(self, obj: Delivery) -> str:
        return str(obj.notification.ticket.number) if obj.notification.ticket else ""


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "event", "ticket", "auto_submitted"]
    list_filter = ["event"]
    list_select_related = ["ticket"]
    show_full_result_count = False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "email"]
    list_filter = ["event", "email"]
    list_select_related = ["user"]


MAX_HEADER_BYTES = 64 * 1024


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The quarantine: what came in, why it stopped, and a button to process it again."""

    list_display = ["received_at", "status", "from_address", "subject", "short_reason", "ticket", "source"]
    list_filter = ["status", "source"]
    search_fields = ["=from_address", "=message_id", "subject"]
    list_select_related = ["ticket"]
    show_full_result_count = False
    actions = ["process_again"]
    fields = readonly_fields = (
        "received_at",
        "source",
        "status",
        "reason",
        "defects",
        "envelope_from",
        "envelope_to",
        "message_id",
        "from_address",
        "subject",
        "ticket",
        "processed_at",
        "attempts",
        "raw_headers",
        "text",
        "size",
    )

    @admin.display(description=_("reason"))
    def short_reason(self, obj: InboundMail) -> str:
        return obj.reason if len(obj.reason) <= 90 else obj.reason[:89] + "…"

    @admin.display(description=_("raw headers"))
    def raw_headers(self, obj: InboundMail) -> str:
        head = bytes(obj.raw)[:MAX_HEADER_BYTES]
        try:
            parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
            lines = [f"{name}: {value}" for name, value in parsed.items()]
            text = "\n".join(lines)
        except Exception:
            text = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
        return format_html("<pre>{}</pre>", text)  # no inline style: the CSP refuses it

    @admin.action(description=_("Process the selected quarantined mail again"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        done: dict[str, int] = {}
        for mail in queryset.filter(status=InboundStatus.QUARANTINED).order_by("received_at")[:200]:
            result = reprocess_inbound_mail(mail, now=timezone.now())
            done[result.get_status_display()] = done.get(result.get_status_display(), 0) + 1
        if not done:
            self.message_user(request, _("Only quarantined mail can be processed again."), messages.WARNING)
            return
        summary = ", ".join(f"{label}: {count}" for label, count in done.items())
        self.message_user(request, _("Processed again: %(summary)s") % {"summary": summary}, messages.SUCCESS)
