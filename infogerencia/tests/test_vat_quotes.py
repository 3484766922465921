"""The commercial agent drafts a quote for every kind of customer; the VAT rule is stored, shown
on the page and printed on the PDF, and a country the desk cannot place is a message, not a 500."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from infogerencia import actions, documents
from infogerencia.models import VatRule
from tickets.errors import InvalidInput

pytestmark = pytest.mark.django_db


def organisation(desk, country: str, vat_id: str = "", address: str = ""):  # type: ignore[no-untyped-def]
    org = desk.lucia.organisation
    org.country, org.vat_id, org.address = country, vat_id, address
    org.save(update_fields=["country", "vat_id", "address"])
    return org


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.mark.parametrize(
    ("country", "vat_id", "address", "rule", "gross", "mention"),
    [
        ("GB", "GB123456789", "1 Baker Street\nLondon NW1", VatRule.OUTSIDE_EU, "120.00", "outside the European Union"),
        ("ES", "", "Calle Triana 1\n35002 Las Palmas", VatRule.ES_OUTSIDE_TERRITORY, "120.00", "Canary Islands"),
        ("FR", "FR40303265045", "1 rue de Rivoli\n75001 Paris", VatRule.EU_REVERSE_CHARGE, "120.00", "Reverse charge"),
        ("FR", "", "", VatRule.EU_CONSUMER, "144.00", "customer's country (FR)"),
        (
            "ES",
            "B12345678",
            "Gran Vía 1\n28013 Madrid",
            VatRule.ES_STANDARD,
            "145.20",
            "Spanish VAT at the standard rate",
        ),
    ],
)
def test_every_customer_can_be_quoted(desk, pipeline, client, country, vat_id, address, rule, gross, mention):
    organisation(desk, country, vat_id, address)
    quote = actions.send_quote(pipeline.draft(), actor=desk.l2_commercial, now=pipeline.now)
    assert (quote.vat_rule, str(quote.gross)) == (rule, gross)
    assert mention in pdf_text(documents.quote_pdf(quote))
    client.force_login(desk.lucia)
    page = client.get(f"/infogerencia/manager/quotes/{quote.number}/").content.decode()
    assert 'id="vat-rule"' in page


def test_the_invoice_keeps_the_rule(desk, pipeline):
    organisation(desk, "GB", "", "London")
    quote = pipeline.paid()
    intervention = quote.intervention
    actions.record_report(
        intervention,
        actor=desk.l3,
        steps="Hecho",
        outcome="success",
        minutes_spent=30,
        fields={key: "ok" for key, _label in actions.required_fields(intervention)},
        now=pipeline.now,
    )
    invoice = actions.complete_intervention(intervention, actor=desk.l3, now=pipeline.now)
    assert invoice.vat_rule == VatRule.OUTSIDE_EU and invoice.vat_total == 0
    assert "outside the European Union" in pdf_text(documents.invoice_pdf(invoice))


@pytest.mark.parametrize(
    ("country", "vat_id", "code", "words"),
    [
        ("XX", "", "no_vat_rule", "not a country code the desk knows"),
        ("FR", "DE123456789", "vat_number_invalid", "Correct it"),
    ],
)
def test_a_customer_the_desk_cannot_place_is_a_message_for_the_agent(
    desk, pipeline, client, country, vat_id, code, words
):
    organisation(desk, country, vat_id)
    ticket = pipeline.ticket()
    with pytest.raises(InvalidInput) as refused:
        actions.draft_quote(ticket, actor=desk.l2_commercial, now=pipeline.now)
    assert refused.value.code == code
    client.force_login(desk.l2_commercial)
    page = client.post(f"/infogerencia/console/tickets/{ticket.number}/quote/", follow=True)
    assert page.status_code == 200 and words in page.content.decode()
