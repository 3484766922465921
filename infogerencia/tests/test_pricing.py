"""Tests for infogerencia.pricing: Decimal money arithmetic, VAT and formatting."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infogerencia.pricing import (
    EU_STANDARD_VAT_RATES,
    Line,
    Totals,
    VatAmount,
    credit_note_lines,
    format_decimal,
    format_money,
    format_percent,
    line_net,
    normalize_language,
    round_money,
    totals,
    vat_rate_for,
)

D = Decimal
NBSP = "\u00a0"
NNBSP = "\u202f"


def line(
    quantity: str | int = 1,
    unit_price: str = "120.00",
    vat_rate: str | int = 21,
    discount: str | int = 0,
    description: str = "Recompilar PHP",
) -> Line:
    return Line(
        description=description,
        quantity=D(quantity),
        unit_price=D(unit_price),
        vat_rate=D(vat_rate),
        discount_percent=D(discount),
    )


# --- named cases ---------------------------------------------------------------


def test_one_line_at_spanish_vat() -> None:
    result = totals([line(1, "120.00", 21)], "EUR")
    assert result == Totals(
        net=D("120.00"),
        vat_breakdown=(VatAmount(D("21.00"), D("120.00"), D("25.20")),),
        vat_total=D("25.20"),
        gross=D("145.20"),
        currency="EUR",
    )
    assert str(result.gross) == "145.20"


def test_discount() -> None:
    discounted = line(2, "99.99", 21, discount=15)
    # 2 x 99.99 = 199.98; -15 % = 169.983 -> 169.98
    assert line_net(discounted) == D("169.98")
    result = totals([discounted], "EUR")
    # 169.98 x 21 % = 35.6958 -> 35.70
    assert (result.net, result.vat_total, result.gross) == (
        D("169.98"),
        D("35.70"),
        D("205.68"),
    )


def test_full_discount_gives_zero_line() -> None:
    assert line_net(line(3, "50.00", 21, discount=100)) == D("0.00")


def test_fractional_quantity() -> None:
    assert line_net(line("1.5", "60.00")) == D("90.00")
    assert line_net(line("0.333", "10.00")) == D("3.33")


def test_mixed_rates_breakdown() -> None:
    lines = [
        line(1, "120.00", 21, description="Intervención"),
        line(2, "10.00", 10, description="Hosting"),
        line(1, "1234.56", 4, description="Manual"),
        line("2.5", "60.00", 21, discount=10, description="Horas"),
    ]
    result = totals(lines, "EUR")
    assert result.vat_breakdown == (
        VatAmount(D("21.00"), D("255.00"), D("53.55")),
        VatAmount(D("10.00"), D("20.00"), D("2.00")),
        VatAmount(D("4.00"), D("1234.56"), D("49.38")),
    )
    assert result.net == D("1509.56")
    assert result.vat_total == D("104.93")
    assert result.gross == D("1614.49")


def test_equal_rates_written_differently_share_a_row() -> None:
    result = totals([line(1, "10.00", 21), line(1, "10.00", "21.00")], "EUR")
    assert len(result.vat_breakdown) == 1
    assert result.vat_breakdown[0].base == D("20.00")


def test_zero_rate_line_has_its_own_row() -> None:
    result = totals([line(1, "100.00", 0), line(1, "100.00", 21)], "EUR")
    assert result.vat_breakdown[-1] == VatAmount(D("0.00"), D("100.00"), D("0.00"))
    assert result.gross == D("221.00")


def test_empty_document_has_zero_totals() -> None:
    result = totals([], "EUR")
    assert result == Totals(D("0.00"), (), D("0.00"), D("0.00"), "EUR")


# --- rounding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "expected"),
    [
        (1, "0.05", 50, "0.03"),  # 0.025 -> 0.03 (banker's rounding would give 0.02)
        (1, "0.15", 50, "0.08"),  # 0.075 -> 0.08
        (1, "0.01", 50, "0.01"),  # 0.005 -> 0.01
        (1, "0.01", 51, "0.00"),  # 0.0049 -> 0.00
        ("0.5", "0.05", 0, "0.03"),  # 0.025 -> 0.03
        ("0.125", "1.00", 0, "0.13"),  # 0.125 -> 0.13
        (3, "33.33", "33.33", "66.66"),  # 99.99 x 0.6667 = 66.66333 -> 66.66
    ],
)
def test_line_rounding_half_up(quantity: str | int, price: str, discount: str | int, expected: str) -> None:
    exact = D(quantity) * D(price) * (100 - D(discount)) / 100
    assert line_net(line(quantity, price, 21, discount)) == D(expected), exact


def test_vat_rounding_half_up() -> None:
    # 0.50 x 21 % = 0.105 -> 0.11 (banker's rounding would give 0.10)
    assert totals([line(1, "0.50", 21)], "EUR").vat_total == D("0.11")
    # 2.50 x 21 % = 0.525 -> 0.53
    assert totals([line(1, "2.50", 21)], "EUR").vat_total == D("0.53")


def test_vat_is_computed_per_rate_not_per_line() -> None:
    # Three lines of 0.05 at 10 %: per line 0.005 -> 0.01 each would give 0.03;
    # per rate 0.15 x 10 % = 0.015 -> 0.02.
    result = totals([line(1, "0.05", 10) for _ in range(3)], "EUR")
    assert result.vat_breakdown == (VatAmount(D("10.00"), D("0.15"), D("0.02")),)


def test_negative_amounts_round_symmetrically() -> None:
    (credit,) = credit_note_lines([line(1, "0.05", 21, discount=50)])
    assert line_net(credit) == D("-0.03")
    assert totals([credit], "EUR").vat_total == D("-0.01")
    assert round_money(D("-0.005")) == D("-0.01")
    assert round_money(D("0.005")) == D("0.01")


def test_single_line_vat_error_can_exceed_half_a_cent() -> None:
    # Why the property test below allows 0.005 x (lines x rate + 1) per rate:
    # 1 x 0.03 at -50 % = 0.015 -> 0.02 (+0.005); 0.02 x 25 % = 0.005 -> 0.01.
    # Exact VAT is 0.00375, so the rounded VAT is 0.00625 away.
    result = totals([line(1, "0.03", 25, discount=50)], "EUR")
    assert result.vat_total == D("0.01")
    assert abs(result.vat_total - D("0.00375")) > D("0.005")


def test_results_do_not_depend_on_the_callers_decimal_context() -> None:
    import decimal

    with decimal.localcontext(prec=3, rounding=decimal.ROUND_DOWN):
        result = totals([line(7, "123456.78", 21, discount="12.5")], "EUR")
    assert result.net == D("756172.78")  # 864197.46 x 0.875 = 756172.7775
    assert result.vat_total == D("158796.28")  # 158796.2838


# --- credit notes --------------------------------------------------------------


def test_credit_note_negates_quantities() -> None:
    original = [line(2, "50.00", 21, discount=10), line(1, "9.99", 10)]
    credit = credit_note_lines(original)
    assert [c.quantity for c in credit] == [D(-2), D(-1)]
    assert all(c.credit_note for c in credit)
    assert [c.unit_price for c in credit] == [D("50.00"), D("9.99")]
    assert [line_net(c) for c in credit] == [D("-90.00"), D("-9.99")]
    assert totals(credit, "EUR") == totals(original, "EUR").negated()


def test_partial_refund() -> None:
    original = line(3, "40.00", 21)
    (credit,) = credit_note_lines([replace(original, quantity=D(1))])
    assert totals([credit], "EUR").gross == D("-48.40")


def test_credit_note_of_credit_note_is_refused() -> None:
    credit = credit_note_lines([line()])
    with pytest.raises(ValueError, match="already a credit-note line"):
        credit_note_lines(credit)


def test_credit_and_ordinary_lines_cannot_be_mixed() -> None:
    with pytest.raises(ValueError, match="cannot be mixed"):
        totals([line(), *credit_note_lines([line()])], "EUR")


def test_credit_note_line_must_be_negative() -> None:
    with pytest.raises(ValueError, match="credit-note quantity must be negative"):
        Line(
            description="x",
            quantity=D(1),
            unit_price=D(1),
            vat_rate=D(21),
            credit_note=True,
        )


# --- validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"discount_percent": D(-1)}, "discount must be between 0 and 100"),
        ({"discount_percent": D("100.01")}, "discount must be between 0 and 100"),
        ({"discount_percent": D("10.005")}, "discount 10.005 has more than 2 decimal"),
        ({"quantity": D(0)}, "quantity must be greater than 0"),
        ({"quantity": D(-1)}, "negative quantities only exist on credit notes"),
        ({"quantity": D("1.2345")}, "more than 3 decimal places"),
        ({"quantity": D(10) ** 7}, "exceeds"),
        ({"unit_price": D("-0.01")}, "unit price must not be negative"),
        ({"unit_price": D("1.234")}, "unit price 1.234 has more than 2 decimal places"),
        ({"unit_price": D("1E+10")}, "exceeds"),
        ({"vat_rate": D(100)}, "VAT rate must be between 0 and 100"),
        ({"vat_rate": D(-21)}, "VAT rate must be between 0 and 100"),
        ({"vat_rate": D("21.005")}, "VAT rate 21.005 has more than 2 decimal"),
        ({"unit_price": D("NaN")}, "finite"),
        ({"quantity": D("Infinity")}, "finite"),
        ({"description": "  "}, "description must be a non-empty string"),
    ],
)
def test_validation_errors(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "description": "Intervención",
        "quantity": D(1),
        "unit_price": D("120.00"),
        "vat_rate": D(21),
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Line(**fields)  # type: ignore[arg-type]


def test_trailing_zeros_are_not_extra_decimals() -> None:
    assert line_net(line(1, "120.000")) == D("120.00")
    assert line_net(line("2.000000", "1.50")) == D("3.00")


def test_integers_are_accepted_floats_and_strings_are_not() -> None:
    assert Line(description="x", quantity=2, unit_price=5, vat_rate=21).quantity == D(2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not float"):
        Line(description="x", quantity=D(1), unit_price=0.1, vat_rate=D(21))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not str"):
        Line(description="x", quantity=D(1), unit_price="1.00", vat_rate=D(21))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not bool"):
        Line(description="x", quantity=True, unit_price=D(1), vat_rate=D(21))  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["eur", "XXX", "JPY", "", "EURO"])
def test_unknown_currency(currency: str) -> None:
    with pytest.raises(ValueError, match="unsupported currency"):
        totals([line()], currency)


# --- VAT rates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "rate"),
    [
        ("ES", "21"),
        ("es", "21"),
        (" es ", "21"),
        ("FR", "20"),
        ("DE", "19"),
        ("IT", "22"),
        ("PT", "23"),
        ("BE", "21"),
        ("NL", "21"),
        ("IE", "23"),
        ("LU", "17"),
        ("HU", "27"),
        ("FI", "25.5"),
        ("GR", "24"),
        ("EL", "24"),
    ],
)
def test_standard_rates(country: str, rate: str) -> None:
    assert vat_rate_for(country) == D(rate)


def test_table_covers_the_27_member_states() -> None:
    assert len(EU_STANDARD_VAT_RATES) == 27
    assert all(D(0) < rate < D(30) for rate in EU_STANDARD_VAT_RATES.values())


def test_intra_community_b2b_is_reverse_charged() -> None:
    assert vat_rate_for("FR", b2b_vat_id="FR40303265045") == D(0)
    assert vat_rate_for("DE", b2b_vat_id="123456789") == D(0)
    assert vat_rate_for("GR", b2b_vat_id="EL 094259216") == D(0)
    assert vat_rate_for("AT", b2b_vat_id="ATU12345678") == D(0)


def test_b2b_in_the_sellers_country_pays_vat() -> None:
    assert vat_rate_for("ES", b2b_vat_id="ESB12345678") == D(21)
    assert vat_rate_for("FR", b2b_vat_id="FR40303265045", seller_country="FR") == D(20)


def test_blank_vat_id_means_consumer() -> None:
    assert vat_rate_for("FR", b2b_vat_id="  ") == D(20)
    assert vat_rate_for("FR", b2b_vat_id=None) == D(20)


@pytest.mark.parametrize(
    ("country", "vat_id", "message"),
    [
        ("FR", "DE123456789", "does not belong to country FR"),
        ("GR", "GR094259216", "prefix GR, expected EL"),
        ("FR", "FR", "malformed VAT id"),
        ("FR", "FR@@@", "malformed VAT id"),
        ("FR", "X" * 20, "malformed VAT id"),
    ],
)
def test_bad_vat_ids(country: str, vat_id: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        vat_rate_for(country, b2b_vat_id=vat_id)


@pytest.mark.parametrize("country", ["US", "CH", "GB", "XX", "", "ESP"])
def test_unknown_country(country: str) -> None:
    with pytest.raises(ValueError, match="no VAT rate known for country"):
        vat_rate_for(country)


def test_seller_must_be_in_the_eu() -> None:
    with pytest.raises(ValueError, match="seller country"):
        vat_rate_for("ES", seller_country="US")


# --- formatting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("1234.56", "EUR", "es", f"1.234,56{NBSP}€"),
        ("1234.56", "EUR", "en", "€1,234.56"),
        ("1234.56", "EUR", "fr", f"1{NNBSP}234,56{NBSP}€"),
        ("145.2", "EUR", "es", f"145,20{NBSP}€"),
        ("0", "EUR", "en", "€0.00"),
        ("1234567.891", "EUR", "es", f"1.234.567,89{NBSP}€"),
        ("1234567.895", "EUR", "en", "€1,234,567.90"),
        ("-1234.56", "EUR", "es", f"-1.234,56{NBSP}€"),
        ("-1234.56", "EUR", "en", "-€1,234.56"),
        ("-0.001", "EUR", "en", "€0.00"),
        ("999.995", "EUR", "fr", f"1{NNBSP}000,00{NBSP}€"),
        ("10", "USD", "en", "$10.00"),
        ("10", "USD", "es", f"10,00{NBSP}US$"),
        ("10", "GBP", "en", "£10.00"),
        ("1234.5", "CHF", "en", f"CHF{NBSP}1,234.50"),
        ("1234.5", "CHF", "fr", f"1{NNBSP}234,50{NBSP}CHF"),
        ("1234.56", "EUR", "es-ES", f"1.234,56{NBSP}€"),
        ("1234.56", "EUR", "fr_FR", f"1{NNBSP}234,56{NBSP}€"),
    ],
)
def test_format_money(amount: str, currency: str, language: str, expected: str) -> None:
    assert format_money(D(amount), currency, language) == expected


def test_format_money_errors() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        format_money(D(1), "EUR", "de")
    with pytest.raises(ValueError, match="unsupported currency"):
        format_money(D(1), "BTC", "es")
    with pytest.raises(TypeError):
        format_money(1.5, "EUR", "es")  # type: ignore[arg-type]


def test_format_decimal_and_percent() -> None:
    assert format_decimal(D("1.500"), "es") == "1,5"
    assert format_decimal(D("100"), "en") == "100"
    assert format_decimal(D("12345.5"), "fr") == f"12{NNBSP}345,5"
    assert format_decimal(D("2.345"), "en", places=2) == "2.35"
    assert format_percent(D("21.00"), "es") == f"21{NBSP}%"
    assert format_percent(D("5.5"), "fr") == f"5,5{NNBSP}%"
    assert format_percent(D("25.5"), "en") == "25.5%"


@pytest.mark.parametrize(
    ("given_language", "expected"),
    [("es", "es"), ("EN", "en"), ("fr-CA", "fr"), ("es_MX", "es")],
)
def test_normalize_language(given_language: str, expected: str) -> None:
    assert normalize_language(given_language) == expected


# --- properties ----------------------------------------------------------------

RATES = sorted({*EU_STANDARD_VAT_RATES.values(), D(0), D(10), D(4), D("5.5")})

lines_strategy = st.lists(
    st.builds(
        lambda q, p, d, r: Line(
            description="línea",
            quantity=D(q).scaleb(-3),
            unit_price=D(p).scaleb(-2),
            discount_percent=D(d).scaleb(-2),
            vat_rate=r,
        ),
        st.integers(min_value=1, max_value=10**7),
        st.integers(min_value=0, max_value=10**9),
        st.integers(min_value=0, max_value=10**4),
        st.sampled_from(RATES),
    ),
    max_size=25,
)


def _exact_net(item: Line) -> Decimal:
    return item.quantity * item.unit_price * (100 - item.discount_percent) / 100


@given(lines_strategy)
def test_gross_is_net_plus_vat(lines: list[Line]) -> None:
    result = totals(lines, "EUR")
    assert result.gross == result.net + result.vat_total
    assert result.net == sum((line_net(item) for item in lines), D(0))
    assert result.net == sum((row.base for row in result.vat_breakdown), D(0))
    assert result.vat_total == sum((row.vat for row in result.vat_breakdown), D(0))
    for amount in (result.net, result.vat_total, result.gross):
        assert amount == amount.quantize(D("0.01"))


@given(lines_strategy)
def test_line_net_within_half_a_cent_of_exact(lines: list[Line]) -> None:
    for item in lines:
        assert abs(line_net(item) - _exact_net(item)) <= D("0.005")


@given(lines_strategy)
def test_vat_per_rate_close_to_exact(lines: list[Line]) -> None:
    result = totals(lines, "EUR")
    for row in result.vat_breakdown:
        group = [item for item in lines if item.vat_rate == row.rate]
        exact_vat = sum((_exact_net(item) for item in group), D(0)) * row.rate / 100
        # Each rounded line net is off by <= 0.005 (scaled by the rate), then
        # the VAT itself is rounded once more.
        bound = D("0.005") * (len(group) * row.rate / 100 + 1)
        assert abs(row.vat - exact_vat) <= bound
        if len(group) >= 2:
            assert abs(row.vat - exact_vat) <= D("0.005") * len(group)


@given(lines_strategy)
def test_credit_note_totals_are_negated_totals(lines: list[Line]) -> None:
    assert totals(credit_note_lines(lines), "EUR") == totals(lines, "EUR").negated()
