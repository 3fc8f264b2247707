"""The provider client against scripted answers (``httpx.MockTransport``): retries, errors, secrecy."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from stapp.provider.client import DEFAULT_TIMEOUT, ProviderClient, close_http_client, get_http_client
from stapp.provider.errors import (
    NotFound,
    ProtocolError,
    ProviderError,
    ProviderUnavailable,
    Rejected,
    TimedOut,
    Unauthorized,
    Unreachable,
)
from stapp.provider.wire import (
    AdjustmentStatus,
    ApplicationStatus,
    AuthorizationStatus,
    FinanceType,
    SettlementKind,
    SettlementStatus,
)
from tests.fake_provider import (
    adjustment_json,
    application_json,
    authorization_json,
    make_adjustment_request,
    make_authorization_request,
    make_request,
    make_settlement_request,
    settlement_json,
)

TOKEN = "tok-SECRET-4f1c9a7e"
BASE = "https://los.test"

Step = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers each request with the next step; a step may raise (connection failures) instead."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        return step(request) if callable(step) else step


def raises(exc_type: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def step(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return step


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        body = {"error": "temporarily_unavailable", "message": "busy"} if status >= 400 else {}
    return httpx.Response(status, json=body, headers=headers)


class Sleeps(list[float]):
    """A fake ``sleep`` that records the delays instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make_client(sleeps: Sleeps) -> AsyncIterator[Callable[..., tuple[ProviderClient, Script]]]:
    clients: list[httpx.AsyncClient] = []

    def make(*steps: Step, **options: Any) -> tuple[ProviderClient, Script]:
        script = Script(*steps)
        http = httpx.AsyncClient(transport=httpx.MockTransport(script))
        clients.append(http)
        options.setdefault("rand", lambda: 0.5)
        return ProviderClient(http, BASE, TOKEN, sleep=sleeps, **options), script

    yield make
    for http in clients:
        await http.aclose()


# --- retries -------------------------------------------------------------------------------------


async def test_a_503_is_retried_with_the_same_idempotency_key_until_it_succeeds(make_client, sleeps):
    client, script = make_client(answer(503), answer(503), answer(201, application_json()))

    result = await client.submit_application(make_request(), "key-123")

    assert result.id == "shp_app_0001"
    assert len(script.requests) == 3
    assert {r.headers["Idempotency-Key"] for r in script.requests} == {"key-123"}
    assert len({r.content for r in script.requests}) == 1, "every retry sends the same bytes"
    assert sleeps == [0.25, 0.5], "full jitter: rand() * base * 2**retry"


async def test_retry_after_is_honoured_and_capped(make_client, sleeps):
    client, _ = make_client(
        answer(429, headers={"Retry-After": "2"}),
        answer(503, headers={"Retry-After": "60"}),
        answer(200, {"ok": True, "provider": "Smart Home Pay LOS"}),
        retry_after_cap=10.0,
    )

    await client.ping()

    assert sleeps == [2.0, 10.0]


async def test_an_unreadable_retry_after_falls_back_to_backoff(make_client, sleeps):
    client, _ = make_client(
        answer(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        answer(200, {"ok": True, "provider": "x"}),
    )

    await client.ping()

    assert sleeps == [0.25]


async def test_backoff_never_exceeds_its_cap(make_client, sleeps):
    client, script = make_client(
        *[answer(500)] * 7, backoff_base=1.0, backoff_cap=2.0, max_retries=6, rand=lambda: 0.999
    )

    with pytest.raises(ProviderUnavailable):
        await client.ping()

    assert len(sleeps) == 6
    assert max(sleeps) <= 2.0
    assert sleeps[0] < 1.0


async def test_retries_stop_at_max_retries_and_raise_provider_unavailable(make_client, sleeps):
    client, script = make_client(*[answer(503, headers={"Retry-After": "1"})] * 4, max_retries=3)

    with pytest.raises(ProviderUnavailable) as caught:
        await client.submit_application(make_request(), "key-1")

    assert len(script.requests) == 4
    assert len(sleeps) == 3
    assert caught.value.status_code == 503
    assert caught.value.retry_after == 1.0
    assert caught.value.user_message.startswith("The provider is busy")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "missing_idempotency_key", "message": "required"}, Rejected),
        (401, {"error": "unauthorized", "message": "bad token"}, Unauthorized),
        (403, {"error": "forbidden", "message": "no"}, Unauthorized),
        (404, {"error": "not_found", "message": "no such application"}, NotFound),
        (422, {"error": "validation_failed", "message": "bad", "errors": {"applicant.ssn": "9 digits"}}, Rejected),
    ],
)
async def test_client_errors_are_not_retried(make_client, sleeps, status, body, error):
    client, script = make_client(answer(status, body), answer(201, application_json()))

    with pytest.raises(error) as caught:
        await client.submit_application(make_request(), "key-1")

    assert len(script.requests) == 1
    assert sleeps == []
    assert caught.value.status_code == status
    assert caught.value.code == body["error"]


