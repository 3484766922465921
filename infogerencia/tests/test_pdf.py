"""Tests for infogerencia.pdf: quote, invoice and credit-note PDFs in es/en/fr."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from infogerencia.pdf import (
    LABELS,
    DocumentData,
    DocumentKind,
    DocumentLine,
    find_unicode_font,
    format_date,
    label,
    render_pdf,
)
from infogerencia.pricing import Line, credit_note_lines, format_money, totals

D = Decimal
KINDS: tuple[DocumentKind, ...] = ("quote", "invoice", "credit_note")
LANGS = ("es", "en", "fr")
CUSTOMER = "Jorge Núñez Ibáñez"

LINES = (
    Line(
        description="Recompilación de PHP 8.3 con Zend Optimizer",
        quantity=D(1),
        unit_price=D("120.00"),
        vat_rate=D(21),
    ),
    Line(
        description="Vaciado de la cola de Qmail (façade, niño)",
        quantity=D("2.5"),
        unit_price=D("60.00"),
        vat_rate=D(21),
        discount_percent=D(10),
    ),
    Line(
        description="Manual de administración",
        quantity=D(1),
        unit_price=D("1234.56"),
        vat_rate=D(4),
    ),
)

NUMBERS = {"quote": "P-2026-000007", "invoice": "F-2026-000123", "credit_note": "R-2026-000004"}


def make_document(kind: DocumentKind, language: str, **overrides: Any) -> DocumentData:
    lines = credit_note_lines(LINES) if kind == "credit_note" else LINES
    fields: dict[str, Any] = {
        "kind": kind,
        "number": NUMBERS[kind],
        "issue_date": date(2026, 3, 5),
        "language": language,
        "currency": "EUR",
        "seller_lines": ("Hosting Ibérica S.L.", "NIF B12345678", "Calle de Alcalá 1", "28014 Madrid, España"),
        "buyer_lines": (CUSTOMER, "NIF 12345678Z", "Avenida de la Constitución 3", "41001 Sevilla"),
        "lines": tuple(DocumentLine.from_pricing(item) for item in lines),
        "totals": totals(lines, "EUR"),
        "ticket_reference": "TCK-004217",
        "terms": "Pago por transferencia. IBAN ES91 2100 0418 4502 0005 1332.",
        "notes": "Intervención programada el 10 de marzo.",
    }
    if kind == "quote":
        fields["valid_until"] = date(2026, 4, 4)
    elif kind == "invoice":
        fields["due_date"] = date(2026, 4, 4)
    else:
        fields["rectified_invoice_number"] = "F-2026-000123"
        fields["rectification_reason"] = "Devolución: intervención cancelada."
    fields.update(overrides)
    return DocumentData(**fields)


def extract(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\u00a0", " ")


def money(amount: Decimal, language: str) -> str:
    return format_money(amount, "EUR", language).replace("\u00a0", " ")


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], tuple[DocumentData, bytes, str]]:
    result: dict[tuple[str, str], tuple[DocumentData, bytes, str]] = {}
    for kind in KINDS:
        for language in LANGS:
            data = make_document(kind, language)
            pdf = render_pdf(data)
            result[(kind, language)] = (data, pdf, extract(pdf))
    return result


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_render_each_kind_in_each_language(
    rendered: dict[tuple[str, str], tuple[DocumentData, bytes, str]], kind: str, language: str
) -> None:
    data, pdf, text = rendered[(kind, language)]
    assert pdf.startswith(b"%PDF-")
    labels = LABELS[language]
    assert labels[kind] in text
    assert data.number in text
    assert CUSTOMER in text
    assert "€" in text
    for key in ("taxable_base", "vat", "total", "issue_date", "description", "vat_breakdown"):
        assert labels[key] in text, key
    assert money(data.totals.gross, language) in text
    assert money(data.totals.net, language) in text
    assert money(data.totals.vat_total, language) in text
    for row in data.totals.vat_breakdown:
        assert money(row.vat, language) in text
    assert "TCK-004217" in text
    assert format_date(date(2026, 3, 5), language) in text
    if kind == "quote":
        assert labels["valid_until"] in text
        assert labels["due_date"] not in text
    else:
        assert labels["valid_until"] not in text
    if kind == "invoice":
        assert labels["due_date"] in text
        assert format_date(date(2026, 4, 4), language) in text
    if kind == "credit_note":
        assert labels["rectified_invoice"] in text
        assert "F-2026-000123" in text
        assert money(D("-1592.49"), language) in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", ["Factura", "Base imponible", "IVA", "Total", "Fecha de vencimiento", "1.592,49 €"]),
        ("en", ["Invoice", "Taxable base", "VAT", "Total", "Due date", "€1,592.49"]),
        ("fr", ["Facture", "Base HT", "TVA", "Total TTC", "Date d'échéance", "1\u202f592,49 €"]),
    ],
)
def test_invoice_literal_labels(
    rendered: dict[tuple[str, str], tuple[DocumentData, bytes, str]],
    language: str,
    expected: list[str],
) -> None:
    text = rendered[("invoice", language)][2]
    for snippet in expected:
        assert snippet in text, snippet


@pytest.mark.parametrize(
    ("language", "quote", "credit_note", "valid"),
    [
        ("es", "Presupuesto", "Factura rectificativa", "Válido hasta"),
        ("en", "Quote", "Credit note", "Valid until"),
        ("fr", "Devis", "Facture d'avoir", "Valable jusqu'au"),
    ],
)
def test_quote_and_credit_note_titles(
    rendered: dict[tuple[str, str], tuple[DocumentData, bytes, str]],
    language: str,
    quote: str,
    credit_note: str,
    valid: str,
) -> None:
    assert quote in rendered[("quote", language)][2]
    assert valid in rendered[("quote", language)][2]
    assert credit_note in rendered[("credit_note", language)][2]


def test_accents_and_special_characters_survive(
    rendered: dict[tuple[str, str], tuple[DocumentData, bytes, str]],
) -> None:
    text = rendered[("invoice", "es")][2]
    for snippet in ("Núñez", "Ibáñez", "façade", "niño", "Recompilación", "España"):
        assert snippet in text


def test_non_latin_customer_name() -> None:
    if find_unicode_font() is None:
        pytest.skip("no DejaVu font on this machine")
    data = make_document("invoice", "en", buyer_lines=("Ελένη Παπαδοπούλου", "Дмитрий Иванов"))
    text = extract(render_pdf(data))
    assert "Ελένη Παπαδοπούλου" in text
    assert "Дмитрий Иванов" in text


def test_discount_column_only_when_a_line_has_a_discount() -> None:
    with_discount = extract(render_pdf(make_document("invoice", "es")))
    assert "Dto." in with_discount
    plain = (LINES[0], LINES[2])
    data = make_document(
        "invoice",
        "es",
        lines=tuple(DocumentLine.from_pricing(item) for item in plain),
        totals=totals(plain, "EUR"),
    )
    assert "Dto." not in extract(render_pdf(data))


def test_output_is_deterministic() -> None:
    data = make_document("invoice", "fr")
    assert render_pdf(data) == render_pdf(data)


def test_creation_date_comes_from_issue_date() -> None:
    pdf = render_pdf(make_document("invoice", "es"))
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.creation_date is not None
    assert metadata.creation_date.date() == date(2026, 3, 5)
    assert metadata.title == "Factura F-2026-000123"
    other = render_pdf(make_document("invoice", "es", issue_date=date(2026, 3, 6)))
    assert other != pdf


def test_many_lines_span_pages_with_page_numbers() -> None:
    lines = tuple(
        Line(
            description=f"Línea {i}: intervención programada",
            quantity=D(i),
            unit_price=D("10.05"),
            vat_rate=D(21),
        )
        for i in range(1, 70)
    )
    data = make_document(
        "quote",
        "es",
        lines=tuple(DocumentLine.from_pricing(item) for item in lines),
        totals=totals(lines, "EUR"),
    )
    pdf = render_pdf(data)
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    text = extract(pdf)
    assert f"Página 1 de {pages}" in text
    assert f"Página {pages} de {pages}" in text
    assert money(data.totals.gross, "es") in text
    # The table headings repeat on the next page.
    assert "Descripción" in reader.pages[1].extract_text()


def test_core_font_fallback_without_dejavu() -> None:
    data = make_document("invoice", "fr", buyer_lines=(CUSTOMER, "Ελένη Łódź"))
    pdf = render_pdf(data, font_dirs=[])
    text = extract(pdf)
    assert b"/Helvetica" in pdf
    assert b"DejaVu" not in pdf
    assert CUSTOMER in text  # Latin-1 accents are kept
    assert "€" in text  # Windows-1252 has the euro sign
    assert "Lódz" in text  # letters outside Windows-1252 lose their accents
    assert "?????" in text  # and other scripts are replaced
    assert "Facture" in text
    assert "Date d'échéance" in text
    assert "1 592,49 €" in text  # the narrow no-break space becomes a no-break space


def test_find_unicode_font(tmp_path: Path) -> None:
    assert find_unicode_font([tmp_path]) is None
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"")
    assert find_unicode_font([tmp_path]) is None  # the bold face is needed too
    (tmp_path / "DejaVuSans-Bold.ttf").write_bytes(b"")
    assert find_unicode_font([tmp_path]) == (
        tmp_path / "DejaVuSans.ttf",
        tmp_path / "DejaVuSans-Bold.ttf",
    )


def test_labels_are_complete_in_every_language() -> None:
    keys = set(LABELS["es"])
    assert set(LABELS["en"]) == keys
    assert set(LABELS["fr"]) == keys
    assert label("invoice", "fr-FR") == "Facture"
    assert label("credit_note", "es") == "Factura rectificativa"


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("es", date(2026, 3, 5), "5 de marzo de 2026"),
        ("en", date(2026, 3, 5), "5 March 2026"),
        ("fr", date(2026, 3, 5), "5 mars 2026"),
        ("fr", date(2026, 8, 1), "1er août 2026"),
    ],
)
def test_format_date(language: str, day: date, expected: str) -> None:
    assert format_date(day, language) == expected


def test_language_is_normalised() -> None:
    assert make_document("invoice", "fr_FR").language == "fr"
    with pytest.raises(ValueError, match="unsupported language"):
        make_document("invoice", "de")


@pytest.mark.parametrize(
    ("kind", "overrides", "message"),
    [
        ("quote", {"valid_until": None}, "quote needs a valid_until"),
        ("quote", {"due_date": date(2026, 4, 4)}, "validity date, not a due date"),
        ("invoice", {"due_date": None}, "invoice needs a due_date"),
        ("invoice", {"valid_until": date(2026, 4, 4)}, "valid_until only applies to quotes"),
        ("invoice", {"rectified_invoice_number": "F-1"}, "only apply to credit notes"),
        ("credit_note", {"rectified_invoice_number": None}, "must name the invoice"),
        ("invoice", {"number": " "}, "number must be a non-empty string"),
        ("invoice", {"currency": "USD"}, "differs from totals currency"),
        ("invoice", {"buyer_lines": ()}, "at least one line"),
        ("invoice", {"lines": ()}, "at least one line"),
        ("invoice", {"buyer_lines": "Jorge"}, "not a single string"),
        ("invoice", {"lines": LINES}, "must be DocumentLine objects"),
    ],
)
def test_document_validation(kind: DocumentKind, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make_document(kind, "es", **overrides)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        replace(make_document("invoice", "es"), kind="receipt")  # type: ignore[arg-type]


def test_lines_must_add_up_to_totals() -> None:
    good = make_document("invoice", "es")
    with pytest.raises(ValueError, match="sum of line nets"):
        replace(good, lines=good.lines[:1])


def test_signs_must_match_the_kind() -> None:
    credit_totals = totals(credit_note_lines(LINES), "EUR")
    with pytest.raises(ValueError, match="issue a credit note"):
        make_document(
            "invoice",
            "es",
            lines=tuple(DocumentLine.from_pricing(i) for i in credit_note_lines(LINES)),
            totals=credit_totals,
        )
    with pytest.raises(ValueError, match="negative"):
        make_document(
            "credit_note",
            "es",
            lines=tuple(DocumentLine.from_pricing(i) for i in LINES),
            totals=totals(LINES, "EUR"),
        )
