"""Money arithmetic for Infogerencia quotes, invoices and credit notes.

Pure Python, ``Decimal`` only: floats and strings are refused so that no
binary rounding error can reach a document.

Rounding policy
---------------
* Each line's net amount (``quantity * unit_price * (1 - discount/100)``) is
  rounded to the cent, ROUND_HALF_UP (ties away from zero).
* VAT is computed **per rate** on the sum of the rounded line nets of that
  rate, and rounded once to the cent, ROUND_HALF_UP. This is how Spanish
  invoices present VAT (one "base imponible" and one "cuota" per rate, as the
  invoicing regulation, RD 1619/2012 art. 6, asks), and it is what the
  customer can check with a calculator from the printed lines.
* ``net`` is the sum of the per-rate bases, ``vat_total`` the sum of the
  per-rate VAT amounts and ``gross = net + vat_total``; every figure printed on
  a document therefore adds up exactly.

Because ROUND_HALF_UP is symmetric around zero, the totals of a credit note
built with :func:`credit_note_lines` are exactly the negated totals of the
original lines.

Percentages (``vat_rate``, ``discount_percent``) are expressed in percent:
``Decimal("21")`` means 21 %.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import NamedTuple

__all__ = [
    "CENT",
    "EU_STANDARD_VAT_RATES",
    "LANGUAGES",
    "SUPPORTED_CURRENCIES",
    "Line",
    "Totals",
    "VatAmount",
    "credit_note_lines",
    "format_decimal",
    "format_money",
    "format_percent",
    "line_net",
    "normalize_language",
    "round_money",
    "totals",
    "vat_rate_for",
]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

#: Upper bounds that keep every intermediate product far inside the exact
#: range of the arithmetic context below.
MAX_UNIT_PRICE = Decimal("999999999.99")
MAX_QUANTITY = Decimal("999999.999")
QUANTITY_PLACES = 3

# Exact arithmetic for the sizes allowed above, independent of whatever
# decimal context the calling thread has configured.
_CONTEXT = Context(
    prec=60,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

#: Standard VAT rates of the EU member states, in percent (rates in force in
#: 2025/2026: EE 24 since 2025-07, RO 21 since 2025-08, SK 23 since 2025,
#: FI 25.5 since 2024-09). Stored per line on documents, so a later change of
#: this table never alters an issued document.
EU_STANDARD_VAT_RATES: dict[str, Decimal] = {
    "AT": Decimal("20"),
    "BE": Decimal("21"),
    "BG": Decimal("20"),
    "CY": Decimal("19"),
    "CZ": Decimal("21"),
    "DE": Decimal("19"),
    "DK": Decimal("25"),
    "EE": Decimal("24"),
    "ES": Decimal("21"),
    "FI": Decimal("25.5"),
    "FR": Decimal("20"),
    "GR": Decimal("24"),
    "HR": Decimal("25"),
    "HU": Decimal("27"),
    "IE": Decimal("23"),
    "IT": Decimal("22"),
    "LT": Decimal("21"),
    "LU": Decimal("17"),
    "LV": Decimal("21"),
    "MT": Decimal("18"),
    "NL": Decimal("21"),
    "PL": Decimal("23"),
    "PT": Decimal("23"),
    "RO": Decimal("21"),
    "SE": Decimal("25"),
    "SI": Decimal("22"),
    "SK": Decimal("23"),
}

# VIES uses "EL" for Greece; accept it as a country code too.
_COUNTRY_ALIASES = {"EL": "GR"}
_VAT_ID_PREFIX = {"GR": "EL"}

#: Currencies accepted on documents: ISO 4217 codes with two minor units.
SUPPORTED_CURRENCIES = frozenset(
    {
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "CAD",
        "AUD",
        "SEK",
        "DKK",
        "NOK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
    }
)

LANGUAGES = ("es", "en", "fr")

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: French thousands separator


class VatAmount(NamedTuple):
    """One row of the VAT breakdown: a rate, its taxable base and its VAT."""

    rate: Decimal
    base: Decimal
    vat: Decimal


def _as_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a Decimal, not bool")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, not float (use Decimal({str(value)!r}))")
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _has_more_places(value: Decimal, places: int) -> bool:
    with localcontext(_CONTEXT):
        return value != value.quantize(Decimal(1).scaleb(-places))


def round_money(amount: Decimal) -> Decimal:
    """Round an amount to the cent, ROUND_HALF_UP (ties away from zero)."""
    amount = _as_decimal(amount, "amount")
    with localcontext(_CONTEXT):
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _check_currency(currency: str) -> str:
    if not isinstance(currency, str) or currency not in SUPPORTED_CURRENCIES:
        supported = ", ".join(sorted(SUPPORTED_CURRENCIES))
        raise ValueError(f"unsupported currency {currency!r}; expected one of {supported}")
    return currency


@dataclass(frozen=True, kw_only=True)
class Line:
    """One quote/invoice line.

    ``quantity`` must be > 0 (up to 3 decimals, e.g. 1.5 hours) except on
    credit-note lines, where it must be < 0; build those with
    :func:`credit_note_lines`. ``unit_price`` is >= 0 with at most 2 decimals,
    ``discount_percent`` is within 0-100 and ``vat_rate`` within 0-100 (both in
    percent, at most 2 decimals). Integers are accepted and converted; floats
    and strings raise ``TypeError``.
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    discount_percent: Decimal = ZERO
    credit_note: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.description, str) or not self.description.strip():
            raise ValueError("line description must be a non-empty string")
        quantity = _as_decimal(self.quantity, "quantity")
        unit_price = _as_decimal(self.unit_price, "unit_price")
        vat_rate = _as_decimal(self.vat_rate, "vat_rate")
        discount = _as_decimal(self.discount_percent, "discount_percent")
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "unit_price", unit_price)
        object.__setattr__(self, "vat_rate", vat_rate)
        object.__setattr__(self, "discount_percent", discount)

        where = f"line {self.description!r}"
        if self.credit_note:
            if quantity >= 0:
                raise ValueError(f"{where}: credit-note quantity must be negative, got {quantity}")
        elif quantity <= 0:
            raise ValueError(
                f"{where}: quantity must be greater than 0, got {quantity} "
                "(negative quantities only exist on credit notes; "
                "use credit_note_lines())"
            )
        if abs(quantity) > MAX_QUANTITY:
            raise ValueError(f"{where}: quantity {quantity} exceeds {MAX_QUANTITY}")
        if _has_more_places(quantity, QUANTITY_PLACES):
            raise ValueError(f"{where}: quantity {quantity} has more than {QUANTITY_PLACES} decimal places")
        if unit_price < 0:
            raise ValueError(f"{where}: unit price must not be negative, got {unit_price}")
        if unit_price > MAX_UNIT_PRICE:
            raise ValueError(f"{where}: unit price {unit_price} exceeds {MAX_UNIT_PRICE}")
        if _has_more_places(unit_price, 2):
            raise ValueError(f"{where}: unit price {unit_price} has more than 2 decimal places")
        if not ZERO <= discount <= HUNDRED:
            raise ValueError(f"{where}: discount must be between 0 and 100 %, got {discount}")
        if _has_more_places(discount, 2):
            raise ValueError(f"{where}: discount {discount} has more than 2 decimal places")
        if not ZERO <= vat_rate < HUNDRED:
            raise ValueError(f"{where}: VAT rate must be between 0 and 100 %, got {vat_rate}")
        if _has_more_places(vat_rate, 2):
            raise ValueError(f"{where}: VAT rate {vat_rate} has more than 2 decimal places")