async def test_a_401_is_unauthorized_with_a_plain_message(make_client):
    client, _ = make_client(answer(401, {"error": "unauthorized", "message": "Missing or invalid bearer token."}))

    with pytest.raises(Unauthorized) as caught:
        await client.ping()

    assert caught.value.user_message == "The provider rejected the bearer token."


async def test_a_422_carries_the_field_errors(make_client):
    client, _ = make_client(
        answer(
            422,
            {
                "error": "validation_failed",
                "message": "Some fields are invalid.",
                "errors": {"amount_requested": "Too big."},
            },
        )
    )

    with pytest.raises(Rejected) as caught:
        await client.submit_application(make_request(), "key-1")

    assert caught.value.errors == {"amount_requested": "Too big."}
    assert "amount_requested: Too big." in str(caught.value)


async def test_connect_errors_are_retried_then_reported_as_unreachable(make_client, sleeps):
    client, script = make_client(*[raises(httpx.ConnectError)] * 4, max_retries=3)

    with pytest.raises(Unreachable) as caught:
        await client.submit_application(make_request(), "key-1")

    assert len(script.requests) == 4
    assert len(sleeps) == 3
    assert caught.value.user_message == "Could not reach the provider."


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError])
async def test_a_connection_failure_followed_by_an_answer_succeeds(make_client, failure):
    client, script = make_client(raises(failure), answer(201, application_json()))

    result = await client.submit_application(make_request(), "key-7")

    assert result.status is ApplicationStatus.APPROVED
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["key-7", "key-7"]


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError])
async def test_a_lost_answer_on_submit_is_not_retried_and_means_the_outcome_is_unknown(make_client, sleeps, failure):
    client, script = make_client(raises(failure), answer(201, application_json()))

    with pytest.raises(TimedOut) as caught:
        await client.submit_application(make_request(), "key-1")

    assert len(script.requests) == 1
    assert sleeps == []
    assert caught.value.user_message == "The provider did not answer in time."


# --- reading answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json=["a", "list"]),
        httpx.Response(200, json=application_json(status="maybe")),
        httpx.Response(200, json=application_json(amount_financed=25000.0)),
        httpx.Response(200, json=application_json(amount_financed="25000.5")),
        httpx.Response(200, json=application_json(created_at="2025-03-01T12:00:00")),
        httpx.Response(200, json=application_json(version="2")),
        httpx.Response(200, json={k: v for k, v in application_json().items() if k != "stage"}),
    ],
    ids=["html", "list", "unknown-status", "float-money", "one-decimal", "naive-time", "string-version", "no-stage"],
)
async def test_a_malformed_answer_is_a_protocol_error(make_client, response):
    client, _ = make_client(response)

    with pytest.raises(ProtocolError):
        await client.get_application("shp_app_0001")


async def test_money_is_parsed_to_exact_cents_and_times_to_aware_utc(make_client):
    client, _ = make_client(
        answer(
            200,
            application_json(
                amount_requested="0.30", amount_financed="19999.99", updated_at="2025-03-01T07:00:00-05:00"
            ),
        )
    )

    result = await client.get_application("shp_app_0001")

    assert result.amount_requested_cents == 30
    assert result.amount_financed_cents == 1_999_999
    assert result.finance_type is FinanceType.INSTALLMENT
    assert result.updated_at.utcoffset().total_seconds() == 0
    assert result.updated_at.hour == 12


