from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("APIs")

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the models these modules use.
        from api.webhooks import on_ticket_event
        from tickets import dispatch

        dispatch.register("api.webhooks", on_ticket_event)
