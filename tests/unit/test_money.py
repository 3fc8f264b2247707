import pytest
from hypothesis import given
from hypothesis import strategies as st

from stapp.domain.money import MoneyError, cents_to_decimal_string, format_cents, parse_cents, percent_of


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1234.50", 123450), ("1,234.5", 123450), ("$5", 500), ("-20.01", -2001), ("-$7.00", -700), ("0.1", 10), (12, 1200)],
)
def test_parse_cents_reads_what_people_type(text, cents):
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1.234", "NaN", "Infinity", "1e400", None, 1.5, True, [], "9" * 30])
def test_parse_cents_refuses_anything_that_is_not_an_exact_amount(text):
    with pytest.raises(MoneyError):
        parse_cents(text)


def test_parse_cents_enforces_bounds():
    assert parse_cents("99999.99", min_cents=-9999999, max_cents=9999999) == 9999999
    with pytest.raises(MoneyError, match="at most"):
        parse_cents("100000.00", max_cents=9999999)
    with pytest.raises(MoneyError, match="at least"):
        parse_cents("-100000.00", min_cents=-9999999)


def test_format_cents_shows_currency_with_a_leading_minus():
    assert format_cents(123450) == "$1,234.50"
    assert format_cents(-123450) == "-$1,234.50"
    assert format_cents(0) == "$0.00"
    assert format_cents(5) == "$0.05"


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_format_then_parse_round_trips_exactly(cents):
    assert parse_cents(format_cents(cents)) == cents
    assert parse_cents(cents_to_decimal_string(cents)) == cents


def test_percent_rounds_half_up_once():
    assert percent_of(10000, 825) == 825
    assert percent_of(1, 5000) == 1  # 0.5 cent rounds up
    assert percent_of(-1, 5000) == -1
