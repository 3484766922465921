"""The guide's level 3 from end to end, through the real actions and pages: assistance ticket →
quote → accepted in the Manager → payment webhook (twice) → scheduled → report → invoice."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from pypdf import PdfReader

from infogerencia.models import Intervention, Invoice, Payment, Quote, QuoteState, WebhookDelivery
from infogerencia.tests.conftest import TUESDAY_10_MADRID, signed_post
from tickets import actions as ticket_actions
from tickets.models import EventKind


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def only_attachment(message: mail.EmailMessage) -> tuple[str, bytes, str]:
    assert len(message.attachments) == 1
    name, content, mimetype = message.attachments[0]
    return name, content, mimetype


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_whole_level_3_pipeline(client, desk):  # type: ignore[no-untyped-def]
    lucia, commercial, admin = desk.lucia, desk.l2_commercial, desk.l3
    lucia.language = "es"  # the guide's Lucía reads Spanish: quote, e-mails and invoice come in Spanish
    lucia.save(update_fields=["language"])
    with time_machine.travel(TUESDAY_10_MADRID, tick=False) as traveller:
        now = TUESDAY_10_MADRID
        # Lucía asks L2 for PHP with soap; the technician sees it is administration work.
        ticket = ticket_actions.open_ticket(
            organisation=lucia.organisation,
            requester=lucia,
            service=desk.server,
            category=desk.category("technical_other"),
            subject="PHP sin soap",
            body="Necesito la extensión soap en PHP.",
            channel="manager",
            actor=lucia,
            now=now,
        )
        ticket_actions.hand_off_for_quote(ticket, actor=desk.l2, reason="Requiere infogerencia", now=now)

        # The commercial agent drafts the quote from the catalogue and sends it.
        client.force_login(commercial)
        response = client.post(f"/infogerencia/console/tickets/{ticket.number}/quote/")
        quote = Quote.objects.get(ticket=ticket)
        assert response.status_code == 302 and response["Location"].endswith(f"/console/quotes/{quote.number}/")
        from infogerencia.models import InterventionType

        php = InterventionType.objects.get(code="recompile-php")
        response = client.post(
            f"/infogerencia/console/quotes/{quote.number}/lines/",
            {"intervention_type": php.pk, "description": "", "quantity": "1", "unit_price": "", "discount_percent": ""},
        )
        assert response.status_code == 302
        mail.outbox.clear()
        assert client.post(f"/infogerencia/console/quotes/{quote.number}/send/").status_code == 302
        quote.refresh_from_db()
        assert quote.state == QuoteState.SENT
        assert (quote.net, quote.vat_total, quote.gross) == (
            quote.net.__class__("120.00"),
            quote.net.__class__("25.20"),
            quote.net.__class__("145.20"),
        )

        # Lucía gets the quote by e-mail, in Spanish, with the PDF.
        (message,) = mail.outbox
        assert message.to == [lucia.email]
        assert message.subject == f"[#{ticket.number}] Presupuesto {quote.number}"
        name, content, mimetype = only_attachment(message)
        assert (name, mimetype) == (f"{quote.number}.pdf", "application/pdf")
        text = pdf_text(content)
        assert "Presupuesto" in text and quote.number in text
        assert "Recompilar PHP" in text and "145,20" in text and "21" in text

        # She accepts it in the Manager.
        client.force_login(lucia)
        page = client.get(f"/infogerencia/manager/quotes/{quote.number}/")
        assert page.status_code == 200 and "145,20" in page.content.decode()
        assert client.get(f"/infogerencia/quotes/{quote.number}/pdf/")["Content-Type"] == "application/pdf"
        response = client.post(f"/infogerencia/manager/quotes/{quote.number}/accept/", {"requested_start": ""})
        assert response.status_code == 302
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED

        # The processor's webhook arrives, then again (re-signed a minute later), then replayed.
        mail.outbox.clear()
        event = {
            "event_id": "evt_001",
            "quote_number": quote.number,
            "amount": "145.20",
            "currency": "EUR",
            "status": "succeeded",
        }
        client.logout()
        first = signed_post(client, event, at=now)
        assert (first.status_code, first.json()["status"]) == (200, "applied")
        traveller.shift(timedelta(minutes=1))
        second = signed_post(client, event, at=now + timedelta(minutes=1))
        assert (second.status_code, second.json()["status"]) == (200, "already_applied")
        replay = signed_post(client, event, at=now + timedelta(minutes=1))
        assert (replay.status_code, replay.json()["error"]) == (409, "replayed")
        assert Payment.objects.filter(quote=quote).count() == 1
        assert list(WebhookDelivery.objects.order_by("id").values_list("outcome", flat=True)) == [
            "applied",
            "already_applied",
            "replayed",
        ]

        # Scheduled at once in the first free L3 slot: 11:00 Madrid (an hour's notice), 2 hours.
        intervention = Intervention.objects.get(quote=quote)
        assert intervention.administrator == admin
        assert intervention.starts_at == datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
        assert intervention.ends_at - intervention.starts_at == timedelta(hours=2)
        ticket.refresh_from_db()
        assert (ticket.level.code, ticket.assignee) == ("L3", admin)
        recipients = sorted(address for message in mail.outbox for address in message.to)
        assert recipients == sorted([lucia.email, "infogerencia@tierdesk.localhost"])
        to_lucia = next(m for m in mail.outbox if m.to == [lucia.email])
        assert "11:00" in to_lucia.body and "Europe/Madrid" in to_lucia.body

        # The administrator does the work and records the report, then marks it done.
        traveller.shift(timedelta(hours=3))
        mail.outbox.clear()
        client.force_login(admin)
        incomplete = client.post(
            f"/infogerencia/console/quotes/{quote.number}/report/",
            {"steps": "Recompilado con soap", "outcome": "success", "minutes_spent": "95"},
        )
        assert incomplete.status_code == 400  # the catalogue's fields are missing; the input is kept
        assert "Recompilado con soap" in incomplete.content.decode()
        response = client.post(
            f"/infogerencia/console/quotes/{quote.number}/report/",
            {
                "steps": "1. Copia de seguridad\n2. ./configure --enable-soap\n3. make install",
                "commands": "./configure --enable-soap && make && make install",
                "outcome": "success",
                "outcome_notes": "",
                "minutes_spent": "95",
                "field_php_version": "8.3.14",
                "field_modules": "soap, intl, gd",
                "field_backup_reference": "backup-2027-03-02",
            },
        )
        assert response.status_code == 302
        assert client.post(f"/infogerencia/console/quotes/{quote.number}/done/").status_code == 302

        # The invoice: next number of the series, PDF in Spanish, sent with the report.
        invoice = Invoice.objects.get(quote=quote)
        assert invoice.number == "A-2027-000001"
        assert invoice.due_date == invoice.issue_date + timedelta(days=30)
        (message,) = mail.outbox
        assert message.to == [lucia.email]
        assert invoice.number in message.subject
        assert "./configure --enable-soap" in message.body and "8.3.14" in message.body
        _name, content, _mimetype = only_attachment(message)
        text = pdf_text(content)
        for expected in ["Factura", "A-2027-000001", "145,20", "25,20", "120,00", "21", "Fecha de vencimiento"]:
            assert expected in text, expected
        assert "Lucía Martín" in text

        # Lucía sees the report and the invoice on her ticket.
        client.force_login(lucia)
        page = client.get(f"/infogerencia/manager/quotes/{quote.number}/").content.decode()
        assert "./configure --enable-soap" in page and invoice.number in page
        assert client.get(f"/infogerencia/invoices/{invoice.number}/pdf/").status_code == 200
        request = RequestFactory().get("/")
        panel = render_to_string(
            "infogerencia/ticket_panel.html", {"ticket": ticket, "user": lucia, "request": request}
        )
        assert quote.number in panel and invoice.number in panel and "make install" in panel

    # Every step is in the ticket's audit trail, in order.
    steps = [e.data["step"] for e in ticket.events.filter(kind=EventKind.UPDATED).order_by("created_at", "id")]
    assert steps == [
        "quote_drafted",
        "quote_line_added",
        "quote_sent",
        "quote_accepted",
        "payment_received",
        "intervention_scheduled",
        "report_recorded",
        "intervention_done",
        "invoice_issued",
    ]
