from django.contrib import admin

from core.admin import SupervisorsManage
from infogerencia.models import (
    Intervention,
    InterventionType,
    Invoice,
    OperationReport,
    Payment,
    Quote,
    QuoteLine,
    WebhookDelivery,
)


@admin.register(InterventionType)
class InterventionTypeAdmin(SupervisorsManage, admin.ModelAdmin):
    """The catalogue: editable by administrators."""

    list_display = ["code", "name_es", "name_en", "name_fr", "base_price", "estimated_duration", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name_es", "name_en", "name_fr"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Pipeline rows change only through infogerencia/actions.py; the admin shows them."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "organisation", "state", "gross", "currency", "valid_until", "created_at"]
    list_filter = ["state"]
    search_fields = ["number", "organisation__name"]
    list_select_related = ["organisation"]
    inlines = [QuoteLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["quote", "provider", "provider_event_id", "amount", "currency", "received_at"]
    list_select_related = ["quote"]


@admin.register(Intervention)
class InterventionAdmin(ReadOnlyAdmin):
    list_display = ["quote", "administrator", "starts_at", "ends_at", "state"]
    list_filter = ["state"]
    list_select_related = ["quote", "administrator"]


@admin.register(OperationReport)
class OperationReportAdmin(ReadOnlyAdmin):
    list_display = ["intervention", "outcome", "minutes_spent", "recorded_at"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "organisation", "issue_date", "gross", "currency"]
    list_filter = ["kind", "series", "year"]
    search_fields = ["number", "organisation__name"]
    list_select_related = ["organisation"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "event_id", "quote_number", "outcome", "code", "http_status"]
    list_filter = ["outcome", "provider"]
    search_fields = ["event_id", "quote_number"]
