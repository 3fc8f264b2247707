from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from stapp.db.types import UTCDateTime
from stapp.domain.errors import ValidationFailed
from stapp.domain.validation import Form, parse_id, validate_customer

GOOD = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "email": "Ana@Example.com",
    "phone": "512-555-0100",
    "address_line1": "1 Main St",
    "address_line2": "",
    "city": "Austin",
    "state": "tx",
    "zip_code": "78701",
    "location_id": "1",
}


def test_a_valid_customer_comes_back_clean():
    clean = validate_customer(GOOD)
    assert clean["email"] == "ana@example.com"
    assert clean["state"] == "TX"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "First name is required."),
        ("last_name", "x" * 51, "Last name must be at most 50 characters."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("zip_code", "7870", "ZIP must be 5 digits."),
        ("zip_code", "7870a", "ZIP must be 5 digits."),
        ("state", "Texas", "State must be at most 2 characters."),
        ("state", "T1", "State must be a two-letter code, such as TX."),
        ("city", {"$ne": 1}, "Invalid value."),
        ("phone", "call me", "Enter a phone number with 10 to 15 digits."),
        ("phone", "555-0100", "Enter a phone number with 10 to 15 digits."),
    ],
)
def test_each_bad_field_gets_its_own_message(field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_customer({**GOOD, field: value})
    assert exc.value.errors[field] == message


def test_every_error_is_reported_at_once():
    with pytest.raises(ValidationFailed) as exc:
        validate_customer({})
    assert {"first_name", "last_name", "address_line1", "city", "state", "zip_code", "location_id"} <= set(exc.value.errors)


def test_dates_must_be_real_iso_dates():
    form = Form({"d": "2026-02-30", "e": "2026-02-28"})
    assert form.date("d", "Date") is None
    assert form.date("e", "Date") == date(2026, 2, 28)
    assert form.errors == {"d": "Date must be a valid date."}


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", True, None, [], "9" * 20, 0])
def test_ids_from_the_browser_must_be_positive_whole_numbers(value):
    with pytest.raises(ValueError):
        parse_id(value)


def test_utc_column_refuses_naive_times_and_returns_aware_utc():
    col = UTCDateTime()

    class Dialect:
        name = "sqlite"

    with pytest.raises(ValueError):
        col.process_bind_param(datetime(2026, 1, 1), Dialect())
    stored = col.process_bind_param(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=-6))), Dialect())
    assert stored == datetime(2026, 1, 1, 18)
    back = col.process_result_value(stored, Dialect())
    assert back == datetime(2026, 1, 1, 18, tzinfo=UTC) and back.tzinfo is UTC
