"""Fault injection: a slow, hanging, disconnecting or refusing provider, a killed stapp, double clicks,
replayed and reordered webhooks, and a database restart.

Every provider test checks both sides: the simulator's own record (``/_sim/applications``: how many
applications it holds for the key, how many submissions reached it) and stapp's database (status,
history). "Never lost, never doubled" is observed, not assumed.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stapp.db import engine as engine_mod
from stapp.db.engine import read_session, write_session
from stapp.db.models import (
    ApplicationEvent,
    CatalogEntry,
    Customer,
    FinanceApplication,
    Funding,
    FundingTransaction,
    Location,
    User,
    WebhookReceipt,
)
from stapp.db.types import utcnow
from stapp.domain.financing import AppStatus
from stapp.provider import errors as perr
from stapp.provider.client import ProviderClient, close_http_client
from stapp.services import applications as svc
from stapp.services import financing_setup
from stapp.services import funding as funding_svc
from stapp.services.auth import Actor, load_grants
from stapp.settings import get_settings
from tests.faults.conftest import CLOSED_PORT, ROOT, SimControl, free_port

# --- helpers ------------------------------------------------------------------------------------------


def _actor(email: str) -> Actor:
    with read_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        return Actor(user_id=user.id, name=user.name, email=user.email, grants=load_grants(s, user.id))


def _austin_customer_id() -> int:
    with read_session() as s:
        loc = s.exec(select(Location).where(Location.name == "Austin")).one()
        return s.exec(select(Customer.id).where(Customer.location_id == loc.id).order_by(Customer.id)).first()


_counter = iter(range(1, 10**6))


def _new_key() -> str:
    return f"fault{time.time_ns():020d}{next(_counter):08d}"


def _form(last_name: str, **over: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Pat", "last_name": last_name, "email": "pat@example.com", "phone": "512-555-0100",
        "date_of_birth": "1980-05-17", "ssn": "123-45-6789", "address_line1": "1 Main St", "city": "Austin",
        "state": "TX", "zip_code": "78701", "annual_income": "85000.00", "employer": "Acme Alarm Co",
        "amount_requested": "12345.50", "consent": True,
    }  # fmt: skip
    data.update(over)
    return data


def _prepare(last_name: str, **over: object) -> int:
    with write_session() as s:
        app_id, created = svc.prepare(
            s, _actor("sales@example.com"), _austin_customer_id(), _form(last_name, **over), _new_key()
        )
    assert created
    return app_id


def _app(app_id: int) -> FinanceApplication:
    with read_session() as s:
        return s.get(FinanceApplication, app_id)


def _history(app_id: int, field: str = "status") -> list[tuple[str, str, str]]:
    with read_session() as s:
        rows = s.exec(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == app_id, ApplicationEvent.field_name == field)
            .order_by(ApplicationEvent.id)
        ).all()
        return [(e.from_value, e.to_value, e.source) for e in rows]


def _one_at_provider(sim: SimControl, app: FinanceApplication) -> dict[str, Any]:
    """The simulator holds exactly one application for the key, and it is the one stapp recorded."""
    record = sim.applications(app.idempotency_key)
    assert record["count"] == 1, record
    sim_app = record["applications"][0]["application"]
    assert sim_app["reference"] == app.reference
    assert sim_app["id"] == app.provider_app_id
    assert sim_app["status"] == "approved" and app.status == AppStatus.APPROVED.value
    assert (sim_app["version"], sim_app["account_number"]) == (app.provider_version, app.account_number)
    return sim_app


def _attempts(sim: SimControl, key: str) -> int:
    return sim.applications(key)["attempts"].get(key, 0)


async def _wait_for(predicate, timeout: float, what: str, step: float = 0.05) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(step)


# --- 1. a slow provider -------------------------------------------------------------------------------


@pytest.mark.timeout(40)
async def test_a_slow_provider_leaves_the_app_responsive_and_decides_once(sim):
    sim.configure(latency_ms=3000)
    actor = _actor("sales@example.com")
    app_id = _prepare("Smith")
    started = time.monotonic()

    task = asyncio.create_task(svc.submit(app_id, claimed=True))
    await _wait_for(lambda: _app(app_id).submit_attempts == 1, 2.0, "the submission to be claimed")
    await asyncio.sleep(0.3)  # the request is now waiting at the provider
    assert not task.done()

    t0 = time.monotonic()
    with read_session() as s:  # a page load while the submission is in flight
        shown = svc.detail(s, actor, app_id)
    read_s = time.monotonic() - t0
    t0 = time.monotonic()
    other_id = _prepare("Decline")  # a write: no database lock is held across the provider call
    write_s = time.monotonic() - t0
    t0 = time.monotonic()
    await asyncio.sleep(0.05)  # the event loop itself is free
    loop_s = time.monotonic() - t0

    assert shown["status"] == AppStatus.SUBMITTING.value
    assert read_s < 0.5 and write_s < 0.5 and loop_s < 0.5, (read_s, write_s, loop_s)
    assert not task.done(), "the provider answered before its 3 s latency"

    await asyncio.wait_for(task, timeout=15)
    assert time.monotonic() - started >= 3.0

    app = _app(app_id)
    assert app.status == AppStatus.APPROVED.value and app.last_error == ""
    _one_at_provider(sim, app)
    assert _attempts(sim, app.idempotency_key) == 1
    assert _history(app_id) == [("Not Submitted", "Submitting", "user"), ("Submitting", "Approved", "user")]
    assert _app(other_id).status == AppStatus.SUBMITTING.value  # saved, and not sent by anyone


# --- 2. a provider that hangs past the client's timeout ------------------------------------------------


@pytest.mark.timeout(40)
async def test_a_hang_past_the_client_timeout_is_outcome_unknown_then_reconciled_without_resending(sim, monkeypatch):
    sim.configure(timeout_delay_s=3.0)
    short = httpx.AsyncClient(timeout=httpx.Timeout(1.0))  # read timeout 1 s
    monkeypatch.setattr(financing_setup, "get_http_client", lambda: short)
    try:
        app_id = _prepare("Timeout")
        t0 = time.monotonic()
        await svc.submit(app_id, claimed=True)
        assert time.monotonic() - t0 < 2.5  # gave up on the answer after ~1 s, did not wait 3 s

        app = _app(app_id)
        assert app.status == AppStatus.OUTCOME_UNKNOWN.value
        assert app.provider_app_id is None
        assert app.last_error == perr.TimedOut.user_message
        record = sim.applications(app.idempotency_key)
        assert record["count"] == 1 and record["attempts"] == {app.idempotency_key: 1}  # recorded all the same

        with read_session() as s:  # too fresh for the reconciler: it waits UNKNOWN_RETRY
            assert app_id not in svc.due_for_reconcile(s, utcnow())
        assert await svc.reconcile_due(utcnow() + svc.UNKNOWN_RETRY + timedelta(seconds=1)) >= 1
    finally:
        await short.aclose()

    app = _app(app_id)
    assert app.last_error == ""
    _one_at_provider(sim, app)
    assert _attempts(sim, app.idempotency_key) == 1  # asked by key, never sent again
    assert _history(app_id)[1:] == [
        ("Submitting", "Outcome Unknown", "user"),
        ("Outcome Unknown", "Approved", "poller"),
    ]


# --- 3. recorded, then the connection drops before any answer -------------------------------------------


@pytest.mark.timeout(30)
async def test_a_dropped_connection_after_the_provider_recorded_it_is_retried_by_key_and_decided_once(sim):
    sim.configure(drop_after_create=True)
    app_id = _prepare("Smith")

    await svc.submit(app_id, claimed=True)  # the client resends the same key: the provider answers what it recorded

    app = _app(app_id)
    sim_app = _one_at_provider(sim, app)
    assert app.submit_attempts == 1 and app.last_error == ""
    assert _attempts(sim, app.idempotency_key) == 2  # the dropped one and its replay
    assert sim.settings()["faults_injected"] == {"dropped": 1}

    await svc.reconcile(app_id)  # a later poll agrees, and sends nothing new
    app = _app(app_id)
    assert (app.status, app.provider_version) == (AppStatus.APPROVED.value, sim_app["version"])
    assert _attempts(sim, app.idempotency_key) == 2
    assert [e for e in _history(app_id) if e[1] == "Approved"] == [("Submitting", "Approved", "user")]


@pytest.mark.timeout(30)
async def test_a_dropped_connection_without_client_retries_is_resolved_by_the_reconciler_not_resent(
    sim, monkeypatch
):
    monkeypatch.setattr(financing_setup, "ProviderClient", functools.partial(ProviderClient, max_retries=0))
    sim.configure(drop_after_create=True)
    app_id = _prepare("Smith")

    await svc.submit(app_id, claimed=True)

    app = _app(app_id)
    assert app.status == AppStatus.OUTCOME_UNKNOWN.value and app.provider_app_id is None
    assert app.last_error == perr.Unreachable.user_message
    assert sim.applications(app.idempotency_key)["count"] == 1  # the provider has it; stapp does not know

    sim.configure(drop_after_create=False)
    await svc.reconcile_due(utcnow() + svc.UNKNOWN_RETRY + timedelta(seconds=1))

    app = _app(app_id)
    _one_at_provider(sim, app)
    assert _attempts(sim, app.idempotency_key) == 1  # found by key, not a second submission
    assert _history(app_id)[1:] == [
        ("Submitting", "Outcome Unknown", "user"),
        ("Outcome Unknown", "Approved", "poller"),
    ]


# --- 4. bursts of 503 and 429 -------------------------------------------------------------------------


class _RecordingSleep:
    """An instant ``sleep`` for the client that remembers each wait it was asked for."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("status", [503, 429])
