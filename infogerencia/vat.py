"""Which VAT a Spanish seller charges for the desk's services, for every customer it serves.

Pure Python (no Django): :func:`decide` takes the customer's country, postal code and VAT
number and returns the rate and the *rule* that gives it. The rule's code is stored on the quote
and the invoice, and its legal mention is printed on both.

The rules, for services supplied by a seller established in the Spanish VAT territory
(Ley 37/1992 del IVA, arts. 3, 69 and 70; Directive 2006/112/EC, arts. 44, 58 and 196):

* ``es_standard``: a customer in the Spanish VAT territory (the Peninsula and the Balearic
  Islands), business or consumer, pays Spanish VAT at the standard rate (21 %).
* ``es_outside_territory``: a customer in the Canary Islands, Ceuta or Melilla is outside the
  Spanish VAT territory (IGIC and IPSI apply there, not IVA): no Spanish VAT. Recognised by the
  country codes ``IC`` (Canary Islands) and ``EA`` (Ceuta and Melilla) or, for ``ES``, by the
  postal code (35 and 38: Canary Islands; 51: Ceuta; 52: Melilla).
* ``eu_reverse_charge``: a business in another EU member state with a VAT number in that
  state's format: no VAT, the customer accounts for it (reverse charge; the document says so).
  The format is checked here; checking the number against VIES is the agent's job.
* ``eu_consumer``: a consumer (no VAT number) in another EU member state pays that state's
  standard rate (the services are supplied electronically and taxed where the customer is,
  declared through the one-stop shop).
* ``outside_eu``: a customer outside the EU, business or consumer: not subject to Spanish VAT.

A country code that is not an ISO 3166-1 country raises :class:`UnknownCountry`; a VAT number
that does not fit its country raises :class:`InvalidVatNumber`. Both say what to correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from infogerencia.pricing import EU_STANDARD_VAT_RATES  # the member states' standard rates, kept once

__all__ = [
    "EU_STANDARD_VAT_RATES",
    "ISO_COUNTRIES",
    "InvalidVatNumber",
    "UnknownCountry",
    "VatDecision",
    "VatRule",
    "decide",
    "normalize_vat_number",
    "postal_code_in",
    "spanish_special_territory",
]

ZERO = Decimal("0")


#: ISO 3166-1 alpha-2 codes of every country and territory, plus the exceptionally reserved
#: ``IC`` (Canary Islands), ``EA`` (Ceuta, Melilla), ``XI`` (Northern Ireland, for VAT) and
#: ``EL`` (Greece, as VIES writes it).
ISO_COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW IC EA XI EL XK
    """.split()
)

_ALIASES = {"EL": "GR", "UK": "GB"}
_VAT_PREFIX = {"GR": "EL"}

#: The format of each member state's VAT number, without its country prefix (VIES formats).
VAT_NUMBER_FORMATS: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern, re.ASCII)
    for code, pattern in {
        "AT": r"U\d{8}",
        "BE": r"[01]\d{9}",
        "BG": r"\d{9,10}",
        "CY": r"\d{8}[A-Z]",
        "CZ": r"\d{8,10}",
        "DE": r"\d{9}",
        "DK": r"\d{8}",
        "EE": r"\d{9}",
        "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
        "FI": r"\d{8}",
        "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
        "GR": r"\d{9}",
        "HR": r"\d{11}",
        "HU": r"\d{8}",
        "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
        "IT": r"\d{11}",
        "LT": r"\d{9}|\d{12}",
        "LU": r"\d{8}",
        "LV": r"\d{11}",
        "MT": r"\d{8}",
        "NL": r"\d{9}B\d{2}",
        "PL": r"\d{10}",
        "PT": r"\d{9}",
        "RO": r"[1-9]\d{1,9}",
        "SE": r"\d{10}01",
        "SI": r"\d{8}",
        "SK": r"\d{10}",
    }.items()
}

#: First two digits of the Spanish postal codes outside the Spanish VAT territory.
_SPECIAL_POSTAL_PREFIXES = {"35": "IC", "38": "IC", "51": "EA", "52": "EA"}
_POSTAL_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)", re.ASCII)


class VatRule(StrEnum):
    """The rule that sets a document's VAT; its value is stored on quotes and invoices."""

    ES_STANDARD = "es_standard"
    ES_OUTSIDE_TERRITORY = "es_outside_territory"
    EU_REVERSE_CHARGE = "eu_reverse_charge"
    EU_CONSUMER = "eu_consumer"
    OUTSIDE_EU = "outside_eu"


