"""The simulator in-process: authorizations, pre-qualify, adjustments, settlements and the ``/_sim/ledger``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from stapp.provider.simulator import SimConfig, create_app
from stapp.provider.webhooks import sign
from stapp.provider.wire import FinanceType, OrderDetails
from tests.fake_provider import (
    make_adjustment_request,
    make_authorization_request,
    make_order,
    make_request,
    make_settlement_request,
)

TOKEN = "sim-token"
ADMIN = {"X-Sim-Admin": "sim-admin"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOOK = "https://stapp.test/hooks/shp"

# Every member of the authorization object, as docs/provider-api.md lists them.
AUTHORIZATION_FIELDS = {
    "id", "application_id", "order_reference", "status", "finance_type", "plan_code", "amount",
    "authorization_number", "prequal_url", "decline_reason", "created_at", "updated_at", "version",
}  # fmt: skip


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    cfg = SimConfig(
        token=TOKEN,
        latency_ms=0,
        review_delay_s=60.0,
        timeout_delay_s=0.0,
        auth_prequal_delay_s=0.05,
        webhook_secret="whsec",
        webhook_retry_delays_s=(0.01,),
    )
    app = create_app(cfg)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as http:
        yield http, app.state.sim
    await app.state.sim.close()


async def approved_app(http: httpx.AsyncClient, last_name: str = "Smith", amount_cents: int = 1_234_550) -> dict:
    response = await http.post(
        "/v1/applications",
        json=make_request(last_name, amount_cents=amount_cents).to_json(),
        headers={**AUTH, "Idempotency-Key": f"app-{last_name}-{amount_cents}"},
    )
    app = response.json()
    assert app["status"] == "approved", app
    return app


def auth_body(app: dict, **changes: Any) -> dict[str, Any]:
    """A valid authorization body for a 1000.00 order under ``app``; ``changes`` replace members (an order as
    ``OrderDetails`` or as its wire dict)."""
    body = make_authorization_request(
        app["id"], finance_type=FinanceType(app["finance_type"]), plan_code=app["plans"][0]["code"]
    ).to_json()
    body.update({name: v.to_json() if isinstance(v, OrderDetails) else v for name, v in changes.items()})
    return body


async def post(http: httpx.AsyncClient, path: str, body: Any, key: str | None = "k1") -> httpx.Response:
    headers = dict(AUTH) if key is None else {**AUTH, "Idempotency-Key": key}
    return await http.post(path, json=body, headers=headers)


async def authorize(http: httpx.AsyncClient, app: dict, key: str = "a1", **changes: Any) -> httpx.Response:
    return await post(http, "/v1/authorizations", auth_body(app, **changes), key)


async def ledger(http: httpx.AsyncClient, **params: str) -> dict:
    response = await http.get("/_sim/ledger", params=params, headers=ADMIN)
    assert response.status_code == 200
    return response.json()


async def settle(http: httpx.AsyncClient, auth_id: str, amount_cents: int, key: str, **changes: Any) -> httpx.Response:
    body = make_settlement_request(auth_id, amount_cents, reference=key).to_json()
    body.update(changes)
    return await post(http, "/v1/settlements", body, key)


# --- authorizations ------------------------------------------------------------------------------


async def test_anyone_else_is_authorized_at_once_with_a_number(sim):
    http, _ = sim
    app = await approved_app(http)

    response = await authorize(http, app)

    auth = response.json()
    assert response.status_code == 201
    assert set(auth) == AUTHORIZATION_FIELDS
    assert auth["id"].startswith("shp_auth_")
    assert (auth["status"], auth["version"], auth["amount"]) == ("approved", 1, "1000.00")
    assert auth["authorization_number"] and auth["prequal_url"] is None and auth["decline_reason"] is None
    assert (auth["application_id"], auth["order_reference"], auth["finance_type"]) == (
        app["id"],
        "SO-1001",
        "installment",
    )
    assert auth["created_at"].endswith("Z")
    fetched = await http.get(f"/v1/authorizations/{auth['id']}", headers=AUTH)
    assert fetched.json() == auth


async def test_the_same_key_gives_the_same_authorization_and_another_body_is_refused(sim):
    http, _ = sim
    app = await approved_app(http)

    first = await authorize(http, app, "a1")
    again = await authorize(http, app, "a1")
    other = await authorize(http, app, "a1", order_reference="SO-2")

    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (200, "true")
    assert again.json() == first.json()
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    record = await ledger(http)
    assert record["authorizations"]["count"] == 1
    assert record["authorizations"]["attempts"] == {"a1": 3}


async def test_ten_concurrent_authorizations_with_one_key_create_one(sim):
    http, _ = sim
    app = await approved_app(http)

    answers = await asyncio.gather(*(authorize(http, app, "same") for _ in range(10)))

    assert len({a.json()["id"] for a in answers}) == 1
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert (await ledger(http))["authorizations"]["count"] == 1


async def test_auth_decline_is_declined_with_a_reason_and_no_number(sim):
    http, _ = sim
    app = await approved_app(http, "AuthDecline")

    auth = (await authorize(http, app)).json()

    assert auth["status"] == "declined"
    assert auth["decline_reason"]
    assert auth["authorization_number"] is None and auth["prequal_url"] is None


async def test_auth_prequal_is_prequalified_then_approved_later_and_each_change_is_a_signed_webhook(sim):
    http, state = sim
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    state.http = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    app = await approved_app(http, "authprequal")

    auth = (await authorize(http, app, webhook_url=HOOK)).json()
    assert (auth["status"], auth["authorization_number"]) == ("prequalified", None)
    assert auth["prequal_url"].startswith("https://")
    await asyncio.sleep(0.2)
    later = (await http.get(f"/v1/authorizations/{auth['id']}", headers=AUTH)).json()

    assert (later["status"], later["version"], later["prequal_url"]) == ("approved", 2, None)
    assert later["authorization_number"]
    events = [json.loads(r.content) for r in received]
    assert [e["type"] for e in events] == ["authorization.updated"] * 2
    assert [e["authorization"]["status"] for e in events] == ["prequalified", "approved"]
    assert events[1]["authorization"] == later
    for r in received:
        assert r.headers["X-SHP-Signature"] == sign("whsec", int(r.headers["X-SHP-Timestamp"]), r.content)


async def test_an_authorization_delivers_no_webhook_without_a_url(sim):
    http, state = sim
    app = await approved_app(http)

    await authorize(http, app)

    assert state.deliveries == [] and not state.tasks


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "20000.00", "order": make_order(2_000_000)}, "amount"),
        ({"finance_type": "rto"}, "finance_type"),
        ({"finance_type": "lease"}, "finance_type"),
        ({"plan_code": "R24"}, "plan_code"),
        ({"account_number_required": True}, "account_number"),
        ({"account_number": "SHP-not-theirs"}, "account_number"),
        ({"amount": "1000.01"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": 1000}, "amount"),
        ({"order_reference": ""}, "order_reference"),
        ({"order": None}, "order"),
        ({"order": {**make_order().to_json(), "lines": []}}, "order.lines"),
        ({"order": {**make_order().to_json(), "total": "999.00"}}, "order.total"),
        ({"order": {**make_order().to_json(), "tax": "10.00", "total": "1010.00", "non_taxable": True}}, "order.tax"),
        ({"order": {**make_order().to_json(), "non_taxable": "no"}}, "order.non_taxable"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
    ],
)
async def test_an_invalid_authorization_is_refused_naming_the_field_and_nothing_is_recorded(sim, changes, field):
    http, _ = sim
    app = await approved_app(http)

    response = await authorize(http, app, **changes)

    assert response.status_code == 422, response.json()
    assert response.json()["error"] == "validation_failed"
    assert field in response.json()["errors"]
    assert (await ledger(http))["authorizations"]["count"] == 0


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 2}, "order.lines.0.amount"),
        ({"quantity": 0}, "order.lines.0.quantity"),
        ({"quantity": 1.0}, "order.lines.0.quantity"),
        ({"kind": "gift"}, "order.lines.0.kind"),
        ({"unit_price": "1000"}, "order.lines.0.unit_price"),
        ({"item": ""}, "order.lines.0.item"),
    ],
)
async def test_order_lines_are_checked_one_by_one(sim, line, field):
    http, _ = sim
    app = await approved_app(http)
    order = make_order().to_json()
    order["lines"][0].update(line)

    response = await authorize(http, app, order=order)

    assert field in response.json()["errors"]


async def test_an_unknown_application_is_not_found(sim):
    http, _ = sim
    app = await approved_app(http)

    response = await authorize(http, app, application_id="shp_app_0000000000000000")

    assert (response.status_code, response.json()["error"]) == (404, "not_found")


@pytest.mark.parametrize("last_name", ["Decline", "Prequal", "Review"])
async def test_an_application_that_is_not_approved_cannot_be_authorized(sim, last_name):
    http, _ = sim
    app = (await post(http, "/v1/applications", make_request(last_name).to_json(), "app")).json()

    response = await post(
        http, "/v1/authorizations", {**auth_body({**app, "finance_type": "installment", "plans": [{"code": "X"}]})}
    )

    assert response.status_code == 422
    assert "application_id" in response.json()["errors"]


async def test_the_account_number_passes_when_required_and_sent_or_when_not_required(sim):
    http, _ = sim
    app = await approved_app(http)

    with_number = await authorize(http, app, "a1", account_number=app["account_number"], account_number_required=True)
    without = await authorize(http, app, "a2", account_number_required=False)

    assert (with_number.status_code, without.status_code) == (201, 201)


async def test_a_refused_body_does_not_record_the_key_so_a_corrected_body_may_reuse_it(sim):
    http, _ = sim
    app = await approved_app(http)

    refused = await authorize(http, app, "a1", plan_code="NOPE")
    corrected = await authorize(http, app, "a1")

    assert (refused.status_code, corrected.status_code) == (422, 201)


async def test_an_authorization_needs_an_idempotency_key(sim):
    http, _ = sim
    app = await approved_app(http)

    response = await post(http, "/v1/authorizations", auth_body(app), key=None)

    assert (response.status_code, response.json()["error"]) == (400, "missing_idempotency_key")


async def test_rto_finances_the_full_non_taxable_order(sim):
    http, _ = sim
    app = await approved_app(http, "Lease")
    taxed = make_order(100_000, tax_cents=8_250).to_json()

    ok = await authorize(http, app, "a1")
    part = await authorize(http, app, "a2", amount="500.00")
    taxable = await authorize(http, app, "a3", order=taxed, amount="1082.50")

    assert (ok.status_code, ok.json()["finance_type"], ok.json()["plan_code"]) == (201, "rto", "R24")
    assert "amount" in part.json()["errors"]
    assert "order.non_taxable" in taxable.json()["errors"]


async def test_revolving_may_finance_part_of_a_taxable_order(sim):
    http, _ = sim
    app = await approved_app(http, "Revolve")

    response = await authorize(http, app, order=make_order(100_000, tax_cents=8_250), amount="500.00")

    assert (response.status_code, response.json()["finance_type"]) == (201, "revolving")


async def test_an_unknown_authorization_is_not_found(sim):
    http, _ = sim

    response = await http.get("/v1/authorizations/shp_auth_nope", headers=AUTH)

    assert (response.status_code, response.json()["error"]) == (404, "not_found")


# --- adjustments ---------------------------------------------------------------------------------


async def adjust(http: httpx.AsyncClient, auth_id: str, new_cents: int, key: str = "j1", **changes: Any):
    body = make_adjustment_request(new_cents).to_json()
    body.update(changes)
    return await post(http, f"/v1/authorizations/{auth_id}/adjustments", body, key)


async def test_an_adjustment_changes_the_amount_and_the_version_once_per_key(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()

    first = await adjust(http, auth["id"], 90_000)
    again = await adjust(http, auth["id"], 90_000)
    now = (await http.get(f"/v1/authorizations/{auth['id']}", headers=AUTH)).json()

    adjustment = first.json()
    assert first.status_code == 201
    assert set(adjustment) == {"id", "authorization_id", "status", "amount", "authorization_version", "created_at"}
    assert adjustment["id"].startswith("shp_adj_")
    assert (adjustment["status"], adjustment["amount"], adjustment["authorization_version"]) == (
        "accepted",
        "900.00",
        2,
    )
    assert (again.status_code, again.json()) == (200, adjustment)
    assert (now["amount"], now["version"]) == ("900.00", 2)
    assert (await ledger(http, authorization_id=auth["id"]))["adjustments"]["count"] == 1


async def test_the_same_adjustment_key_for_another_authorization_is_a_reuse(sim):
    http, _ = sim
    app = await approved_app(http)
    one = (await authorize(http, app, "a1")).json()
    two = (await authorize(http, app, "a2")).json()

    await adjust(http, one["id"], 90_000, "j1")
    response = await adjust(http, two["id"], 90_000, "j1")

    assert response.json()["error"] == "idempotency_key_reused"


async def test_an_adjustment_above_the_applications_amount_financed_is_refused(sim):
    http, _ = sim
    app = await approved_app(http, amount_cents=150_000)  # financed 1500.00
    auth = (await authorize(http, app)).json()

    response = await adjust(http, auth["id"], 150_001)

    assert response.status_code == 422
    assert "amount" in response.json()["errors"]
    assert (await http.get(f"/v1/authorizations/{auth['id']}", headers=AUTH)).json()["version"] == 1


async def test_an_adjustment_below_what_is_settled_is_refused(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()
    await settle(http, auth["id"], 95_000, "s1")

    response = await adjust(http, auth["id"], 90_000)

    assert "already settled" in response.json()["errors"]["amount"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"differences": []}, "differences"),
        (
            {"differences": [{"what": "shipping", "item": None, "before": "0.00", "after": "1.00"}]},
            "differences.0.what",
        ),
        ({"differences": [{"what": "tax", "item": None, "before": "1.00", "after": "1.00"}]}, "differences.0.after"),
        ({"amount": "900"}, "amount"),
        ({"order": {**make_order(90_000).to_json(), "total": "1.00"}}, "order.total"),
    ],
)
async def test_an_invalid_adjustment_is_refused_naming_the_field(sim, changes, field):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()

    response = await adjust(http, auth["id"], 90_000, **changes)

    assert response.status_code == 422
    assert field in response.json()["errors"]


async def test_an_order_level_difference_may_have_no_item(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()
    differences = [{"what": "discount", "item": None, "before": "0.00", "after": "100.00"}]
    order = make_order(100_000, discount_cents=10_000).to_json()

    response = await adjust(http, auth["id"], 90_000, differences=differences, order=order)

    assert response.status_code == 201


async def test_adjusting_an_unknown_or_unapproved_authorization_is_refused(sim):
    http, _ = sim
    declined = (await authorize(http, await approved_app(http, "AuthDecline"))).json()

    unknown = await adjust(http, "shp_auth_nope", 90_000)
    refused = await adjust(http, declined["id"], 90_000)

    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (refused.status_code, refused.json()["error"]) == (422, "authorization_not_approved")


# --- settlements ---------------------------------------------------------------------------------


async def test_a_settlement_is_recorded_once_per_key(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()

    first = await settle(http, auth["id"], 40_000, "s1")
    again = await settle(http, auth["id"], 40_000, "s1")

    settlement = first.json()
    assert first.status_code == 201
    assert set(settlement) == {"id", "authorization_id", "status", "amount", "kind", "reference", "created_at"}
    assert settlement["id"].startswith("shp_stl_")
    assert (settlement["status"], settlement["amount"], settlement["kind"]) == ("accepted", "400.00", "partial")
    assert (again.status_code, again.json()) == (200, settlement)
    record = await ledger(http, authorization_id=auth["id"])
    assert (record["settlements"]["count"], record["settlements"]["total"]) == (1, "400.00")
    assert record["settlements"]["attempts"] == {"s1": 2}


async def test_settling_more_than_the_authorization_is_refused_as_over_settlement(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()
    await settle(http, auth["id"], 60_000, "s1")

    over = await settle(http, auth["id"], 40_001, "s2")
    exact = await settle(http, auth["id"], 40_000, "s3")
    more = await settle(http, auth["id"], 1, "s4")

    assert (over.status_code, over.json()["error"]) == (422, "over_settlement")
    assert over.json()["errors"] == {"amount": "At most 400.00."}
    assert exact.status_code == 201
    assert more.json()["error"] == "over_settlement"
    assert (await ledger(http))["settlements"]["total"] == "1000.00"


async def test_concurrent_settlements_never_exceed_the_authorization(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()

    answers = await asyncio.gather(*(settle(http, auth["id"], 30_000, f"s{n}") for n in range(8)))

    assert sorted(a.status_code for a in answers) == [201] * 3 + [422] * 5
    assert (await ledger(http))["settlements"]["total"] == "900.00"


async def test_settle_fail_answers_503_and_records_nothing(sim):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http, "SettleFail"))).json()
    assert auth["status"] == "approved"

    first = await settle(http, auth["id"], 40_000, "s1")
    second = await settle(http, auth["id"], 40_000, "s1")

    assert (first.status_code, first.json()["error"]) == (503, "temporarily_unavailable")
    assert second.status_code == 503
    record = await ledger(http)
    assert record["settlements"]["count"] == 0
    assert record["settlements"]["attempts"] == {"s1": 2}


async def test_settling_an_unknown_or_unapproved_authorization_is_refused(sim):
    http, _ = sim
    prequal = (await authorize(http, await approved_app(http, "AuthPrequal"))).json()

    unknown = await settle(http, "shp_auth_nope", 100, "s1")
    refused = await settle(http, prequal["id"], 100, "s2")

    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (refused.status_code, refused.json()["error"]) == (422, "authorization_not_approved")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"amount": "0.00"}, "amount"), ({"kind": "daily"}, "kind"), ({"reference": ""}, "reference")],
)
async def test_an_invalid_settlement_is_refused_naming_the_field(sim, changes, field):
    http, _ = sim
    auth = (await authorize(http, await approved_app(http))).json()

    response = await settle(http, auth["id"], 100, "s1", **changes)

    assert (response.status_code, response.json()["error"]) == (422, "validation_failed")
    assert field in response.json()["errors"]


# --- the ledger, config and reset ----------------------------------------------------------------


async def test_the_ledger_filters_by_authorization_and_key_and_reset_forgets_it(sim):
    http, _ = sim
    app = await approved_app(http)
    one = (await authorize(http, app, "a1")).json()
    two = (await authorize(http, app, "a2")).json()
    await settle(http, one["id"], 100, "s1")
    await settle(http, two["id"], 200, "s2")
    await adjust(http, two["id"], 90_000, "j1")

    everything = await ledger(http)
    only_two = await ledger(http, authorization_id=two["id"])
    only_key = await ledger(http, idempotency_key="s1")

    assert [everything[n]["count"] for n in ("authorizations", "adjustments", "settlements")] == [2, 1, 2]
    assert [only_two[n]["count"] for n in ("authorizations", "adjustments", "settlements")] == [1, 1, 1]
    item = only_two["authorizations"]["items"][0]
    assert (item["idempotency_key"], item["authorization"]["id"]) == ("a2", two["id"])
    assert (item["authorization"]["amount"], item["authorization"]["version"]) == ("900.00", 2)
    assert only_two["settlements"]["total"] == "2.00"
    assert only_key["settlements"]["items"][0]["settlement"]["authorization_id"] == one["id"]
    assert only_key["authorizations"]["count"] == 0
    await http.post("/_sim/reset", headers=ADMIN)
    assert [(await ledger(http))[n]["count"] for n in ("authorizations", "adjustments", "settlements")] == [0, 0, 0]


async def test_the_ledger_needs_the_admin_header(sim):
    http, _ = sim

    assert (await http.get("/_sim/ledger")).status_code == 401


async def test_the_prequal_delay_is_tunable_at_run_time(sim):
    http, state = sim

    response = await http.post("/_sim/config", json={"auth_prequal_delay_s": 7}, headers=ADMIN)

    assert response.json()["auth_prequal_delay_s"] == 7.0
    assert state.config.auth_prequal_delay_s == 7.0


def test_the_prequal_delay_can_come_from_the_environment_and_defaults_to_five_seconds():
    assert SimConfig.from_env({"STAPP_SIM_AUTH_PREQUAL_DELAY_S": "0.5"}).auth_prequal_delay_s == 0.5
    assert SimConfig.from_env({}).auth_prequal_delay_s == 5.0
