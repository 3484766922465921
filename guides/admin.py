from django.contrib import admin

from core.admin import SupervisorsManage
from guides.models import Article, ArticleCategory


@admin.register(ArticleCategory)
class ArticleCategoryAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["slug", "name_es", "name_en", "name_fr", "order"]
    prepopulated_fields = {"slug": ["name_es"]}


@admin.register(Article)
class ArticleAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["title_es", "slug", "category", "status", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["slug", "title_es", "title_en", "title_fr"]
    prepopulated_fields = {"slug": ["title_es"]}
    filter_horizontal = ["related"]
    list_select_related = ["category"]
    fieldsets = (
        (None, {"fields": ["slug", "category", "status", "related"]}),
        ("Español", {"fields": ["title_es", "body_es"]}),
        ("English", {"fields": ["title_en", "body_en"]}),
        ("Français", {"fields": ["title_fr", "body_fr"]}),
    )
