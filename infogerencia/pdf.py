"""PDF rendering of Infogerencia quotes, invoices and credit notes (fpdf2).

Pure Python, no Django: the caller builds a :class:`DocumentData` from its
models and gets the PDF bytes back from :func:`render_pdf`.

Fonts
-----
Customer names and descriptions may contain any character, so a Unicode
TrueType font is embedded (subset): DejaVu Sans (regular and bold), looked up
in :data:`FONT_DIRS` (the paths of Debian's ``fonts-dejavu-core`` and the
usual locations on other distributions). DejaVu Sans covers Latin, Greek,
Cyrillic, Armenian, Georgian and the euro sign; it has no CJK glyphs, and
right-to-left scripts are not shaped (that would need ``uharfbuzz``).

If no DejaVu font is found, the document falls back to the PDF core font
Helvetica with the Windows-1252 encoding (which has ``€``, ``ñ``, ``ç``,
``œ``...). Text it cannot encode is transliterated: accents are stripped
(``ő`` -> ``o``) and anything left becomes ``?``. The PDF is still correct for
es/en/fr text; only exotic customer names degrade. No font ships in an
installed pip package that could be used instead.

Determinism
-----------
The PDF creation date is set from the issue date (midnight UTC) and fpdf2's
file identifier is derived from the content, so the same ``DocumentData``
always renders to the same bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from infogerencia.pricing import (
    LANGUAGES,
    Line,
    Totals,
    format_decimal,
    format_money,
    format_percent,
    line_net,
    normalize_language,
)

__all__ = [
    "FONT_DIRS",
    "LABELS",
    "DocumentData",
    "DocumentKind",
    "DocumentLine",
    "find_unicode_font",
    "format_date",
    "label",
    "render_pdf",
]

DocumentKind = Literal["quote", "invoice", "credit_note"]
KINDS: tuple[DocumentKind, ...] = ("quote", "invoice", "credit_note")

#: Directories searched, in order, for DejaVuSans.ttf and DejaVuSans-Bold.ttf.
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"
_FAMILY = "DejaVuSans"
_CORE_FAMILY = "Helvetica"
_CORE_ENCODING = "windows-1252"

LABELS: dict[str, dict[str, str]] = {
    "es": {
        "quote": "Presupuesto",
        "invoice": "Factura",
        "credit_note": "Factura rectificativa",
        "number": "Número",
        "issue_date": "Fecha de emisión",
        "due_date": "Fecha de vencimiento",
        "valid_until": "Válido hasta",
        "ticket": "Ticket de soporte",
        "rectified_invoice": "Factura rectificada",
        "rectification_reason": "Motivo de la rectificación",
        "seller": "Emisor",
        "buyer": "Cliente",
        "description": "Descripción",
        "quantity": "Cantidad",
        "unit_price": "Precio unitario",
        "discount": "Dto.",
        "vat_rate": "IVA",
        "amount": "Importe",
        "vat_breakdown": "Desglose de IVA",
        "rate": "Tipo",
        "taxable_base": "Base imponible",
        "vat_amount": "Cuota",
        "vat": "IVA",
        "total": "Total",
        "terms": "Condiciones",
        "notes": "Observaciones",
        "page": "Página {page} de {pages}",
    },
    "en": {
        "quote": "Quote",
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "number": "Number",
        "issue_date": "Issue date",
        "due_date": "Due date",
        "valid_until": "Valid until",
        "ticket": "Support ticket",
        "rectified_invoice": "Original invoice",
        "rectification_reason": "Reason for the credit note",
        "seller": "From",
        "buyer": "Bill to",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "discount": "Discount",
        "vat_rate": "VAT",
        "amount": "Amount",
        "vat_breakdown": "VAT breakdown",
        "rate": "Rate",
        "taxable_base": "Taxable base",
        "vat_amount": "VAT amount",
        "vat": "VAT",
        "total": "Total",
        "terms": "Terms",
        "notes": "Notes",
        "page": "Page {page} of {pages}",
    },
    "fr": {
        "quote": "Devis",
        "invoice": "Facture",
        "credit_note": "Facture d'avoir",
        "number": "Numéro",
        "issue_date": "Date d'émission",
        "due_date": "Date d'échéance",
        "valid_until": "Valable jusqu'au",
        "ticket": "Ticket de support",
        "rectified_invoice": "Facture d'origine",
        "rectification_reason": "Motif de l'avoir",
        "seller": "Émetteur",
        "buyer": "Client",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "Prix unitaire HT",
        "discount": "Remise",
        "vat_rate": "TVA",
        "amount": "Montant HT",
        "vat_breakdown": "Détail de la TVA",
        "rate": "Taux",
        "taxable_base": "Base HT",
        "vat_amount": "Montant TVA",
        "vat": "TVA",
        "total": "Total TTC",
        "terms": "Conditions",
        "notes": "Remarques",
        "page": "Page {page} sur {pages}",
    },
}

_MONTHS = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip


def label(key: str, language: str) -> str:
    """The text of one label (see :data:`LABELS`) in ``language``."""
    return LABELS[normalize_language(language)][key]


def format_date(value: date, language: str) -> str:
    """A date in words.

    ``"5 de marzo de 2026"``, ``"5 March 2026"``, ``"5 mars 2026"``
    (``"1er mars 2026"`` on the first of the month in French).
    """
    lang = normalize_language(language)
    month = _MONTHS[lang][value.month - 1]
    if lang == "es":
        return f"{value.day} de {month} de {value.year}"
    if lang == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year}"
    return f"{value.day} {month} {value.year}"


@dataclass(frozen=True, kw_only=True)
class DocumentLine:
    """A line as printed: percentages in percent, ``net`` already rounded."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    net: Decimal

    @classmethod
    def from_pricing(cls, line: Line) -> DocumentLine:
        """Build the printed line from a :class:`infogerencia.pricing.Line`."""
        return cls(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            net=line_net(line),
        )


