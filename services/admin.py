from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import SupervisorsManage
from services import actions
from services.imports import ImportReport, UnreadableFile, read
from services.models import Endpoint, Service

MAX_IMPORT_BYTES = 200 * 1024 * 1024


class EndpointInline(admin.TabularInline):
    model = Endpoint
    extra = 0


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV with a header line, or JSON Lines (.jsonl); see the operators' guide.")
    )
    apply_valid = forms.BooleanField(
        label=_("Apply the valid lines even if some are refused"), required=False, initial=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 200 MB)."))
        return upload


@admin.register(Service)
class ServiceAdmin(SupervisorsManage, admin.ModelAdmin):
    list_display = ["reference", "product", "organisation", "status", "in_production", "host_node", "rack"]
    list_filter = ["product", "status", "in_production"]
    search_fields = ["reference", "external_id", "organisation__name", "host_node", "rack"]
    list_select_related = ["organisation"]
    readonly_fields = ["external_id", "deactivated_at"]
    inlines = [EndpointInline]
    change_list_template = "admin/services/service/change_list.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # services are deactivated, never deleted: their tickets keep them

    def get_urls(self) -> list[URLPattern]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="services_service_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a provisioning file: every line checked, the report by line, applied as asked."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        report: ImportReport | None = None
        error = None
        status = 200
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = ImportReport()
            try:
                rows = read(upload.read(), upload.name, report)
            except UnreadableFile as unreadable:
                error, report, status = unreadable.message, None, 400
            else:
                actions.import_rows(
                    rows=rows,
                    report=report,
                    apply_valid=form.cleaned_data["apply_valid"],
                    actor=request.user,  # type: ignore[arg-type]
                    now=timezone.now(),
                )
                status = 200 if report.applied else 400
        elif request.method == "POST":
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import organisations, contacts and services"),
            "form": form,
            "report": report,
            "error": error,
        }
        return render(request, "admin/services/service/import.html", context, status=status)
