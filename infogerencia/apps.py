from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfogerenciaConfig(AppConfig):
    name = "infogerencia"
    verbose_name = _("Managed services")

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the models these modules use.
        from infogerencia import notify

        notify.register()
