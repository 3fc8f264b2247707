"""Hand-written fakes of Smart Home Pay LOS at the HTTP level, for ``httpx.MockTransport``.

``FakeProvider`` keeps the protocol's promises (bearer token, idempotency by key, not_found) in a few
dozen lines, so the same contract tests can run against it and against the real simulator.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from typing import Any

import httpx

from stapp.provider.wire import (
    Address,
    AdjustmentDifference,
    AdjustmentRequest,
    Applicant,
    ApplicationRequest,
    AuthorizationRequest,
    DifferenceKind,
    FinanceType,
    OrderDetails,
    OrderLineDetails,
    OrderLineKind,
    SettlementKind,
    SettlementRequest,
)

TOKEN = "shp-sandbox-token"


def application_json(**overrides: Any) -> dict[str, Any]:
    """A valid application object as the provider sends it; override any member."""
    body: dict[str, Any] = {
        "id": "shp_app_0001",
        "reference": "fa_ref_1",
        "status": "approved",
        "stage": "decisioned",
        "amount_requested": "30000.00",
        "amount_financed": "25000.00",
        "finance_type": "installment",
        "account_number": "SHP000000001",
        "plans": [{"code": "INST-36", "description": "36 months", "finance_type": "installment"}],
        "prequal_url": None,
        "decline_reason": None,
        "created_at": "2025-03-01T12:00:00.000Z",
        "updated_at": "2025-03-01T12:00:00.000Z",
        "version": 1,
    }
    body.update(overrides)
    return body


def make_request(last_name: str = "Smith", *, amount_cents: int = 1_234_550, **overrides: Any) -> ApplicationRequest:
    """A valid application request whose last name picks the sandbox outcome."""
    applicant = Applicant(
        first_name="Pat",
        last_name=last_name,
        email="pat@example.com",
        phone="512-555-0100",
        date_of_birth=date(1980, 5, 17),
        ssn="123456789",
        address=Address(line1="1 Main St", city="Austin", state="TX", zip="78701"),
        annual_income_cents=8_500_000,
        employer="Acme Alarm Co",
    )
    fields: dict[str, Any] = {
        "reference": "fa_ref_1",
        "applicant": applicant,
        "amount_requested_cents": amount_cents,
        "consent_electronic_disclosures": True,
    }
    fields.update(overrides)
    return ApplicationRequest(**fields)


def authorization_json(**overrides: Any) -> dict[str, Any]:
    """A valid approved authorization object as the provider sends it; override any member."""
    body: dict[str, Any] = {
        "id": "shp_auth_0001",
        "application_id": "shp_app_0001",
        "order_reference": "SO-1001",
        "status": "approved",
        "finance_type": "installment",
        "plan_code": "I36",
        "amount": "1000.00",
        "authorization_number": "A12345678",
        "prequal_url": None,
        "decline_reason": None,
        "created_at": "2025-03-01T12:00:00.000Z",
        "updated_at": "2025-03-01T12:00:00.000Z",
        "version": 1,
    }
    body.update(overrides)
    return body


def adjustment_json(**overrides: Any) -> dict[str, Any]:
    """A valid adjustment object as the provider sends it."""
    body: dict[str, Any] = {
        "id": "shp_adj_0001",
        "authorization_id": "shp_auth_0001",
        "status": "accepted",
        "amount": "900.00",
        "authorization_version": 2,
        "created_at": "2025-03-01T12:00:00.000Z",
    }
    body.update(overrides)
    return body


def settlement_json(**overrides: Any) -> dict[str, Any]:
    """A valid settlement object as the provider sends it."""
    body: dict[str, Any] = {
        "id": "shp_stl_0001",
        "authorization_id": "shp_auth_0001",
        "status": "accepted",
        "amount": "400.00",
        "kind": "partial",
        "reference": "STL-1",
        "created_at": "2025-03-01T12:00:00.000Z",
    }
    body.update(overrides)
    return body


def make_order(
    *prices_cents: int, tax_cents: int = 0, discount_cents: int = 0, non_taxable: bool = False
) -> OrderDetails:
    """An order of one-unit merchandise lines (default one line of 1000.00) whose total adds up."""
    prices = prices_cents or (100_000,)
    lines = tuple(
        OrderLineDetails(
            item=f"SKU-{n + 1}", kind=OrderLineKind.MERCHANDISE, quantity=1, unit_price_cents=p, amount_cents=p
        )
        for n, p in enumerate(prices)
    )
    return OrderDetails(
        lines=lines,
        discount_cents=discount_cents,
        tax_cents=tax_cents,
        total_cents=sum(prices) - discount_cents + tax_cents,
        non_taxable=non_taxable,
    )


def make_authorization_request(
    application_id: str = "shp_app_0001",
    *,
    finance_type: FinanceType = FinanceType.INSTALLMENT,
    plan_code: str = "I36",
    amount_cents: int | None = None,
    order: OrderDetails | None = None,
    **overrides: Any,
) -> AuthorizationRequest:
    """A valid authorization request for the whole order (default: one 1000.00 line, no tax)."""
    order = order or make_order(non_taxable=finance_type is FinanceType.RTO)
    return AuthorizationRequest(
        application_id=application_id,
        order_reference=overrides.pop("order_reference", "SO-1001"),
        finance_type=finance_type,
        plan_code=plan_code,
        amount_cents=order.total_cents if amount_cents is None else amount_cents,
        order=order,
        **overrides,
    )


def make_adjustment_request(new_price_cents: int = 90_000, *, old_price_cents: int = 100_000) -> AdjustmentRequest:
    """The one-line order's price changed from ``old_price_cents`` to ``new_price_cents``."""
    return AdjustmentRequest(
        differences=(
            AdjustmentDifference(
                what=DifferenceKind.MERCHANDISE, item="SKU-1", before_cents=old_price_cents, after_cents=new_price_cents
            ),
        ),
        amount_cents=new_price_cents,
        order=make_order(new_price_cents),
    )


