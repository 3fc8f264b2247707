"""Wire types: cents in, decimal strings out, and strict reading of what the provider sends."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from stapp.provider.errors import ProtocolError
from stapp.provider.wire import (
    AdjustmentResult,
    AdjustmentStatus,
    ApplicationResult,
    ApplicationStatus,
    AuthorizationResult,
    AuthorizationStatus,
    CoApplicant,
    FinanceType,
    OrderLineDetails,
    OrderLineKind,
    PingResult,
    ProviderStage,
    SettlementKind,
    SettlementResult,
    SettlementStatus,
    format_wire_datetime,
)
from tests.fake_provider import (
    adjustment_json,
    application_json,
    authorization_json,
    make_adjustment_request,
    make_authorization_request,
    make_order,
    make_request,
    make_settlement_request,
    settlement_json,
)


def test_a_request_becomes_the_documented_wire_dict_with_decimal_strings():
    co = CoApplicant(
        first_name="Sam",
        last_name="Smith",
        email="sam@example.com",
        phone="5125550101",
        date_of_birth=date(1982, 2, 3),
        ssn="987654321",
        annual_income_cents=4_000_005,
    )
    body = make_request(amount_cents=10_000, co_applicant=co, webhook_url="https://stapp.test/hooks/shp").to_json()

    assert body["amount_requested"] == "100.00"
    assert body["consent_electronic_disclosures"] is True
    assert body["co_applicant"]["annual_income"] == "40000.05"
    assert body["co_applicant"]["date_of_birth"] == "1982-02-03"
    assert body["webhook_url"] == "https://stapp.test/hooks/shp"
    assert set(body["applicant"]) == {
        "first_name", "last_name", "email", "phone", "date_of_birth", "ssn", "address", "annual_income", "employer",
    }  # fmt: skip
    assert set(body["applicant"]["address"]) == {"line1", "city", "state", "zip"}


def test_optional_members_are_left_out_when_unset():
    body = make_request().to_json()

    assert "co_applicant" not in body
    assert "webhook_url" not in body


def test_money_must_be_integer_cents_never_a_float():
    with pytest.raises(TypeError):
        make_request(amount_cents=1234.5)
    with pytest.raises(TypeError):
        make_request(amount_cents=True)


def test_the_ssn_and_birth_date_stay_out_of_reprs():
    text = repr(make_request())

    assert "123456789" not in text
    assert "1980" not in text
    assert "Smith" in text


def test_requests_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_request().reference = "other"  # type: ignore[misc]


def test_a_provider_application_is_read_with_enums_cents_and_utc_times():
    result = ApplicationResult.from_json(
        application_json(finance_type="rto", stage="contract_sent", amount_financed=None, unknown_extra="ignored")
    )

    assert result.status is ApplicationStatus.APPROVED
    assert result.stage is ProviderStage.CONTRACT_SENT
    assert result.finance_type is FinanceType.RTO
    assert result.amount_requested_cents == 3_000_000
    assert result.amount_financed_cents is None
    assert result.created_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert result.plans[0].finance_type is FinanceType.INSTALLMENT


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount_requested": "$30,000.00"},
        {"amount_requested": "-1.00"},
        {"amount_requested": "1e3"},
        {"amount_financed": "25000"},
        {"finance_type": "lease"},
        {"plans": "none"},
        {"plans": [{"code": "X"}]},
        {"version": 0},
        {"version": True},
        {"id": ""},
        {"updated_at": "yesterday"},
    ],
)
def test_anything_outside_the_protocol_is_a_protocol_error(overrides):
    with pytest.raises(ProtocolError):
        ApplicationResult.from_json(application_json(**overrides))


def test_wire_datetimes_are_utc_with_a_z_and_refuse_naive_values():
    assert format_wire_datetime(datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)) == "2025-03-01T12:00:00.123Z"
    with pytest.raises(ValueError):
        format_wire_datetime(datetime(2025, 3, 1))


def test_a_ping_answer_is_read_strictly():
    assert PingResult.from_json({"ok": True, "provider": "Smart Home Pay LOS"}).ok is True
    with pytest.raises(ProtocolError):
        PingResult.from_json({"ok": "yes", "provider": "x"})


# --- authorizations, adjustments, settlements ----------------------------------------------------


def test_an_authorization_request_becomes_the_documented_wire_dict():
    order = make_order(50_000, 25_050, tax_cents=6_208, discount_cents=1_000)
    body = make_authorization_request(
        order=order, amount_cents=80_258, account_number="SHP000000001", webhook_url="https://stapp.test/hooks/shp"
    ).to_json()

    assert set(body) == {
        "application_id", "order_reference", "finance_type", "plan_code", "amount", "order",
        "account_number", "account_number_required", "webhook_url",
    }  # fmt: skip
    assert (body["finance_type"], body["amount"], body["account_number_required"]) == ("installment", "802.58", False)
    assert body["order"] == {
        "lines": [
            {"item": "SKU-1", "kind": "merchandise", "quantity": 1, "unit_price": "500.00", "amount": "500.00"},
            {"item": "SKU-2", "kind": "merchandise", "quantity": 1, "unit_price": "250.50", "amount": "250.50"},
        ],
        "discount": "10.00",
        "tax": "62.08",
        "total": "802.58",
        "non_taxable": False,
    }


def test_optional_authorization_members_are_left_out_when_unset():
    body = make_authorization_request().to_json()

    assert "account_number" not in body
    assert "webhook_url" not in body


def test_adjustment_and_settlement_requests_use_decimal_strings_and_enum_values():
    adjustment = make_adjustment_request(90_000).to_json()
    settlement = make_settlement_request(amount_cents=40_005, kind=SettlementKind.FINAL).to_json()

    assert adjustment["amount"] == "900.00"
    assert adjustment["differences"] == [
        {"what": "merchandise", "item": "SKU-1", "before": "1000.00", "after": "900.00"}
    ]
    assert adjustment["order"]["total"] == "900.00"
    assert settlement == {
        "authorization_id": "shp_auth_0001",
        "amount": "400.05",
        "kind": "final",
        "reference": "STL-1",
    }


def test_order_money_must_be_integer_cents():
    with pytest.raises(TypeError):
        OrderLineDetails(item="x", kind=OrderLineKind.FEE, quantity=1, unit_price_cents=10.5, amount_cents=10)
    with pytest.raises(TypeError):
        OrderLineDetails(item="x", kind=OrderLineKind.FEE, quantity=1.0, unit_price_cents=10, amount_cents=10)
    with pytest.raises(TypeError):
        make_authorization_request(amount_cents=100.0)


def test_an_authorization_is_read_with_enums_cents_and_utc_times():
    result = AuthorizationResult.from_json(authorization_json(amount="802.58", finance_type="rto", extra="ignored"))

    assert result.status is AuthorizationStatus.APPROVED
    assert result.finance_type is FinanceType.RTO
    assert result.amount_cents == 80_258
    assert result.authorization_number == "A12345678"
    assert result.created_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_prequalified_authorization_carries_its_url_and_no_number():
    result = AuthorizationResult.from_json(
        authorization_json(status="prequalified", authorization_number=None, prequal_url="https://x.test/p")
    )

    assert result.status is AuthorizationStatus.PREQUALIFIED
    assert (result.authorization_number, result.prequal_url) == (None, "https://x.test/p")


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "pending"},
        {"status": "approved", "authorization_number": None},
        {"status": "prequalified", "authorization_number": None, "prequal_url": None},
        {"amount": 1000.0},
        {"amount": "1000"},
        {"finance_type": None},
        {"version": 0},
        {"created_at": "2025-03-01T12:00:00"},
        {"id": ""},
    ],
)
def test_an_authorization_outside_the_protocol_is_a_protocol_error(overrides):
    with pytest.raises(ProtocolError):
        AuthorizationResult.from_json(authorization_json(**overrides))


def test_adjustments_and_settlements_are_read_strictly():
    adjustment = AdjustmentResult.from_json(adjustment_json())
    settlement = SettlementResult.from_json(settlement_json(kind="batch"))

    assert (adjustment.status, adjustment.amount_cents, adjustment.authorization_version) == (
        AdjustmentStatus.ACCEPTED,
        90_000,
        2,
    )
    assert (settlement.status, settlement.kind, settlement.amount_cents) == (
        SettlementStatus.ACCEPTED,
        SettlementKind.BATCH,
        40_000,
    )
    for bad in ({"status": "pending"}, {"amount": 900}, {"authorization_version": "2"}):
        with pytest.raises(ProtocolError):
            AdjustmentResult.from_json(adjustment_json(**bad))
    for bad in ({"status": "refused"}, {"kind": "daily"}, {"amount": "-1.00"}, {"reference": None}):
        with pytest.raises(ProtocolError):
            SettlementResult.from_json(settlement_json(**bad))
