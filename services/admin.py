from django.contrib import admin

from services.models import Endpoint, Service


class EndpointInline(admin.TabularInline):
    model = Endpoint
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["reference", "product", "organisation", "status", "host_node", "rack"]
    list_filter = ["product", "status"]
    search_fields = ["reference", "organisation__name", "host_node", "rack"]
    list_select_related = ["organisation"]
    inlines = [EndpointInline]
