"""Bank transfers: structured references, IBANs, CAMT.053 statements read safely, and credits
matched to quotes exactly or left for a person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infogerencia import sepa
from infogerencia.tests.camt import Entry, statement

D = Decimal


def test_a_quote_gets_an_iso_11649_reference():
    reference = sepa.creditor_reference("P-2027-00001")
    assert reference == "RF66P202700001"
    assert sepa.is_creditor_reference(reference)
    # The standard's own example.
    assert sepa.is_creditor_reference("RF18 5390 0754 7034")
    assert not sepa.is_creditor_reference("RF19 5390 0754 7034")


@given(st.integers(min_value=2020, max_value=2099), st.integers(min_value=1, max_value=9_999_999))
def test_every_quote_reference_checks_and_a_typo_is_caught(year, sequence):
    reference = sepa.creditor_reference(f"P-{year}-{sequence:05d}")
    assert sepa.is_creditor_reference(reference)
    # Any one changed character is caught by the check digits.
    position = 4 + sequence % (len(reference) - 4)
    typo = reference[:position] + ("7" if reference[position] != "7" else "3") + reference[position + 1 :]
    assert not sepa.is_creditor_reference(typo)


def test_it_finds_references_in_what_customers_write():
    assert sepa.find_references("Pago RF66P202700001 gracias") == ["RF66P202700001"]
    assert sepa.find_references("rf66 p202 7000 01") == ["RF66P202700001"]
    assert sepa.find_references("Presupuesto P-2027-00001") == ["RF66P202700001"]
    assert sepa.find_references("RF67P202700001") == []  # wrong check digits
    assert sepa.find_references("factura 123") == []


def test_ibans_are_checked():
    assert sepa.normalize_iban("es91 2100 0418 4502 0005 1332") == "ES9121000418450200051332"
    assert sepa.format_iban("ES9121000418450200051332") == "ES91 2100 0418 4502 0005 1332"
    for bad in ("ES9221000418450200051332", "ES91", "not an iban"):
        with pytest.raises(ValueError, match="IBAN"):
            sepa.normalize_iban(bad)


@pytest.mark.parametrize("version", ["02", "08"])
def test_it_reads_a_statement(version):
    data = statement(
        [
            Entry("145.20", reference="RF66P202700001", bank_reference="A1"),
            Entry("50.00", text="Pago parcial P-2027-00002", bank_reference="A2"),
            Entry("9.99", credit=False, bank_reference="A3"),
            Entry("80.00", status="PDNG", bank_reference="A4"),
        ],
        version=version,
    )
    (parsed,) = sepa.parse_camt053(data)
    assert parsed.statement_id == "2027-03-03-001" and parsed.iban == "ES9121000418450200051332"
    first, second, debit, pending = parsed.entries
    assert (first.entry_reference, first.amount, first.currency, first.credit, first.booked) == (
        "A1",
        D("145.20"),
        "EUR",
        True,
        True,
    )
    assert first.references == ("RF66P202700001",) and first.booking_date == date(2027, 3, 3)
    assert first.debtor == "Ferretería García S.L."
    assert second.references == (sepa.creditor_reference("P-2027-00002"),)
    assert not debit.credit and not pending.booked


def test_a_batch_entry_gives_one_credit_per_transaction():
    data = statement([Entry("10.00", bank_reference="B")]).replace(
        b"<NtryDtls><TxDtls>",
        b"<NtryDtls><TxDtls><Refs><AcctSvcrRef>B-1</AcctSvcrRef></Refs>"
        b"<AmtDtls><TxAmt><Amt Ccy='EUR'>4.00</Amt></TxAmt></AmtDtls>"
        b"<RmtInf><Ustrd>RF66P202700001</Ustrd></RmtInf></TxDtls><TxDtls>"
        b"<AmtDtls><TxAmt><Amt Ccy='EUR'>6.00</Amt></TxAmt></AmtDtls>",
    )
    (parsed,) = sepa.parse_camt053(data)
    assert [(e.entry_reference, e.amount) for e in parsed.entries] == [("B-1", D("4.00")), ("B/2", D("6.00"))]
    assert parsed.entries[0].references == ("RF66P202700001",)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id>
</Stmt></BkToCstmrStmt></Document>"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&lol2;</Document>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (XXE, "forbidden_xml"),
        (BOMB, "forbidden_xml"),
        (b"not xml at all", "not_xml"),
        (b"", "not_xml"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "not_camt053"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>',
            "no_statement",
        ),
        (statement([Entry("12,50")]), "amount_invalid"),
        (statement([Entry("-5.00")]), "amount_invalid"),
        (statement([Entry("5.00", currency="")]).replace(b'Ccy=""', b""), "currency_invalid"),
        (statement([Entry("5.00")], iban="ES0000000000000000000000"), "iban_invalid"),
        (b"<" * (sepa.MAX_STATEMENT_BYTES + 1), "too_large"),
    ],
    ids=[
        "xxe",
        "entity-bomb",
        "not-xml",
        "empty",
        "other-message",
        "no-statement",
        "comma-amount",
        "negative",
        "no-currency",
        "bad-iban",
        "too-large",
    ],
)
def test_it_refuses_what_it_cannot_read_safely(data, code):
    with pytest.raises(sepa.StatementError) as raised:
        sepa.parse_camt053(data)
    assert raised.value.code == code


QUOTES = {
    sepa.creditor_reference("P-2027-00001"): sepa.QuoteDue("P-2027-00001", D("145.20"), "EUR", payable=True),
    sepa.creditor_reference("P-2027-00002"): sepa.QuoteDue("P-2027-00002", D("300.00"), "EUR", payable=True),
    sepa.creditor_reference("P-2027-00003"): sepa.QuoteDue("P-2027-00003", D("99.00"), "EUR", payable=False),
}


@pytest.mark.parametrize(
    ("entry", "outcome", "quote"),
    [
        (Entry("145.20", reference="RF66P202700001"), sepa.MatchOutcome.EXACT, "P-2027-00001"),
        (Entry("145.20", text="transferencia P-2027-00001"), sepa.MatchOutcome.EXACT, "P-2027-00001"),
        (
            Entry("100.00", reference=sepa.creditor_reference("P-2027-00002")),
            sepa.MatchOutcome.AMOUNT_DIFFERS,
            "P-2027-00002",
        ),
        (Entry("300.01", text="P-2027-00002"), sepa.MatchOutcome.AMOUNT_DIFFERS, "P-2027-00002"),
        (
            Entry("145.20", reference="RF66P202700001", currency="USD"),
            sepa.MatchOutcome.CURRENCY_DIFFERS,
            "P-2027-00001",
        ),
        (Entry("99.00", text="P-2027-00003"), sepa.MatchOutcome.NOT_PAYABLE, "P-2027-00003"),
        (Entry("145.20", text="P-2027-00001 y P-2027-00002"), sepa.MatchOutcome.AMBIGUOUS, "P-2027-00001"),
        (Entry("145.20", text="pago servidor"), sepa.MatchOutcome.UNKNOWN_REFERENCE, ""),
        (Entry("145.20", text="P-2027-00099"), sepa.MatchOutcome.UNKNOWN_REFERENCE, ""),
        (Entry("145.20", reference="RF66P202700001", status="PDNG"), sepa.MatchOutcome.NOT_BOOKED, ""),
    ],
)
def test_it_matches_by_reference_and_amount(entry, outcome, quote):
    (parsed,) = sepa.parse_camt053(statement([entry]))
    assert sepa.match_credit(parsed.entries[0], QUOTES) == sepa.Match(outcome, quote)
