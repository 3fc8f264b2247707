"""The whole app under load: real Socket.IO clients drive the company Financing page of a running backend.

Each client speaks the browser's protocol (reflex 0.10): it connects to ``/_event`` with its client token,
hydrates with its session cookie in the CONNECT packet, lets the page's on_load fill the list, then changes
filters the way the filter controls do (``toggle`` / ``set_date`` events) and times each change until the
delta carrying the new rows arrives. Nothing is called in-process: the backend is
``reflex run --env prod --backend-only`` on the bench database.

Two load shapes, both reported:
- ``paced``: every session changes a filter, waits for its rows, then thinks 0.5-1.5 s (people click);
- ``burst``: every session fires its next change the moment its rows arrive (the worst case).

Memory: the backend's resident set (process tree) with no session, then after N sessions loaded the page;
the growth divided by N is the memory per session (upper bound: Python keeps freed memory).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = "/accounting/financing"
# The changes a user of the page makes, in order, and their undoing: each one changes the rows.
CHANGES = [("toggle", {"name": "statuses", "value": "Approved"}),
           ("toggle", {"name": "locations", "value": "7"}),
           ("set_date", {"name": "created_from", "value": "2026-01-01"}),
           ("toggle", {"name": "stages", "value": "funded"}),
           ("toggle", {"name": "stages", "value": "funded"}),
           ("set_date", {"name": "created_from", "value": ""}),
           ("toggle", {"name": "locations", "value": "7"}),
           ("toggle", {"name": "statuses", "value": "Approved"})]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _bench_session(url: str) -> Iterator:
    """A session on the bench database, on an engine of its own that is disposed of afterwards."""
    from sqlmodel import Session

    from stapp.db.engine import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            yield s
    finally:
        engine.dispose()


def prepare(url: str, sessions: int) -> list[str]:
    """Make the bench database usable by the app: the add-on on, a user allowed everything everywhere, the
    periodic reconciler leased away (its pass is not what is measured), and ``sessions`` signed-in sessions."""
    from sqlmodel import delete, select

    from stapp.db.models import AddOn, Group, GroupPermission, Lease, User, UserGroup
    from stapp.domain.financing import ADDON_CONSUMER_FINANCING
    from stapp.domain.permissions import Permission
    from stapp.services import auth

    email, password = "bench-ws@example.com", "bench-ws-password"
    with _bench_session(url) as s:
        s.exec(delete(Lease).where(Lease.name == "reconciler"))
        s.add(Lease(name="reconciler", holder="bench", expires_at=datetime.now(UTC) + timedelta(days=1)))
        s.merge(AddOn(key=ADDON_CONSUMER_FINANCING, enabled=True))
        if s.exec(select(User).where(User.email == email)).first() is None:
            group = Group(name="Bench everything")
            user = User(name="Bench WS", email=email, password_hash=auth.hash_password(password), active=True)
            s.add_all([group, user])
            s.flush()
            s.add_all([GroupPermission(group_id=group.id, permission=p.value, location_id=None) for p in Permission])
            s.add(UserGroup(user_id=user.id, group_id=group.id))
        s.commit()
        tokens = [auth.sign_in(s, email, password) for _ in range(sessions)]
        s.commit()
    return tokens


def release_reconciler(url: str) -> None:
    """Give the reconciler's lease back to the app (``prepare`` took it so its passes stay out of the timings)."""
    from sqlmodel import delete

    from stapp.db.models import Lease

    with _bench_session(url) as s:
        s.exec(delete(Lease).where(Lease.name == "reconciler", Lease.holder == "bench"))
        s.commit()