async def test_a_short_burst_is_retried_after_retry_after_and_decided_once(sim, monkeypatch, status):
    sleep = _RecordingSleep()
    monkeypatch.setattr(financing_setup, "ProviderClient", functools.partial(ProviderClient, sleep=sleep))
    sim.configure(fail_next=3, fail_status=status, fail_retry_after=2)
    app_id = _prepare("Smith")

    await svc.submit(app_id, claimed=True)

    assert sleep.waits == [2.0, 2.0, 2.0]  # Retry-After honoured exactly, no jitter on top
    app = _app(app_id)
    _one_at_provider(sim, app)
    assert _attempts(sim, app.idempotency_key) == 1  # the three refusals recorded nothing
    settings = sim.settings()
    assert (settings["fail_next"], settings["faults_injected"]) == (0, {"failed": 3})


@pytest.mark.timeout(30)
@pytest.mark.parametrize("status", [503, 429])
async def test_a_long_burst_stops_at_the_retry_cap_then_the_reconciler_sends_it_once(sim, monkeypatch, status):
    sleep = _RecordingSleep()
    monkeypatch.setattr(financing_setup, "ProviderClient", functools.partial(ProviderClient, sleep=sleep))
    sim.configure(fail_next=10, fail_status=status, fail_retry_after=30)
    app_id = _prepare("Smith")

    await svc.submit(app_id, claimed=True)

    assert sleep.waits == [10.0, 10.0, 10.0]  # 4 attempts, each wait capped at 10 s, none after the last
    app = _app(app_id)
    assert app.status == AppStatus.OUTCOME_UNKNOWN.value
    assert app.last_error == perr.ProviderUnavailable.user_message
    assert sim.applications(app.idempotency_key)["count"] == 0
    assert sim.settings()["fail_next"] == 6  # exactly four requests were made

    sim.configure(fail_next=0)  # the provider is back
    await svc.reconcile_due(utcnow() + svc.UNKNOWN_RETRY + timedelta(seconds=1))

    app = _app(app_id)
    _one_at_provider(sim, app)
    assert _attempts(sim, app.idempotency_key) == 1
    assert app.submit_attempts == 2
    assert [(old, new) for old, new, _ in _history(app_id)[1:]] == [
        ("Submitting", "Outcome Unknown"),
        ("Outcome Unknown", "Submitting"),
        ("Submitting", "Approved"),
    ]


