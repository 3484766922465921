from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User


class ContactInline(admin.TabularInline):
    model = User
    fields = ["username", "first_name", "last_name", "email", "language", "is_active"]
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "vat_id", "created_at"]
    search_fields = ["name", "vat_id", "contacts__username", "contacts__email"]
    inlines = [ContactInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "organisation", "language", "is_active"]
    list_filter = ["role", "language", "is_active", "is_staff"]
    search_fields = ["username", "email", "first_name", "last_name", "organisation__name"]
    list_select_related = ["organisation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Desk"), {"fields": ["role", "organisation", "language", "time_zone", "country", "phone"]}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Desk"), {"fields": ["role", "organisation", "email", "language", "time_zone", "country"]}),
    )
