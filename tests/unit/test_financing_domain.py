"""Consumer Financing rules: the one transition table, and the application and provider forms."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stapp.domain.errors import ValidationFailed
from stapp.domain.financing import (
    DECISIONS,
    PENDING,
    TRANSITIONS,
    AppStatus,
    Environment,
    IllegalTransition,
    can_move,
    move,
    validate_application,
    validate_provider,
)

S = AppStatus
TODAY = date(2026, 6, 15)

# Written out independently of TRANSITIONS, so a change to the table has to be made here too.
EXPECTED_LEGAL = {
    (S.NOT_SUBMITTED, S.SUBMITTING),
    *(
        (S.SUBMITTING, t)
        for t in (S.OUTCOME_UNKNOWN, S.NOT_SUBMITTED, S.APPROVED, S.DECLINED, S.PREQUALIFIED, S.IN_REVIEW)
    ),
    *(
        (S.OUTCOME_UNKNOWN, t)
        for t in (S.SUBMITTING, S.NOT_SUBMITTED, S.APPROVED, S.DECLINED, S.PREQUALIFIED, S.IN_REVIEW)
    ),
    *(
        (d, t)
        for d in (S.APPROVED, S.DECLINED, S.PREQUALIFIED, S.IN_REVIEW)
        for t in (S.APPROVED, S.DECLINED, S.PREQUALIFIED, S.IN_REVIEW)
        if d != t
    ),
}
ALL_PAIRS = [(a, b) for a in AppStatus for b in AppStatus]


# --- transitions -------------------------------------------------------------------------------


def test_the_transition_table_covers_every_status_and_matches_the_documented_moves():
    assert set(TRANSITIONS) == set(AppStatus)
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets if a != b}
    assert table == EXPECTED_LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED_LEGAL))
def test_every_legal_move_is_allowed_and_returns_the_target(current, target):
    assert can_move(current, target)
    assert move(current, target) is target


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in EXPECTED_LEGAL and p[0] != p[1]])
def test_every_other_move_is_refused_with_illegal_transition(current, target):
    assert not can_move(current, target)
    with pytest.raises(IllegalTransition):
        move(current, target)


@pytest.mark.parametrize("status", list(AppStatus))
def test_staying_in_the_same_status_is_always_allowed(status):
    assert can_move(status, status)
    assert move(status, status) is status


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_a_decision_never_goes_back_to_not_submitted_submitting_or_outcome_unknown(decision):
    for target in (S.NOT_SUBMITTED, S.SUBMITTING, S.OUTCOME_UNKNOWN):
        assert not can_move(decision, target)


def test_not_submitted_can_only_start_submitting():
    assert {t for t in AppStatus if t != S.NOT_SUBMITTED and can_move(S.NOT_SUBMITTED, t)} == {S.SUBMITTING}


@given(st.lists(st.sampled_from(list(AppStatus)), max_size=40))
def test_random_move_attempts_never_reach_an_illegal_state(targets):
    state = S.NOT_SUBMITTED
    decided = False
    for target in targets:
        before = state
        try:
            state = move(state, target)
        except IllegalTransition:
            assert state == before  # a refused move changes nothing
            assert (before, target) not in EXPECTED_LEGAL
            continue
        assert state == target
        assert state == before or (before, state) in EXPECTED_LEGAL
        if before in DECISIONS:
            assert state in DECISIONS, f"{before} became {state}"
        decided = decided or state in DECISIONS
        if decided:
            assert state not in PENDING | {S.NOT_SUBMITTED}


# --- the application form ---------------------------------------------------------------------


def _app(**over):
    data = {
        "first_name": "Pat",
        "last_name": "Smith",
        "email": "pat@example.com",
        "phone": "512-555-0100",
        "date_of_birth": "1980-05-17",
        "ssn": "123-45-6789",
        "address_line1": "1 Main St",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
        "annual_income": "85000.00",
        "employer": "Acme Alarm Co",
        "amount_requested": "12345.50",
        "consent": True,
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _errors(data, today=TODAY):
    with pytest.raises(ValidationFailed) as info:
        validate_application(data, today=today)
    return info.value.errors


def _co(**over):
    data = {
        "co_first_name": "Sam",
        "co_last_name": "Smith",
        "co_email": "sam@example.com",
        "co_phone": "512-555-0101",
        "co_date_of_birth": "1982-01-02",
        "co_ssn": "987654321",
        "co_annual_income": "40000.00",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_a_complete_application_is_accepted_with_clean_values():
    clean = validate_application(_app(), today=TODAY)
    assert clean["ssn"] == "123456789"
    assert clean["date_of_birth"] == date(1980, 5, 17)
    assert clean["annual_income"] == 8_500_000
    assert clean["amount_requested"] == 1_234_550
    assert clean["has_co_applicant"] is False
    assert clean["consent"] is True


@pytest.mark.parametrize(
    "name",
    [
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "ssn",
        "address_line1",
        "city",
        "state",
        "zip_code",
        "annual_income",
        "employer",
        "amount_requested",
    ],
)
def test_each_required_field_missing_is_reported_beside_that_field(name):
    errors = _errors(_app(**{name: ""}))
    assert set(errors) == {name}


def test_an_empty_form_reports_every_required_field_and_consent():
    errors = _errors({})
    assert {
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "ssn",
        "address_line1",
        "city",
        "state",
        "zip_code",
        "annual_income",
        "employer",
        "amount_requested",
        "consent",
    } <= set(errors)


@pytest.mark.parametrize("ssn", ["123-45-6789", "123456789", " 123-45-6789 "])
def test_ssn_with_or_without_dashes_is_accepted_and_stored_as_nine_digits(ssn):
    assert validate_application(_app(ssn=ssn), today=TODAY)["ssn"] == "123456789"


@pytest.mark.parametrize(
    "ssn",
    [
        "12345678",
        "1234567890",
        "123-45-678",
        "123 45 6789",
        "abc-de-fghi",
        "123-45-67890",
        "123.45.6789",
        "123--45-6789",
    ],
)
def test_an_ssn_of_any_other_form_is_refused(ssn):
    assert set(_errors(_app(ssn=ssn))) == {"ssn"}


@pytest.mark.parametrize("ssn", ["１２３４５６７８９", "١٢٣٤٥٦٧٨٩"])
def test_an_ssn_of_non_ascii_digits_is_refused(ssn):
    assert set(_errors(_app(ssn=ssn))) == {"ssn"}


@pytest.mark.parametrize("ssn", ["123-456789", "12345-6789"])
def test_an_ssn_with_only_one_of_the_two_dashes_is_refused(ssn):
    assert set(_errors(_app(ssn=ssn))) == {"ssn"}


def test_an_applicant_who_turns_eighteen_today_is_accepted():
    validate_application(_app(date_of_birth="2008-06-15"), today=TODAY)


def test_an_applicant_one_day_short_of_eighteen_is_refused():
    errors = _errors(_app(date_of_birth="2008-06-16"))
    assert errors == {"date_of_birth": "The applicant must be at least 18 years old."}


def test_a_date_of_birth_that_is_not_a_date_is_refused():
    assert set(_errors(_app(date_of_birth="1980-02-30"))) == {"date_of_birth"}


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("100.00", 10_000),
        ("100", 10_000),
        ("100000.00", 10_000_000),
        ("100,000.00", 10_000_000),
        ("$5,000.25", 500_025),
    ],
)
def test_amount_requested_bounds_are_inclusive(text, cents):
    assert validate_application(_app(amount_requested=text), today=TODAY)["amount_requested"] == cents


@pytest.mark.parametrize("text", ["99.99", "100000.01", "0", "-500.00", "abc", "100.001", "1e400", "NaN"])
def test_amount_requested_outside_the_bounds_or_not_money_is_refused(text):
    assert set(_errors(_app(amount_requested=text))) == {"amount_requested"}


@pytest.mark.parametrize("text", ["1e3", "5E+3"])
def test_amount_requested_in_exponent_notation_is_refused(text):
    assert set(_errors(_app(amount_requested=text))) == {"amount_requested"}


def test_no_co_applicant_field_means_none_is_required():
    clean = validate_application(_app(), today=TODAY)
    assert clean["has_co_applicant"] is False
    assert "co_ssn" not in clean


def test_a_complete_co_applicant_is_accepted():
    clean = validate_application(_app(**_co(co_ssn="987-65-4321")), today=TODAY)
    assert clean["has_co_applicant"] is True
    assert clean["co_ssn"] == "987654321"
    assert clean["co_annual_income"] == 4_000_000


@pytest.mark.parametrize(
    "given_field",
    ["co_first_name", "co_last_name", "co_email", "co_phone", "co_date_of_birth", "co_ssn", "co_annual_income"],
)
def test_any_one_co_applicant_field_makes_the_co_applicant_required_fields_required(given_field):
    only = _co()[given_field]
    errors = _errors(_app(**{given_field: only}))
    required = {"co_first_name", "co_last_name", "co_email", "co_phone", "co_date_of_birth", "co_ssn",
                "co_annual_income"}
    assert set(errors) == required - {given_field}


def test_a_minor_co_applicant_and_a_bad_co_ssn_are_refused():
    errors = _errors(_app(**_co(co_date_of_birth="2010-01-01", co_ssn="12-345-6789")))
    assert set(errors) == {"co_date_of_birth", "co_ssn"}


@pytest.mark.parametrize("consent", [None, False, "", "off", "no", 0])
def test_consent_is_required(consent):
    data = _app(consent=consent)
    assert _errors(data) == {"consent": "The applicant must consent to electronic disclosures."}


@pytest.mark.parametrize("consent", [True, "on", "true", "1", 1])
def test_consent_accepts_a_checked_box(consent):
    assert validate_application(_app(consent=consent), today=TODAY)["consent"] is True


def test_a_non_mapping_or_wrong_types_are_refused_not_crashed():
    assert "first_name" in _errors(None)  # type: ignore[arg-type]
    assert "first_name" in _errors(_app(first_name=["x"]))


# --- the provider form ------------------------------------------------------------------------


def _provider(**over):
    data = {"name": "SHP Dev", "environment": "Development", "bearer_token": "tok-123", "active": True}
    data.update(over)
    return data


def test_a_complete_provider_is_accepted():
    clean = validate_provider(_provider(), creating=True)
    assert clean == {
        "name": "SHP Dev",
        "environment": Environment.DEVELOPMENT,
        "bearer_token": "tok-123",
        "active": True,
    }


def test_provider_name_is_required_and_at_most_fifty_characters():
    assert validate_provider(_provider(name="n" * 50), creating=True)["name"] == "n" * 50
    for name in ("", "n" * 51):
        with pytest.raises(ValidationFailed) as info:
            validate_provider(_provider(name=name), creating=True)
        assert set(info.value.errors) == {"name"}


@pytest.mark.parametrize("env", ["Development", "Staging", "Production"])
def test_each_environment_is_accepted(env):
    assert validate_provider(_provider(environment=env), creating=False)["environment"] == Environment(env)


@pytest.mark.parametrize("env", ["", "development", "Prod", "Test"])
def test_an_unknown_environment_is_refused(env):
    with pytest.raises(ValidationFailed) as info:
        validate_provider(_provider(environment=env), creating=True)
    assert set(info.value.errors) == {"environment"}


def test_the_token_is_required_when_creating_only():
    with pytest.raises(ValidationFailed) as info:
        validate_provider(_provider(bearer_token=""), creating=True)
    assert set(info.value.errors) == {"bearer_token"}
    assert validate_provider(_provider(bearer_token=""), creating=False)["bearer_token"] == ""


def test_the_token_is_at_most_255_characters():
    assert validate_provider(_provider(bearer_token="t" * 255), creating=True)["bearer_token"] == "t" * 255
    for creating in (True, False):
        with pytest.raises(ValidationFailed) as info:
            validate_provider(_provider(bearer_token="t" * 256), creating=creating)
        assert set(info.value.errors) == {"bearer_token"}


def test_active_is_false_unless_checked():
    assert validate_provider(_provider(active=None), creating=True)["active"] is False
