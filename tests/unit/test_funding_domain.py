import pytest
from hypothesis import given
from hypothesis import strategies as st

from stapp.domain.errors import ValidationFailed
from stapp.domain.funding import FundingOutcome, FundingStatus, totals, validate_funding, validate_transaction

OPTS = {"funders": {"1": 1}, "funding_types": {"2": 2}, "reasons": {"3": 3}}
GOOD = {"funder_id": "1", "funding_type_id": "2", "status": "PENDING", "amount_expected": "1,500.25"}


def test_net_received_is_the_sum_and_remaining_is_expected_minus_it():
    t = totals(150025, [100000, -2500, 50000])
    assert t.net_received_cents == 147500
    assert t.remaining_cents == 2525


def test_a_funding_without_an_expected_amount_counts_it_as_zero():
    assert totals(None, [1000]).remaining_cents == -1000


@given(
    st.one_of(st.none(), st.integers(-9_999_999, 9_999_999)),
    st.lists(st.integers(-9_999_999, 9_999_999).filter(bool), max_size=60),
)
def test_totals_are_exact_for_any_transactions(expected, amounts):
    t = totals(expected, amounts)
    assert t.net_received_cents == sum(amounts)
    assert t.remaining_cents + t.net_received_cents == (expected or 0)
    assert isinstance(t.remaining_cents, int)


def test_a_valid_funding_form_comes_back_clean():
    clean = validate_funding(GOOD, **OPTS)
    assert clean["amount_expected"] == 150025
    assert clean["status"] is FundingStatus.PENDING and clean["outcome"] is None and clean["reason_id"] is None


@pytest.mark.parametrize("status", list(FundingStatus))
@pytest.mark.parametrize("outcome", [*FundingOutcome, None])
def test_status_and_outcome_are_independent(status, outcome):
    clean = validate_funding({**GOOD, "status": status.value, "outcome": outcome.value if outcome else ""}, **OPTS)
    assert clean["status"] is status and clean["outcome"] == outcome


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("funder_id", "", "Funded By is required."),
        ("funder_id", "9", "Choose a valid funded by."),
        ("funding_type_id", "", "Funding Type is required."),
        ("status", "DONE", "Choose a valid funding status."),
        ("outcome", "WON", "Choose a valid outcome."),
        ("amount_expected", "100000.00", "Amount Expected must be between -99,999.99 and 99,999.99."),
        ("amount_expected", "-100000", "Amount Expected must be between -99,999.99 and 99,999.99."),
        ("amount_expected", "1.005", "Amount Expected must be an amount such as 1234.50 with at most two decimals."),
        ("amount_expected", "ten", "Amount Expected must be an amount such as 1234.50 with at most two decimals."),
        ("date_expected", "2026-13-01", "Date Expected must be a valid date."),
        ("grade_info", "x" * 256, "Grade / Info must be at most 255 characters."),
    ],
)
def test_each_bad_funding_field_gets_its_message(field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_funding({**GOOD, field: value}, **OPTS)
    assert exc.value.errors[field] == message


def test_amount_bounds_are_inclusive():
    assert validate_funding({**GOOD, "amount_expected": "99999.99"}, **OPTS)["amount_expected"] == 9_999_999
    assert validate_funding({**GOOD, "amount_expected": "-99999.99"}, **OPTS)["amount_expected"] == -9_999_999


TX = {"type_id": "5", "transaction_date": "2026-04-01", "amount": "-250.00"}


def test_a_negative_transaction_is_a_clawback():
    assert validate_transaction(TX, transaction_types={"5": 5})["amount"] == -25000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "0", "Amount cannot be zero."),
        ("amount", "", "Amount is required."),
        ("amount", "100000", "Amount must be between -99,999.99 and 99,999.99."),
        ("transaction_date", "", "Transaction Date is required."),
        ("transaction_date", "yesterday", "Transaction Date must be a valid date."),
        ("type_id", "6", "Choose a valid transaction type."),
        ("reference", "r" * 256, "Reference must be at most 255 characters."),
    ],
)
def test_each_bad_transaction_field_gets_its_message(field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_transaction({**TX, field: value}, transaction_types={"5": 5})
    assert exc.value.errors[field] == message


# Holdbacks and the guarantee period ------------------------------------------------------------------

from datetime import date  # noqa: E402

from stapp.domain.funding import Holdback, add_months, holdback_release_date  # noqa: E402


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # the 31st of a shorter month is its last day
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 5, 1), 0, date(2026, 5, 1)),
        (date(2026, 12, 10), 120, date(2036, 12, 10)),
    ],
)
def test_the_guarantee_period_adds_calendar_months(start, months, expected):
    assert add_months(start, months) == expected


