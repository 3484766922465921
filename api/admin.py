from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from api.models import (
    ApiToken,
    ConsumerKey,
    OvhApplication,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from core.admin import SupervisorsManage


class SupervisorAdmin(SupervisorsManage, admin.ModelAdmin):
    """Integrations: supervisors register, change and remove them."""

    supervisors_delete = True


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "secret", "active"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError("Only http and https URLs can receive webhooks.")
        return url


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "created_at", "status_code", "duration_ms", "error", "response_body"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(SupervisorAdmin):
    form = WebhookForm
    list_display = ["name", "url", "active", "created_at"]

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SupervisorAdmin):
    list_display = ["created_at", "event", "webhook", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OvhApplication)
class OvhApplicationAdmin(SupervisorAdmin):
    list_display = ["name", "application_key", "active", "created_at"]


@admin.register(ConsumerKey)
class ConsumerKeyAdmin(SupervisorAdmin):
    list_display = ["application", "state", "user", "created_at", "last_used_at"]
    list_filter = ["state"]
    readonly_fields = ["application", "digest", "validation_token", "rules", "user", "created_at", "validated_at"]
    exclude = ["redirection"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SupervisorAdmin):
    list_display = ["name", "prefix", "user", "scope", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "digest", "scope", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
