from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationsConfig(AppConfig):
    name = "automations"
    verbose_name = _("Automations")

    def ready(self) -> None:
        # Imported here: an app's ``apps.py`` is loaded before the models its handler reads.
        from automations.engine import on_ticket_event  # noqa: PLC0415
        from tickets import dispatch  # noqa: PLC0415

        dispatch.register("automations", on_ticket_event)