def test_the_release_date_is_computed_from_the_funding_date_unless_one_is_entered():
    clean = validate_funding({**GOOD, "holdback_amount": "1,250.00", "guarantee_months": "12"}, **OPTS)
    assert clean["holdback_amount"] == 125000 and clean["guarantee_months"] == 12
    assert holdback_release_date(clean, date(2026, 3, 31)) == date(2027, 3, 31)
    entered = validate_funding({**GOOD, "guarantee_months": "12", "holdback_release_date": "2027-01-01"}, **OPTS)
    assert holdback_release_date(entered, date(2026, 3, 31)) == date(2027, 1, 1)  # editable: as entered wins
    assert holdback_release_date(validate_funding(GOOD, **OPTS), date(2026, 3, 31)) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("holdback_amount", "-5.00", "Holdback Amount cannot be negative."),
        ("holdback_amount", "12.345", "Holdback Amount must be an amount such as 1234.50 with at most two decimals."),
        ("guarantee_months", "121", "Guarantee Months must be a whole number of months from 0 to 120."),
        ("guarantee_months", "-1", "Guarantee Months must be a whole number of months from 0 to 120."),
        ("guarantee_months", "1.5", "Guarantee Months must be a whole number of months from 0 to 120."),
        ("holdback_release_date", "2027-02-30", "Holdback Release Date must be a valid date."),
    ],
)
def test_bad_holdback_fields_get_their_message(field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_funding({**GOOD, field: value}, **OPTS)
    assert exc.value.errors == {field: message}


def test_a_holdback_is_held_until_its_release_date_and_released_from_it():
    h = Holdback(50000, date(2027, 6, 1))
    assert h.held_cents(date(2027, 5, 31)) == 50000 and not h.released(date(2027, 5, 31))
    assert h.held_cents(date(2027, 6, 1)) == 0 and h.released(date(2027, 6, 1))
    assert Holdback(50000, None).held_cents(date(2030, 1, 1)) == 50000  # no date: still held
    assert not Holdback(0, date(2020, 1, 1)).released(date(2027, 1, 1))
    assert h.note(date(2027, 5, 31)) == "Held back until 2027-06-01"
    assert h.note(date(2027, 6, 1)) == "Released on 2027-06-01"
    assert Holdback(50000, None).note(date(2027, 6, 1)) == "Held back (no release date)"
    assert Holdback(0, date(2027, 6, 1)).note(date(2027, 6, 1)) == ""


from stapp.domain.funding import chargeback_risk, validate_service_status  # noqa: E402


def test_a_cancellation_inside_the_guarantee_period_is_a_chargeback_risk():
    funded, release = date(2026, 1, 15), date(2027, 1, 15)
    assert chargeback_risk(date(2026, 6, 1), funded, release)
    assert chargeback_risk(date(2026, 1, 15), funded, release)  # from the funding date
    assert not chargeback_risk(date(2027, 1, 15), funded, release)  # the period has ended
    assert not chargeback_risk(date(2025, 12, 31), funded, release)  # cancelled before it was sold
    assert chargeback_risk(date(2025, 12, 31), None, release)  # no funding date: any time before release
    assert not chargeback_risk(None, funded, release) and not chargeback_risk(date(2026, 6, 1), funded, None)


def test_service_status_needs_a_cancellation_date_only_when_cancelled():
    assert validate_service_status({"service_status": "Active", "cancelled_on": "2026-01-01"}) == {
        "service_status": "Active", "cancelled_on": None}
    assert validate_service_status({"service_status": "Cancelled", "cancelled_on": "2026-05-02"})["cancelled_on"] == \
        date(2026, 5, 2)
    with pytest.raises(ValidationFailed) as exc:
        validate_service_status({"service_status": "Cancelled", "cancelled_on": ""})
    assert exc.value.errors == {"cancelled_on": "Cancellation Date is required."}
    with pytest.raises(ValidationFailed):
        validate_service_status({"service_status": "Suspended"})