async def test_the_request_carries_the_token_the_key_and_decimal_strings(make_client):
    client, script = make_client(answer(201, application_json()))

    await client.submit_application(make_request(amount_cents=1_234_550), "key-9")

    sent = script.requests[0]
    assert sent.method == "POST"
    assert sent.url == f"{BASE}/v1/applications"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Idempotency-Key"] == "key-9"
    body = json.loads(sent.content)
    assert body["amount_requested"] == "12345.50"
    assert body["applicant"]["annual_income"] == "85000.00"
    assert body["applicant"]["date_of_birth"] == "1980-05-17"


async def test_find_by_idempotency_key_returns_none_when_the_provider_never_recorded_it(make_client):
    client, script = make_client(answer(404, {"error": "not_found", "message": "No application for this key."}))

    assert await client.find_by_idempotency_key("key-404") is None
    assert script.requests[0].url.params["idempotency_key"] == "key-404"


async def test_a_404_that_is_not_the_providers_not_found_is_a_protocol_error(make_client):
    client, _ = make_client(httpx.Response(404, text="<h1>Not Found</h1>"))

    with pytest.raises(ProtocolError, match="base URL"):
        await client.find_by_idempotency_key("key-1")


async def test_get_application_escapes_the_id_in_the_path(make_client):
    client, script = make_client(answer(200, application_json()))

    await client.get_application("shp_app/../x")

    assert script.requests[0].url.raw_path == b"/v1/applications/shp_app%2F..%2Fx"


# --- authorizations, adjustments, settlements ----------------------------------------------------

# Each creating call, the answer that succeeds, and the path it posts to.
CREATING_CALLS = [
    pytest.param(
        lambda c, key: c.authorize(make_authorization_request(), key),
        authorization_json,
        "/v1/authorizations",
        id="authorize",
    ),
    pytest.param(
        lambda c, key: c.adjust("shp_auth_0001", make_adjustment_request(), key),
        adjustment_json,
        "/v1/authorizations/shp_auth_0001/adjustments",
        id="adjust",
    ),
    pytest.param(
        lambda c, key: c.settle(make_settlement_request(), key), settlement_json, "/v1/settlements", id="settle"
    ),
]


@pytest.mark.parametrize(("call", "ok", "path"), CREATING_CALLS)
async def test_a_creating_call_is_retried_with_the_same_key_and_bytes(make_client, sleeps, call, ok, path):
    client, script = make_client(
        answer(503), raises(httpx.ConnectError), answer(429, headers={"Retry-After": "1"}), answer(201, ok())
    )

    await call(client, "key-42")

    assert len(script.requests) == 4
    assert {(r.method, r.url.path) for r in script.requests} == {("POST", path)}
    assert {r.headers["Idempotency-Key"] for r in script.requests} == {"key-42"}
    assert len({r.content for r in script.requests}) == 1
    assert sleeps == [0.25, 0.5, 1.0]


@pytest.mark.parametrize(("call", "ok", "path"), CREATING_CALLS)
@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError])
async def test_a_lost_answer_to_a_creating_call_is_timed_out_and_not_retried(
    make_client, sleeps, call, ok, path, failure
):
    client, script = make_client(raises(failure), answer(201, ok()))

    with pytest.raises(TimedOut):
        await call(client, "key-1")

    assert len(script.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(("call", "ok", "path"), CREATING_CALLS)
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": "unauthorized", "message": "bad token"}, Unauthorized),
        (404, {"error": "not_found", "message": "No authorization with this id."}, NotFound),
        (422, {"error": "validation_failed", "message": "bad", "errors": {"amount": "Too much."}}, Rejected),
        (422, {"error": "idempotency_key_reused", "message": "other body"}, Rejected),
        (404, {"detail": "Not Found"}, ProtocolError),
    ],
)
async def test_creating_calls_map_refusals_to_typed_errors_without_retrying(
    make_client, sleeps, call, ok, path, status, body, error
):
    client, script = make_client(answer(status, body), answer(201, ok()))

    with pytest.raises(error) as caught:
        await call(client, "key-1")

    assert len(script.requests) == 1
    assert sleeps == []
    assert caught.value.status_code == status
    if error is Rejected:
        assert caught.value.code == body["error"]
        assert caught.value.errors == body.get("errors", {})


@pytest.mark.parametrize(("call", "ok", "path"), CREATING_CALLS)
async def test_creating_calls_need_an_idempotency_key(make_client, call, ok, path):
    client, script = make_client()

    with pytest.raises(ValueError, match="idempotency_key"):
        await call(client, "")

    assert script.requests == []


