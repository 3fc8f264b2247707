"""The simulator's fault knobs themselves: ``fail_next``/``fail_status``/``fail_retry_after``,
``drop_after_create`` and ``latency_ms`` on submissions; off by default, tunable at run time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from stapp.provider.simulator import ConnectionDropped, SimConfig, create_app
from tests.fake_provider import make_request
from tests.faults.conftest import SIM_TOKEN, SimControl

TOKEN = "sim-token"
ADMIN = {"X-Sim-Admin": "sim-admin"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def asgi_sim() -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    config = SimConfig(token=TOKEN, latency_ms=0, review_delay_s=0.05, timeout_delay_s=0.0, webhook_secret="whsec")
    app = create_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as http:
        yield http, app.state.sim
    await app.state.sim.close()


async def _submit(http: httpx.AsyncClient, key: str, last_name: str = "Smith", token: str = TOKEN) -> httpx.Response:
    return await http.post(
        "/v1/applications",
        json=make_request(last_name).to_json(),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


async def test_every_fault_is_off_by_default(asgi_sim):
    http, state = asgi_sim
    settings = (await http.post("/_sim/config", json={}, headers=ADMIN)).json()

    assert settings["drop_after_create"] is False
    assert (settings["fail_next"], settings["fail_status"], settings["fail_retry_after"]) == (0, 503, 1)
    assert settings["faults_injected"] == {}
    assert (await _submit(http, "k1")).status_code == 201
    assert not state.faults
    assert (SimConfig().drop_after_create, SimConfig().fail_status, SimConfig().fail_retry_after) == (False, 503, 1)


@pytest.mark.parametrize(("status", "code"), [(503, "temporarily_unavailable"), (429, "rate_limited")])
async def test_fail_next_answers_the_next_n_requests_with_retry_after_and_records_nothing(asgi_sim, status, code):
    http, state = asgi_sim
    answer = await http.post(
        "/_sim/config", json={"fail_next": 2, "fail_status": status, "fail_retry_after": 7}, headers=ADMIN
    )
    assert answer.status_code == 200 and answer.json()["fail_next"] == 2

    first, second = await _submit(http, "k1"), await http.get("/v1/ping", headers=AUTH)  # any /v1 endpoint
    third = await _submit(http, "k1")

    for refused in (first, second):
        assert refused.status_code == status
        assert refused.headers["Retry-After"] == "7"
        assert refused.json()["error"] == code
    assert third.status_code == 201
    assert dict(state.attempts) == {"k1": 1}  # the refusals never reached the application logic
    assert len(state.apps) == 1
    report = (await http.post("/_sim/config", json={}, headers=ADMIN)).json()
    assert (report["fail_next"], report["faults_injected"]) == (0, {"failed": 2})


async def test_fail_next_comes_before_the_token_check_and_admin_endpoints_are_never_failed(asgi_sim):
    http, _ = asgi_sim
    await http.post("/_sim/config", json={"fail_next": 1}, headers=ADMIN)

    assert (await http.get("/_sim/applications", headers=ADMIN)).status_code == 200
    assert (await _submit(http, "k1", token="wrong")).status_code == 503
    assert (await _submit(http, "k1", token="wrong")).status_code == 401


@pytest.mark.parametrize(
    "settings",
    [
        {"fail_next": -1},
        {"fail_next": True},
        {"fail_next": "3"},
        {"fail_next": 1.5},
        {"fail_status": 500},
        {"fail_retry_after": 2.5},
        {"fail_retry_after": 4000},
        {"drop_after_create": "yes"},
    ],
)
async def test_nonsense_fault_settings_are_refused_and_change_nothing(asgi_sim, settings):
    http, state = asgi_sim
    answer = await http.post("/_sim/config", json=settings, headers=ADMIN)

    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == set(settings)
    assert (state.fail_next, state.config.fail_status, state.config.drop_after_create) == (0, 503, False)


async def test_reset_clears_pending_failures_but_keeps_the_settings(asgi_sim):
    http, state = asgi_sim
    await http.post("/_sim/config", json={"fail_next": 5, "fail_status": 429, "drop_after_create": True}, headers=ADMIN)
    await http.get("/v1/ping", headers=AUTH)

    await http.post("/_sim/reset", headers=ADMIN)

    report = (await http.post("/_sim/config", json={}, headers=ADMIN)).json()
    assert (report["fail_next"], report["faults_injected"]) == (0, {})
    assert (report["fail_status"], report["drop_after_create"]) == (429, True)


async def test_drop_after_create_records_the_application_and_a_replay_is_answered(asgi_sim):
    http, state = asgi_sim
    await http.post("/_sim/config", json={"drop_after_create": True}, headers=ADMIN)

    with pytest.raises(ConnectionDropped):  # in process there is no socket to close
        await _submit(http, "k1")
    replay = await _submit(http, "k1")

    assert len(state.apps) == 1 and dict(state.attempts) == {"k1": 2}
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["status"] == "approved"
    assert dict(state.faults) == {"dropped": 1}


async def test_drop_after_create_does_not_drop_refusals(asgi_sim):
    http, state = asgi_sim
    await http.post("/_sim/config", json={"drop_after_create": True}, headers=ADMIN)
    bad = make_request("Smith").to_json()
    bad["amount_requested"] = "1.00"

    answer = await http.post("/v1/applications", json=bad, headers={**AUTH, "Idempotency-Key": "k1"})

    assert answer.status_code == 422 and state.apps == {} and not state.faults


async def test_latency_applies_to_application_submissions(asgi_sim):
    http, _ = asgi_sim
    await http.post("/_sim/config", json={"latency_ms": 300}, headers=ADMIN)

    t0 = time.monotonic()
    assert (await _submit(http, "k1")).status_code == 201
    assert time.monotonic() - t0 >= 0.3


@pytest.mark.timeout(30)
def test_over_a_real_socket_the_drop_is_a_disconnect_without_any_answer(sim_control: SimControl):
    sim_control.configure(drop_after_create=True)
    headers = {"Authorization": f"Bearer {SIM_TOKEN}", "Idempotency-Key": "drop-socket-1"}

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.post(f"{sim_control.url}/v1/applications", json=make_request().to_json(), headers=headers, timeout=5)

    record = sim_control.applications("drop-socket-1")
    assert record["count"] == 1 and record["attempts"] == {"drop-socket-1": 1}
    replay = httpx.post(f"{sim_control.url}/v1/applications", json=make_request().to_json(), headers=headers, timeout=5)
    assert replay.status_code == 200 and replay.json()["id"] == record["applications"][0]["application"]["id"]
    assert sim_control.settings()["faults_injected"] == {"dropped": 1}
