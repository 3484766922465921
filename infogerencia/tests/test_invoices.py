"""Invoices: issued when the work is done, numbered without gaps per series and year, never
edited, printed in the customer's language; credit notes in their own series."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from pypdf import PdfReader

from accounts.actions import create_customer
from conftest import DEMO_PASSWORD
from infogerencia import actions, documents
from infogerencia.models import ImmutableInvoiceError, Invoice, InvoiceKind
from tickets.errors import ActionRefused, Forbidden, InvalidInput


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def finish(desk, quote, now, **report):  # type: ignore[no-untyped-def]
    intervention = quote.intervention
    actions.record_report(
        intervention,
        actor=desk.l3,
        steps="Hecho",
        outcome="success",
        minutes_spent=60,
        fields={key: "ok" for key, _label in actions.required_fields(intervention)},
        now=now,
        **report,
    )
    return actions.complete_intervention(intervention, actor=desk.l3, now=now)


class TestIssuing:
    def test_numbers_follow_each_other_and_restart_each_year(self, desk, pipeline, morning):
        first = finish(desk, pipeline.paid(), morning)
        second = finish(desk, pipeline.paid(), morning)
        assert (first.number, second.number) == ("A-2027-000001", "A-2027-000002")
        pipeline.now = datetime(2028, 1, 4, 9, 0, tzinfo=UTC)
        assert finish(desk, pipeline.paid(), pipeline.now).number == "A-2028-000001"

    def test_the_invoice_carries_seller_buyer_lines_vat_and_due_date(self, desk, pipeline, morning):
        desk.lucia.language = "es"  # Lucía reads Spanish: the lines carry the catalogue's Spanish names
        desk.lucia.save(update_fields=["language"])
        desk.lucia.organisation.vat_id = "ES12345678Z"
        desk.lucia.organisation.address = "Calle Mayor 5\n28013 Madrid"
        desk.lucia.organisation.save()
        with override_settings(TIERDESK_SELLER_NAME="Hosting Ejemplo S.L.", TIERDESK_SELLER_VAT_ID="ESB11111111"):
            invoice = finish(desk, pipeline.paid(), morning)
        assert invoice.seller[:2] == ["Hosting Ejemplo S.L.", "ESB11111111"]
        assert invoice.buyer == ["Lucía Martín", "ES12345678Z", "Calle Mayor 5", "28013 Madrid", "ES"]
        assert invoice.lines == [
            {
                "description": "Recompilar PHP",
                "quantity": "1.000",
                "unit_price": "120.00",
                "discount_percent": "0.00",
                "vat_rate": "21.00",
                "net": "120.00",
            }
        ]
        assert invoice.vat_breakdown == [{"rate": "21.00", "base": "120.00", "vat": "25.20"}]
        assert (invoice.net, invoice.vat_total, invoice.gross) == (
            Decimal("120.00"),
            Decimal("25.20"),
            Decimal("145.20"),
        )
        assert invoice.due_date == invoice.issue_date + timedelta(days=30)
        text = text_of(documents.invoice_pdf(invoice))
        assert "Hosting Ejemplo S.L." in text and "ESB11111111" in text and "Calle Mayor 5" in text

    def test_an_issued_invoice_is_never_changed_or_deleted(self, desk, pipeline, morning):
        invoice = finish(desk, pipeline.paid(), morning)
        invoice.gross = Decimal("1.00")
        with pytest.raises(ImmutableInvoiceError):
            invoice.save()
        with pytest.raises(ImmutableInvoiceError):
            invoice.delete()
        assert Invoice.objects.get(pk=invoice.pk).gross == Decimal("145.20")

    def test_done_needs_a_report_with_the_catalogues_fields_and_happens_once(self, desk, pipeline, morning):
        quote = pipeline.paid()
        with pytest.raises(ActionRefused) as refused:
            actions.complete_intervention(quote.intervention, actor=desk.l3, now=morning)
        assert refused.value.code == "report_missing"
        with pytest.raises(InvalidInput) as refused:
            actions.record_report(
                quote.intervention, actor=desk.l3, steps="x", outcome="success", minutes_spent=5, now=morning
            )
        assert refused.value.field == "field_php_version"
        finish(desk, quote, morning)
        with pytest.raises(ActionRefused):
            actions.complete_intervention(quote.intervention, actor=desk.l3, now=morning)
        assert Invoice.objects.filter(quote=quote).count() == 1

    def test_a_french_customer_gets_a_french_invoice(self, desk, pipeline, morning):
        client = create_customer(
            name="Jean Dupont", email="jd@example.fr", password=DEMO_PASSWORD, country="FR", language="fr"
        )
        from services.models import Service

        assert client.organisation is not None
        server = Service.objects.create(organisation=client.organisation, reference="ns1.example.fr", product="vps")
        invoice = finish(desk, pipeline.paid(ticket=pipeline.ticket(customer=client, service=server)), morning)
        assert invoice.language == "fr"
        text = text_of(documents.invoice_pdf(invoice))
        assert "Facture" in text and "Total TTC" in text and "20" in text
        assert "144,00" in text  # 120 + 20 % VAT


class TestCreditNotes:
    def test_billing_issues_a_credit_note_in_its_own_series(self, desk, pipeline, morning):
        desk.lucia.language = "es"  # a Spanish customer gets a Spanish credit note
        desk.lucia.save(update_fields=["language"])
        invoice = finish(desk, pipeline.paid(), morning)
        with pytest.raises(Forbidden):
            actions.issue_credit_note(invoice, actor=desk.l3, reason="x", now=morning)
        with pytest.raises(InvalidInput):
            actions.issue_credit_note(invoice, actor=desk.billing, reason="", now=morning)
        credit = actions.issue_credit_note(invoice, actor=desk.billing, reason="Reembolso acordado", now=morning)
        assert (credit.kind, credit.number, credit.rectifies) == (InvoiceKind.CREDIT_NOTE, "R-2027-000001", invoice)
        assert (credit.net, credit.vat_total, credit.gross) == (
            Decimal("-120.00"),
            Decimal("-25.20"),
            Decimal("-145.20"),
        )
        text = text_of(documents.invoice_pdf(credit))
        assert "Factura rectificativa" in text and invoice.number in text and "Reembolso acordado" in text
        with pytest.raises(ActionRefused) as refused:
            actions.issue_credit_note(invoice, actor=desk.billing, reason="otra vez", now=morning)
        assert refused.value.code == "already_rectified"
        with pytest.raises(ActionRefused):
            actions.issue_credit_note(credit, actor=desk.billing, reason="x", now=morning)
        assert "credit_note_issued" in [e.data.get("step") for e in invoice.quote.ticket.events.all()]
