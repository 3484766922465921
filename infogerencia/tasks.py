"""Background work of the level 3 pipeline: its e-mails and the expiry of quotes."""

from __future__ import annotations

from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from infogerencia import notify
from infogerencia.models import Intervention, Invoice, Quote, SentMail


def _send(key: str, messages: list[EmailMessage]) -> int:
    """Send once per ``key``: the claim row is written first and removed if sending fails."""
    if not messages:
        return 0
    try:
        with transaction.atomic():
            claim = SentMail.objects.create(key=key, sent_at=timezone.now())
    except IntegrityError:
        return 0  # A previous run (or a duplicate of this task) sent it already.
    try:
        return mailers.default.send_messages(messages) or 0
    except Exception:
        SentMail.objects.filter(pk=claim.pk).delete()
        raise


@task(queue_name="mail")
def send_quote_mail(quote_id: int) -> int:
    """The quote and its PDF to the customer."""
    quote = Quote.objects.select_related("ticket", "ticket__requester", "organisation").get(pk=quote_id)
    return _send(f"quote:{quote.pk}", notify.quote_sent(quote))


@task(queue_name="mail")
def send_schedule_mail(intervention_id: int, change: str) -> int:
    """When the intervention takes place, to the customer and to the administrator."""
    intervention = Intervention.objects.select_related(
        "quote", "quote__organisation", "ticket", "ticket__requester", "ticket__service", "administrator"
    ).get(pk=intervention_id)
    key = f"intervention:{intervention.pk}:{change}:{intervention.starts_at.isoformat()}"
    return _send(key, notify.intervention_scheduled(intervention, change))


@task(queue_name="mail")
def send_invoice_mail(invoice_id: int) -> int:
    """The invoice (with the operation report) or the credit note, to the customer."""
    invoice = Invoice.objects.select_related(
        "quote", "quote__ticket", "quote__ticket__requester", "organisation", "rectifies", "intervention"
    ).get(pk=invoice_id)
    return _send(f"invoice:{invoice.pk}", notify.invoice_issued(invoice))


@task()
def expire_quotes() -> int:
    """Sent or accepted quotes past their validity date become expired (periodic)."""
    from infogerencia import actions

    return actions.expire_quotes(now=timezone.now())