@pytest.mark.timeout(30)
async def test_a_resend_by_the_reconciler_is_attributed_to_the_poller_in_the_history(sim, monkeypatch):
    monkeypatch.setattr(financing_setup, "ProviderClient", functools.partial(ProviderClient, sleep=_RecordingSleep()))
    sim.configure(fail_next=4)
    app_id = _prepare("Smith")
    await svc.submit(app_id, claimed=True)
    assert _app(app_id).status == AppStatus.OUTCOME_UNKNOWN.value
    sim.configure(fail_next=0)

    await svc.reconcile(app_id)

    assert _app(app_id).status == AppStatus.APPROVED.value
    assert _history(app_id)[2:] == [
        ("Outcome Unknown", "Submitting", "poller"),
        ("Submitting", "Approved", "poller"),
    ]


@pytest.mark.timeout(30)
async def test_retry_after_is_really_waited_for(sim, monkeypatch):
    monkeypatch.setattr(financing_setup, "ProviderClient", ProviderClient)  # real sleeps, default caps
    sim.configure(fail_next=2, fail_status=429, fail_retry_after=1)
    app_id = _prepare("Smith")

    t0 = time.monotonic()
    await svc.submit(app_id, claimed=True)
    elapsed = time.monotonic() - t0

    assert 2.0 <= elapsed < 6.0, elapsed
    _one_at_provider(sim, _app(app_id))


