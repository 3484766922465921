from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the models these modules use.
        from notifications import password_reset
        from notifications.handlers import on_ticket_event
        from notifications.models import Event
        from notifications.registry import register_context
        from tickets import dispatch

        dispatch.register("notifications", on_ticket_event)
        register_context(Event.PASSWORD_RESET, password_reset.reset_context)
