"""Contract tests: the real ``ProviderClient`` against the simulator over loopback HTTP.

The core promises (ping, bearer token, idempotency) are written once and run against both the
hand-written fake (``httpx.MockTransport``) and the simulator started as a subprocess; the sandbox
rules, timeouts and webhooks run against the simulator only.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from stapp.provider.client import ProviderClient
from stapp.provider.errors import NotFound, ProviderUnavailable, Rejected, TimedOut, Unauthorized
from stapp.provider.webhooks import AUTHORIZATION_UPDATED, verify
from stapp.provider.wire import (
    AdjustmentStatus,
    ApplicationResult,
    ApplicationStatus,
    AuthorizationRequest,
    AuthorizationResult,
    AuthorizationStatus,
    FinanceType,
    ProviderStage,
    SettlementKind,
    SettlementStatus,
)
from tests.fake_provider import (
    FakeProvider,
    make_adjustment_request,
    make_authorization_request,
    make_order,
    make_request,
    make_settlement_request,
)

ROOT = Path(__file__).resolve().parents[2]
SIM_TOKEN = "shp-sandbox-token"
SIM_SECRET = "whsec-contract-tests"
SIM_ADMIN = "sim-admin-contract"
READ_TIMEOUT_S = 1.0
TIMEOUT_DELAY_S = 3.0
REVIEW_DELAY_S = 1.0
AUTH_PREQUAL_DELAY_S = 1.0

# Every member of the application object, as docs/provider-api.md lists them.
DOCUMENTED_FIELDS = {
    "id", "reference", "status", "stage", "amount_requested", "amount_financed", "finance_type", "account_number",
    "plans", "prequal_url", "decline_reason", "created_at", "updated_at", "version",
}  # fmt: skip
AUTHORIZATION_FIELDS = {
    "id", "application_id", "order_reference", "status", "finance_type", "plan_code", "amount",
    "authorization_number", "prequal_url", "decline_reason", "created_at", "updated_at", "version",
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def simulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The simulator as a real process on a free loopback port, with short delays."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("sim") / "simulator.log"
    command = [
        sys.executable, "-m", "stapp.provider.simulator", "--host", "127.0.0.1", "--port", str(port),
        "--token", SIM_TOKEN, "--latency-ms", "10", "--review-delay-s", str(REVIEW_DELAY_S),
        "--timeout-delay-s", str(TIMEOUT_DELAY_S), "--auth-prequal-delay-s", str(AUTH_PREQUAL_DELAY_S),
        "--webhook-secret", SIM_SECRET, "--admin-token", SIM_ADMIN,
        "--log-level", "warning",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"the simulator exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{url}/v1/ping", headers={"Authorization": f"Bearer {SIM_TOKEN}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the simulator did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Provider:
    """One provider under test: a client factory and the provider's own count of applications per key."""

    name: str
    make_client: Callable[..., ProviderClient]
    count_for_key: Callable[[str], Awaitable[int]]

    @property
    def client(self) -> ProviderClient:
        return self.make_client()


@pytest.fixture
async def sim_http() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose read timeout is shorter than the simulator's Timeout delay."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(READ_TIMEOUT_S, connect=1.0)) as http:
        yield http


def sim_client(http: httpx.AsyncClient, url: str, token: str = SIM_TOKEN, **options: object) -> ProviderClient:
    options = {"backoff_base": 0.01, "backoff_cap": 0.05, "retry_after_cap": 0.05, **options}
    return ProviderClient(http, url, token, **options)  # type: ignore[arg-type]