def start_backend(url: str, port: int, log_path: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    from stapp.cli import _env
    from stapp.settings import ensure_local_secrets

    ensure_local_secrets()
    env = _env()
    env.update(STAPP_DATABASE_URL=url, STAPP_PORT=str(port))
    return _start(ROOT, port, env, log_path, extra_env)


def _start(cwd: Path, port: int, env: dict[str, str], log_path: Path,
           extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """``reflex run --env prod --backend-only`` of the app in ``cwd``, once it answers ``/ping``. Its stack (Redis,
    workers) is ``extra_env``'s alone, whatever the shell running the bench has set."""
    env = {**env, "PYTHONUNBUFFERED": "1"}
    env.pop("REFLEX_REDIS_URL", None)
    env.pop("GRANIAN_WORKERS", None)
    env.update(extra_env or {})
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only",
                             "--backend-port", str(port)], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the backend exited:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_backend(proc)
    raise RuntimeError(f"the backend did not start:\n{log_path.read_text()[-3000:]}")


def stop_backend(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _tree_sum(proc: subprocess.Popen, read) -> float:  # noqa: ANN001
    """``read(p)`` summed over the process and its children (the backend's workers); one that exits meanwhile
    counts nothing."""
    import psutil

    root = psutil.Process(proc.pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            total += read(p)
        except psutil.NoSuchProcess:
            pass
    return total


def rss_bytes(proc: subprocess.Popen) -> int:
    return int(_tree_sum(proc, lambda p: p.memory_info().rss))


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU of the process and its children, so far."""
    return _tree_sum(proc, lambda p: sum(p.cpu_times()[:2]))


NAMES: dict[str, str] = {}
FLOOR = ROOT / "bench" / "floor"
FLOOR_STATE = "floor___floor____floor_state"  # bench/floor/floor/floor.py's FloorState, as Reflex names it


def _state_names() -> None:
    """The states' wire names, read once outside the event loops (Reflex registers states in a context var)."""
    import importlib

    for dotted in ("stapp.state.base.AppState", "stapp.state.company_financing.CompanyFinancingState",
                   "stapp.state.financing.FinancingState"):
        module, _, name = dotted.rpartition(".")
        NAMES[dotted] = getattr(importlib.import_module(module), name).get_full_name()
    from stapp.state.base import AppState

    NAMES["root"] = AppState.get_parent_state().get_full_name()
    NAMES["floor"] = f"{NAMES['root']}.{FLOOR_STATE}"


class Client:
    """One browser tab on one page, as the websocket sees it: it sends events and keeps the page state's vars."""

    def __init__(self, port: int, session_token: str | None, *, page: str = PAGE, query: dict[str, str] | None = None,
                 state: str = "stapp.state.company_financing.CompanyFinancingState", loaded_var: str = "rows",
                 ready_var: str = "params") -> None:
        import socketio

        self.port, self.session_token, self.page, self.query = port, session_token, page, query or {}
        self.state = NAMES[state]
        self.cookie_var = f"{NAMES['stapp.state.base.AppState']}.session_token"
        self.root = NAMES["root"]
        self.loaded_var = loaded_var
        self.ready_var = ready_var  # set (non-empty) by the page's on_load, not by the hydrate before it
        self.values: dict = {}
        self.delta: dict = {}  # the page state's vars in the last update that changed any
        self.changed: dict[str, asyncio.Event] = {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_event, namespace="/_event")

    def _router(self) -> dict:
        return {"pathname": self.page, "asPath": self.page, "query": self.query}

    def _event(self, var: str) -> asyncio.Event:
        return self.changed.setdefault(var, asyncio.Event())

    async def _on_event(self, update: dict) -> None:
        delta = {key.removesuffix("_rx_state_"): value
                 for key, value in ((update.get("delta") or {}).get(self.state) or {}).items()}
        if delta:
            self.delta = delta
        for var, value in delta.items():
            self.values[var] = value
            self._event(var).set()

    async def connect(self) -> None:
        signed_in = {"vars": {self.cookie_var: self.session_token}} if self.session_token else {}
        hydrate = {"name": f"{self.root}.hydrate_and_load", "payload": signed_in, "router_data": self._router()}
        ready = self._event(self.ready_var)
        ready.clear()
        await self.sio.connect(f"http://127.0.0.1:{self.port}?token={uuid.uuid4()}", socketio_path="/_event",
                               namespaces=["/_event"], transports=["websocket"], auth={"event": hydrate},
                               headers={"Origin": f"http://localhost:{self.port}"}, wait_timeout=30)
        # The hydrate's snapshot already carries the page's vars with their empty defaults; a user acts once the
        # page's on_load has filled them (an event sent earlier would race the load, which a person cannot do).
        deadline = time.perf_counter() + 60
        while not self.values.get(self.ready_var):
            await asyncio.wait_for(ready.wait(), max(0.01, deadline - time.perf_counter()))
            ready.clear()

    async def send(self, handler: str, payload: dict, *, until: str, check=None, timeout: float = 60) -> float:  # noqa: ANN001
        """Send one event; milliseconds until the var ``until`` arrives (and passes ``check``)."""
        arrived = self._event(until)
        arrived.clear()
        started = time.perf_counter()
        await self.sio.emit("event", {"name": f"{self.state}.{handler}", "payload": payload,
                                      "router_data": self._router()}, namespace="/_event")
        deadline = started + timeout
        while True:
            await asyncio.wait_for(arrived.wait(), max(0.01, deadline - time.perf_counter()))
            if check is None or check(self.values[until]):
                return (time.perf_counter() - started) * 1000
            arrived.clear()

    async def change(self, handler: str, payload: dict) -> float:
        """A filter change: milliseconds until the new rows arrive."""
        return await self.send(handler, payload, until=self.loaded_var)

    async def close(self) -> None:
        await self.sio.disconnect()


def _p(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1), "changes": len(samples)}


async def _drive(clients: list[Client], rounds: int, think: tuple[float, float] | None, seed: int) -> list[float]:
    rng = random.Random(seed)
    samples: list[float] = []

    async def one(i: int, client: Client) -> None:
        if think:
            await asyncio.sleep(rng.uniform(0, think[1]))  # people do not click in step
        for n in range(rounds):
            handler, payload = CHANGES[(i + n) % len(CHANGES)]
            samples.append(await client.change(handler, payload))
            if think:
                await asyncio.sleep(rng.uniform(*think))

    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    return samples


async def _timed_cpu(proc: subprocess.Popen, work) -> tuple[list[float], float]:  # noqa: ANN001
    """What ``work`` returns (its samples) and the backend's CPU seconds meanwhile."""
    before = cpu_seconds(proc)
    samples = await work
    return samples, cpu_seconds(proc) - before


async def _burst(proc: subprocess.Popen, clients: list[Client], rounds: int, seed: int) -> dict:
    """Every session firing its next change the moment its rows arrive: p50/p95, and the backend's CPU per change."""
    samples, cpu = await _timed_cpu(proc, _drive(clients, rounds, None, seed=seed))
    return {**_p(samples), "backend_cpu_ms_per_change": round(cpu * 1000 / len(samples), 2)}


def _redis_bytes(redis_url: str | None) -> int:
    if not redis_url:
        return 0
    import redis

    return int(redis.Redis.from_url(redis_url).info("memory")["used_memory"])


async def _run(port: int, tokens: list[str], counts: tuple[int, ...], rounds: int, proc: subprocess.Popen,
               redis_url: str | None = None, pages: list | None = None) -> dict:
    """``pages``, when given, receives the page state's delta of each change as the warm-up client got it."""
    out: dict = {"sessions": {}}
    warm = Client(port, tokens[0])
    await warm.connect()
    for handler, payload in CHANGES:
        await warm.change(handler, payload)
        if pages is not None:
            pages.append(warm.delta)
    await warm.close()
    await asyncio.sleep(1)
    for n in counts:
        before = rss_bytes(proc) + _redis_bytes(redis_url)
        clients = [Client(port, tokens[i]) for i in range(n)]
        for c in clients:  # connect one by one, as people open the page
            await c.connect()
        after = rss_bytes(proc) + _redis_bytes(redis_url)
        paced = _p(await _drive(clients, rounds, (0.5, 1.5), seed=n))
        burst = await _burst(proc, clients, rounds, seed=n)
        out["sessions"][str(n)] = {"paced": paced, "burst": burst,
                                   "memory_per_session_kib": round((after - before) / n / 1024, 1)}
        print(f"  {n:>3} sessions: paced p50/p95 {paced['p50_ms']}/{paced['p95_ms']} ms, burst p50/p95 "
              f"{burst['p50_ms']}/{burst['p95_ms']} ms, backend memory +{(after - before) / n / 1024:,.0f} KiB/session",
              flush=True)
        await asyncio.gather(*(c.close() for c in clients))
        await asyncio.sleep(1)
    out["backend_rss_mib"] = round(rss_bytes(proc) / 2**20, 1)
    return out


SIM_TOKEN, SIM_ADMIN = "shp-sandbox-token", "sim-admin"
EXTRA_FIELDS = {"date_of_birth": "1980-05-05", "ssn": "123-45-6789", "annual_income": "85000",
                "employer": "Acme Alarm", "consent": "on"}


def start_simulator(port: int, latency_ms: int, log_path: Path) -> subprocess.Popen:
    from stapp.cli import _env, _wait_for_port
    from stapp.settings import get_settings

    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "stapp.provider.simulator", "--port", str(port), "--token", SIM_TOKEN,
                             "--latency-ms", str(latency_ms), "--admin-token", SIM_ADMIN,
                             "--webhook-secret", get_settings().webhook_secret, "--log-level", "warning"],
                            cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _wait_for_port(port)
    return proc


def use_simulator(url: str) -> None:
    """Point the bench's provider at the simulator: its real bearer token, encrypted as the admin page stores it."""
    from stapp.db import crypto
    from stapp.db.models import FinanceProvider

    with _bench_session(url) as s:
        provider = s.get(FinanceProvider, 1)
        provider.token_ciphertext, provider.environment, provider.active = crypto.encrypt(SIM_TOKEN), "Development", True
        s.add(provider)
        s.commit()


def _count(url: str, column, *where) -> int:  # noqa: ANN001
    """``count(column)`` of the rows matching ``where`` in the bench database."""
    from sqlalchemy import func
    from sqlmodel import select

    with _bench_session(url) as s:
        return s.exec(select(func.count(column)).where(*where)).one()


def _app_count(url: str, customers: list[int], since: datetime) -> int:
    from stapp.db.models import FinanceApplication

    return _count(url, FinanceApplication.id, FinanceApplication.customer_id.in_(customers),
                  FinanceApplication.created_at >= since)


def _unknown_count(url: str, customers: list[int], since: datetime) -> int:
    from stapp.db.models import FinanceApplication
    from stapp.domain.financing import AppStatus

    return _count(url, FinanceApplication.id, FinanceApplication.customer_id.in_(customers),
                  FinanceApplication.created_at >= since, FinanceApplication.status == AppStatus.OUTCOME_UNKNOWN.value)


def _customer_count(url: str) -> int:
    from stapp.db.models import Customer

    return _count(url, Customer.id)


async def _submissions(port: int, sim_port: int, tokens: list[str], url: str, backend: subprocess.Popen | None = None,
                       simulator: subprocess.Popen | None = None) -> dict:
    """1 then 50 sessions submit an application each (new customers), timed until the decision arrives; with the
    processes given, also the CPU the backend and the simulator spent per submission while the 50 were under way
    (what bounds the time of 50 at once on two cores)."""
    import httpx

    out: dict = {}
    first_customer = await asyncio.to_thread(_customer_count, url) // 2  # customers nobody else here uses
    since = datetime.now(UTC)
    nonce = random.randrange(10**6)  # a rerun sends new content: the same content again is (rightly) no new application
    submitted = missing = 0
    used: list[int] = []
    watched = {k: p for k, p in (("backend", backend), ("simulator", simulator)) if p is not None}
    # Three shapes: one rep alone; fifty reps whose clicks fall at random moments of the same five seconds (fifty
    # people at work, as the paced filter changes); and all fifty in the same instant (the worst case).
    # Each shape runs one round untimed first: measured warm, as the filter changes are. The first round of fifty
    # at once opens the connections fifty need at a time (the database's and the provider's pools, the webhooks'),
    # which cost a third more CPU per submission than every round after it (10.7 against 15.2 ms on the production
    # stack). Its submissions are counted at the simulator and in the database like the others.
    # Fifty at once runs four timed rounds: with two, one round's spread (CPU per submission 8.4-10.4 ms on SQLite
    # in three rounds of one run) moved the p95 by a third between runs of the same hour.
    shapes = (("1 at a time", 1, 10, 0.0), ("50 within 5 s", 50, 2, 5.0), ("50 at a time", 50, 4, 0.0))
    warmup = 1
    rng = random.Random(nonce)
    for label, n, rounds, spread in shapes:
        samples: list[float] = []
        cpu = {"backend": 0.0, "simulator": 0.0, "wall": 0.0}
        for r in range(-warmup, rounds):
            ids = [first_customer + submitted + i for i in range(n)]
            clients = [Client(port, tokens[i], page=f"/customers/{cid}/financing", query={"id": str(cid)},
                              state="stapp.state.financing.FinancingState", loaded_var="apps", ready_var="can_apply")
                       for i, cid in enumerate(ids)]
            for c in clients:
                await c.connect()
                await c.send("open_form", {}, until="form")

            timed = r >= 0

            async def submit(i: int, c: Client, r: int = r, samples: list[float] = samples if timed else [],
                             wait: float = 0.0) -> None:
                nonlocal missing
                await asyncio.sleep(wait)  # the rep clicks Submit then: timed from the click
                cents = 400_000 + (nonce * 131 + i * 7 + r) % 500_000
                form = {**c.values["form"], **EXTRA_FIELDS, "amount_requested": f"{cents // 100}.{cents % 100:02d}"}
                try:
                    samples.append(await c.send("submit", {"form_data": form}, until="decision", check=bool))
                except TimeoutError:
                    missing += 1  # no decision in the browser within 60 s: reported, never hidden

            before, started = {k: cpu_seconds(p) for k, p in watched.items()}, time.perf_counter()
            await asyncio.gather(*(submit(i, c, wait=rng.uniform(0, spread)) for i, c in enumerate(clients)))
            if timed:
                cpu["wall"] += time.perf_counter() - started
                for k, p in watched.items():
                    cpu[k] += cpu_seconds(p) - before[k]
            submitted += n
            used += ids
            await asyncio.gather(*(c.close() for c in clients))
        out[label] = _p(samples) if samples else {"p50_ms": None, "p95_ms": None, "changes": 0}
        cpu_note = ""
        if "backend" in watched:
            out[label]["backend_cpu_ms_per_submission"] = round(cpu["backend"] * 1000 / (n * rounds), 1)
            out[label]["simulator_cpu_ms_per_submission"] = round(cpu["simulator"] * 1000 / (n * rounds), 1)
            out[label]["backend_cpu_share_of_wall"] = round(cpu["backend"] / cpu["wall"], 2) if cpu["wall"] else None
            cpu_note = (f"; backend CPU {out[label]['backend_cpu_ms_per_submission']} ms per submission "
                        f"({out[label]['backend_cpu_share_of_wall']} cores busy), simulator "
                        f"{out[label]['simulator_cpu_ms_per_submission']} ms")
        print(f"  submissions {label}: decision in the browser p50/p95 {out[label]['p50_ms']}/{out[label]['p95_ms']} ms"
              f"{cpu_note}", flush=True)
    # A submission whose answer was lost (a read timeout or a dropped connection: "The provider did not answer in
    # time") is Outcome Unknown until the reconciler asks the provider by its idempotency key and, if it never
    # arrived, sends it again with the same key. Count the simulator once that has run (at most a minute).
    unknown = await asyncio.to_thread(_unknown_count, url, used, since)
    out["outcome_unknown"], waited = unknown, 0.0
    if unknown:  # the bench held the reconciler's lease while timing; hand it back so the app's reconciler runs
        await asyncio.to_thread(release_reconciler, url)
    while unknown and waited < 60:
        await asyncio.sleep(1)
        waited += 1
        unknown = await asyncio.to_thread(_unknown_count, url, used, since)
    out["still_unknown_after_reconciler"] = unknown
    if out["outcome_unknown"]:
        print(f"  {out['outcome_unknown']} answered Outcome Unknown; after the reconciler ({waited:.0f} s): {unknown}",
              flush=True)
    async with httpx.AsyncClient() as http:
        sim = (await http.get(f"http://127.0.0.1:{sim_port}/_sim/applications", headers={"X-Sim-Admin": SIM_ADMIN})).json()
    keys = [a["idempotency_key"] for a in sim["applications"]]
    out["submitted"], out["no_decision_within_60_s"], out["at_simulator"] = submitted, missing, sim["count"]
    out["distinct_at_simulator"], out["in_database"] = len(set(keys)), await asyncio.to_thread(_app_count, url, used, since)
    print(f"  submitted {submitted} ({missing} without a decision in 60 s), at the simulator {sim['count']} ({len(set(keys))} distinct), "
          f"in the database {out['in_database']}", flush=True)
    return out


def measure(url: str, *, counts: tuple[int, ...] = (1, 10, 50), rounds: int = 8, latency_ms: int = 200,
            redis_url: str | None = None, workers: int = 3) -> dict:
    """Start a simulator and a backend on ``url``; measure filter changes with 1/10/50 sessions, memory per
    session, and submissions with the provider answering in ``latency_ms``. With ``redis_url`` the backend
    runs as in production: state in Redis and ``workers`` worker processes."""
    _state_names()
    tokens = prepare(url, max(counts))
    use_simulator(url)
    port, sim_port = _free_port(), _free_port()
    logs = ROOT / "var" / "bench"
    sim = start_simulator(sim_port, latency_ms, logs / "simulator.log")
    try:
        proc = start_backend(url, port, logs / "backend.log", {
            "STAPP_PROVIDER_URL_DEVELOPMENT": f"http://127.0.0.1:{sim_port}",
            "STAPP_PUBLIC_URL": f"http://127.0.0.1:{port}", "STAPP_SIMULATOR_PORT": str(sim_port),
            **({"REFLEX_REDIS_URL": redis_url, "GRANIAN_WORKERS": str(workers)} if redis_url else {})})
        try:
            if redis_url:
                import redis

                redis.Redis.from_url(redis_url).flushdb()
            pages: list = []
            result = asyncio.run(_run(port, tokens, counts, rounds, proc, redis_url, pages))
            result["stack"] = (f"state in Redis, {workers} workers" if redis_url else "state in memory, 1 worker")
            result["submissions"] = {"provider_latency_ms": latency_ms,
                                     **asyncio.run(_submissions(port, sim_port, tokens, url, proc, sim))}
        finally:
            stop_backend(proc)
    finally:
        stop_backend(sim)
    result["reflex_alone"] = measure_floor(pages, rounds=rounds, latency_ms=latency_ms, redis_url=redis_url,
                                           workers=workers)
    return result


def measure_floor(pages: list, *, rounds: int, latency_ms: int, redis_url: str | None, workers: int) -> dict:
    """The reference under the whole-app figures: ``bench/floor``, a Reflex app with the same events and the same
    deltas on the wire (``pages``: what stapp's page sent for each change) and no work behind them, on the same stack,
    driven as stapp was: fifty sessions changing filters back to back, and fifty submissions in one instant (a
    background task waiting ``latency_ms``). What it takes is what Reflex and this machine take; the rest of stapp's
    figures is stapp's own work."""
    from stapp.cli import _env

    recorded = ROOT / "var" / "bench" / "floor_pages.json"
    recorded.write_text(json.dumps(pages))
    port = _free_port()
    proc = _start(FLOOR, port, _env(), ROOT / "var" / "bench" / "floor.log", {
        "FLOOR_PAGES": str(recorded), "FLOOR_LATENCY_MS": str(latency_ms),
        **({"REFLEX_REDIS_URL": redis_url, "GRANIAN_WORKERS": str(workers)} if redis_url else {})})
    try:
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        out = asyncio.run(_floor_run(port, proc, rounds))
    finally:
        stop_backend(proc)
    print(f"  Reflex alone (bench/floor): 50 sessions back to back p50/p95 {out['burst']['p50_ms']}/"
          f"{out['burst']['p95_ms']} ms, backend CPU {out['burst']['backend_cpu_ms_per_change']} ms per change; "
          f"fifty submissions at once p50/p95 {out['50 at a time']['p50_ms']}/{out['50 at a time']['p95_ms']} ms, "
          f"backend CPU {out['50 at a time']['backend_cpu_ms_per_submission']} ms each", flush=True)
    return out


async def _floor_run(port: int, proc: subprocess.Popen, rounds: int) -> dict:
    def client() -> Client:
        return Client(port, None, page="/", state="floor")

    clients = [client() for _ in range(50)]
    for c in clients:
        await c.connect()
    await _drive(clients, rounds, None, seed=0)  # warm, as stapp's sessions were by their paced run
    out = {"burst": await _burst(proc, clients, rounds, seed=50)}
    await asyncio.gather(*(c.close() for c in clients))
    at_once: list[float] = []
    spent = 0.0
    for r in range(-1, 4):  # as stapp's fifty at once: one untimed round, then four
        clients = [client() for _ in range(50)]
        for c in clients:
            await c.connect()
            await c.send("open_form", {}, until="form")
        submitted = asyncio.gather(*(c.send("submit", {"form_data": {}}, until="decision", check=bool)
                                     for c in clients))
        samples, cpu = await _timed_cpu(proc, submitted)
        if r >= 0:
            at_once += samples
            spent += cpu
        await asyncio.gather(*(c.close() for c in clients))
    out["50 at a time"] = {**_p(at_once), "backend_cpu_ms_per_submission": round(spent * 1000 / len(at_once), 1)}
    return out