def make_settlement_request(
    authorization_id: str = "shp_auth_0001",
    amount_cents: int = 40_000,
    kind: SettlementKind = SettlementKind.PARTIAL,
    reference: str = "STL-1",
) -> SettlementRequest:
    """A settlement request."""
    return SettlementRequest(
        authorization_id=authorization_id, amount_cents=amount_cents, kind=kind, reference=reference
    )


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class FakeProvider:
    """An in-memory provider: every valid applicant is approved for what they asked."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.apps: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}
        self.attempts: Counter[str] = Counter()

    def count_for_key(self, key: str) -> int:
        """How many applications a key created (the fake's own record)."""
        return 1 if key in self.by_key else 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "unauthorized", "message": "Missing or invalid bearer token."})
        path = request.url.path
        if request.method == "GET" and path == "/v1/ping":
            return _json(200, {"ok": True, "provider": "Smart Home Pay LOS"})
        if request.method == "POST" and path == "/v1/applications":
            return self._submit(request)
        if request.method == "GET" and path == "/v1/applications":
            app_id = self.by_key.get(request.url.params.get("idempotency_key", ""))
            return _json(200, self.apps[app_id]) if app_id else _json(404, {"error": "not_found", "message": "-"})
        if request.method == "GET" and path.startswith("/v1/applications/"):
            app = self.apps.get(path.rsplit("/", 1)[1])
            return _json(200, app) if app else _json(404, {"error": "not_found", "message": "-"})
        return _json(404, {"error": "no_such_endpoint", "message": "-"})

    def _submit(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return _json(400, {"error": "missing_idempotency_key", "message": "-"})
        self.attempts[key] += 1
        body = json.loads(request.content)
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if key in self.by_key:
            if self.fingerprints[key] != fingerprint:
                return _json(422, {"error": "idempotency_key_reused", "message": "-"})
            return _json(200, self.apps[self.by_key[key]])
        app_id = f"shp_app_fake{len(self.apps) + 1:04d}"
        self.apps[app_id] = application_json(
            id=app_id,
            reference=body["reference"],
            amount_requested=body["amount_requested"],
            amount_financed=body["amount_requested"],
        )
        self.by_key[key] = app_id
        self.fingerprints[key] = fingerprint
        return _json(201, self.apps[app_id])
