"""The e-mails of the level 3 pipeline, built here and sent by ``infogerencia/tasks.py``.

Each function returns ready ``EmailMessage`` objects (subject and body in the recipient's
language and time zone, documents attached) and sends nothing, so a notification service can
take over delivery later without touching the pipeline.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import formats, translation
from django.utils.translation import gettext as _

from accounts.models import User
from infogerencia import documents
from infogerencia.models import Intervention, Invoice, OperationReport, Quote
from levels.models import LevelCode, SupportLevel


def _customer(quote: Quote) -> User | None:
    ticket = quote.ticket
    if ticket.requester_id is not None and ticket.requester is not None and ticket.requester.email:
        return ticket.requester
    return quote.organisation.contacts.filter(is_active=True).exclude(email="").order_by("id").first()


def _when(value: datetime, user: User | None) -> str:
    zone = zoneinfo.ZoneInfo(user.time_zone if user else settings.TIME_ZONE)
    local = value.astimezone(zone)
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M} ({zone.key})"


def _link(path: str) -> str:
    return f"{settings.PUBLIC_URL}{path}"


def _message(*, subject: str, body: str, to: str) -> EmailMessage:
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def quote_sent(quote: Quote) -> list[EmailMessage]:
    """To the customer: the quote, its total and validity, the PDF attached."""
    customer = _customer(quote)
    if customer is None:
        return []
    with translation.override(customer.language):
        subject = _("Quote %(number)s for ticket #%(ticket)s") % {"number": quote.number, "ticket": quote.ticket.number}
        body = _(
            "Hello,\n\nPlease find attached quote %(number)s for the intervention you asked for in ticket "
            "#%(ticket)s.\n\nTotal: %(total)s %(currency)s (VAT included)\nValid until: %(valid)s\n\n"
            "Accept or reject it in the Manager: %(link)s\n\nOnce it is accepted and paid, the intervention "
            "is scheduled at once and you will be told when it takes place.\n"
        ) % {
            "number": quote.number,
            "ticket": quote.ticket.number,
            "total": quote.gross,
            "currency": quote.currency,
            "valid": formats.date_format(quote.valid_until, "DATE_FORMAT"),
            "link": _link(f"/infogerencia/manager/quotes/{quote.number}/"),
        }
        message = _message(subject=subject, body=body, to=customer.email)
        message.attach(f"{quote.number}.pdf", documents.quote_pdf(quote), "application/pdf")
    return [message]


def intervention_scheduled(intervention: Intervention, change: str) -> list[EmailMessage]:
    """To the customer and to the administrator: when the intervention takes place.

    ``change`` is ``"scheduled"`` or ``"moved"``."""
    quote = intervention.quote
    messages = []
    customer = _customer(quote)
    if customer is not None:
        with translation.override(customer.language):
            subject = (
                _("Intervention %(number)s scheduled") if change == "scheduled" else _("Intervention %(number)s moved")
            ) % {"number": quote.number}
            body = _(
                "Hello,\n\nThe intervention of quote %(number)s (ticket #%(ticket)s) will take place on "
                "%(start)s and should take about %(minutes)s minutes.\n\nFollow it in the Manager: %(link)s\n"
            ) % {
                "number": quote.number,
                "ticket": intervention.ticket.number,
                "start": _when(intervention.starts_at, customer),
                "minutes": int(intervention.duration.total_seconds() // 60),
                "link": _link(f"/infogerencia/manager/quotes/{quote.number}/"),
            }
            messages.append(_message(subject=subject, body=body, to=customer.email))
    admin = intervention.administrator
    address = admin.email or _level_address()
    if address:
        with translation.override(admin.language):
            subject = _("New intervention %(number)s on %(start)s") % {
                "number": quote.number,
                "start": _when(intervention.starts_at, admin),
            }
            if change == "moved":
                subject = _("Intervention %(number)s moved to %(start)s") % {
                    "number": quote.number,
                    "start": _when(intervention.starts_at, admin),
                }
            body = _(
                "Intervention %(number)s for %(customer)s (ticket #%(ticket)s, service %(service)s)\n"
                "Starts: %(start)s\nEnds: %(end)s\n\nDetails: %(link)s\n"
            ) % {
                "number": quote.number,
                "customer": quote.organisation.name,
                "ticket": intervention.ticket.number,
                "service": intervention.ticket.service.reference if intervention.ticket.service else "-",
                "start": _when(intervention.starts_at, admin),
                "end": _when(intervention.ends_at, admin),
                "link": _link(f"/infogerencia/console/quotes/{quote.number}/"),
            }
            messages.append(_message(subject=subject, body=body, to=address))
    return messages


def _level_address() -> str:
    level = SupportLevel.objects.filter(code=LevelCode.L3).first()
    return level.email_address if level else ""


def report_text(report: OperationReport) -> str:
    """The operation report as plain text, in the active language."""
    parts = [
        f"{_('Outcome')}: {report.get_outcome_display()}",
        f"{_('Time spent')}: {report.minutes_spent} min",
        "",
        f"{_('Steps')}:",
        report.steps,
    ]
    if report.commands:
        parts += ["", f"{_('Commands or changes')}:", report.commands]
    if report.outcome_notes:
        parts += ["", f"{_('Notes on the outcome')}:", report.outcome_notes]
    labels = dict(_required_labels(report))
    for key, value in report.fields.items():
        parts += ["", f"{labels.get(key, key)}: {value}"]
    return "\n".join(parts)


def _required_labels(report: OperationReport) -> list[tuple[str, str]]:
    from infogerencia.actions import required_fields

    return required_fields(report.intervention)


def invoice_issued(invoice: Invoice) -> list[EmailMessage]:
    """To the customer: the invoice (or credit note) PDF and, for an invoice, the operation report."""
    quote = invoice.quote
    customer = _customer(quote)
    if customer is None:
        return []
    with translation.override(invoice.language):
        if invoice.is_credit_note:
            subject = _("Credit note %(number)s") % {"number": invoice.number}
            body = _(
                "Hello,\n\nPlease find attached credit note %(number)s, which cancels invoice %(invoice)s.\n"
                "Reason: %(reason)s\nAmount: %(total)s %(currency)s\n"
            ) % {
                "number": invoice.number,
                "invoice": invoice.rectifies.number if invoice.rectifies else "",
                "reason": invoice.reason,
                "total": invoice.gross,
                "currency": invoice.currency,
            }
        else:
            subject = _("Invoice %(number)s and operation report, ticket #%(ticket)s") % {
                "number": invoice.number,
                "ticket": quote.ticket.number,
            }
            report = OperationReport.objects.filter(intervention=invoice.intervention).first()
            body = _(
                "Hello,\n\nThe intervention of quote %(quote)s is done. Please find attached invoice %(number)s "
                "(total %(total)s %(currency)s, due %(due)s).\n\nWhat was done:\n\n%(report)s\n\n"
                "You can also read it on your ticket: %(link)s\n"
            ) % {
                "quote": quote.number,
                "number": invoice.number,
                "total": invoice.gross,
                "currency": invoice.currency,
                "due": formats.date_format(invoice.due_date, "DATE_FORMAT") if invoice.due_date else "-",
                "report": report_text(report) if report else "-",
                "link": _link(f"/infogerencia/manager/quotes/{quote.number}/"),
            }
        message = _message(subject=subject, body=body, to=customer.email)
        message.attach(f"{invoice.number}.pdf", documents.invoice_pdf(invoice), "application/pdf")
    return [message]
