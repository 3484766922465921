"""The e-mails of the level 3 pipeline, through the desk's one notification service.

Each function is called inside the action's transaction and records a notification with its
deliveries (``notifications.actions.notify``); the notifications app sends them in the
background, retries them and records every attempt. Nothing here renders a PDF or formats a
date: the context loaders below read the quote, intervention or invoice when each delivery is
rendered, in the recipient's language and time zone, and the PDFs are attachments made at send
time (again on each retry) by the renderers registered in ``InfogerenciaConfig.ready``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from infogerencia import documents
from infogerencia.actions import required_fields
from infogerencia.models import Intervention, Invoice, OperationReport, Quote
from levels.models import LevelCode, SupportLevel
from notifications.actions import notify
from notifications.models import Delivery, Event, Notification
from notifications.registry import AttachmentRef, register_attachment, register_context

QUOTE_PDF = "infogerencia.quote_pdf"
INVOICE_PDF = "infogerencia.invoice_pdf"


def _customer(quote: Quote) -> User | None:
    ticket = quote.ticket
    if ticket.requester_id is not None and ticket.requester is not None and ticket.requester.email:
        return ticket.requester
    return quote.organisation.contacts.filter(is_active=True).exclude(email="").order_by("id").first()


def _link(name: str, number: str) -> str:
    return f"{settings.PUBLIC_URL}{reverse(name, args=[number])}"


def _when(value: datetime) -> str:
    """A moment in the active language and time zone (the recipient's, at send time)."""
    zone = timezone.get_current_timezone()
    local = value.astimezone(zone)
    key = getattr(zone, "key", str(zone))
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M} ({key})"


def _level_address() -> str:
    level = SupportLevel.objects.filter(code=LevelCode.L3).first()
    return level.email_address if level else ""


# --- what happens → who is told ------------------------------------------------------------


def quote_sent(quote: Quote, *, now: datetime) -> Notification | None:
    """To the customer: the quote, its total and validity, the PDF attached."""
    customer = _customer(quote)
    if customer is None:
        return None
    return notify(
        event=Event.QUOTE_SENT,
        recipients=[customer],
        context={"quote_id": quote.pk},
        ticket=quote.ticket,
        attachments=[AttachmentRef(QUOTE_PDF, str(quote.pk), f"{quote.number}.pdf")],
        now=now,
        key=f"quote:{quote.pk}",
    )


def intervention_scheduled(intervention: Intervention, change: str, *, now: datetime) -> None:
    """To the customer and to the administrator (else the level's address): when it takes place.

    ``change`` is ``"scheduled"`` or ``"moved"``."""
    quote = intervention.quote
    key = f"intervention:{intervention.pk}:{change}:{intervention.starts_at.isoformat()}"
    context = {"intervention_id": intervention.pk, "change": change}
    customer = _customer(quote)
    if customer is not None:
        notify(
            event=Event.INTERVENTION_SCHEDULED,
            recipients=[customer],
            context=context,
            ticket=intervention.ticket,
            now=now,
            key=f"{key}:customer",
        )
    admin = intervention.administrator
    recipient: User | str = admin if admin.email else _level_address()
    if recipient:
        notify(
            event=Event.INTERVENTION_ASSIGNED,
            recipients=[recipient],
            context={**context, "for_staff": True},
            ticket=intervention.ticket,
            now=now,
            key=f"{key}:staff",
        )


def invoice_issued(invoice: Invoice, *, now: datetime) -> Notification | None:
    """To the customer: the invoice (or credit note) PDF and, for an invoice, the operation report."""
    customer = _customer(invoice.quote)
    if customer is None:
        return None
    return notify(
        event=Event.INVOICE_ISSUED,
        recipients=[customer],
        context={"invoice_id": invoice.pk},
        ticket=invoice.quote.ticket,
        attachments=[AttachmentRef(INVOICE_PDF, str(invoice.pk), f"{invoice.number}.pdf")],
        now=now,
        key=f"invoice:{invoice.pk}",
    )


# --- read at send time ---------------------------------------------------------------------


def quote_context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    quote = Quote.objects.select_related("ticket").get(pk=notification.context["quote_id"])
    return {
        "quote": quote,
        "valid_until": formats.date_format(quote.valid_until, "DATE_FORMAT"),
        "quote_url": _link("infogerencia:customer_quote", quote.number),
    }


def intervention_context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    intervention = Intervention.objects.select_related(
        "quote", "quote__organisation", "ticket", "ticket__service", "administrator"
    ).get(pk=notification.context["intervention_id"])
    staff = bool(notification.context.get("for_staff"))
    number = intervention.quote.number
    return {
        "intervention": intervention,
        "quote": intervention.quote,
        "start": _when(intervention.starts_at),
        "end": _when(intervention.ends_at),
        "minutes": int(intervention.duration.total_seconds() // 60),
        "service": intervention.ticket.service.reference if intervention.ticket.service else "-",
        "quote_url": _link("infogerencia:staff_quote" if staff else "infogerencia:customer_quote", number),
    }


def invoice_context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    invoice = Invoice.objects.select_related("quote", "quote__ticket", "rectifies", "intervention").get(
        pk=notification.context["invoice_id"]
    )
    report = OperationReport.objects.filter(intervention=invoice.intervention).first() if invoice.intervention else None
    return {
        "invoice": invoice,
        "quote": invoice.quote,
        "due": formats.date_format(invoice.due_date, "DATE_FORMAT") if invoice.due_date else "-",
        "report": report_text(report) if report else "-",
        "quote_url": _link("infogerencia:customer_quote", invoice.quote.number),
    }


def quote_attachment(reference: str) -> tuple[str, bytes, str]:
    quote = Quote.objects.select_related("ticket", "organisation").get(pk=int(reference))
    return f"{quote.number}.pdf", documents.quote_pdf(quote), "application/pdf"


def invoice_attachment(reference: str) -> tuple[str, bytes, str]:
    invoice = Invoice.objects.get(pk=int(reference))
    return f"{invoice.number}.pdf", documents.invoice_pdf(invoice), "application/pdf"


def report_text(report: OperationReport) -> str:
    """The operation report as plain text, in the active language (its punctuation too: French
    writes "Résultat : …")."""

    def line(label: str, value: object) -> str:
        return _("%(label)s: %(value)s") % {"label": label, "value": value}

    def heading(label: str) -> str:
        return _("%(label)s:") % {"label": label}

    minutes = report.minutes_spent
    parts = [
        line(_("Outcome"), report.get_outcome_display()),
        line(_("Time spent"), ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}),
        "",
        heading(_("Steps")),
        report.steps,
    ]
    if report.commands:
        parts += ["", heading(_("Commands or changes")), report.commands]
    if report.outcome_notes:
        parts += ["", heading(_("Notes on the outcome")), report.outcome_notes]
    labels = dict(_required_labels(report))
    for key, value in report.fields.items():
        parts += ["", line(labels.get(key, key), value)]
    return "\n".join(parts)


def _required_labels(report: OperationReport) -> list[tuple[str, str]]:
    return required_fields(report.intervention)


def register() -> None:
    register_context(Event.QUOTE_SENT, quote_context)
    register_context(Event.INTERVENTION_SCHEDULED, intervention_context)
    register_context(Event.INTERVENTION_ASSIGNED, intervention_context)
    register_context(Event.INVOICE_ISSUED, invoice_context)
    register_attachment(QUOTE_PDF, quote_attachment)
    register_attachment(INVOICE_PDF, invoice_attachment)
