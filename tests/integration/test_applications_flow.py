"""Applications end to end: the service, the real client, and the simulator as a separate process.

Each test checks both sides: stapp's database (status, details, history) and the simulator's own
record of what it received (``/_sim/applications``), so "never lost, never doubled" is observed,
not assumed.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from stapp.db import crypto
from stapp.db.engine import read_session, write_session
from stapp.db.models import ApplicationEvent, Customer, FinanceApplication, FinanceProvider, Location, User
from stapp.db.types import utcnow
from stapp.domain.errors import ValidationFailed
from stapp.domain.financing import AppStatus
from stapp.provider.client import ProviderClient, close_http_client
from stapp.services import applications as svc
from stapp.services import financing_setup
from stapp.services.auth import Actor, load_grants
from stapp.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
SIM_TOKEN = "shp-sandbox-token"
SIM_ADMIN = "sim-admin"
WEBHOOK_SECRET = "test-webhook-secret"
REVIEW_DELAY_S = 1.0
TIMEOUT_DELAY_S = 3.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLOSED_PORT = _free_port()  # nothing listens here: webhooks to it fail, so decisions must be polled


@pytest.fixture(scope="module")
def simulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log_path = tmp_path_factory.mktemp("sim") / "simulator.log"
    command = [
        sys.executable, "-m", "stapp.provider.simulator", "--host", "127.0.0.1", "--port", str(port),
        "--token", SIM_TOKEN, "--latency-ms", "0", "--review-delay-s", str(REVIEW_DELAY_S),
        "--timeout-delay-s", str(TIMEOUT_DELAY_S), "--webhook-secret", WEBHOOK_SECRET, "--admin-token", SIM_ADMIN,
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


@pytest.fixture
async def sim(db, simulator_url, monkeypatch) -> AsyncIterator[str]:
    """The app pointed at the simulator (Development), webhooks to a closed port, quick client retries."""
    monkeypatch.setenv("STAPP_PROVIDER_URL_DEVELOPMENT", simulator_url)
    monkeypatch.setenv("STAPP_PUBLIC_URL", f"http://127.0.0.1:{CLOSED_PORT}")
    # Same retry policy, shorter waits (the Flaky rule asks for Retry-After: 1 twice).
    monkeypatch.setattr(
        financing_setup,
        "ProviderClient",
        functools.partial(ProviderClient, backoff_base=0.01, backoff_cap=0.05, retry_after_cap=0.05),
    )
    get_settings.cache_clear()
    try:
        yield simulator_url
    finally:
        await close_http_client()
        get_settings.cache_clear()


# --- helpers ------------------------------------------------------------------------------------


def _actor(email: str) -> Actor:
    with read_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        return Actor(user_id=user.id, name=user.name, email=user.email, grants=load_grants(s, user.id))


def _austin_customer_id() -> int:
    with read_session() as s:
        loc = s.exec(select(Location).where(Location.name == "Austin")).one()
        return s.exec(select(Customer.id).where(Customer.location_id == loc.id).order_by(Customer.id)).first()


_keys = iter(range(1, 10**6))


def _form(last_name: str, **over: object) -> dict:
    data = {
        "first_name": "Pat", "last_name": last_name, "email": "pat@example.com", "phone": "512-555-0100",
        "date_of_birth": "1980-05-17", "ssn": "123-45-6789", "address_line1": "1 Main St", "city": "Austin",
        "state": "TX", "zip_code": "78701", "annual_income": "85000.00", "employer": "Acme Alarm Co",
        "amount_requested": "12345.50", "consent": True,
    }  # fmt: skip
    data.update(over)
    return data


def _prepare(last_name: str, **over: object) -> int:
    key = f"flow{time.time_ns():020d}{next(_keys):08d}"
    with write_session() as s:
        app_id, created = svc.prepare(
            s, _actor("sales@example.com"), _austin_customer_id(), _form(last_name, **over), key
        )
    assert created
    return app_id


def _app(app_id: int) -> FinanceApplication:
    with read_session() as s:
        return s.get(FinanceApplication, app_id)


def _status_events(app_id: int) -> list[tuple[str, str, str]]:
    with read_session() as s:
        rows = s.exec(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == app_id, ApplicationEvent.field_name == "status")
            .order_by(ApplicationEvent.id)
        ).all()
        return [(e.from_value, e.to_value, e.source) for e in rows]


def _sim_record(url: str, key: str) -> dict:
    response = httpx.get(
        f"{url}/_sim/applications", params={"idempotency_key": key}, headers={"X-Sim-Admin": SIM_ADMIN}
    )
    response.raise_for_status()
    return response.json()


def _one_sim_app(url: str, app: FinanceApplication) -> dict:
    """The simulator holds exactly one application for the key, and it is the one stapp recorded."""
    record = _sim_record(url, app.idempotency_key)
    assert record["count"] == 1, record
    sim_app = record["applications"][0]["application"]
    assert sim_app["reference"] == app.reference
    assert sim_app["id"] == app.provider_app_id
    return sim_app


# --- the sandbox outcomes -------------------------------------------------------------------------


async def test_smith_is_approved_with_amount_financed_account_number_and_plans(sim):
    app_id = _prepare("Smith")
    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value
    assert app.stage == "decisioned"
    assert app.amount_financed_cents == 1_234_550
    assert re.fullmatch(r"SHP\d{9}", app.account_number)
    assert app.finance_type == "installment"
    assert [p["code"] for p in json.loads(app.plans_json)] == ["I36", "I60"]
    assert app.submit_attempts == 1 and app.decided_at is not None and app.last_error == ""
    sim_app = _one_sim_app(sim, app)
    assert sim_app["account_number"] == app.account_number and sim_app["amount_requested"] == "12345.50"
    assert _sim_record(sim, app.idempotency_key)["attempts"] == {app.idempotency_key: 1}
    assert _status_events(app_id) == [("Not Submitted", "Submitting", "user"), ("Submitting", "Approved", "user")]


async def test_an_approval_is_capped_at_25000(sim):
    app_id = _prepare("Smith", amount_requested="40000.00")
    await svc.submit(app_id, claimed=True)
    app = _app(app_id)
    assert (app.status, app.amount_requested_cents, app.amount_financed_cents) == ("Approved", 4_000_000, 2_500_000)


async def test_decline_is_declined_with_the_reason(sim):
    app_id = _prepare("Decline")
    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert app.status == AppStatus.DECLINED.value
    assert "Decline" in app.decline_reason
    assert app.amount_financed_cents is None and app.account_number is None
    _one_sim_app(sim, app)


async def test_prequal_is_pre_qualified_with_the_providers_link(sim):
    app_id = _prepare("Prequal")
    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert app.status == AppStatus.PREQUALIFIED.value
    assert app.prequal_url == f"https://sandbox.smarthomepay.example/prequal/{app.provider_app_id}"
    _one_sim_app(sim, app)


@pytest.mark.parametrize(
    ("last_name", "finance_type", "plan"), [("Lease", "rto", "R24"), ("Revolve", "revolving", "RV1")]
)
async def test_lease_and_revolve_are_approved_with_their_finance_type(sim, last_name, finance_type, plan):
    app_id = _prepare(last_name)
    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert (app.status, app.finance_type) == ("Approved", finance_type)
    assert [p["code"] for p in json.loads(app.plans_json)] == [plan]
    _one_sim_app(sim, app)


async def test_flaky_is_approved_after_retries_with_one_application_at_the_provider(sim):
    app_id = _prepare("Flaky")
    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value
    assert app.submit_attempts == 1  # the client's retries are one submission for stapp
    _one_sim_app(sim, app)
    assert _sim_record(sim, app.idempotency_key)["attempts"] == {app.idempotency_key: 3}


# --- no answer, crashes, double clicks ------------------------------------------------------------


async def test_timeout_is_outcome_unknown_then_reconcile_finds_it_without_sending_it_again(sim, monkeypatch):
    # financing_setup binds get_http_client at import, so that is the name to replace.
    short = httpx.AsyncClient(timeout=httpx.Timeout(1.0))
    monkeypatch.setattr(financing_setup, "get_http_client", lambda: short)
    try:
        app_id = _prepare("Timeout")
        started = time.monotonic()
        await svc.submit(app_id, claimed=True)
        assert time.monotonic() - started < TIMEOUT_DELAY_S  # gave up on the answer, did not wait for it

        app = _app(app_id)
        assert app.status == AppStatus.OUTCOME_UNKNOWN.value
        assert app.provider_app_id is None
        assert app.last_error
        assert _sim_record(sim, app.idempotency_key)["count"] == 1  # the provider did record it

        await svc.reconcile(app_id)
    finally:
        await short.aclose()

    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value
    assert app.last_error == ""
    _one_sim_app(sim, app)
    assert _sim_record(sim, app.idempotency_key)["attempts"] == {app.idempotency_key: 1}
    assert _status_events(app_id)[1:] == [
        ("Submitting", "Outcome Unknown", "user"),
        ("Outcome Unknown", "Approved", "poller"),
    ]


async def test_a_crash_before_the_provider_answered_is_submitted_once_by_the_reconciler(sim):
    app_id = _prepare("Smith")  # saved, then the process died before (or while) calling the provider
    with write_session() as s:
        app = s.get(FinanceApplication, app_id)
        app.updated_at = utcnow() - timedelta(minutes=2)
        s.add(app)
    assert _sim_record(sim, _app(app_id).idempotency_key)["count"] == 0

    assert await svc.reconcile_due() >= 1

    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value
    _one_sim_app(sim, app)
    # Decided now: the next pass leaves it alone and nothing is sent again.
    with read_session() as s:
        assert app_id not in svc.due_for_reconcile(s, utcnow())
    await svc.reconcile_due()
    assert _sim_record(sim, app.idempotency_key)["attempts"] == {app.idempotency_key: 1}


async def test_a_crash_after_the_provider_recorded_it_is_found_not_resent(sim):
    app_id = _prepare("Decline")
    await svc.submit(app_id, claimed=True)
    key = _app(app_id).idempotency_key
    with write_session() as s:  # as if stapp never stored the answer
        app = s.get(FinanceApplication, app_id)
        app.status, app.provider_app_id, app.provider_version = AppStatus.SUBMITTING.value, None, 0
        app.updated_at = utcnow() - timedelta(minutes=2)
        s.add(app)

    await svc.reconcile_due()

    app = _app(app_id)
    assert app.status == AppStatus.DECLINED.value
    _one_sim_app(sim, app)
    assert _sim_record(sim, key)["attempts"] == {key: 1}


async def test_two_concurrent_submits_create_one_application_at_the_provider(sim):
    app_id = _prepare("Smith")
    await asyncio.gather(svc.submit(app_id), svc.submit(app_id))

    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value
    _one_sim_app(sim, app)
    assert [e for e in _status_events(app_id) if e[1] == "Approved"] == [("Submitting", "Approved", "user")]


async def test_submitting_a_decided_application_again_sends_nothing(sim):
    app_id = _prepare("Smith")
    await svc.submit(app_id, claimed=True)
    await svc.submit(app_id)
    key = _app(app_id).idempotency_key
    assert _sim_record(sim, key)["attempts"] == {key: 1}


async def test_review_is_in_review_then_approved_by_polling_when_no_webhook_arrives(sim):
    app_id = _prepare("Review")
    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert (app.status, app.stage) == ("In Review", "underwriting")
    assert app.decided_at is None

    await asyncio.sleep(REVIEW_DELAY_S + 0.5)
    await svc.reconcile(app_id)

    app = _app(app_id)
    assert (app.status, app.stage, app.provider_version) == ("Approved", "decisioned", 2)
    assert app.decided_at is not None
    _one_sim_app(sim, app)
    assert _status_events(app_id)[-1] == ("In Review", "Approved", "poller")


# --- webhooks from the simulator to stapp's own endpoint ----------------------------------------


@pytest.fixture
def webhook_endpoint(sim, monkeypatch) -> Iterator[str]:
    """stapp's ``/api/provider/webhook`` served on loopback, with the app's public URL pointing at it."""
    import uvicorn

    from stapp.api import build_api

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_api(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the webhook endpoint did not start"
        time.sleep(0.02)
    monkeypatch.setenv("STAPP_PUBLIC_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        yield f"http://127.0.0.1:{port}/api/provider/webhook"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_review_is_approved_by_the_signed_webhook_without_polling(sim, webhook_endpoint):
    app_id = _prepare("Review")
    await svc.submit(app_id, claimed=True)
    assert _app(app_id).status == AppStatus.IN_REVIEW.value

    deadline = time.monotonic() + REVIEW_DELAY_S + 5
    while _app(app_id).status != AppStatus.APPROVED.value:
        assert time.monotonic() < deadline, "the webhook never approved the application"
        await asyncio.sleep(0.1)

    app = _app(app_id)
    assert app.provider_version == 2 and app.stage == "decisioned"
    assert _status_events(app_id)[-1] == ("In Review", "Approved", "webhook")
    deliveries = [
        d for d in _sim_record(sim, app.idempotency_key)["webhook_deliveries"] if d["url"] == webhook_endpoint
    ]
    assert deliveries and all(d.get("status_code") == 200 for d in deliveries)


# --- forms the app accepts must be forms the provider accepts -------------------------------------


async def test_a_phone_the_provider_would_refuse_is_refused_by_the_form(sim):
    with pytest.raises(ValidationFailed) as exc:
        _prepare("Smith", phone="555-0100")
    assert "phone" in exc.value.errors
    app_id = _prepare("Smith", phone="(512) 555-0100")
    await svc.submit(app_id, claimed=True)
    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value, app.last_error


async def test_a_co_applicant_without_the_contact_details_the_provider_needs_is_refused_by_the_form(sim):
    with pytest.raises(ValidationFailed) as exc:
        _prepare(
            "Smith",
            co_first_name="Sam",
            co_last_name="Smith",
            co_date_of_birth="1982-01-02",
            co_ssn="987-65-4321",
            co_annual_income="40000.00",
        )
    assert {"co_email", "co_phone"} <= set(exc.value.errors)


async def test_a_complete_co_applicant_is_sent_and_approved(sim):
    app_id = _prepare(
        "Smith",
        co_first_name="Sam",
        co_last_name="Smith",
        co_email="sam@example.com",
        co_phone="512-555-0101",
        co_date_of_birth="1982-01-02",
        co_ssn="987-65-4321",
        co_annual_income="40000.00",
    )
    await svc.submit(app_id, claimed=True)
    assert _app(app_id).status == AppStatus.APPROVED.value


# --- Test Connection ------------------------------------------------------------------------------


def _demo_provider() -> FinanceProvider:
    with read_session() as s:
        return s.exec(select(FinanceProvider).order_by(FinanceProvider.id)).first()


async def test_test_connection_succeeds_with_the_sandbox_token(sim):
    assert await financing_setup.test_connection(_demo_provider()) == (True, "Connection successful.")


async def test_test_connection_with_a_wrong_token_says_unauthorized(sim):
    provider = _demo_provider()
    provider.token_ciphertext = crypto.encrypt("not-the-sandbox-token")

    ok, message = await financing_setup.test_connection(provider)

    assert ok is False
    assert "unauthorized" in message and "not-the-sandbox-token" not in message


async def test_test_connection_to_a_closed_port_says_it_could_not_be_reached(sim, monkeypatch):
    monkeypatch.setenv("STAPP_PROVIDER_URL_STAGING", f"http://127.0.0.1:{CLOSED_PORT}")
    get_settings.cache_clear()
    provider = _demo_provider()
    provider.environment = "Staging"

    ok, message = await financing_setup.test_connection(provider)

    assert ok is False
    assert "could not be reached" in message
