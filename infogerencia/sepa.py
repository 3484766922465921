"""Bank transfers (SEPA): the structured reference a customer quotes, the desk's IBAN, and the
ISO 20022 CAMT.053 statements banks export, matched to quotes.

Pure Python (no Django). XML is parsed with ``defusedxml``: a statement with a DTD, an entity or
an external reference is refused before anything is read from it (no XXE, no entity expansion).

* :func:`creditor_reference` gives each quote its ISO 11649 structured creditor reference
  (``RF`` + two check digits + the quote number's letters and digits), which Spanish banks carry
  in ``RmtInf/Strd/CdtrRefInf/Ref`` and which survives a customer typing it by hand (the check
  digits catch a typo).
* :func:`parse_camt053` reads the booked and pending entries of every statement in a file.
* :func:`match_credit` decides, for one credit, whether it pays a quote exactly or what a person
  must look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

__all__ = [
    "MAX_STATEMENT_BYTES",
    "BankCredit",
    "Match",
    "MatchOutcome",
    "QuoteDue",
    "Statement",
    "StatementError",
    "creditor_reference",
    "find_references",
    "format_iban",
    "is_creditor_reference",
    "match_credit",
    "normalize_iban",
    "parse_camt053",
]

MAX_STATEMENT_BYTES = 10 * 1024 * 1024
CAMT053_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d{2}$")

_RF = re.compile(r"RF\d{2}[A-Z0-9]{1,21}", re.ASCII)
_QUOTE_NUMBER = re.compile(r"\bP-?\d{4}-?\d{5,}\b", re.ASCII)


# --- references and accounts ------------------------------------------------------------------


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 of an alphanumeric string (letters count as 10-35)."""
    digits = "".join(str(int(char, 36)) for char in text)
    return int(digits) % 97


def creditor_reference(quote_number: str) -> str:
    """The ISO 11649 reference of a quote: ``P-2027-00001`` -> ``RF21P202700001``."""
    body = re.sub(r"[^A-Z0-9]", "", quote_number.upper())
    if not 1 <= len(body) <= 21:
        raise ValueError(f"a creditor reference holds 1-21 letters or digits, not {quote_number!r}")
    check = 98 - _mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def is_creditor_reference(text: str) -> bool:
    """Whether ``text`` (spaces ignored) is an ISO 11649 reference with right check digits."""
    compact = re.sub(r"\s", "", text or "").upper()
    return bool(_RF.fullmatch(compact)) and _mod97(compact[4:] + compact[:4]) == 1


def find_references(*texts: str) -> list[str]:
    """The creditor references found in remittance texts, in order, each once.

    Valid ISO 11649 references are taken as written (spaces inside them ignored); a quote number
    written instead (``P-2027-00001``, ``P202700001``) is turned into its reference.
    """
    found: list[str] = []
    for text in texts:
        upper = (text or "").upper()
        for match in re.finditer(r"RF\d{2}(?:\s?[A-Z0-9]){1,21}", upper):
            candidate = re.sub(r"\s", "", match.group(0))
            # A reference runs into the next word when the text has no space after it; try the
            # longest prefix whose check digits hold.
            for end in range(len(candidate), 4, -1):
                if is_creditor_reference(candidate[:end]):
                    found.append(candidate[:end])
                    break
        for match in _QUOTE_NUMBER.finditer(upper):
            digits = re.sub(r"[^0-9]", "", match.group(0))
            found.append(creditor_reference(f"P{digits}"))
    return list(dict.fromkeys(found))