def _tuple_of_str(value: Sequence[str], name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        raise TypeError(f"{name} must be a sequence of lines, not a single string")
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f"{name} must contain strings only")
    return items


@dataclass(frozen=True, kw_only=True)
class DocumentData:
    """Everything printed on a quote, invoice or credit note.

    * ``kind``: ``"quote"``, ``"invoice"`` or ``"credit_note"``.
    * ``due_date``: required on invoices, optional on credit notes, absent on
      quotes; ``valid_until``: required on quotes, absent otherwise.
    * ``rectified_invoice_number``: required on credit notes (factura
      rectificativa), absent otherwise; ``rectification_reason`` optional.
    * ``seller_lines`` / ``buyer_lines``: address blocks, first line printed in
      bold (name, then tax id, address, country... as the caller wants them).
    * ``lines`` and ``totals`` come from :mod:`infogerencia.pricing`; the sum of
      the line nets must equal ``totals.net`` and ``currency`` must equal
      ``totals.currency``. Credit notes carry negative amounts, other kinds
      non-negative ones.
    * ``language`` accepts ``"es"``, ``"en-GB"``, ``"fr_FR"``...; it is stored
      normalised to ``"es"``/``"en"``/``"fr"``.
    * ``title``: PDF metadata title; defaults to the kind's label and the number.
    * Legal mentions that depend on the case (reverse charge, "operación
      exenta"...) go in ``notes``.
    """

    kind: DocumentKind
    number: str
    issue_date: date
    language: str
    currency: str
    seller_lines: tuple[str, ...]
    buyer_lines: tuple[str, ...]
    lines: tuple[DocumentLine, ...]
    totals: Totals
    due_date: date | None = None
    valid_until: date | None = None
    ticket_reference: str | None = None
    rectified_invoice_number: str | None = None
    rectification_reason: str = ""
    terms: str = ""
    notes: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not isinstance(self.number, str) or not self.number.strip():
            raise ValueError("document number must be a non-empty string")
        object.__setattr__(self, "language", normalize_language(self.language))
        object.__setattr__(self, "seller_lines", _tuple_of_str(self.seller_lines, "seller_lines"))
        object.__setattr__(self, "buyer_lines", _tuple_of_str(self.buyer_lines, "buyer_lines"))
        object.__setattr__(self, "lines", tuple(self.lines))
        if not all(isinstance(line, DocumentLine) for line in self.lines):
            raise TypeError("lines must be DocumentLine objects (see DocumentLine.from_pricing)")
        if not self.seller_lines or not self.buyer_lines:
            raise ValueError("seller and buyer blocks must each have at least one line")
        if not self.lines:
            raise ValueError("a document needs at least one line")
        if self.currency != self.totals.currency:
            raise ValueError(f"document currency {self.currency} differs from totals currency {self.totals.currency}")
        lines_net = sum((line.net for line in self.lines), Decimal(0))
        if lines_net != self.totals.net:
            raise ValueError(f"sum of line nets ({lines_net}) differs from totals.net ({self.totals.net})")
        if self.kind == "credit_note":
            if self.totals.gross > 0:
                raise ValueError("a credit note must have negative (or zero) totals")
            if not (self.rectified_invoice_number or "").strip():
                raise ValueError("a credit note must name the invoice it rectifies")
            if self.valid_until is not None:
                raise ValueError("valid_until only applies to quotes")
        else:
            if self.totals.gross < 0:
                raise ValueError(f"a {self.kind} cannot have negative totals; issue a credit note")
            if self.rectified_invoice_number is not None or self.rectification_reason:
                raise ValueError("rectification fields only apply to credit notes")
        if self.kind == "quote":
            if self.valid_until is None:
                raise ValueError("a quote needs a valid_until date")
            if self.due_date is not None:
                raise ValueError("a quote has a validity date, not a due date")
        if self.kind == "invoice":
            if self.due_date is None:
                raise ValueError("an invoice needs a due_date")
            if self.valid_until is not None:
                raise ValueError("valid_until only applies to quotes")