async def test_authorize_sends_the_documented_body_and_reads_the_authorization(make_client):
    client, script = make_client(answer(201, authorization_json(amount="1000.00", finance_type="installment")))

    result = await client.authorize(make_authorization_request(account_number="SHP000000001"), "key-1")

    body = json.loads(script.requests[0].content)
    assert body["amount"] == "1000.00" and body["order"]["total"] == "1000.00"
    assert body["order"]["lines"][0]["unit_price"] == "1000.00"
    assert (body["finance_type"], body["account_number"], body["account_number_required"]) == (
        "installment",
        "SHP000000001",
        False,
    )
    assert (result.status, result.amount_cents, result.finance_type) == (
        AuthorizationStatus.APPROVED,
        100_000,
        FinanceType.INSTALLMENT,
    )
    assert result.authorization_number == "A12345678"


async def test_adjust_and_settle_read_their_results(make_client):
    client, _ = make_client(answer(201, adjustment_json()), answer(201, settlement_json(kind="final")))

    adjustment = await client.adjust("shp_auth_0001", make_adjustment_request(), "key-1")
    settlement = await client.settle(make_settlement_request(kind=SettlementKind.FINAL), "key-2")

    assert (adjustment.status, adjustment.amount_cents, adjustment.authorization_version) == (
        AdjustmentStatus.ACCEPTED,
        90_000,
        2,
    )
    assert (settlement.status, settlement.kind, settlement.amount_cents) == (
        SettlementStatus.ACCEPTED,
        SettlementKind.FINAL,
        40_000,
    )


async def test_an_over_settlement_is_rejected_with_its_code(make_client, sleeps):
    client, script = make_client(
        answer(
            422, {"error": "over_settlement", "message": "Only 0.00 remains.", "errors": {"amount": "At most 0.00."}}
        )
    )

    with pytest.raises(Rejected) as caught:
        await client.settle(make_settlement_request(), "key-1")

    assert caught.value.code == "over_settlement"
    assert caught.value.errors == {"amount": "At most 0.00."}
    assert len(script.requests) == 1


async def test_a_settlement_the_provider_keeps_refusing_with_503_is_provider_unavailable(make_client, sleeps):
    client, script = make_client(*[answer(503)] * 4, max_retries=3)

    with pytest.raises(ProviderUnavailable) as caught:
        await client.settle(make_settlement_request(), "key-1")

    assert len(script.requests) == 4
    assert {r.headers["Idempotency-Key"] for r in script.requests} == {"key-1"}
    assert caught.value.status_code == 503


async def test_get_authorization_escapes_the_id_and_maps_not_found(make_client):
    client, script = make_client(
        answer(200, authorization_json()), answer(404, {"error": "not_found", "message": "No authorization."})
    )

    found = await client.get_authorization("shp_auth/../x")
    with pytest.raises(NotFound):
        await client.get_authorization("shp_auth_nope")

    assert found.id == "shp_auth_0001"
    assert script.requests[0].method == "GET"
    assert script.requests[0].url.raw_path == b"/v1/authorizations/shp_auth%2F..%2Fx"


async def test_adjust_escapes_the_authorization_id_in_the_path(make_client):
    client, script = make_client(answer(201, adjustment_json()))

    await client.adjust("a/b", make_adjustment_request(), "key-1")

    assert script.requests[0].url.raw_path == b"/v1/authorizations/a%2Fb/adjustments"


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        (lambda c: c.get_authorization("shp_auth_0001"), authorization_json(status="pending")),
        (lambda c: c.get_authorization("shp_auth_0001"), authorization_json(authorization_number=None)),
        (lambda c: c.get_authorization("shp_auth_0001"), authorization_json(amount=1000.0)),
        (lambda c: c.authorize(make_authorization_request(), "k"), ["not", "an", "object"]),
        (lambda c: c.adjust("shp_auth_0001", make_adjustment_request(), "k"), adjustment_json(status="pending")),
        (lambda c: c.settle(make_settlement_request(), "k"), settlement_json(amount="400.5")),
        (lambda c: c.settle(make_settlement_request(), "k"), settlement_json(kind=None)),
    ],
    ids=[
        "unknown-status",
        "approved-without-number",
        "float-amount",
        "list",
        "adjustment-status",
        "one-decimal",
        "no-kind",
    ],
)
async def test_a_malformed_ledger_answer_is_a_protocol_error(make_client, call, bad):
    client, _ = make_client(answer(201, bad))

    with pytest.raises(ProtocolError):
        await call(client)


