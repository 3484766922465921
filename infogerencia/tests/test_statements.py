"""Billing staff import a CAMT.053 statement: exact matches pay their quotes and schedule the
work; partial and unknown credits wait on the list for a person; bad files lose nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from infogerencia.models import CreditOutcome, Intervention, Payment, QuoteState, StatementCredit
from infogerencia.tests.camt import XXE_STATEMENT, Entry, statement
from infogerencia.tests.conftest import TUESDAY_10_MADRID

pytestmark = pytest.mark.django_db
PAGE = "/infogerencia/console/statements/"


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(TUESDAY_10_MADRID, tick=True):
        yield


def upload(client, data: bytes, name: str = "extracto.xml"):  # type: ignore[no-untyped-def]
    return client.post(PAGE, {"statement": SimpleUploadedFile(name, data, content_type="application/xml")})


def test_exact_partial_and_unknown_credits_give_exactly_the_expected_matches(client, desk, pipeline):
    exact, partial, paid_meanwhile = pipeline.accepted(), pipeline.accepted(), pipeline.paid()
    data = statement(
        [
            Entry("145.20", reference=exact.transfer_reference, bank_reference="E1"),
            Entry("50.00", text=f"a cuenta {partial.number}", bank_reference="E2"),
            Entry("145.20", text="pago servidor marzo", bank_reference="E3", debtor="Alguien"),
            Entry("145.20", reference=paid_meanwhile.transfer_reference, bank_reference="E4"),
            Entry("12.00", credit=False, bank_reference="E5"),
        ]
    )
    client.force_login(desk.billing)
    page = upload(client, data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 transfer paid its quote." in text and "3 credits wait for you below." in text
    outcomes = dict(StatementCredit.objects.values_list("entry_reference", "outcome"))
    assert outcomes == {
        "E1": CreditOutcome.APPLIED,
        "E2": CreditOutcome.AMOUNT_DIFFERS,
        "E3": CreditOutcome.UNKNOWN_REFERENCE,
        "E4": CreditOutcome.NOT_PAYABLE,
    }
    exact.refresh_from_db()
    partial.refresh_from_db()
    assert exact.state == QuoteState.PAID and partial.state == QuoteState.ACCEPTED
    payment = Payment.objects.get(quote=exact)
    assert (payment.provider, payment.transaction_id, payment.recorded_by) == ("transfer", "E1", desk.billing)
    assert Intervention.objects.filter(quote=exact).exists()
    assert not Payment.objects.filter(quote=partial).exists()
    steps = [e.data.get("step") for e in partial.ticket.events.all()]
    assert "transfer_needs_review" in steps
    # The same statement again: skipped whole, nothing applied twice.
    again = upload(client, data).content.decode()
    assert "Already imported, skipped" in again
    assert Payment.objects.filter(provider="transfer").count() == 1
    assert StatementCredit.objects.count() == 4


def test_a_person_decides_what_waits(client, desk, pipeline):
    partial = pipeline.accepted()
    client.force_login(desk.billing)
    upload(client, statement([Entry("50.00", reference=partial.transfer_reference, bank_reference="P1")]))
    credit = StatementCredit.objects.get()
    page = client.get(PAGE).content.decode()
    assert f'id="credit-{credit.pk}"' in page and partial.number in page
    assert client.post(f"{PAGE}credits/{credit.pk}/resolve/", {"decision": ""}).status_code == 302
    credit.refresh_from_db()
    assert credit.outcome == CreditOutcome.AMOUNT_DIFFERS
    client.post(f"{PAGE}credits/{credit.pk}/resolve/", {"decision": "Pedido el resto al cliente"})
    credit.refresh_from_db()
    assert (credit.outcome, credit.resolved_by, credit.resolution) == (
        CreditOutcome.RESOLVED,
        desk.billing,
        "Pedido el resto al cliente",
    )
    assert f'id="credit-{credit.pk}"' not in client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (XXE_STATEMENT, "declares a DTD or entities"),
        (b"hola", "not well-formed XML"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "not an ISO 20022 CAMT.053"),
    ],
)
def test_a_bad_file_is_a_clear_error_and_changes_nothing(client, desk, pipeline, data, message):
    quote = pipeline.accepted()
    client.force_login(desk.billing)
    page = upload(client, data)
    assert page.status_code == 400 and message in page.content.decode()
    assert not StatementCredit.objects.exists()
    quote.refresh_from_db()
    assert quote.state == QuoteState.ACCEPTED


def test_only_billing_imports(client, desk):
    for person in (desk.l2_commercial, desk.l3, desk.l1):
        client.force_login(person)
        assert client.get(PAGE).status_code == 403
    client.force_login(desk.lucia)
    assert client.get(PAGE).status_code in {302, 403, 404}
    client.force_login(desk.supervisor)
    assert client.get(PAGE).status_code == 200