def find_unicode_font(dirs: Sequence[Path] | None = None) -> tuple[Path, Path] | None:
    """Paths of DejaVu Sans regular and bold in the first of ``dirs`` holding both."""
    for directory in FONT_DIRS if dirs is None else dirs:
        regular, bold = directory / _REGULAR, directory / _BOLD
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


# Latin letters that have no Unicode decomposition to a base letter.
_LATIN_FALLBACK = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h",
        "ı": "i", "Ŧ": "T", "ŧ": "t", "Ŀ": "L", "ŀ": "l", "ĸ": "k",
        "\u202f": "\u00a0", "\u2009": " ", "\u2212": "-",
    }
)  # fmt: skip


def _transliterate(text: str) -> str:
    """Make ``text`` encodable in Windows-1252 for the core-font fallback."""
    text = text.translate(_LATIN_FALLBACK)
    out = []
    for char in text:
        try:
            char.encode(_CORE_ENCODING)
        except UnicodeEncodeError:
            stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            try:
                stripped.encode(_CORE_ENCODING)
            except UnicodeEncodeError:
                stripped = "?"
            out.append(stripped or "?")
        else:
            out.append(char)
    return "".join(out)


class _DocumentPDF(FPDF):
    def __init__(self, data: DocumentData, fonts: tuple[Path, Path] | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = data
        self.doc_lang = data.language
        if fonts is None:
            self.doc_family = _CORE_FAMILY
            self.core_fonts_encoding = _CORE_ENCODING
            self.doc_unicode = False
        else:
            self.doc_family = _FAMILY
            self.add_font(_FAMILY, "", str(fonts[0]))
            self.add_font(_FAMILY, "B", str(fonts[1]))
            self.doc_unicode = True
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=20)

    def t(self, text: str) -> str:
        return text if self.doc_unicode else _transliterate(text)

    def label(self, key: str) -> str:
        return self.t(LABELS[self.doc_lang][key])

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.doc_family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-14)
        self.font(8)
        self.set_text_color(110)
        page = LABELS[self.doc_lang]["page"].replace("{page}", str(self.page_no()))
        page = page.replace("{pages}", self.str_alias_nb_pages)
        kind = LABELS[self.doc_lang][self.doc.kind]
        self.cell(0, 5, self.t(f"{kind} {self.doc.number} · {page}"), align="C")
        self.set_text_color(0)


