from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Agents' console")

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the models these modules use.
        from console import search
        from tickets import dispatch

        # Keep the staff search index in step with every ticket change, in a background task.
        dispatch.register("console.search", search.index_event)
