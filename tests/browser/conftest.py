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
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.offset = 0

    def new_errors(self) -> list[str]:
        text = self.log_path.read_text(errors="replace")
        chunk, self.offset = text[self.offset :], len(text)
        return [line for line in chunk.splitlines() if ERROR_LINE.search(line)]

    def mark(self) -> None:
        self.offset = len(self.log_path.read_text(errors="replace"))


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    workdir = ROOT / "var" / "test"
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "browser.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    log_path = workdir / "browser-server.log"
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
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stapp.cli", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{BASE_URL}/ping", timeout=1).status_code == 200:
                    # the frontend is served by the same port in production mode
                    if httpx.get(f"{BASE_URL}/login", timeout=5, follow_redirects=True).status_code == 200:
                        break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"the app did not start:\n{log_path.read_text()[-3000:]}")
        srv = Server(log_path)
        srv.mark()
        yield srv
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


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


@pytest.fixture
def page(server: Server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=BASE_URL, viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    server.mark()
    yield pg
    context.close()
    errors = server.new_errors()
    assert not errors, "the server logged errors during the test:\n" + "\n".join(errors)


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
