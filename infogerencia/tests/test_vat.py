"""The VAT rules for every customer: a table of cases, the properties that hold for all, and the
quote a commercial agent drafts for each kind of customer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infogerencia import vat
from infogerencia.vat import VatRule

D = Decimal

# (country, VAT number, postal code) -> (rate, rule, country the rule names)
TABLE = [
    # Spain: 21 % for businesses and consumers alike.
    (("ES", "", "28001"), ("21", VatRule.ES_STANDARD, "ES")),
    (("ES", "ESB12345678", "08001"), ("21", VatRule.ES_STANDARD, "ES")),
    (("es", "", None), ("21", VatRule.ES_STANDARD, "ES")),
    (("ES", "", "07001"), ("21", VatRule.ES_STANDARD, "ES")),  # Balearic Islands: in the territory
    # Canary Islands, Ceuta, Melilla: outside the Spanish VAT territory.
    (("ES", "", "35001"), ("0", VatRule.ES_OUTSIDE_TERRITORY, "IC")),  # Las Palmas
    (("ES", "B35123456", "38001"), ("0", VatRule.ES_OUTSIDE_TERRITORY, "IC")),  # Santa Cruz de Tenerife
    (("ES", "", "51001"), ("0", VatRule.ES_OUTSIDE_TERRITORY, "EA")),  # Ceuta
    (("ES", "", "52001"), ("0", VatRule.ES_OUTSIDE_TERRITORY, "EA")),  # Melilla
    (("IC", "", None), ("0", VatRule.ES_OUTSIDE_TERRITORY, "IC")),
    (("EA", "", None), ("0", VatRule.ES_OUTSIDE_TERRITORY, "EA")),
    # A business elsewhere in the EU with a VAT number: reverse charge.
    (("FR", "FR40303265045", "75001"), ("0", VatRule.EU_REVERSE_CHARGE, "FR")),
    (("DE", "DE123456789", None), ("0", VatRule.EU_REVERSE_CHARGE, "DE")),
    (("GR", "EL094259216", None), ("0", VatRule.EU_REVERSE_CHARGE, "GR")),
    (("EL", "094259216", None), ("0", VatRule.EU_REVERSE_CHARGE, "GR")),
    (("AT", "ATU12345678", None), ("0", VatRule.EU_REVERSE_CHARGE, "AT")),
    (("NL", "NL123456789B01", None), ("0", VatRule.EU_REVERSE_CHARGE, "NL")),
    (("IE", "IE1234567T", None), ("0", VatRule.EU_REVERSE_CHARGE, "IE")),
    # An EU consumer: their country's rate.
    (("FR", "", "75001"), ("20", VatRule.EU_CONSUMER, "FR")),
    (("DE", "  ", None), ("19", VatRule.EU_CONSUMER, "DE")),
    (("FI", "", None), ("25.5", VatRule.EU_CONSUMER, "FI")),
    (("HU", "", None), ("27", VatRule.EU_CONSUMER, "HU")),
    (("PT", "", "35001"), ("23", VatRule.EU_CONSUMER, "PT")),  # postal codes only matter in Spain
    # Outside the EU, business or consumer: no Spanish VAT.
    (("GB", "GB123456789", None), ("0", VatRule.OUTSIDE_EU, "GB")),
    (("GB", "", "SW1A 1AA"), ("0", VatRule.OUTSIDE_EU, "GB")),
    (("UK", "", None), ("0", VatRule.OUTSIDE_EU, "GB")),
    (("US", "", "10001"), ("0", VatRule.OUTSIDE_EU, "US")),
    (("CH", "CHE123456789", None), ("0", VatRule.OUTSIDE_EU, "CH")),
    (("NO", "", None), ("0", VatRule.OUTSIDE_EU, "NO")),
    (("XI", "", None), ("0", VatRule.OUTSIDE_EU, "XI")),
    (("MA", "", None), ("0", VatRule.OUTSIDE_EU, "MA")),
]


@pytest.mark.parametrize(("given_", "expected"), TABLE, ids=[" ".join(map(str, g)) for g, _ in TABLE])
def test_it_applies_the_table(given_, expected):
    country, number, postal = given_
    rate, rule, named = expected
    decision = vat.decide(country, vat_number=number, postal_code=postal)
    assert (decision.rate, decision.rule, decision.country) == (D(rate), rule, named)


@pytest.mark.parametrize("country", ["", "XX", "ZZ", "E", "ESP", "12", "Spain"])
def test_it_refuses_a_country_it_does_not_know(country):
    with pytest.raises(vat.UnknownCountry):
        vat.decide(country)


@pytest.mark.parametrize(
    ("country", "number"),
    [("FR", "DE123456789"), ("DE", "12345"), ("FR", "FR4030326504"), ("NL", "NL123456789"), ("AT", "12345678")],
)
def test_it_refuses_a_vat_number_of_the_wrong_shape(country, number):
    with pytest.raises(vat.InvalidVatNumber):
        vat.decide(country, vat_number=number)


def test_the_rules_are_the_spanish_ones():
    with pytest.raises(ValueError, match="Spanish VAT rules"):
        vat.decide("FR", seller_country="FR")


def test_it_finds_the_postal_code_in_an_address():
    assert vat.postal_code_in("Calle Mayor 1\n35001 Las Palmas de Gran Canaria") == "35001"
    assert vat.postal_code_in("Unit 4, 123456 Road") is None
    assert vat.postal_code_in("") is None


@given(st.sampled_from(sorted(vat.EU_STANDARD_VAT_RATES)), st.booleans())
def test_an_eu_customer_pays_their_rate_or_reverses_it(country, business):
    numbers = {"ES": "B12345678", "FR": "40303265045", "IE": "1234567T", "AT": "U12345678", "NL": "123456789B01"}
    number = numbers.get(country, "") if business else ""
    if business and not number:
        pattern = vat.VAT_NUMBER_FORMATS[country].pattern
        number = {r"\d{8}": "12345678", r"\d{9}": "123456789", r"\d{10}": "1234567890", r"\d{11}": "12345678901"}.get(
            pattern.split("|")[0], ""
        )
    decision = vat.decide(country, vat_number=number, postal_code="28001")
    if country == "ES":
        assert decision.rule == VatRule.ES_STANDARD and decision.rate == D(21)
    elif number:
        assert decision.rule == VatRule.EU_REVERSE_CHARGE and decision.rate == 0
    else:
        assert decision.rule == VatRule.EU_CONSUMER and decision.rate == vat.EU_STANDARD_VAT_RATES[country]


@given(
    st.sampled_from(sorted(vat.ISO_COUNTRIES - set(vat.EU_STANDARD_VAT_RATES) - {"IC", "EA", "EL"})),
    st.text(max_size=12),
)
def test_no_spanish_vat_is_charged_outside_the_eu(country, number):
    try:
        decision = vat.decide(country, vat_number=number)
    except vat.InvalidVatNumber:  # Outside the EU a number is only read for its letters and digits.
        return
    assert decision.rate == 0
    assert decision.rule in {VatRule.OUTSIDE_EU}


@given(st.integers(min_value=1000, max_value=52999))
def test_only_the_canary_ceuta_and_melilla_postcodes_leave_spanish_vat(code):
    postal = f"{code:05d}"
    decision = vat.decide("ES", postal_code=postal)
    outside = postal[:2] in {"35", "38", "51", "52"}
    assert (decision.rule == VatRule.ES_OUTSIDE_TERRITORY) is outside
    assert decision.rate == (0 if outside else D(21))
