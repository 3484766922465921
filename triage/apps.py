from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Automatic triage")

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the models these modules use.
        from core import stored_text
        from tickets import dispatch
        from triage.handlers import on_ticket_event
        from triage.models import RoutingRuleSet
        from triage.routing import invalidate_rules
        from triage.texts import TEXTS

        dispatch.register("triage", on_ticket_event)
        stored_text.register(TEXTS)

        def forget_rules(**_kwargs: object) -> None:
            invalidate_rules()

        post_save.connect(forget_rules, sender=RoutingRuleSet, dispatch_uid="triage_rules_saved")
        post_delete.connect(forget_rules, sender=RoutingRuleSet, dispatch_uid="triage_rules_deleted")