# --- secrecy -------------------------------------------------------------------------------------


async def test_the_token_never_appears_in_logs_errors_or_reprs(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    client, _ = make_client(
        answer(200, {"ok": True, "provider": "Smart Home Pay LOS"}),
        answer(401, {"error": "unauthorized", "message": "bad"}),
        *[answer(503)] * 4,
        *[raises(httpx.ConnectError)] * 4,
        raises(httpx.ReadTimeout),
        answer(422, {"error": "validation_failed", "message": "bad", "errors": {"x": "y"}}),
        httpx.Response(200, text="nope"),
    )
    errors: list[BaseException] = []
    await client.ping()
    for _ in range(6):
        try:
            await client.submit_application(make_request(), "key-1")
        except ProviderError as exc:
            errors.append(exc)

    assert [type(e) for e in errors] == [
        Unauthorized,
        ProviderUnavailable,
        Unreachable,
        TimedOut,
        Rejected,
        ProtocolError,
    ]
    assert caplog.records, "the client and httpx do log at DEBUG; the point is what they log"
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)
    for exc in errors:
        rendered = "".join(traceback.format_exception(exc))
        chain = [exc, exc.__cause__, exc.__context__]
        assert TOKEN not in rendered
        assert all(TOKEN not in str(e) and TOKEN not in repr(e) for e in chain if e is not None)


def test_a_token_that_cannot_be_sent_is_refused_without_echoing_it():
    with pytest.raises(ValueError) as caught:
        ProviderClient(httpx.AsyncClient(), BASE, "abc\r\nX-Injected: 1")

    assert "Injected" not in str(caught.value)


# --- the shared client ---------------------------------------------------------------------------


async def test_the_shared_http_client_is_one_per_process_with_explicit_timeouts():
    first = get_http_client()
    try:
        assert get_http_client() is first
        assert first.timeout == DEFAULT_TIMEOUT
        assert (first.timeout.connect, first.timeout.read, first.timeout.write, first.timeout.pool) == (3, 10, 5, 5)
        # idle connections are dropped before a server with the common 5 s keep-alive closes them under us
        assert first._transport._pool._keepalive_expiry < 5
    finally:
        await close_http_client()

    assert first.is_closed
    second = get_http_client()
    assert second is not first
    await close_http_client()


async def test_fifty_requests_are_in_flight_to_the_provider_at_once():
    """Fifty reps submitting together: every request reaches the provider while the others wait for their
    answers (a pool of 20 held the 21st back until a whole answer came in)."""
    import asyncio

    want, open_now, peak = 50, 0, 0
    everyone = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, peak
        await reader.readuntil(b"\r\n\r\n")
        open_now += 1
        peak = max(peak, open_now)
        if open_now >= want:
            everyone.set()
        try:
            await asyncio.wait_for(everyone.wait(), 10)  # answer only once all fifty are waiting together
        except TimeoutError:
            pass
        body = b'{"status":"ok","environment":"sandbox","time":"2026-01-01T00:00:00Z"}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        await writer.drain()
        open_now -= 1
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = ProviderClient(get_http_client(), f"http://127.0.0.1:{port}", "tok", max_retries=0)
        await asyncio.gather(*(client.ping() for _ in range(want)), return_exceptions=True)
    finally:
        server.close()
        await close_http_client()
    assert peak == want


async def test_the_http_stack_names_its_event_loop_without_searching_for_a_module(monkeypatch):
    """httpcore asks sniffio which event loop runs on every pool operation; without sniffio installed each ask
    is a failed import that searches sys.path (about 1 ms of CPU per provider request). A dependency, pinned."""
    import sys

    from httpcore._synchronization import current_async_library

    searched: list[str] = []

    class Watch:
        def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201
            searched.append(name)
            return None

    monkeypatch.setattr(sys, "meta_path", [Watch(), *sys.meta_path])
    assert current_async_library() == "asyncio"
    assert searched == [] and "sniffio" in sys.modules