def normalize_iban(iban: str) -> str:
    """The IBAN without spaces, upper case; ValueError when its check digits do not hold."""
    compact = re.sub(r"\s", "", iban or "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact, re.ASCII):
        raise ValueError(f"{iban!r} is not an IBAN")
    if _mod97(compact[4:] + compact[:4]) != 1:
        raise ValueError(f"{iban!r} is not a valid IBAN: its check digits do not match")
    return compact


def format_iban(iban: str) -> str:
    """``ES9121000418450200051332`` -> ``ES91 2100 0418 4502 0005 1332``."""
    compact = normalize_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# --- CAMT.053 ---------------------------------------------------------------------------------


class StatementError(ValueError):
    """The file is not a CAMT.053 statement the desk can read; ``code`` says why."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class BankCredit:
    """One credit (or debit) line of a statement: an entry, or one transaction of a batch entry.

    ``entry_reference`` identifies it at the bank (the servicer's reference, else the entry
    reference, else the statement and position), so importing the same statement twice finds it.
    """

    entry_reference: str
    amount: Decimal
    currency: str
    credit: bool
    booked: bool
    booking_date: date | None
    references: tuple[str, ...]
    remittance: str
    debtor: str


@dataclass(frozen=True)
class Statement:
    """One ``Stmt`` of a CAMT.053 file."""

    statement_id: str
    iban: str
    entries: tuple[BankCredit, ...]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _child(element: Element | None, *path: str) -> Element | None:
    current = element
    for name in path:
        if current is None:
            return None
        current = next(_children(current, name), None)
    return current


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _amount(element: Element | None, where: str) -> tuple[Decimal, str]:
    if element is None:
        raise StatementError("amount_missing", f"{where}: no amount")
    currency = (element.get("Ccy") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency, re.ASCII):
        raise StatementError("currency_invalid", f"{where}: the amount has no currency")
    try:
        value = Decimal((element.text or "").strip())
    except InvalidOperation:
        raise StatementError("amount_invalid", f"{where}: {element.text!r} is not an amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise StatementError("amount_invalid", f"{where}: {element.text!r} is not an amount")
    return value, currency


def _date(element: Element | None) -> date | None:
    text = _text(element, "Dt") or _text(element, "DtTm")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _status(entry: Element) -> str:
    return (_text(entry, "Sts", "Cd") or _text(entry, "Sts")).upper()


def _debtor(details: Element | None) -> str:
    return _text(details, "RltdPties", "Dbtr", "Pty", "Nm") or _text(details, "RltdPties", "Dbtr", "Nm")


def _remittance(details: Element | None) -> tuple[list[str], list[str]]:
    """(structured references, unstructured texts) of one transaction's ``RmtInf``."""
    info = _child(details, "RmtInf")
    structured = []
    texts = []
    if info is not None:
        texts = [(u.text or "").strip() for u in _children(info, "Ustrd") if (u.text or "").strip()]
        for strd in _children(info, "Strd"):
            ref = _text(strd, "CdtrRefInf", "Ref")
            if ref:
                structured.append(ref)
    return structured, texts


def _entries(entry: Element, statement_id: str, position: int) -> Iterator[BankCredit]:
    where = f"statement {statement_id}, entry {position}"
    amount, currency = _amount(_child(entry, "Amt"), where)
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in {"CRDT", "DBIT"}:
        raise StatementError("indicator_invalid", f"{where}: CdtDbtInd must be CRDT or DBIT")
    base_reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef") or f"{statement_id}#{position}"
    booked = _status(entry) == "BOOK"
    booking_date = _date(_child(entry, "BookgDt"))
    extra = _text(entry, "AddtlNtryInf")
    details = [tx for dtls in _children(entry, "NtryDtls") for tx in _children(dtls, "TxDtls")]
    if len(details) <= 1:
        tx = details[0] if details else None
        structured, texts = _remittance(tx)
        yield BankCredit(
            entry_reference=base_reference[:120],
            amount=amount,
            currency=currency,
            credit=indicator == "CRDT",
            booked=booked,
            booking_date=booking_date,
            references=tuple(find_references(*structured, *texts, extra)),
            remittance=" ".join([*structured, *texts, extra]).strip()[:500],
            debtor=_debtor(tx)[:140],
        )
        return
    # A batch entry: one credit per transaction, each with its own amount.
    for index, tx in enumerate(details, start=1):
        tx_amount = _child(tx, "AmtDtls", "TxAmt", "Amt")
        if tx_amount is None:
            tx_amount = _child(tx, "Amt")
        value, tx_currency = _amount(tx_amount, f"{where}, transaction {index}")
        structured, texts = _remittance(tx)
        reference = _text(tx, "Refs", "AcctSvcrRef") or f"{base_reference}/{index}"
        yield BankCredit(
            entry_reference=reference[:120],
            amount=value,
            currency=tx_currency,
            credit=indicator == "CRDT",
            booked=booked,
            booking_date=booking_date,
            references=tuple(find_references(*structured, *texts)),
            remittance=" ".join([*structured, *texts]).strip()[:500],
            debtor=_debtor(tx)[:140],
        )


def parse_camt053(data: bytes) -> list[Statement]:
    """The statements of a CAMT.053 file (any version ``camt.053.001.xx``).

    Raises :class:`StatementError` for a file that is too large, not XML, hostile (DTD,
    entities), of another message type, or with an entry the desk cannot read.
    """
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError("too_large", f"the file is larger than {MAX_STATEMENT_BYTES // (1024 * 1024)} MB")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementError(
            "forbidden_xml", "the file declares a DTD or entities, which a statement never needs"
        ) from None
    except ParseError as error:
        raise StatementError("not_xml", f"the file is not well-formed XML ({error})") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if _local(root.tag) != "Document" or not CAMT053_NAMESPACE.match(namespace):
        raise StatementError("not_camt053", "the file is not an ISO 20022 CAMT.053 bank-to-customer statement")
    report = _child(root, "BkToCstmrStmt")
    if report is None:
        raise StatementError("not_camt053", "the file has no BkToCstmrStmt")
    statements = []
    for number, stmt in enumerate(_children(report, "Stmt"), start=1):
        statement_id = _text(stmt, "Id") or f"statement-{number}"
        iban = _text(stmt, "Acct", "Id", "IBAN")
        if iban:
            try:
                iban = normalize_iban(iban)
            except ValueError as error:
                raise StatementError("iban_invalid", f"statement {statement_id}: {error}") from None
        entries = tuple(
            credit
            for position, entry in enumerate(_children(stmt, "Ntry"), start=1)
            for credit in _entries(entry, statement_id, position)
        )
        statements.append(Statement(statement_id=statement_id[:120], iban=iban, entries=entries))
    if not statements:
        raise StatementError("no_statement", "the file holds no statement")
    return statements


# --- matching ---------------------------------------------------------------------------------


class MatchOutcome(StrEnum):
    """What became of one credit. Only ``exact`` pays a quote; the rest wait for a person."""

    EXACT = "exact"
    AMOUNT_DIFFERS = "amount_differs"
    CURRENCY_DIFFERS = "currency_differs"
    NOT_PAYABLE = "not_payable"
    UNKNOWN_REFERENCE = "unknown_reference"
    AMBIGUOUS = "ambiguous"
    NOT_BOOKED = "not_booked"


@dataclass(frozen=True)
class QuoteDue:
    """What the matcher needs of a quote: its number, total, currency and whether it can be paid."""

    number: str
    amount: Decimal
    currency: str
    payable: bool


@dataclass(frozen=True)
class Match:
    outcome: MatchOutcome
    quote_number: str = ""


def match_credit(credit: BankCredit, quotes: Mapping[str, QuoteDue]) -> Match:
    """Match one credit to the quotes, keyed by creditor reference.

    Exact means: booked, exactly one referenced quote known, payable, same currency, same amount
    to the cent. Anything else names the quote it points at (when one) and why it is not applied.
    """
    if not credit.booked:
        return Match(MatchOutcome.NOT_BOOKED)
    known = [quotes[reference] for reference in credit.references if reference in quotes]
    if not known:
        return Match(MatchOutcome.UNKNOWN_REFERENCE)
    if len({quote.number for quote in known}) > 1:
        return Match(MatchOutcome.AMBIGUOUS, known[0].number)
    quote = known[0]
    if credit.currency != quote.currency:
        return Match(MatchOutcome.CURRENCY_DIFFERS, quote.number)
    if credit.amount != quote.amount:
        return Match(MatchOutcome.AMOUNT_DIFFERS, quote.number)
    if not quote.payable:
        return Match(MatchOutcome.NOT_PAYABLE, quote.number)
    return Match(MatchOutcome.EXACT, quote.number)