def line_net(line: Line) -> Decimal:
    """Net amount of a line after discount, rounded to the cent (half up)."""
    with localcontext(_CONTEXT):
        exact = line.quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def credit_note_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines of a credit note refunding ``lines``: same lines, negated quantities.

    To refund part of a line, pass a copy with the refunded quantity, e.g.
    ``credit_note_lines([dataclasses.replace(line, quantity=Decimal(1))])``.
    """
    result = []
    for line in lines:
        if line.credit_note:
            raise ValueError(f"line {line.description!r} is already a credit-note line")
        result.append(replace(line, quantity=-line.quantity, credit_note=True))
    return tuple(result)


@dataclass(frozen=True)
class Totals:
    """Totals of a document.

    ``vat_breakdown`` has one :class:`VatAmount` per distinct VAT rate, sorted
    by rate descending. ``net == sum(base)``, ``vat_total == sum(vat)`` and
    ``gross == net + vat_total`` hold exactly.
    """

    net: Decimal
    vat_breakdown: tuple[VatAmount, ...]
    vat_total: Decimal
    gross: Decimal
    currency: str

    def negated(self) -> Totals:
        """The same totals with every amount's sign flipped (rates unchanged)."""
        return Totals(
            net=-self.net,
            vat_breakdown=tuple(VatAmount(r.rate, -r.base, -r.vat) for r in self.vat_breakdown),
            vat_total=-self.vat_total,
            gross=-self.gross,
            currency=self.currency,
        )


