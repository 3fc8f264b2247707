"""Security as the browser sees it: origins, and secrets that never leave the server."""

import http.server
import threading

from playwright.sync_api import Page, expect

from rxconfig import config
from tests.browser.conftest import ACCOUNTING, BASE_URL, PORT, SALES, sign_in
from tests.browser.test_financing import _fill_and_submit, _open_form

WS_PROBE = """async (url) => await new Promise((resolve) => {
  const ws = new WebSocket(url);
  const timer = setTimeout(() => resolve('timeout'), 5000);
  ws.onopen = () => { clearTimeout(timer); ws.close(); resolve('open'); };
  ws.onerror = () => { clearTimeout(timer); resolve('refused'); };
})"""
EVENT_URL = f"ws://localhost:{PORT}/_event/?EIO=4&transport=websocket"


def test_the_allowed_origins_are_the_configured_ones_not_a_wildcard():
    assert config.cors_allowed_origins and "*" not in config.cors_allowed_origins


def test_a_websocket_from_another_origin_is_refused(page: Page, tmp_path):
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **kw)  # noqa: E731
    (tmp_path / "index.html").write_text("<html><body>elsewhere</body></html>")
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/index.html")
        assert page.evaluate(WS_PROBE, EVENT_URL) == "refused"
        page.goto(f"{BASE_URL}/login")  # the app's own origin is accepted
        assert page.evaluate(WS_PROBE, EVENT_URL) == "open"
    finally:
        other.shutdown()


def test_full_ssns_never_reach_the_browser_the_logs_or_a_csv(page: Page, server):
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    sign_in(page, *SALES)
    _fill_and_submit(_open_form(page, 21), "Secretkeeper")  # SSN 123-45-6789
    expect(page.locator("#decision")).to_contain_text("Approved", timeout=20_000)
    page.locator("#decision").get_by_role("button", name="Close").click()
    page.get_by_role("row").filter(has_text="Secretkeeper").first.get_by_role("button", name="View").click()
    expect(page.get_by_role("dialog")).to_contain_text("•••-••-6789")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, *ACCOUNTING)
    page.goto("/accounting/financing")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = open(download.value.path()).read()
    assert "Secretkeeper" in exported
    log = server.log_path.read_text()
    for secret in ("123-45-6789", "123456789", "shp-sandbox-token"):
        assert not any(secret in frame for frame in frames), f"{secret} reached the browser"
        assert secret not in exported, f"{secret} is in a CSV export"
        assert secret not in log, f"{secret} is in the server log"
