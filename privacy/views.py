"""Pages of the privacy app: a person's own data (exports to download) and, for staff, a person's
exports and erasure. Each view authenticates, validates, calls one action and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.permissions import staff_required
from privacy import actions
from privacy.models import DataExport, ErasureRecord, ExportState
from tickets.errors import ActionRefused


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _exports(person: User) -> list[DataExport]:
    return list(DataExport.objects.filter(subject=person).order_by("-created_at", "-id")[:20])


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My data: ask for an export of everything the desk holds about me, and download it."""
    user = _user(request)
    status = 200
    if request.method == "POST":
        try:
            actions.request_export(subject=user, actor=user, now=timezone.now())
        except ActionRefused as refused:
            messages.error(request, str(refused.message))
            status = 409
        else:
            messages.success(request, _("Your export is being prepared. Come back to this page to download it."))
            return redirect("privacy:mine")
    base = "portal/base.html" if user.is_customer else "base.html"
    context = {"exports": _exports(user), "base_template": base, "section": "privacy", "now": timezone.now()}
    return render(request, "privacy/mine.html", context, status=status)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    user = _user(request)
    export = DataExport.objects.filter(pk=pk).select_related("subject").first()
    if export is None or not (export.subject_id == user.pk or user.is_agent or user.is_superuser):
        raise Http404
    if export.state != ExportState.READY or export.expires_at is None or export.expires_at <= timezone.now():
        raise Http404
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"tierdesk-data-{export.subject_id}-{export.pk}.zip"
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer contact's data, for staff: an export on their behalf, and erasure on their request."""
    subject = User.objects.filter(pk=pk, role=Role.CUSTOMER).select_related("organisation").first()
    if subject is None:
        raise Http404
    staff = _user(request)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("do") == "export":
                actions.request_export(subject=subject, actor=staff, now=timezone.now())
                messages.success(request, _("The export is being prepared."))
                return redirect("privacy:person", pk=pk)
            if request.POST.get("do") == "erase" and request.POST.get("confirm") == subject.username:
                actions.erase_person(subject=subject, actor=staff, now=timezone.now())
                messages.success(request, _("The person's data was erased. The record below says what was kept."))
                return redirect("privacy:person", pk=pk)
            messages.error(request, _("To erase, type the person's customer identifier exactly."))
            status = 400
        except ActionRefused as refused:
            messages.error(request, str(refused.message))
            status = 409
    records = [
        {
            "record": record,
            "kept": [{**item, "why": actions.KEPT_REASONS.get(item["reason"], "")} for item in record.kept],
        }
        for record in ErasureRecord.objects.filter(subject=subject).order_by("-created_at")
    ]
    context = {
        "subject": subject,
        "exports": _exports(subject),
        "records": records,
        "now": timezone.now(),
    }
    return render(request, "privacy/person.html", context, status=status)