def totals(lines: Iterable[Line], currency: str) -> Totals:
    """Totals of a document made of ``lines``, in ``currency``.

    Lines of a credit note and ordinary lines cannot be mixed. An empty list
    gives zero totals (useful for a draft); whether a document may be issued
    empty is for the caller to decide.
    """
    _check_currency(currency)
    items = tuple(lines)
    kinds = {line.credit_note for line in items}
    if len(kinds) > 1:
        raise ValueError("credit-note lines and ordinary lines cannot be mixed in one document")
    bases: dict[Decimal, Decimal] = {}
    with localcontext(_CONTEXT):
        for line in items:
            # Key on the rate at two places so 21 and 21.00 share one row.
            rate = line.vat_rate.quantize(CENT)
            bases[rate] = bases.get(rate, ZERO) + line_net(line)
        breakdown = tuple(
            VatAmount(
                rate=rate,
                base=base,
                vat=(base * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP),
            )
            for rate, base in sorted(bases.items(), key=lambda item: item[0], reverse=True)
        )
        net = sum((row.base for row in breakdown), ZERO).quantize(CENT)
        vat_total = sum((row.vat for row in breakdown), ZERO).quantize(CENT)
        gross = net + vat_total
    return Totals(
        net=net,
        vat_breakdown=breakdown,
        vat_total=vat_total,
        gross=gross,
        currency=currency,
    )


_VAT_ID_BODY = re.compile(r"[A-Z0-9]{2,12}", re.ASCII)
# Country codes and VAT prefixes: a VAT id starting with one of these that is
# not the customer's own prefix belongs to another country.
_ALL_VAT_ID_PREFIXES = frozenset({*EU_STANDARD_VAT_RATES, *_VAT_ID_PREFIX.values()})


def _normalize_country(country_code: str) -> str:
    if not isinstance(country_code, str):
        raise TypeError("country_code must be a string")
    code = country_code.strip().upper()
    return _COUNTRY_ALIASES.get(code, code)


def vat_rate_for(country_code: str, *, b2b_vat_id: str | None = None, seller_country: str = "ES") -> Decimal:
    """VAT rate, in percent, for a customer in ``country_code`` (ISO 3166 alpha-2).

    * A business customer in another EU member state than the seller, with a
      VAT identification number (``b2b_vat_id``), is invoiced without VAT
      (intra-community reverse charge; the document should say so). The
      number's format is checked here (optional country prefix, which must
      match the country; 2-12 letters or digits); checking it against VIES is
      the caller's job.
    * Everyone else, including a business customer in the seller's own
      country, pays the standard rate of their country (the services are
      treated as electronically supplied, taxed where the customer is: OSS
      regime). A Spanish customer therefore gets 21 %.
    * Countries outside the EU VAT area raise ``ValueError``: whether such a
      supply is taxed depends on the customer and the service, so the caller
      must set the rate explicitly. Canary Islands, Ceuta and Melilla (IGIC /
      IPSI) are outside the EU VAT area and not distinguishable by country
      code; handle them upstream.
    """
    code = _normalize_country(country_code)
    seller = _normalize_country(seller_country)
    if seller not in EU_STANDARD_VAT_RATES:
        raise ValueError(f"seller country {seller_country!r} is not an EU member state")
    if code not in EU_STANDARD_VAT_RATES:
        raise ValueError(
            f"no VAT rate known for country {country_code!r}: only EU member "
            "states are in the table; for customers outside the EU VAT area set "
            "the rate explicitly"
        )
    if b2b_vat_id is not None and b2b_vat_id.strip():
        vat_id = re.sub(r"[\s.\-]", "", b2b_vat_id).upper()
        prefix = _VAT_ID_PREFIX.get(code, code)
        if vat_id[:2] == prefix:
            vat_id = vat_id[2:]
        elif vat_id[:2] in _ALL_VAT_ID_PREFIXES:
            raise ValueError(
                f"VAT id {b2b_vat_id!r} does not belong to country {code}: prefix {vat_id[:2]}, expected {prefix}"
            )
        if not _VAT_ID_BODY.fullmatch(vat_id):
            raise ValueError(f"malformed VAT id {b2b_vat_id!r}")
        if code != seller:
            return ZERO
    return EU_STANDARD_VAT_RATES[code]


