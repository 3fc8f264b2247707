"""A restarted backend: an open page reconnects by itself, stays signed in and works (run last: it restarts the app).

With one worker the page state lives in the backend's memory (rxconfig.py), so a restart loses it; the browser's
reconnect hydrates again with the session cookie and the page reloads from the database and its URL. On the
production stack the state is in Redis and survives the restart.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, expect

from tests.browser.conftest import ACCOUNTING, Server, browsing, sign_in


def test_an_open_page_stays_signed_in_and_working_across_a_backend_restart(server: Server, browser: Browser) -> None:
    with browsing(server, browser) as (page,):
        sign_in(page, *ACCOUNTING)
        page.goto("/accounting/financing")
        count = page.locator("#apps-count")
        expect(count).to_have_text(re.compile(r"^[\d,]+ applications$"))
        everything = count.inner_text()
        # what the websockets opened from now on (the reconnect's) receive
        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))

        server.stop()
        server.start()

        # the page was not reloaded: its websocket reconnects by itself and rehydrates (its load ends with
        # is_hydrated set). A user acts on the settled page: a click sent while the reconnect's load is still
        # on its way can be undone by that load, which re-reads the URL the page had when it reconnected.
        hydrated = re.compile(r'"is_hydrated_rx_state_"\s*:\s*true')
        deadline = time.monotonic() + 60
        while not any(hydrated.search(f) for f in frames):
            assert time.monotonic() < deadline, "the page did not reconnect and rehydrate within 60 s"
            page.wait_for_timeout(100)
        # a filter change works
        page.get_by_role("button", name="Statuses").click()
        page.get_by_label("Statuses: Approved").click()
        expect(page).to_have_url(re.compile(r"/accounting/financing\?.*statuses=Approved"))
        expect(count).to_have_text(re.compile(r"^[\d,]+ applications$"))
        expect(count).not_to_have_text(everything)
        assert page.url.find("/login") == -1
        expect(page.locator("tbody tr").first).to_contain_text("Approved")