def _money(pdf: _DocumentPDF, amount: Decimal) -> str:
    return pdf.t(format_money(amount, pdf.doc.currency, pdf.doc_lang))


def _header(pdf: _DocumentPDF) -> None:
    data = pdf.doc
    top = pdf.get_y()
    half = (pdf.epw - 6) / 2
    right_x = pdf.l_margin + half + 6

    # Seller block, top left.
    pdf.set_xy(pdf.l_margin, top)
    pdf.font(11, bold=True)
    pdf.multi_cell(half, 5.5, pdf.t(data.seller_lines[0]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(9)
    for text in data.seller_lines[1:]:
        pdf.multi_cell(half, 4.5, pdf.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    seller_bottom = pdf.get_y()

    # Title and references, top right.
    pdf.set_xy(right_x, top)
    pdf.font(18, bold=True)
    pdf.multi_cell(half, 8, pdf.label(data.kind), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(1)
    meta: list[tuple[str, str]] = [
        (pdf.label("number"), pdf.t(data.number)),
        (pdf.label("issue_date"), pdf.t(format_date(data.issue_date, pdf.doc_lang))),
    ]
    if data.valid_until is not None:
        meta.append(
            (
                pdf.label("valid_until"),
                pdf.t(format_date(data.valid_until, pdf.doc_lang)),
            )
        )
    if data.due_date is not None:
        meta.append((pdf.label("due_date"), pdf.t(format_date(data.due_date, pdf.doc_lang))))
    if data.rectified_invoice_number:
        meta.append((pdf.label("rectified_invoice"), pdf.t(data.rectified_invoice_number)))
    if data.ticket_reference:
        meta.append((pdf.label("ticket"), pdf.t(data.ticket_reference)))
    key_width = half * 0.5
    for key, value in meta:
        pdf.set_x(right_x)
        pdf.font(9)
        pdf.cell(key_width, 5, key, align="R")
        pdf.font(9, bold=True)
        pdf.multi_cell(half - key_width, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    meta_bottom = pdf.get_y()

    # Buyer block, boxed, on the right under the references.
    pdf.set_xy(right_x, max(seller_bottom, meta_bottom) + 6)
    pdf.font(8, bold=True)
    pdf.set_text_color(110)
    pdf.cell(half, 5, pdf.label("buyer").upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    box_top = pdf.get_y()
    pdf.set_x(right_x + 2)
    pdf.set_y(box_top + 2)
    pdf.set_x(right_x + 2)
    pdf.font(10, bold=True)
    pdf.multi_cell(half - 4, 5, pdf.t(data.buyer_lines[0]), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.font(9)
    for text in data.buyer_lines[1:]:
        pdf.set_x(right_x + 2)
        pdf.multi_cell(half - 4, 4.5, pdf.t(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
    box_bottom = pdf.get_y() + 2
    pdf.set_draw_color(160)
    pdf.rect(right_x, box_top, half, box_bottom - box_top)
    pdf.set_draw_color(0)
    pdf.set_xy(pdf.l_margin, box_bottom + 8)


def _lines_table(pdf: _DocumentPDF) -> None:
    data = pdf.doc
    show_discount = any(line.discount_percent for line in data.lines)
    headings = [
        pdf.label("description"),
        pdf.label("quantity"),
        pdf.label("unit_price"),
    ]
    widths: list[float] = [42, 11, 18]
    if show_discount:
        headings.append(pdf.label("discount"))
        widths.append(10)
    headings += [pdf.label("vat_rate"), pdf.label("amount")]
    widths += [9, 19]
    align = ["LEFT"] + ["RIGHT"] * (len(headings) - 1)
    pdf.font(9)
    with pdf.table(
        col_widths=widths,
        text_align=tuple(align),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=5,
        padding=(1.5, 1.5),
        width=pdf.epw,
    ) as table:
        table.row(headings)
        for line in data.lines:
            cells = [
                pdf.t(line.description),
                pdf.t(format_decimal(line.quantity, pdf.doc_lang)),
                _money(pdf, line.unit_price),
            ]
            if show_discount:
                cells.append(
                    pdf.t(format_percent(line.discount_percent, pdf.doc_lang)) if line.discount_percent else ""
                )
            cells += [
                pdf.t(format_percent(line.vat_rate, pdf.doc_lang)),
                _money(pdf, line.net),
            ]
            table.row(cells)
    pdf.ln(6)


def _totals(pdf: _DocumentPDF) -> None:
    data, totals = pdf.doc, pdf.doc.totals
    width = 100.0
    x = pdf.l_margin + pdf.epw - width
    pdf.font(9, bold=True)
    if pdf.will_page_break(12 + 6 * (len(totals.vat_breakdown) + 4)):
        pdf.add_page()
    pdf.set_x(x)
    pdf.cell(width, 6, pdf.label("vat_breakdown"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(9)
    pdf.set_x(x)
    with pdf.table(
        col_widths=(20, 40, 40),
        text_align=("RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=5,
        padding=(1, 1.5),
        width=width,
        align="RIGHT",
    ) as table:
        table.row([pdf.label("rate"), pdf.label("taxable_base"), pdf.label("vat_amount")])
        for row in totals.vat_breakdown:
            table.row(
                [
                    pdf.t(format_percent(row.rate, pdf.doc_lang)),
                    _money(pdf, row.base),
                    _money(pdf, row.vat),
                ]
            )
    pdf.ln(3)
    summary = [
        (pdf.label("taxable_base"), totals.net, False),
        (pdf.label("vat"), totals.vat_total, False),
        (f"{pdf.label('total')} ({data.currency})", totals.gross, True),
    ]
    for key, amount, strong in summary:
        pdf.set_x(x)
        pdf.font(11 if strong else 9, bold=strong)
        if strong:
            pdf.set_fill_color(235, 235, 235)
        pdf.cell(width * 0.55, 7 if strong else 5.5, key, align="R", fill=strong)
        pdf.cell(
            width * 0.45,
            7 if strong else 5.5,
            _money(pdf, amount),
            align="R",
            fill=strong,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(6)


def _texts(pdf: _DocumentPDF) -> None:
    data = pdf.doc
    blocks = [
        ("rectification_reason", data.rectification_reason),
        ("terms", data.terms),
        ("notes", data.notes),
    ]
    for key, text in blocks:
        if not text.strip():
            continue
        pdf.set_x(pdf.l_margin)
        pdf.font(9, bold=True)
        pdf.cell(0, 5, pdf.label(key), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.font(8.5)
        pdf.multi_cell(0, 4.3, pdf.t(text.strip()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def render_pdf(data: DocumentData, *, font_dirs: Sequence[Path] | None = None) -> bytes:
    """Render ``data`` to PDF bytes (A4, in ``data.language``).

    ``font_dirs`` overrides :data:`FONT_DIRS`; an empty sequence forces the
    core-font fallback.
    """
    if data.language not in LANGUAGES:
        raise ValueError(f"unsupported language {data.language!r}")
    pdf = _DocumentPDF(data, find_unicode_font(font_dirs))
    kind = LABELS[data.language][data.kind]
    pdf.set_creation_date(datetime(data.issue_date.year, data.issue_date.month, data.issue_date.day, tzinfo=UTC))
    pdf.set_title(pdf.t(data.title or f"{kind} {data.number}"))
    pdf.set_author(pdf.t(data.seller_lines[0]))
    pdf.set_subject(pdf.t(f"{kind} {data.number}"))
    pdf.set_creator("tierdesk")
    pdf.set_lang(data.language)
    pdf.add_page()
    _header(pdf)
    _lines_table(pdf)
    _totals(pdf)
    _texts(pdf)
    return bytes(pdf.output())
