from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TierdeskConfig(AppConfig):
    name = "tierdesk"
    verbose_name = _("Desk infrastructure")