# --- 5. stapp killed between "saved" and "provider answered" ----------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("case", "last_name", "fault"),
    [
        # Killed while the provider sits in its 3 s latency: the provider never reads the request.
        ("before_the_provider_read_it", "Smith", {"latency_ms": 3000}),
        # Killed after the provider recorded it, while its answer is held back (the Timeout rule).
        ("after_the_provider_recorded_it", "Timeout", {"timeout_delay_s": 3.0}),
    ],
)
async def test_a_killed_stapp_process_is_resolved_by_the_reconciler_with_one_application(
    sim, case, last_name, fault
):
    sim.configure(**fault)
    key = _new_key()
    env = dict(
        os.environ,
        STAPP_DATABASE_URL=get_settings().database_url,  # the test's own seeded SQLite file
        STAPP_PROVIDER_URL_DEVELOPMENT=sim.url,
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    assert env["STAPP_DATABASE_URL"].startswith("sqlite:///")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.crash_child", last_name, key],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), timeout=30)
        assert line, child.stderr.read()
        app_id = json.loads(line)["app_id"]
        await _wait_for(lambda: _app(app_id).submit_attempts == 1, 10, "the child to claim the submission")
        if case == "after_the_provider_recorded_it":
            await _wait_for(lambda: sim.applications(key)["count"] == 1, 5, "the provider to record it")
        else:
            await asyncio.sleep(0.5)  # its request is at the provider, inside the 3 s latency
        assert child.poll() is None, "the child finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()

    app = _app(app_id)
    assert app.status == AppStatus.SUBMITTING.value and app.provider_app_id is None  # saved, answer never stored
    if case == "before_the_provider_read_it":
        await asyncio.sleep(3.2)  # past the latency: the provider found its client gone and recorded nothing
        assert sim.applications(key)["count"] == 0 and _attempts(sim, key) == 0
    sim.configure(latency_ms=0, timeout_delay_s=3.0)

    with read_session() as s:  # not stale yet: the reconciler leaves a fresh "Submitting" alone
        assert app_id not in svc.due_for_reconcile(s, utcnow())
    with write_session() as s:  # ...until STALE_SUBMITTING has passed
        row = s.get(FinanceApplication, app_id)
        row.updated_at = utcnow() - svc.STALE_SUBMITTING - timedelta(seconds=5)
        s.add(row)
    assert await svc.reconcile_due() >= 1

    app = _app(app_id)
    _one_at_provider(sim, app)
    # Asked by key first; sent (once) only when the provider had nothing.
    assert _attempts(sim, key) == 1
    assert app.submit_attempts == (2 if case == "before_the_provider_read_it" else 1)
    assert _history(app_id) == [("Not Submitted", "Submitting", "user"), ("Submitting", "Approved", "poller")]
    await svc.reconcile_due()  # a decided application is not touched again
    assert _attempts(sim, key) == 1


# --- 6. double click and two tabs ---------------------------------------------------------------------


def _rows_for(customer_id: int) -> int:
    with read_session() as s:
        return s.exec(
            select(func.count()).select_from(FinanceApplication).where(FinanceApplication.customer_id == customer_id)
        ).one()


@pytest.mark.timeout(30)
async def test_double_clicks_and_two_tabs_make_one_row_and_one_application_at_the_provider(sim):
    actor = _actor("sales@example.com")
    customer_id = _austin_customer_id()
    form = _form("Smith")
    tab1, tab2 = _new_key(), _new_key()
    before = _rows_for(customer_id)

    # Two tabs, each double-clicked, all four saves at the same moment.
    barrier = threading.Barrier(4)

    def save(key: str) -> tuple[int, bool]:
        barrier.wait(timeout=5)
        with write_session() as s:
            return svc.prepare(s, actor, customer_id, dict(form), key)

    with ThreadPoolExecutor(4) as pool:
        saved = list(pool.map(save, [tab1, tab1, tab2, tab2]))
    # A third click on tab 1, later.
    with write_session() as s:
        saved.append(svc.prepare(s, actor, customer_id, dict(form), tab1))

    ids = {app_id for app_id, _ in saved}
    assert len(ids) == 1, saved
    assert sorted(created for _, created in saved) == [False, False, False, False, True]
    assert _rows_for(customer_id) == before + 1
    (app_id,) = ids

    # Both tabs press Submit at once (each twice).
    await asyncio.gather(*(svc.submit(app_id) for _ in range(4)))

    app = _app(app_id)
    assert _rows_for(customer_id) == before + 1
    _one_at_provider(sim, app)
    everything = sim.applications()
    assert everything["count"] == 1, everything  # nothing under the second tab's key either
    assert sim.applications(tab2 if app.idempotency_key == tab1 else tab1)["count"] == 0
    assert [e for e in _history(app_id) if e[1] == "Approved"] == [("Submitting", "Approved", "user")]


@pytest.mark.timeout(90)
async def test_two_tabs_saving_at_the_same_moment_on_postgresql_make_one_row(pg_app, sim_control, monkeypatch):
    monkeypatch.setenv("STAPP_PROVIDER_URL_DEVELOPMENT", sim_control.url)
    monkeypatch.setenv("STAPP_PUBLIC_URL", f"http://127.0.0.1:{CLOSED_PORT}")
    get_settings.cache_clear()
    actor = _actor("sales@example.com")
    customer_id = _austin_customer_id()
    form = _form("Smith")
    before = _rows_for(customer_id)
    # Both tabs reach their INSERT before either commits (if the app serialises them, the first one waits
    # 3 s here in vain and goes on alone).
    both_at_insert = threading.Barrier(2)

    def meet_at_insert(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("INSERT INTO FINANCE_APPLICATION "):
            try:
                both_at_insert.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass

    def save(key: str) -> tuple[int, bool]:
        with write_session() as s:
            return svc.prepare(s, actor, customer_id, dict(form), key)

    event.listen(pg_app, "before_cursor_execute", meet_at_insert)
    try:
        with ThreadPoolExecutor(2) as pool:
            saved = list(pool.map(save, [_new_key(), _new_key()]))
    finally:
        event.remove(pg_app, "before_cursor_execute", meet_at_insert)
    try:
        await asyncio.gather(*(svc.submit(app_id, claimed=created) for app_id, created in saved))
    finally:
        await close_http_client()

    at_provider = sim_control.applications()["count"]
    assert (_rows_for(customer_id) - before, at_provider) == (1, 1), f"saved {saved}; provider holds {at_provider}"


# --- 7. duplicate and out-of-order webhooks -----------------------------------------------------------


class _Catcher:
    """A webhook receiver that records every delivery and refuses each event's first attempt (so the
    simulator redelivers it: a real duplicate, same ``event_id``, signed afresh)."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.seen: Counter[str] = Counter()

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        event_id = json.loads(body)["event_id"]
        self.seen[event_id] += 1
        self.deliveries.append((dict(request.headers), body))
        return Response(status_code=500 if self.seen[event_id] == 1 else 200)

    def for_app(self, provider_app_id: str) -> dict[int, list[tuple[dict[str, str], bytes]]]:
        """Deliveries of one application's events, by version, in arrival order."""
        found: dict[int, list[tuple[dict[str, str], bytes]]] = {}
        for headers, body in list(self.deliveries):
            event = json.loads(body)
            if event["application"]["id"] == provider_app_id:
                found.setdefault(event["application"]["version"], []).append((headers, body))
        return found


@pytest.fixture
def webhook_catcher(sim, monkeypatch) -> Iterator[_Catcher]:
    import uvicorn

    catcher = _Catcher()
    app = Starlette(routes=[Route("/api/provider/webhook", catcher.hook, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the webhook catcher did not start"
        time.sleep(0.02)
    monkeypatch.setenv("STAPP_PUBLIC_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        yield catcher
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _deliver(headers: dict[str, str], body: bytes) -> str:
    status, message = svc.handle_webhook(headers, body)
    assert status == 200, message
    return message


@pytest.mark.timeout(40)
async def test_duplicate_and_out_of_order_webhooks_apply_each_stage_once_and_end_at_the_highest_version(
    sim, webhook_catcher
):
    sim.configure(review_delay_s=0.3)
    in_order, reverse = _prepare("Review"), _prepare("Review", email="pat2@example.com")
    await asyncio.gather(svc.submit(in_order, claimed=True), svc.submit(reverse, claimed=True))
    provider_ids = {}
    for app_id in (in_order, reverse):
        app = _app(app_id)
        assert (app.status, app.provider_version) == (AppStatus.IN_REVIEW.value, 1)
        provider_ids[app_id] = app.provider_app_id

    # The provider approves both (version 2), then they move on: contract sent (3), contract signed (4).
    def version_at_provider(app_id: int) -> int:
        return sim.applications(_app(app_id).idempotency_key)["applications"][0]["application"]["version"]

    await _wait_for(lambda: all(version_at_provider(a) == 2 for a in provider_ids), 10, "the reviews", 0.1)
    for pid in provider_ids.values():
        sim.advance(pid, "contract_sent")
        sim.advance(pid, "contract_signed")

    def all_delivered_twice() -> bool:
        return all(
            sorted(webhook_catcher.for_app(pid)) == [1, 2, 3, 4]
            and all(len(d) == 2 for d in webhook_catcher.for_app(pid).values())
            for pid in provider_ids.values()
        )

    await _wait_for(all_delivered_twice, 15, "every event to be delivered twice", 0.1)

    # In order, every event twice (the redelivery has the same event_id).
    events = webhook_catcher.for_app(provider_ids[in_order])
    messages = [_deliver(h, b) for version in (1, 2, 3, 4) for h, b in events[version]]
    assert messages == ["stale ignored", "duplicate ignored"] + ["applied", "duplicate ignored"] * 3

    # Newest first, every event twice.
    events = webhook_catcher.for_app(provider_ids[reverse])
    messages = [_deliver(h, b) for version in (4, 3, 2, 1) for h, b in events[version]]
    assert messages == ["applied", "duplicate ignored"] + ["stale ignored", "duplicate ignored"] * 3

    for app_id in (in_order, reverse):
        app = _app(app_id)
        assert (app.status, app.stage, app.provider_version) == ("Approved", "contract_signed", 4)
        _one_at_provider(sim, app)
        assert [to for _, to, _ in _history(app_id)] == ["Submitting", "In Review", "Approved"]
    assert _history(in_order, "stage") == [
        ("Not Submitted", "Underwriting", "user"),
        ("Underwriting", "Decisioned", "webhook"),
        ("Decisioned", "Contract Sent", "webhook"),
        ("Contract Sent", "Contract Signed", "webhook"),
    ]
    assert _history(reverse, "stage") == [
        ("Not Submitted", "Underwriting", "user"),
        ("Underwriting", "Contract Signed", "webhook"),
    ]
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(WebhookReceipt)).one() == 8


# --- 8. the database goes away for a moment -------------------------------------------------------------


@pytest.mark.timeout(150)
def test_a_database_restart_during_funding_writes_fails_cleanly_and_the_same_engine_recovers(pg_app, pg_restart):
    engine = pg_app
    actor = _actor("accounting@example.com")
    with read_session() as s:
        funding_ids = list(s.exec(select(Funding.id).order_by(Funding.id).limit(3)).all())
        type_id = s.exec(
            select(CatalogEntry.id).where(CatalogEntry.kind == "transaction_type", CatalogEntry.name == "Funding")
        ).one()
    assert len(funding_ids) == 3

    done: list[tuple[float, str]] = []  # (when, reference) of each committed call
    failed: list[tuple[float, BaseException]] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            reference = f"FAULT-{n:05d}"
            data = {"type_id": str(type_id), "transaction_date": "2026-05-01", "amount": f"{n % 97 + 1}.25",
                    "reference": reference}
            try:
                with write_session() as s:
                    funding_svc.add_transaction(s, actor, funding_ids[n % 3], data)
                done.append((time.monotonic(), reference))
            except BaseException as exc:  # noqa: BLE001  (recorded and judged below)
                failed.append((time.monotonic(), exc))
                time.sleep(0.05)
            time.sleep(0.005)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while len(done) < 10:
            assert time.monotonic() < deadline and not failed, failed[:1]
            time.sleep(0.05)
        restart = pg_restart()  # fast shutdown: open transactions are cut, new connections refused
        assert restart.returncode == 0, restart.stderr
        back = time.monotonic()
        deadline = back + 30
        while sum(1 for at, _ in done if at > back) < 10:
            assert time.monotonic() < deadline, f"no writes after the restart: {failed[-1:]}"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()

    # During the outage: a clear, catchable database error, nothing else.
    assert failed, "the restart was not noticed by any write"
    unexpected = [exc for _, exc in failed if not isinstance(exc, DBAPIError)]
    assert not unexpected, [repr(e) for e in unexpected[:3]]
    assert any(isinstance(exc, OperationalError) for _, exc in failed)
    # Once the server is back, not one call fails: the pool replaced every dead pooled connection at checkout.
    assert [exc for at, exc in failed if at > back] == []
    # Afterwards: the same engine (its pool replaced the dead connections).
    assert engine_mod.get_engine() is engine
    with write_session() as s:
        funding_svc.add_transaction(s, actor, funding_ids[0], {
            "type_id": str(type_id), "transaction_date": "2026-05-02", "amount": "1.00", "reference": "AFTER",
        })  # fmt: skip

    with read_session() as s:
        fundings = s.exec(select(Funding)).all()
        sums = dict(
            s.exec(
                select(FundingTransaction.funding_id, func.sum(FundingTransaction.amount_cents)).group_by(
                    FundingTransaction.funding_id
                )
            ).all()
        )
        refs = Counter(
            s.exec(select(FundingTransaction.reference).where(FundingTransaction.reference.like("FAULT-%"))).all()
        )
    for funding in fundings:  # no half-written funding anywhere
        assert funding.net_received_cents == sums.get(funding.id, 0), funding.id
    assert all(n == 1 for n in refs.values())
    committed = {ref for _, ref in done}
    assert committed <= set(refs)  # every write reported as done is there
    # A write whose COMMIT was cut may or may not have landed, but never more than those that failed.
    assert len(set(refs) - committed) <= len(failed)
