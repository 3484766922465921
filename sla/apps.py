from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from sla.clock import on_new_ticket, on_ticket_event
        from tickets.actions import register_in_transaction_hook, register_new_ticket_hook

        register_new_ticket_hook(on_new_ticket)
        register_in_transaction_hook(on_ticket_event)
