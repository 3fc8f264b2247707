"""A restarted backend: an open page reconnects by itself, stays signed in and works (run last: it restarts the app).

With one worker the page state lives in the backend's memory (rxconfig.py), so a restart loses it; the browser's
reconnect hydrates again with the session cookie and the page reloads from the database and its URL. On the
production stack the state is in Redis and survives the restart.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import ACCOUNTING, Server, browsing, sign_in


def test_an_open_page_stays_signed_in_and_working_across_a_backend_restart(server: Server, browser: Browser) -> None:
    with browsing(server, browser) as (page,):
        sign_in(page, *ACCOUNTING)
        page.goto("/accounting/financing")
        count = page.locator("#apps-count")
        expect(count).to_have_text(re.compile(r"^[\d,]+ applications$"))
        everything = count.inner_text()

        server.stop()
        server.start()

        # the page was not reloaded: its websocket reconnects, rehydrates and a filter change works
        page.get_by_role("button", name="Statuses").click()
        page.get_by_label("Statuses: Approved").click()
        expect(page).to_have_url(re.compile(r"/accounting/financing\?.*statuses=Approved"))
        expect(count).to_have_text(re.compile(r"^[\d,]+ applications$"))
        expect(count).not_to_have_text(everything)
        assert page.url.find("/login") == -1
        expect(page.locator("tbody tr").first).to_contain_text("Approved")
