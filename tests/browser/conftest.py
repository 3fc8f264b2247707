"""Browser tests: Playwright drives Debian's Chromium against the app started as ``make run`` starts it.

The app runs on its own port with its own SQLite database under ``var/test/``; never the demo one.
A test fails when the server logs an error or a traceback while it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("STAPP_TEST_BROWSER_PORT", "3111"))
SIM_PORT = PORT + 1
SIM_URL = f"http://127.0.0.1:{SIM_PORT}"
BASE_URL = f"http://localhost:{PORT}"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ERROR_LINE = re.compile(r"(Traceback \(most recent call last\)|\bERROR\b|Exception in )")

expect.set_options(timeout=15_000)


class Server:
    def __init__(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self.offset = 0
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the app as ``make run`` does (appending to the log) and wait until it serves the sign-in page."""
        with self.log_path.open("a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "stapp.cli", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{BASE_URL}/ping", timeout=1).status_code == 200:
                    # the frontend is served by the same port in production mode
                    if httpx.get(f"{BASE_URL}/login", timeout=5, follow_redirects=True).status_code == 200:
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the app did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None

    def new_errors(self) -> list[str]:
        text = self.log_path.read_text(errors="replace")
        chunk, self.offset = text[self.offset :], len(text)
        return [line for line in chunk.splitlines() if ERROR_LINE.search(line)]

    def mark(self) -> None:
        self.offset = len(self.log_path.read_text(errors="replace"))


# STAPP_TEST_STACK=production runs the same suite on the production stack: PostgreSQL, Redis as the state
# store and three backend workers (make test runs it once that way too).
STACK = os.environ.get("STAPP_TEST_STACK", "sqlite")
WORKERS = 3 if STACK == "production" else 1


def _production_stack(env: dict[str, str]) -> None:
    """A fresh PostgreSQL database and an empty Redis database for this run, or skip saying why."""
    pg_url, redis_url = os.environ.get("STAPP_TEST_POSTGRES_URL"), os.environ.get("STAPP_TEST_REDIS_URL")
    if not pg_url or not redis_url:
        pytest.skip("the production-stack browser run needs STAPP_TEST_POSTGRES_URL and STAPP_TEST_REDIS_URL "
                    "(.ci/run sets them to the PostgreSQL and Redis at 127.0.0.1)")
    import redis
    from sqlalchemy import create_engine, make_url, text

    url = make_url(pg_url)
    name = f"stapp_browser_{PORT}"  # two runs on one machine (different ports) never share a database
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at {url.host}:{url.port} is not reachable: {exc}")
    finally:
        engine.dispose()
    index = 8 + PORT % 8  # nor a Redis database (0-7 are left to other users of the server)
    redis_db = f"{redis_url.rsplit('/', 1)[0]}/{index}" if redis_url.count("/") >= 3 else f"{redis_url}/{index}"
    redis.Redis.from_url(redis_db).flushdb()
    env.update(
        STAPP_DATABASE_URL=url.set(database=name).render_as_string(hide_password=False),
        REFLEX_REDIS_URL=redis_db,
        GRANIAN_WORKERS=str(WORKERS),
    )


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    workdir = ROOT / "var" / "test"
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "browser.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    log_path = workdir / f"browser-server-{STACK}.log"
    env = dict(os.environ)
    env.update(
        STAPP_DATABASE_URL=f"sqlite:///{db}",
        STAPP_PORT=str(PORT),
        STAPP_SIMULATOR_PORT=str(SIM_PORT),
        STAPP_PUBLIC_URL=BASE_URL,
        STAPP_RECONCILE_SECONDS="2",
        STAPP_SIM_REVIEW_DELAY_S="4",
        STAPP_SIM_TIMEOUT_DELAY_S="14",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REFLEX_REDIS_URL", None)
    env.pop("GRANIAN_WORKERS", None)
    if STACK == "production":
        _production_stack(env)
    log_path.write_text("")
    srv = Server(log_path, env)
    try:
        srv.start()
        srv.mark()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@contextmanager
def browsing(server: Server, browser: Browser, users: int = 1, **options) -> Iterator[list[Page]]:  # noqa: ANN003
    """``users`` separate browsers (own cookies) on the app, with Playwright context ``options``; afterwards
    the test fails if the server logged an error meanwhile."""
    contexts = [browser.new_context(base_url=BASE_URL, viewport={"width": 1400, "height": 900}, **options)
                for _ in range(users)]
    server.mark()
    try:
        yield [context.new_page() for context in contexts]
    finally:
        for context in contexts:
            context.close()
    errors = server.new_errors()
    assert not errors, "the server logged errors during the test:\n" + "\n".join(errors)


@pytest.fixture
def page(server: Server, browser: Browser) -> Iterator[Page]:
    with browsing(server, browser) as (pg,):
        yield pg


def sign_in(page: Page, email: str, password: str, *, succeed: bool = True) -> None:
    """Sign in through the form; when it should succeed, wait until the dashboard shows."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if succeed:
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


ADMIN = ("admin@example.com", "stapp-admin")
SALES = ("sales@example.com", "stapp-sales")
ACCOUNTING = ("accounting@example.com", "stapp-accounting")
