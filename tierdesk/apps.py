from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TierdeskConfig(AppConfig):
    name = "tierdesk"
    verbose_name = _("Desk infrastructure")

    def ready(self) -> None:
        # AppConfig.ready: the apps' models are loaded only now.
        from tierdesk import (
            checks,  # noqa: F401 - registers the desk's system checks
            logs,
        )

        logs.connect()
