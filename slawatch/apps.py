from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlawatchConfig(AppConfig):
    name = "slawatch"
    verbose_name = _("SLA watch and reports")

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the models these modules use.
        from notifications.models import Event
        from notifications.registry import register_context
        from slawatch import notify

        register_context(Event.SLA_WARNING, notify.context)
        register_context(Event.SLA_BREACH, notify.context)
