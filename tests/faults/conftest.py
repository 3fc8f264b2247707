"""Fault-injection fixtures: the simulator as a real HTTP server, its fault knobs, a throwaway PostgreSQL.

The simulator runs as a separate process (as in ``tests/integration/test_applications_flow.py``) so that
dropped connections, held answers and killed clients are real sockets, not in-process calls. Every test
that turns a fault on gets the simulator's settings put back afterwards, even when it fails.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from stapp.provider.client import ProviderClient, close_http_client
from stapp.services import financing_setup
from stapp.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
SIM_TOKEN = "shp-sandbox-token"
SIM_ADMIN = "sim-admin"
ADMIN_HEADERS = {"X-Sim-Admin": SIM_ADMIN}
WEBHOOK_SECRET = "test-webhook-secret"  # the same as STAPP_WEBHOOK_SECRET in tests/conftest.py
REVIEW_DELAY_S = 1.0
TIMEOUT_DELAY_S = 3.0
# What every test starts from and is put back to: no latency, no faults.
BASELINE: dict[str, Any] = {
    "latency_ms": 0,
    "review_delay_s": REVIEW_DELAY_S,
    "timeout_delay_s": TIMEOUT_DELAY_S,
    "auth_prequal_delay_s": 5.0,
    "webhooks_enabled": True,
    "drop_after_create": False,
    "fail_next": 0,
    "fail_status": 503,
    "fail_retry_after": 1,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLOSED_PORT = free_port()  # nothing listens here: webhooks to it fail, so decisions come from answers or polls


@pytest.fixture(scope="session")
def simulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m stapp.provider.simulator`` on a free loopback port, for the whole session."""
    port = free_port()
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


class SimControl:
    """The simulator's admin endpoints: its own record, and the fault knobs."""

    def __init__(self, url: str) -> None:
        self.url = url

    def configure(self, **settings: Any) -> dict[str, Any]:
        """``POST /_sim/config``; returns the settings plus ``fail_next`` and ``faults_injected``."""
        response = httpx.post(f"{self.url}/_sim/config", json=settings, headers=ADMIN_HEADERS, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def settings(self) -> dict[str, Any]:
        return self.configure()

    def applications(self, key: str | None = None) -> dict[str, Any]:
        """``GET /_sim/applications[?idempotency_key=KEY]``."""
        params = {"idempotency_key": key} if key is not None else None
        response = httpx.get(f"{self.url}/_sim/applications", params=params, headers=ADMIN_HEADERS, timeout=5)
        response.raise_for_status()
        return response.json()

    def ledger(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/_sim/ledger", headers=ADMIN_HEADERS, timeout=5)
        response.raise_for_status()
        return response.json()

    def advance(self, provider_app_id: str, stage: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/_sim/applications/{provider_app_id}/stage", json={"stage": stage}, headers=ADMIN_HEADERS,
            timeout=5,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def restore(self) -> None:
        self.configure(**BASELINE)


@pytest.fixture
def sim_control(simulator_url: str) -> Iterator[SimControl]:
    """The knobs; whatever a test turns on is turned off again (and the record forgotten) when it ends."""
    control = SimControl(simulator_url)
    control.restore()
    httpx.post(f"{simulator_url}/_sim/reset", headers=ADMIN_HEADERS, timeout=5).raise_for_status()
    try:
        yield control
    finally:
        control.restore()
        httpx.post(f"{simulator_url}/_sim/reset", headers=ADMIN_HEADERS, timeout=5).raise_for_status()


@pytest.fixture
async def sim(db, sim_control: SimControl, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SimControl]:
    """The app (on a fresh seeded SQLite copy) pointed at the simulator, webhooks to a closed port.

    The client keeps its retry policy but with short waits; a test may replace ``financing_setup.ProviderClient``
    again (to record the waits) or ``financing_setup.get_http_client`` (for a short read timeout).
    """
    monkeypatch.setenv("STAPP_PROVIDER_URL_DEVELOPMENT", sim_control.url)
    monkeypatch.setenv("STAPP_PUBLIC_URL", f"http://127.0.0.1:{CLOSED_PORT}")
    monkeypatch.setattr(
        financing_setup,
        "ProviderClient",
        functools.partial(ProviderClient, backoff_base=0.01, backoff_cap=0.05, retry_after_cap=0.05),
    )
    get_settings.cache_clear()
    try:
        yield sim_control
    finally:
        await close_http_client()
        get_settings.cache_clear()


# --- PostgreSQL --------------------------------------------------------------------------------------


def _pg_cluster() -> tuple[str, str] | None:
    """``(version, "main")`` of the local cluster when ``pg_ctlcluster`` can drive it, else ``None``."""
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir() or os.geteuid() != 0:
        return None
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if (p / "main").is_dir())
    return (versions[-1], "main") if versions else None


def _pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    cluster = _pg_cluster()
    assert cluster is not None
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def pg_accepts(url: str, timeout: float = 2.0) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": max(1, int(timeout))}, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001  (any failure means "not yet")
        return False
    finally:
        engine.dispose()


def ensure_postgres_running(url: str, deadline_s: float = 45.0) -> None:
    """Start the cluster if it is down and wait until ``url`` accepts connections."""
    deadline = time.monotonic() + deadline_s
    if not pg_accepts(url):
        status = _pg_ctl("status")
        if status.returncode != 0:  # 3 = not running
            _pg_ctl("start")
    while not pg_accepts(url):
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not come back: start it with pg_ctlcluster ... main start")
        time.sleep(0.2)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty database on the server named by ``STAPP_TEST_POSTGRES_URL``; dropped afterwards.

    The same approach as ``tests/integration/conftest.py``; here the server is also restarted by the test,
    so the teardown first makes sure it is running again.
    """
    base = os.environ.get("STAPP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip(
            "STAPP_TEST_POSTGRES_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test): "
            "the PostgreSQL fault tests (a restart under writes, two tabs at once) need a server they may restart"
        )
    if _pg_cluster() is None:
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster with a local 'main' cluster")
    name = f"stapp_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL at STAPP_TEST_POSTGRES_URL is not reachable: {exc.__class__.__name__}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        ensure_postgres_running(base)
        admin.dispose()  # its pooled connection died with the restart
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_restart(postgres_url: str) -> Iterator[Any]:
    """``pg_restart()`` restarts the cluster; PostgreSQL is running again when the test ends, even on failure."""
    base = os.environ["STAPP_TEST_POSTGRES_URL"]

    def restart() -> subprocess.CompletedProcess[str]:
        return _pg_ctl("restart")

    try:
        yield restart
    finally:
        ensure_postgres_running(base)


@pytest.fixture
def pg_app(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """stapp's own engine on the throwaway PostgreSQL database: migrated, demo data seeded."""
    from stapp.db import engine as engine_mod
    from stapp.db.engine import write_session
    from stapp.services.demo import seed_demo

    migrate(postgres_url)
    monkeypatch.setenv("STAPP_DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    engine_mod.get_engine.cache_clear()
    engine = engine_mod.get_engine()
    try:
        assert engine.dialect.name == "postgresql"
        with write_session() as session:
            seed_demo(session)
        yield engine
    finally:
        engine.dispose()
        engine_mod.get_engine.cache_clear()
        get_settings.cache_clear()


def migrate(url: str) -> None:
    """``python -m stapp.cli migrate`` against ``url``, as ``make run`` does."""
    env = dict(os.environ, STAPP_DATABASE_URL=url)
    result = subprocess.run(
        [sys.executable, "-m", "stapp.cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
