from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """Customers land in their Manager, staff in their queue."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if getattr(user, "is_customer", False):
        return redirect("portal:support")
    return redirect("console:queue")


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers when the process and its database connection work."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
