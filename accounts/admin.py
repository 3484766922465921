from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User


class ContactInline(admin.TabularInline):
    model = User
    fields = ["username", "first_name", "last_name", "email", "contact_role", "language", "is_active"]
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "vat_id", "external_id", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "vat_id", "external_id", "contacts__username", "contacts__email"]
    inlines = [ContactInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "organisation",
        "language",
        "is_active",
        "personal_data",
    ]
    list_filter = ["role", "language", "is_active", "is_staff"]
    search_fields = ["username", "email", "first_name", "last_name", "organisation__name"]
    list_select_related = ["organisation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Desk"),
            {
                "fields": [
                    "role",
                    "organisation",
                    "contact_role",
                    "may_open_tickets",
                    "sees_billing",
                    "receives_incident_mail",
                    "language",
                    "time_zone",
                    "country",
                    "phone",
                    "external_id",
                ]
            },
        ),
    )
    readonly_fields = ["external_id"]
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Desk"), {"fields": ["role", "organisation", "email", "language", "time_zone", "country"]}),
    )

    @admin.display(description=_("Personal data"))
    def personal_data(self, obj: User) -> str:
        """The person's page of exports and erasure (customers' contacts only)."""
        if not obj.is_customer:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("privacy:person", args=[obj.pk]), _("Export or erase"))
