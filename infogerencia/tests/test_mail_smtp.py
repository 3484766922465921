"""The pipeline's e-mails go through the desk's notifications: real SMTP on 127.0.0.1, PDFs
attached, recorded per delivery, made again when a delivery is retried."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from infogerencia import actions
from infogerencia.tests.test_invoices import finish
from notifications.models import Delivery, DeliveryStatus
from notifications.sending import retry_due
from notifications.tests.conftest import sink  # noqa: F401 - the SMTP sink fixture

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_sent_quote_arrives_with_its_pdf_even_after_a_temporary_refusal(desk, pipeline, sink):  # noqa: F811
    ticket = pipeline.ticket()
    draft = pipeline.draft(ticket=ticket)
    sink.messages.clear()
    sink.refuse = ["451 4.3.0 Greylisted, try again later"]
    quote = actions.send_quote(draft, actor=desk.l2_commercial, now=pipeline.now)
    delivery = Delivery.objects.get(notification__event="quote_sent")
    assert (delivery.status, delivery.address, delivery.attempts) == (DeliveryStatus.RETRYING, desk.lucia.email, 1)
    assert sink.messages == [] and delivery.next_attempt_at is not None
    retry_due(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [(t.number, t.status) for t in delivery.tries.all()] == [(1, "retrying"), (2, "sent")]
    [message] = sink.messages
    assert message["Message-ID"] == delivery.message_id
    assert message["Subject"] == f"[#{ticket.number}] Quote {quote.number}"
    assert message["Reply-To"].addresses[0].username.startswith(f"soporte+t-{ticket.number}-")
    text = message.get_body(("plain",)).get_content()
    assert f"/infogerencia/manager/quotes/{quote.number}/" in text and "145.20 EUR" in text
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == (f"{quote.number}.pdf", "application/pdf")
    assert quote.number in pdf_text(attachment.get_content())


def test_an_issued_invoice_arrives_with_its_pdf_and_the_report(desk, pipeline, sink):  # noqa: F811
    desk.lucia.language = "es"
    desk.lucia.save(update_fields=["language"])
    quote = pipeline.paid()
    sink.messages.clear()
    invoice = finish(desk, quote, pipeline.now + timedelta(hours=3))
    delivery = Delivery.objects.get(notification__event="invoice_issued")
    assert delivery.status == DeliveryStatus.SENT and delivery.language == "es"
    [message] = [m for m in sink.messages if m["Message-ID"] == delivery.message_id]
    assert invoice.number in message["Subject"]
    assert message["Content-Language"] == "es"
    text = message.get_body(("plain",)).get_content()
    assert "145,20 EUR" in text and "Hecho" in text
    assert '<html lang="es">' in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    content = pdf_text(attachment.get_content())
    assert invoice.number in content and "Factura" in content