async def sim_record(http: httpx.AsyncClient, url: str, key: str) -> dict:
    response = await http.get(
        f"{url}/_sim/applications", params={"idempotency_key": key}, headers={"X-Sim-Admin": SIM_ADMIN}
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture(params=["fake", "simulator"])
async def provider(request: pytest.FixtureRequest, sim_http: httpx.AsyncClient) -> AsyncIterator[Provider]:
    """The same contract, once against the fake and once against the simulator."""
    if request.param == "fake":
        fake = FakeProvider(token=SIM_TOKEN)
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:

            async def fake_count(key: str) -> int:
                return fake.count_for_key(key)

            yield Provider(
                "fake", lambda token=SIM_TOKEN, **o: ProviderClient(http, "http://fake", token, **o), fake_count
            )
        return
    url = request.getfixturevalue("simulator_url")

    async def sim_count(key: str) -> int:
        return (await sim_record(sim_http, url, key))["count"]

    yield Provider("simulator", lambda token=SIM_TOKEN, **o: sim_client(sim_http, url, token, **o), sim_count)


def new_key() -> str:
    return f"test-{uuid.uuid4()}"


# --- the contract both providers keep ------------------------------------------------------------


async def test_ping_answers_ok_with_the_provider_name(provider):
    result = await provider.client.ping()

    assert result.ok is True
    assert result.provider == "Smart Home Pay LOS"


async def test_a_wrong_token_is_unauthorized(provider):
    client = provider.make_client("not-the-token")

    with pytest.raises(Unauthorized):
        await client.ping()
    with pytest.raises(Unauthorized):
        await client.submit_application(make_request(), new_key())


async def test_the_same_idempotency_key_twice_gives_the_same_application(provider):
    key = new_key()

    first = await provider.client.submit_application(make_request(), key)
    second = await provider.client.submit_application(make_request(), key)

    assert second.id == first.id
    assert second.version == first.version
    assert await provider.count_for_key(key) == 1


async def test_ten_concurrent_submissions_with_one_key_create_one_application(provider):
    key = new_key()

    results = await asyncio.gather(*(provider.client.submit_application(make_request(), key) for _ in range(10)))

    assert len({r.id for r in results}) == 1
    assert await provider.count_for_key(key) == 1


async def test_reusing_a_key_with_a_different_body_is_rejected(provider):
    key = new_key()
    await provider.client.submit_application(make_request(amount_cents=50_000), key)

    with pytest.raises(Rejected) as caught:
        await provider.client.submit_application(make_request(amount_cents=60_000), key)

    assert caught.value.code == "idempotency_key_reused"
    assert await provider.count_for_key(key) == 1


async def test_a_key_the_provider_never_recorded_is_not_found(provider):
    assert await provider.client.find_by_idempotency_key(new_key()) is None


async def test_an_application_can_be_fetched_by_id_and_by_key(provider):
    key = new_key()
    submitted = await provider.client.submit_application(make_request(), key)

    by_id = await provider.client.get_application(submitted.id)
    by_key = await provider.client.find_by_idempotency_key(key)

    assert by_id == submitted
    assert by_key == submitted
    with pytest.raises(NotFound):
        await provider.client.get_application("shp_app_does_not_exist")


# --- the simulator's sandbox rules ---------------------------------------------------------------


@pytest.fixture
def sim(simulator_url: str, sim_http: httpx.AsyncClient) -> ProviderClient:
    return sim_client(sim_http, simulator_url)


async def test_anyone_else_is_approved_for_what_they_asked_up_to_25000(sim):
    small = await sim.submit_application(make_request("Smith", amount_cents=1_234_550), new_key())
    large = await sim.submit_application(make_request("Smith", amount_cents=3_000_000), new_key())

    assert (small.status, small.stage, small.finance_type) == (
        ApplicationStatus.APPROVED,
        ProviderStage.DECISIONED,
        FinanceType.INSTALLMENT,
    )
    assert small.amount_financed_cents == 1_234_550
    assert large.amount_financed_cents == 2_500_000
    assert small.account_number and small.plans
    assert {p.finance_type for p in small.plans} == {FinanceType.INSTALLMENT}


@pytest.mark.parametrize("last_name", ["Decline", "DECLINE", "decline"])
async def test_last_name_decline_is_declined_with_a_reason(sim, last_name):
    result = await sim.submit_application(make_request(last_name), new_key())

    assert result.status is ApplicationStatus.DECLINED
    assert result.decline_reason
    assert (result.amount_financed_cents, result.finance_type, result.account_number, result.plans) == (
        None,
        None,
        None,
        (),
    )


async def test_last_name_prequal_is_prequalified_with_a_link(sim):
    result = await sim.submit_application(make_request("Prequal"), new_key())

    assert result.status is ApplicationStatus.PREQUALIFIED
    assert result.prequal_url and result.prequal_url.startswith("https://")


async def test_last_name_review_starts_in_review(sim):
    result = await sim.submit_application(make_request("Review"), new_key())

    assert (result.status, result.stage) == (ApplicationStatus.IN_REVIEW, ProviderStage.UNDERWRITING)
    assert result.amount_financed_cents is None


@pytest.mark.parametrize(
    ("last_name", "finance_type"), [("Lease", FinanceType.RTO), ("Revolve", FinanceType.REVOLVING)]
)
async def test_lease_and_revolve_are_approved_with_their_finance_type(sim, last_name, finance_type):
    result = await sim.submit_application(make_request(last_name), new_key())

    assert result.status is ApplicationStatus.APPROVED
    assert result.finance_type is finance_type
    assert {p.finance_type for p in result.plans} == {finance_type}


async def test_flaky_succeeds_after_retries_with_one_application_recorded(sim, simulator_url, sim_http):
    key = new_key()

    result = await sim.submit_application(make_request("Flaky"), key)

    record = await sim_record(sim_http, simulator_url, key)
    assert result.status is ApplicationStatus.APPROVED
    assert record["attempts"] == {key: 3}
    assert record["count"] == 1


async def test_flaky_without_enough_retries_is_unavailable_and_the_same_key_later_succeeds(simulator_url, sim_http):
    client = sim_client(sim_http, simulator_url, max_retries=1)
    key = new_key()

    with pytest.raises(ProviderUnavailable) as caught:
        await client.submit_application(make_request("Flaky"), key)
    later = await client.submit_application(make_request("Flaky"), key)

    assert caught.value.status_code == 503
    assert later.status is ApplicationStatus.APPROVED
    assert (await sim_record(sim_http, simulator_url, key))["count"] == 1


async def test_timeout_is_timed_out_then_found_by_its_key_without_resubmitting(sim, simulator_url, sim_http):
    key = new_key()
    started = time.monotonic()

    with pytest.raises(TimedOut):
        await sim.submit_application(make_request("Timeout"), key)
    elapsed = time.monotonic() - started
    found = await sim.find_by_idempotency_key(key)

    assert elapsed < TIMEOUT_DELAY_S, "the client gave up at its own read timeout, without retrying"
    assert found is not None and found.status is ApplicationStatus.APPROVED
    record = await sim_record(sim_http, simulator_url, key)
    assert record["count"] == 1
    assert record["attempts"] == {key: 1}


async def test_the_simulator_sends_exactly_the_documented_application_object(sim, simulator_url, sim_http):
    submitted = await sim.submit_application(make_request(), new_key())

    raw = (
        await sim_http.get(
            f"{simulator_url}/v1/applications/{submitted.id}", headers={"Authorization": f"Bearer {SIM_TOKEN}"}
        )
    ).json()

    assert set(raw) == DOCUMENTED_FIELDS
    assert ApplicationResult.from_json(raw) == submitted
    assert raw["amount_requested"] == "12345.50"
    assert raw["created_at"].endswith("Z")


# --- webhooks over loopback ----------------------------------------------------------------------


class WebhookReceiver:
    """A raw asyncio HTTP/1.1 server that records deliveries; answers 500 to the first ``fail_first``."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.deliveries: asyncio.Queue[tuple[dict[str, str], bytes, int]] = asyncio.Queue()
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/hooks/shp"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        status = 500 if self.fail_first > 0 else 200
        self.fail_first -= 1
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()
        await self.deliveries.put((headers, body, status))

    async def next(self, timeout: float = 10.0) -> tuple[dict[str, str], bytes, int]:
        return await asyncio.wait_for(self.deliveries.get(), timeout)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = WebhookReceiver()
    hooks.server = await asyncio.start_server(hooks._handle, "127.0.0.1", 0)
    yield hooks
    hooks.server.close()
    await hooks.server.wait_closed()


async def test_review_is_approved_later_and_the_webhook_says_so_with_a_valid_signature(sim, receiver):
    submitted = await sim.submit_application(make_request("Review", webhook_url=receiver.url), new_key())

    events = []
    while not events or events[-1].application.status is not ApplicationStatus.APPROVED:
        headers, body, _ = await receiver.next()
        events.append(verify(SIM_SECRET, headers, body, now=time.time()))

    approved = events[-1].application
    assert approved.id == submitted.id
    assert approved.version > submitted.version
    assert approved.stage is ProviderStage.DECISIONED
    assert approved.amount_financed_cents == 1_234_550
    assert len({e.event_id for e in events}) == len(events)
    assert await sim.get_application(submitted.id) == approved


async def test_a_refused_webhook_is_delivered_again_with_the_same_event_id(sim, receiver):
    receiver.fail_first = 1
    await sim.submit_application(make_request("Smith", webhook_url=receiver.url), new_key())

    first_headers, first_body, first_status = await receiver.next()
    second_headers, second_body, second_status = await receiver.next()

    assert (first_status, second_status) == (500, 200)
    first = verify(SIM_SECRET, first_headers, first_body, now=time.time())
    second = verify(SIM_SECRET, second_headers, second_body, now=time.time())
    assert first.event_id == second.event_id
    assert json.loads(first_body) == json.loads(second_body)


# --- authorizations, adjustments and settlements against the simulator ---------------------------


async def sim_ledger(http: httpx.AsyncClient, url: str, **params: str) -> dict:
    response = await http.get(f"{url}/_sim/ledger", params=params, headers={"X-Sim-Admin": SIM_ADMIN})
    response.raise_for_status()
    return response.json()


async def approved_application(client: ProviderClient, last_name: str = "Smith", **options) -> ApplicationResult:
    result = await client.submit_application(make_request(last_name, **options), new_key())
    assert result.status is ApplicationStatus.APPROVED
    return result


def authorization_for(app: ApplicationResult, **overrides) -> AuthorizationRequest:
    """A 1000.00 order financed in full under ``app``, with its first plan and its account number."""
    assert app.finance_type is not None
    fields = {
        "finance_type": app.finance_type,
        "plan_code": app.plans[0].code,
        "account_number": app.account_number,
        **overrides,
    }
    return make_authorization_request(app.id, **fields)


async def test_an_authorization_is_approved_once_per_key_and_can_be_fetched(sim, simulator_url, sim_http):
    app = await approved_application(sim)
    key = new_key()

    first = await sim.authorize(authorization_for(app, account_number_required=True), key)
    again = await sim.authorize(authorization_for(app, account_number_required=True), key)

    assert first.status is AuthorizationStatus.APPROVED
    assert first.authorization_number and first.id.startswith("shp_auth_")
    assert (first.application_id, first.amount_cents, first.version) == (app.id, 100_000, 1)
    assert again == first
    assert await sim.get_authorization(first.id) == first
    assert (await sim_ledger(sim_http, simulator_url, idempotency_key=key))["authorizations"]["count"] == 1


async def test_the_simulator_sends_exactly_the_documented_authorization_object(sim, simulator_url, sim_http):
    authorized = await sim.authorize(authorization_for(await approved_application(sim)), new_key())

    raw = (
        await sim_http.get(
            f"{simulator_url}/v1/authorizations/{authorized.id}", headers={"Authorization": f"Bearer {SIM_TOKEN}"}
        )
    ).json()

    assert set(raw) == AUTHORIZATION_FIELDS
    assert AuthorizationResult.from_json(raw) == authorized
    assert raw["amount"] == "1000.00"


async def test_auth_prequal_is_prequalified_then_approved_by_webhook_and_get(sim, receiver):
    app = await approved_application(sim, "AuthPrequal")

    started = time.monotonic()
    prequal = await sim.authorize(authorization_for(app, webhook_url=receiver.url), new_key())
    events = []
    while not events or events[-1].authorization.status is not AuthorizationStatus.APPROVED:
        headers, body, _ = await receiver.next()
        events.append(verify(SIM_SECRET, headers, body, now=time.time()))

    assert prequal.status is AuthorizationStatus.PREQUALIFIED
    assert prequal.prequal_url and prequal.prequal_url.startswith("https://")
    assert prequal.authorization_number is None
    approved = events[-1].authorization
    assert time.monotonic() - started >= AUTH_PREQUAL_DELAY_S * 0.9
    assert {e.type for e in events} == {AUTHORIZATION_UPDATED}
    assert all(e.application is None for e in events)
    assert (approved.id, approved.version) == (prequal.id, prequal.version + 1)
    assert approved.authorization_number and approved.prequal_url is None
    assert await sim.get_authorization(prequal.id) == approved


async def test_auth_decline_is_declined_with_a_reason(sim):
    declined = await sim.authorize(authorization_for(await approved_application(sim, "AuthDecline")), new_key())

    assert declined.status is AuthorizationStatus.DECLINED
    assert declined.decline_reason
    assert declined.authorization_number is None


@pytest.mark.parametrize(
    ("last_name", "finance_type"), [("Lease", FinanceType.RTO), ("Revolve", FinanceType.REVOLVING)]
)
async def test_rto_and_revolving_applications_authorize_their_own_plans(sim, last_name, finance_type):
    app = await approved_application(sim, last_name)
    order = make_order(non_taxable=finance_type is FinanceType.RTO)

    result = await sim.authorize(authorization_for(app, order=order), new_key())

    assert (result.status, result.finance_type, result.plan_code) == (
        AuthorizationStatus.APPROVED,
        finance_type,
        app.plans[0].code,
    )


async def test_authorizations_the_application_does_not_allow_are_rejected_naming_the_field(
    sim, simulator_url, sim_http
):
    app = await approved_application(sim, amount_cents=50_000)  # 500.00 financed
    rto = await approved_application(sim, "Lease")
    cases = {
        "amount": authorization_for(app),  # the 1000.00 order is more than the 500.00 financed
        "finance_type": authorization_for(rto, finance_type=FinanceType.INSTALLMENT, plan_code="I36"),
        "account_number": authorization_for(
            await approved_application(sim), account_number=None, account_number_required=True
        ),
    }
    for field, request in cases.items():
        key = new_key()
        with pytest.raises(Rejected) as caught:
            await sim.authorize(request, key)
        assert caught.value.code == "validation_failed"
        assert field in caught.value.errors, (field, caught.value.errors)
        assert (await sim_ledger(sim_http, simulator_url, idempotency_key=key))["authorizations"]["count"] == 0
    with pytest.raises(NotFound):
        await sim.authorize(make_authorization_request("shp_app_0000000000000000"), new_key())


async def test_an_adjustment_changes_the_authorization_once_per_key(sim, simulator_url, sim_http):
    authorized = await sim.authorize(authorization_for(await approved_application(sim)), new_key())
    key = new_key()

    adjustment = await sim.adjust(authorized.id, make_adjustment_request(90_000), key)
    again = await sim.adjust(authorized.id, make_adjustment_request(90_000), key)
    now = await sim.get_authorization(authorized.id)

    assert adjustment.id.startswith("shp_adj_")
    assert (adjustment.status, adjustment.amount_cents, adjustment.authorization_id) == (
        AdjustmentStatus.ACCEPTED,
        90_000,
        authorized.id,
    )
    assert again == adjustment
    assert (now.amount_cents, now.version) == (90_000, authorized.version + 1)
    assert adjustment.authorization_version == now.version
    record = await sim_ledger(sim_http, simulator_url, authorization_id=authorized.id)
    assert record["adjustments"]["count"] == 1


async def test_an_adjustment_above_the_amount_financed_is_rejected(sim):
    app = await approved_application(sim, amount_cents=120_000)  # 1200.00 financed
    authorized = await sim.authorize(authorization_for(app), new_key())

    with pytest.raises(Rejected) as caught:
        await sim.adjust(authorized.id, make_adjustment_request(120_001), new_key())

    assert "amount" in caught.value.errors
    assert (await sim.get_authorization(authorized.id)).version == authorized.version


async def test_the_same_settlement_key_twice_settles_once(sim, simulator_url, sim_http):
    authorized = await sim.authorize(authorization_for(await approved_application(sim)), new_key())
    key = new_key()
    request = make_settlement_request(authorized.id, 40_000, SettlementKind.PARTIAL, "STL-1")

    results = [await sim.settle(request, key), await sim.settle(request, key)]
    results += await asyncio.gather(*(sim.settle(request, key) for _ in range(5)))

    assert len({r.id for r in results}) == 1
    assert results[0].id.startswith("shp_stl_")
    assert (results[0].status, results[0].amount_cents, results[0].reference) == (
        SettlementStatus.ACCEPTED,
        40_000,
        "STL-1",
    )
    record = await sim_ledger(sim_http, simulator_url, authorization_id=authorized.id)
    assert (record["settlements"]["count"], record["settlements"]["total"]) == (1, "400.00")


async def test_settling_past_the_authorization_is_refused_as_over_settlement(sim, simulator_url, sim_http):
    authorized = await sim.authorize(authorization_for(await approved_application(sim)), new_key())
    await sim.settle(make_settlement_request(authorized.id, 60_000), new_key())

    with pytest.raises(Rejected) as caught:
        await sim.settle(make_settlement_request(authorized.id, 40_001), new_key())
    final = await sim.settle(make_settlement_request(authorized.id, 40_000, SettlementKind.FINAL, "STL-2"), new_key())

    assert caught.value.code == "over_settlement"
    assert caught.value.status_code == 422
    assert final.kind is SettlementKind.FINAL
    record = await sim_ledger(sim_http, simulator_url, authorization_id=authorized.id)
    assert (record["settlements"]["count"], record["settlements"]["total"]) == (2, "1000.00")


async def test_settle_fail_answers_503_so_the_settlement_stays_pending(simulator_url, sim_http):
    client = sim_client(sim_http, simulator_url, max_retries=2)
    authorized = await client.authorize(authorization_for(await approved_application(client, "SettleFail")), new_key())
    key = new_key()

    for _ in range(2):
        with pytest.raises(ProviderUnavailable) as caught:
            await client.settle(make_settlement_request(authorized.id, 40_000), key)
        assert caught.value.status_code == 503

    record = await sim_ledger(sim_http, simulator_url, idempotency_key=key)
    assert record["settlements"]["count"] == 0
    assert record["settlements"]["attempts"] == {key: 6}, "3 attempts per call, all with the one key"
