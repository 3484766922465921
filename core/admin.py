"""Who may run the desk's settings in the administration."""

from typing import Any

from django.http import HttpRequest


def supervises(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == "supervisor"))


_AdminBase: Any = object


class SupervisorsManage(_AdminBase):
    """Supervisors run the desk's settings (levels, calendars and SLA policies, canned replies,
    routing rules, the intervention catalogue, guides, integrations) without being granted model
    permissions one by one; other staff need the usual permissions. Put it before the admin class:
    ``class CalendarAdmin(SupervisorsManage, admin.ModelAdmin)``. Deleting stays with superusers
    unless ``supervisors_delete`` is set (a level or calendar in use is better switched off)."""

    supervisors_delete = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return supervises(request) or bool(super().has_module_permission(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return supervises(request) or bool(super().has_view_permission(request, obj))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return supervises(request) or bool(super().has_add_permission(request, *args))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return supervises(request) or bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (self.supervisors_delete and supervises(request)) or bool(super().has_delete_permission(request, obj))
