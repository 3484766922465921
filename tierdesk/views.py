import secrets

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from tierdesk import metrics as desk_metrics
from tierdesk.health import report as work_report


def home(request: HttpRequest) -> HttpResponse:
    """Customers land in their Manager, staff in their queue."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if getattr(user, "is_customer", False):
        return redirect("portal:support")
    return redirect("console:queue")


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers when the process and its database connection work."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _may_read_work(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    user = request.user
    return bool(user.is_authenticated and getattr(user, "is_agent", False))


def _forbidden() -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "code": "forbidden",
                "message": "Log in as staff, or send Authorization: Bearer <TIERDESK_HEALTH_TOKEN>.",
                "field": None,
            }
        },
        status=403,
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """For Prometheus: the desk's metrics (``tierdesk.metrics``), read with the health token."""
    if not _may_read_work(request):
        return _forbidden()
    return HttpResponse(desk_metrics.render(), content_type=CONTENT_TYPE_LATEST)


@never_cache
def health_work(request: HttpRequest) -> JsonResponse:
    """For monitoring: whether the worker and the scheduler keep up (``tierdesk.health``).
    ``200`` when they do, ``503`` with the problems when something waits too long."""
    if not _may_read_work(request):
        return _forbidden()
    result = work_report(timezone.now())
    return JsonResponse(result.as_json(), status=200 if result.ok else 503)
