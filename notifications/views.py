"""An agent's e-mail preferences: which notifications reach them by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from notifications.actions import set_preference
from notifications.models import AGENT_EVENTS, NotificationPreference


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "is_agent", False):
        raise PermissionDenied
    muted = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list("event", flat=True)  # type: ignore[misc]
    )
    if request.method == "POST":
        wanted = set(request.POST.getlist("events"))
        for event in AGENT_EVENTS:
            if (event in wanted) == (event in muted):  # changed
                set_preference(user=user, event=event, email=event in wanted)  # type: ignore[arg-type]
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("notifications:preferences")
    rows = [(event.value, event.label, event.value not in muted) for event in AGENT_EVENTS]
    return render(request, "notifications/pages/preferences.html", {"rows": rows})