def normalize_language(language: str) -> str:
    """``"es"``, ``"es-ES"``, ``"fr_FR"``... -> ``"es"``, ``"en"`` or ``"fr"``.

    Raises ValueError for any other language.
    """
    if isinstance(language, str):
        base = language.strip().replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(LANGUAGES)}")


_SEPARATORS = {
    # language: (thousands separator, decimal separator)
    "es": (".", ","),
    "en": (",", "."),
    "fr": (NNBSP, ","),
}


def format_decimal(value: Decimal, language: str, places: int | None = None) -> str:
    """A number with the language's separators.

    With ``places`` the value is rounded half up to that many decimals; without
    it, trailing zeros are dropped (``Decimal("1.50")`` -> ``"1,5"`` in es).
    Negative values use an ASCII hyphen-minus.
    """
    value = _as_decimal(value, "value")
    group, point = _SEPARATORS[normalize_language(language)]
    with localcontext(_CONTEXT):
        if places is not None:
            if places < 0:
                raise ValueError("places must be >= 0")
            value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        else:
            value = value.normalize()
        text = format(abs(value), "f")
    negative = value < 0
    integer, _, fraction = text.partition(".")
    groups = []
    while len(integer) > 3:
        groups.append(integer[-3:])
        integer = integer[:-3]
    groups.append(integer)
    result = group.join(reversed(groups))
    if fraction:
        result += point + fraction
    return ("-" if negative else "") + result


_SYMBOLS: dict[str, dict[str, str]] = {
    "EUR": {"es": "€", "en": "€", "fr": "€"},
    "GBP": {"es": "£", "en": "£", "fr": "£"},
    "USD": {"es": "US$", "en": "$", "fr": "$US"},
}


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """An amount for humans, rounded to the cent (half up).

    * es: ``"1.234,56 €"``; fr: ``"1 234,56 €"`` with U+202F (narrow no-break
      space) between thousands; in both the symbol follows after U+00A0
      (no-break space) so that it never wraps away from the number.
    * en: ``"€1,234.56"``; codes without a symbol are written ``"CHF 1,234.56"``
      (U+00A0 after the code).
    * Negative amounts: ``"-1.234,56 €"``, ``"-€1,234.56"``.
    """
    amount = _as_decimal(amount, "amount")
    _check_currency(currency)
    lang = normalize_language(language)
    number = format_decimal(abs(amount), lang, places=2)
    symbol = _SYMBOLS.get(currency, {}).get(lang, currency)
    sign = "-" if round_money(amount) < 0 else ""
    if lang == "en":
        spacer = NBSP if symbol.isalpha() else ""
        return f"{sign}{symbol}{spacer}{number}"
    return f"{sign}{number}{NBSP}{symbol}"


def format_percent(value: Decimal, language: str) -> str:
    """A percentage: ``"21 %"`` (es, U+00A0), ``"21 %"`` (fr, U+202F), ``"21%"`` (en).

    Trailing zeros are dropped (``Decimal("21.00")`` -> ``"21 %"``).
    """
    lang = normalize_language(language)
    number = format_decimal(value, lang)
    if lang == "en":
        return f"{number}%"
    return f"{number}{NBSP if lang == 'es' else NNBSP}%"
