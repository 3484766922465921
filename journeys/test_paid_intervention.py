"""Journey 4, recompile PHP, paid, in a real Chromium: the L2 technician hands the ticket to
commercial, a commercial agent quotes from the catalogue and sends it, the customer gets the PDF
by e-mail and accepts in the Manager, the processor's signed webhook arrives twice and pays once,
the intervention is scheduled at once in the first free L3 slot, the administrator records the
operation, and the customer receives the invoice (in Spanish) and sees all of it on the ticket."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from conftest import screenshot
from core import signing
from journeys.conftest import log_in, quote_and_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUESDAY_10_MADRID = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "whsec-journey-0123456789"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def post_payment(live_server, event: dict[str, str]) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        f"{live_server.url}/infogerencia/payments/webhook/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Tierdesk-Signature": signing.build_header(SECRET.encode(), int(datetime.now(UTC).timestamp()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_recompile_php_paid(live_server, desk, chromium, settings, catalogue):  # type: ignore[no-untyped-def]
    from infogerencia.models import Intervention, Invoice, Quote, QuoteState
    from tickets import actions

    settings.TIERDESK_PAYMENT_WEBHOOK_SECRET = [SECRET]
    settings.TIERDESK_INTERVENTION_LEAD_MINUTES = 60
    lucia = desk.lucia
    lucia.language = "es"
    lucia.save(update_fields=["language"])

    with time_machine.travel(TUESDAY_10_MADRID, tick=True) as traveller:
        ticket = actions.open_ticket(
            organisation=lucia.organisation,
            requester=lucia,
            service=desk.server,
            category=desk.category("technical_other"),
            subject="PHP sin soap",
            body="Necesito PHP recompilado con la extensión soap.",
            channel="manager",
            actor=lucia,
        )

        # The L2 technician: "Requiere infogerencia → presupuesto", with a reason.
        page = log_in(chromium, live_server, desk.l2.username)
        page.goto(f"/console/tickets/{ticket.number}/")
        move = page.locator("#move-needs_intervention")
        move.locator("textarea[name=reason]").fill("Recompilar PHP es trabajo de administración")
        move.locator("button[type=submit]").click()
        page.wait_for_load_state()
        ticket.refresh_from_db()
        assert ticket.team is not None and ticket.team.commercial
        page.context.close()

        # The commercial agent drafts the quote from the catalogue and sends it.
        page = log_in(chromium, live_server, desk.l2_commercial.username)
        mail.outbox.clear()
        quote_and_send(page, ticket, "recompile-php")
        quote = Quote.objects.get(ticket=ticket)
        assert quote.state == QuoteState.SENT and str(quote.gross) == "145.20"
        screenshot(page, "journey4-quote-sent")
        page.context.close()

        # Lucía gets the e-mail with the PDF, in Spanish.
        (sent,) = [m for m in mail.outbox if lucia.email in m.to]
        assert sent.subject == f"[#{ticket.number}] Presupuesto {quote.number}"
        (name, content, mimetype) = sent.attachments[0]
        assert (name, mimetype) == (f"{quote.number}.pdf", "application/pdf")
        assert "Recompilar PHP" in pdf_text(content) and "145,20" in pdf_text(content)

        # She accepts it in the Manager.
        page = log_in(chromium, live_server, lucia.username, locale="es-ES")
        page.goto(f"/infogerencia/manager/quotes/{quote.number}/")
        page.locator("form[action$='/accept/'] button[type=submit]").click()
        page.wait_for_load_state()
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED

        # The processor's webhook arrives twice: one payment, scheduled at once.
        mail.outbox.clear()
        event = {
            "event_id": "evt_j4",
            "quote_number": quote.number,
            "amount": "145.20",
            "currency": "EUR",
            "status": "succeeded",
        }
        status, answer = post_payment(live_server, event)
        assert status == 200 and answer["status"] == "applied"
        traveller.shift(60)  # the processor retries a minute later, signing again
        status, answer = post_payment(live_server, event)
        assert status == 200 and answer["status"] == "already_applied"
        intervention = Intervention.objects.get(quote=quote)
        assert intervention.administrator == desk.l3
        # The first free quarter-hour after an hour's notice: 11:15 Madrid, the clock having ticked past 10:00.
        assert intervention.starts_at == datetime(2027, 3, 2, 10, 15, tzinfo=UTC)
        told = sorted(address for message in mail.outbox for address in message.to)
        assert lucia.email in told and len([a for a in told if a == lucia.email]) == 1

        # Lucía sees the intervention on her quote page.
        page.reload()
        assert "11:15" in page.inner_text("main")
        page.context.close()

        # The administrator records the operation and marks it done.
        mail.outbox.clear()
        page = log_in(chromium, live_server, desk.l3.username)
        page.goto(f"/infogerencia/console/quotes/{quote.number}/")
        page.fill("#id_steps", "1. Copia de seguridad\n2. ./configure --enable-soap\n3. make install")
        page.fill("#id_commands", "./configure --enable-soap && make && make install")
        page.select_option("#id_outcome", "success")
        page.fill("#id_minutes_spent", "95")
        page.fill("#id_field_php_version", "8.3.14")
        page.fill("#id_field_modules", "soap, intl")
        page.fill("#id_field_backup_reference", "backup-2027-03-02")
        page.get_by_role("button", name="Save the report").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Mark done and issue the invoice").click()
        page.wait_for_load_state()
        screenshot(page, "journey4-done")
        page.context.close()

        # The invoice: the next number, a Spanish PDF, sent with the operation's details.
        invoice = Invoice.objects.get(quote=quote)
        assert invoice.number == "A-2027-000001"
        (sent,) = [m for m in mail.outbox if lucia.email in m.to]
        assert invoice.number in sent.subject and "./configure --enable-soap" in sent.body
        text = pdf_text(next(content for _name, content, kind in sent.attachments if kind == "application/pdf"))
        assert "Factura" in text and "A-2027-000001" in text and "145,20" in text

        # And all of it is on her ticket.
        page = log_in(chromium, live_server, lucia.username, locale="es-ES")
        page.goto(f"/manager/support/tickets/{ticket.number}/")
        screenshot(page, "journey4-customer-ticket")
        shown = page.inner_text("main")
        assert quote.number in shown and invoice.number in shown
        page.context.close()
