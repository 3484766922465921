from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from core import sqlite


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Desk infrastructure")

    def ready(self) -> None:
        connection_created.connect(sqlite.install, dispatch_uid="core.sqlite.install")
