from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        from accounts.mail import reset_context
        from notifications.models import Event
        from notifications.registry import register_context

        register_context(Event.PASSWORD_RESET, reset_context)
