"""The simulator in-process (``httpx.ASGITransport``): validation, admin endpoints, webhook retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from stapp.provider.pool import ProviderTransport
from stapp.provider.simulator import SimConfig, create_app
from stapp.provider.webhooks import verify
from tests.fake_provider import make_request

TOKEN = "sim-token"
ADMIN = {"X-Sim-Admin": "sim-admin"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def config(**changes: Any) -> SimConfig:
    base = SimConfig(token=TOKEN, latency_ms=0, review_delay_s=0.05, timeout_delay_s=0.0, webhook_secret="whsec")
    return replace(base, **changes)


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(config(webhook_retry_delays_s=(0.01, 0.01, 0.01, 0.01)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as http:
        yield http, app.state.sim
    await app.state.sim.close()


def body(last_name: str = "Smith", **changes: Any) -> dict[str, Any]:
    data = make_request(last_name).to_json()
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return data


async def submit(http: httpx.AsyncClient, data: dict[str, Any], key: str = "k1") -> httpx.Response:
    return await http.post("/v1/applications", json=data, headers={**AUTH, "Idempotency-Key": key})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"applicant__ssn": "123-45-6789"}, "applicant.ssn"),
        ({"applicant__date_of_birth": "1980-13-01"}, "applicant.date_of_birth"),
        ({"applicant__date_of_birth": "2020-01-01"}, "applicant.date_of_birth"),
        ({"applicant__address__state": "Texas"}, "applicant.address.state"),
        ({"applicant__address__zip": "7870"}, "applicant.address.zip"),
        ({"applicant__email": "not-an-email"}, "applicant.email"),
        ({"applicant__annual_income": 85000}, "applicant.annual_income"),
        ({"applicant__employer": ""}, "applicant.employer"),
        ({"amount_requested": "99.99"}, "amount_requested"),
        ({"amount_requested": "100000.01"}, "amount_requested"),
        ({"amount_requested": "500"}, "amount_requested"),
        ({"consent_electronic_disclosures": False}, "consent_electronic_disclosures"),
        ({"co_applicant": {"first_name": "Sam"}}, "co_applicant.ssn"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
        ({"reference": ""}, "reference"),
    ],
)
async def test_invalid_fields_are_refused_with_422_naming_each_field(sim, changes, field):
    http, state = sim

    response = await submit(http, body(**changes))

    assert response.status_code == 422
    assert response.json()["error"] == "validation_failed"
    assert field in response.json()["errors"]
    assert state.apps == {}


async def test_the_amount_limits_themselves_are_accepted(sim):
    http, _ = sim

    assert (await submit(http, body(amount_requested="100.00"), "low")).status_code == 201
    assert (await submit(http, body(amount_requested="100000.00"), "high")).status_code == 201


async def test_a_missing_idempotency_key_is_a_400(sim):
    http, _ = sim

    response = await http.post("/v1/applications", json=body(), headers=AUTH)

    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"


async def test_a_body_that_is_not_json_is_a_400(sim):
    http, _ = sim

    response = await http.post("/v1/applications", content=b"{oops", headers={**AUTH, "Idempotency-Key": "k"})

    assert response.json()["error"] == "invalid_json"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKEN}"}])
async def test_every_v1_call_needs_the_bearer_token(sim, headers):
    http, _ = sim

    response = await http.get("/v1/ping", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def test_reusing_a_key_with_another_body_is_a_422_and_creates_nothing(sim):
    http, state = sim
    await submit(http, body(), "k1")

    response = await submit(http, body(amount_requested="200.00"), "k1")

    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert len(state.apps) == 1


async def test_times_are_utc_with_a_z_and_the_version_starts_at_one(sim):
    http, _ = sim

    app = (await submit(http, body())).json()

    assert app["created_at"].endswith("Z") and app["updated_at"].endswith("Z")
    assert app["version"] == 1
    assert app["id"].startswith("shp_app_")


async def test_a_review_applicant_is_approved_later_with_a_new_version(sim):
    http, _ = sim
    app = (await submit(http, body("Review"))).json()
    assert (app["status"], app["stage"]) == ("in_review", "underwriting")

    await asyncio.sleep(0.2)
    later = (await http.get(f"/v1/applications/{app['id']}", headers=AUTH)).json()

    assert (later["status"], later["stage"], later["version"]) == ("approved", "decisioned", 2)
    assert later["amount_financed"] == "12345.50"


@pytest.mark.parametrize(
    ("last_name", "finance_type", "plan_codes"),
    [("Lease", "rto", {"R24"}), ("REVOLVE", "revolving", {"RV1"}), ("Smith", "installment", None)],
)
async def test_lease_and_revolve_are_approved_with_plans_of_their_own_finance_type(
    sim, last_name, finance_type, plan_codes
):
    http, _ = sim

    app = (await submit(http, body(last_name))).json()

    assert (app["status"], app["stage"], app["finance_type"]) == ("approved", "decisioned", finance_type)
    assert app["plans"] and {p["finance_type"] for p in app["plans"]} == {finance_type}
    assert plan_codes is None or {p["code"] for p in app["plans"]} == plan_codes
    assert app["account_number"] and app["amount_financed"] == "12345.50"


async def test_unknown_routes_answer_json_that_is_not_not_found(sim):
    http, _ = sim

    response = await http.get("/v2/nothing", headers=AUTH)

    assert response.status_code == 404
    assert response.json()["error"] == "no_such_endpoint"


# --- admin endpoints -----------------------------------------------------------------------------


async def test_admin_endpoints_need_the_admin_header(sim):
    http, _ = sim

    assert (await http.get("/_sim/applications")).status_code == 401
    assert (await http.get("/_sim/applications", headers={"X-Sim-Admin": "wrong"})).status_code == 401
    assert (await http.get("/_sim/applications", headers=ADMIN)).status_code == 200


async def test_admin_endpoints_vanish_without_an_admin_token():
    app = create_app(config(admin_token=""))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as http:
        assert (await http.get("/_sim/applications", headers={"X-Sim-Admin": ""})).status_code == 404


async def test_the_sim_record_counts_applications_and_attempts_per_key(sim):
    http, _ = sim
    await submit(http, body(), "k1")
    await submit(http, body(), "k1")
    await submit(http, body("Decline"), "k2")

    record = (await http.get("/_sim/applications", headers=ADMIN)).json()
    only_k1 = (await http.get("/_sim/applications", params={"idempotency_key": "k1"}, headers=ADMIN)).json()

    assert record["count"] == 2
    assert record["attempts"] == {"k1": 2, "k2": 1}
    assert only_k1["count"] == 1
    assert only_k1["applications"][0]["idempotency_key"] == "k1"


async def test_config_changes_delays_at_run_time_and_refuses_nonsense(sim):
    http, state = sim

    ok = await http.post("/_sim/config", json={"latency_ms": 5, "review_delay_s": 2.5}, headers=ADMIN)
    bad = await http.post("/_sim/config", json={"latency_ms": -1, "token": "x"}, headers=ADMIN)

    assert ok.status_code == 200
    assert (ok.json()["latency_ms"], ok.json()["review_delay_s"]) == (5, 2.5)
    assert "token" not in ok.json() and "webhook_secret" not in ok.json()
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"latency_ms", "token"}
    assert state.config.latency_ms == 5


async def test_reset_forgets_everything(sim):
    http, state = sim
    await submit(http, body(), "k1")

    await http.post("/_sim/reset", headers=ADMIN)

    assert state.apps == {} and not state.attempts
    assert (await http.get("/v1/applications", params={"idempotency_key": "k1"}, headers=AUTH)).status_code == 404


async def test_an_approved_application_can_be_moved_forward_through_its_stages_only(sim):
    http, _ = sim
    app = (await submit(http, body())).json()
    declined = (await submit(http, body("Decline"), "k2")).json()

    sent = await http.post(f"/_sim/applications/{app['id']}/stage", json={"stage": "contract_sent"}, headers=ADMIN)
    back = await http.post(f"/_sim/applications/{app['id']}/stage", json={"stage": "decisioned"}, headers=ADMIN)
    no = await http.post(f"/_sim/applications/{declined['id']}/stage", json={"stage": "funded"}, headers=ADMIN)

    assert (sent.json()["stage"], sent.json()["version"]) == ("contract_sent", 2)
    assert back.status_code == 422
    assert no.status_code == 422


# --- webhook delivery ----------------------------------------------------------------------------


async def test_a_failing_webhook_is_retried_five_times_with_the_same_event_and_fresh_signatures(sim):
    http, state = sim
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(500)

    state.http = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    await submit(http, body(webhook_url="https://stapp.test/hooks"))
    for _ in range(100):
        if len(state.deliveries) >= 5 and not state.tasks:
            break
        await asyncio.sleep(0.01)

    assert len(received) == 5
    events = [verify("whsec", r.headers, r.content, now=int(r.headers["X-SHP-Timestamp"])) for r in received]
    assert len({e.event_id for e in events}) == 1
    assert [d["attempt"] for d in state.deliveries] == [1, 2, 3, 4, 5]


async def test_a_webhook_stops_being_retried_once_it_is_accepted(sim):
    http, state = sim
    answers = iter([503, 200])
    received: list[bytes] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        return httpx.Response(next(answers))

    state.http = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    await submit(http, body(webhook_url="https://stapp.test/hooks"))
    await asyncio.sleep(0.2)

    assert len(received) == 2
    assert json.loads(received[0]) == json.loads(received[1])


async def test_webhooks_go_through_the_pool_that_hands_a_connection_to_one_request_at_a_time(sim):
    """Fifty webhooks of one instant (fifty submissions) through httpx's own pool were each handed the first idle
    connection and came back for the next (stapp/provider/pool.py): the simulator sends through stapp's pool."""
    http, state = sim
    received: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        received.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        await submit(http, body(webhook_url=f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks"))
        for _ in range(200):
            if state.deliveries:
                break
            await asyncio.sleep(0.01)
        assert [d.get("status_code") for d in state.deliveries] == [200] and len(received) == 1
        assert isinstance(state.http._transport, ProviderTransport)
    finally:
        server.close()


def test_settings_can_come_from_stapp_sim_environment_variables():
    cfg = SimConfig.from_env(
        {
            "STAPP_SIM_TOKEN": "t1",
            "STAPP_SIM_LATENCY_MS": "20",
            "STAPP_SIM_REVIEW_DELAY_S": "1.5",
            "STAPP_SIM_ADMIN_TOKEN": "a",
        }
    )

    assert (cfg.token, cfg.latency_ms, cfg.review_delay_s, cfg.admin_token) == ("t1", 20, 1.5, "a")
    assert cfg.timeout_delay_s == 12.0
