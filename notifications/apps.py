from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications.handlers import on_ticket_event
        from tickets import dispatch

        dispatch.register("notifications", on_ticket_event)