@dataclass(frozen=True)
class VatDecision:
    """The rate (percent) charged, the rule that gives it and the customer's country for it."""

    rate: Decimal
    rule: VatRule
    country: str


class UnknownCountry(ValueError):
    """The country code is not an ISO 3166-1 country: the customer's details need correcting."""

    def __init__(self, country: str) -> None:
        super().__init__(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
        self.country = country


class InvalidVatNumber(ValueError):
    """The VAT number does not fit the customer's country."""

    def __init__(self, vat_number: str, country: str) -> None:
        super().__init__(f"{vat_number!r} is not a VAT number of {country}")
        self.vat_number = vat_number
        self.country = country


def _country(code: str) -> str:
    cleaned = (code or "").strip().upper()
    cleaned = _ALIASES.get(cleaned, cleaned)
    if cleaned not in ISO_COUNTRIES:
        raise UnknownCountry(code)
    return cleaned


def postal_code_in(address: str) -> str | None:
    """The first five-digit group of an address (a Spanish postal code), or None."""
    match = _POSTAL_CODE.search(address or "")
    return match.group(1) if match else None


def spanish_special_territory(postal_code: str | None) -> str | None:
    """``"IC"`` for a Canary Islands postal code, ``"EA"`` for Ceuta or Melilla, else None."""
    if postal_code is None or not re.fullmatch(r"\d{5}", postal_code, re.ASCII):
        return None
    return _SPECIAL_POSTAL_PREFIXES.get(postal_code[:2])


def normalize_vat_number(vat_number: str, country: str) -> str:
    """The number without spaces, dots, dashes or its country prefix, upper case.

    Raises :class:`InvalidVatNumber` when it does not fit the country's format (or carries another
    country's prefix). Countries outside the EU have no format here: any 2-20 letters or digits.
    """
    code = _country(country)
    raw = re.sub(r"[\s.\-/]", "", vat_number or "").upper()
    prefix = _VAT_PREFIX.get(code, code)
    body = raw[2:] if raw[:2] == prefix else raw
    other = _ALIASES.get(raw[:2], raw[:2])
    if raw[:2] != prefix and other != code and other in VAT_NUMBER_FORMATS:
        if VAT_NUMBER_FORMATS[other].fullmatch(raw[2:]):
            raise InvalidVatNumber(vat_number, code)  # Another member state's number, prefix and all.
    pattern = VAT_NUMBER_FORMATS.get(code)
    if pattern is None:
        if not re.fullmatch(r"[A-Z0-9]{2,20}", body, re.ASCII):
            raise InvalidVatNumber(vat_number, code)
        return body
    if not pattern.fullmatch(body):
        raise InvalidVatNumber(vat_number, code)
    return body


def decide(
    country: str, *, vat_number: str = "", postal_code: str | None = None, seller_country: str = "ES"
) -> VatDecision:
    """The VAT a Spanish seller charges a customer (see the module's docstring for the rules).

    ``seller_country`` must be ``"ES"``: these are the Spanish rules, and the Canary Islands,
    Ceuta and Melilla only mean something to a seller in Spain.
    """
    seller = _country(seller_country)
    if seller != "ES":
        raise ValueError(f"these are the Spanish VAT rules; the seller's country is {seller_country!r}")
    code = _country(country)
    if code == "ES":
        territory = spanish_special_territory(postal_code)
        if territory is not None:
            return VatDecision(ZERO, VatRule.ES_OUTSIDE_TERRITORY, territory)
        return VatDecision(EU_STANDARD_VAT_RATES["ES"], VatRule.ES_STANDARD, "ES")
    if code in {"IC", "EA"}:
        return VatDecision(ZERO, VatRule.ES_OUTSIDE_TERRITORY, code)
    if code in EU_STANDARD_VAT_RATES:
        if (vat_number or "").strip():
            normalize_vat_number(vat_number, code)
            return VatDecision(ZERO, VatRule.EU_REVERSE_CHARGE, code)
        return VatDecision(EU_STANDARD_VAT_RATES[code], VatRule.EU_CONSUMER, code)
    # Everywhere else, Northern Ireland (``XI``) included: it is in the EU VAT area for goods only.
    return VatDecision(ZERO, VatRule.OUTSIDE_EU, code)
