from django.contrib import admin

from core.admin import SupervisorsManage
from levels.models import Category, PhoneLine, SupportLevel, Team


class TeamInline(SupervisorsManage, admin.TabularInline):
    model = Team
    fields = ["code", "name_es", "name_en", "name_fr", "commercial"]
    extra = 0


class PhoneLineInline(SupervisorsManage, admin.TabularInline):
    model = PhoneLine
    fields = ["number", "name_es", "name_en", "name_fr", "active"]
    extra = 0


class CategoryInline(SupervisorsManage, admin.TabularInline):
    model = Category
    fields = ["code", "kind", "name_es", "name_en", "name_fr", "ovh_category", "team", "active", "order"]
    extra = 0


@admin.register(SupportLevel)
class SupportLevelAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["code", "name_es", "name_en", "name_fr", "technical", "commercial", "calendar"]
    inlines = [TeamInline, PhoneLineInline, CategoryInline]


@admin.register(Team)
class TeamAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["code", "name_es", "level", "commercial"]
    list_filter = ["level"]
    filter_horizontal = ["members"]


@admin.register(PhoneLine)
class PhoneLineAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["number", "name_es", "level", "active"]


@admin.register(Category)
class CategoryAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["code", "name_es", "level", "kind", "ovh_category", "team", "active", "order"]
    list_filter = ["level", "kind", "active"]
    search_fields = ["code", "name_es", "name_en", "name_fr"]
