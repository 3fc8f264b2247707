"""Live for everyone: what one user changes reaches every other browser showing it, across backend workers.

On the default stack there is one backend process; with ``STAPP_TEST_STACK=production`` (PostgreSQL, Redis,
three workers) the second browser is reloaded until its websocket lands on another worker than the first, so
the test proves a session survives moving between workers and that updates cross them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ACCOUNTING, ADMIN, WORKERS, Server, browsing, sign_in

CUSTOMER = 13  # Austin, with a demo funding; no other browser test touches it


def _worker(page: Page) -> str:
    marker = page.locator("#served-by")
    expect(marker).to_have_attribute("data-worker", re.compile(r"^w-[0-9a-f]{8}$"))
    return marker.get_attribute("data-worker") or ""


def _money(text: str) -> int:
    negative = text.strip().startswith("-")
    cents = int(re.sub(r"[^0-9]", "", text))
    return -cents if negative else cents


def _format(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@pytest.fixture
def two_pages(server: Server, browser: Browser) -> Iterator[tuple[Page, Page]]:
    with browsing(server, browser, users=2) as (one, other):
        yield one, other


def _open_card(page: Page):  # noqa: ANN202
    page.goto(f"/customers/{CUSTOMER}/funding")
    card = page.locator("[id^=funding-]").first
    expect(card.locator("[id^=net-received-]")).to_have_text(re.compile(r"\$"))
    return card


def _add_transaction(page: Page, card, amount: str, reference: str) -> None:  # noqa: ANN001
    card.get_by_role("button", name="Add Transaction").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Transaction Type").select_option(label="Funding")
    dialog.get_by_label("Transaction Date").fill("2026-11-20")
    dialog.get_by_label("Amount").fill(amount)
    dialog.get_by_label("Reference").fill(reference)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)


def test_a_transaction_reaches_the_other_users_card_within_two_seconds(two_pages: tuple[Page, Page]) -> None:
    accounting, admin = two_pages
    sign_in(accounting, *ACCOUNTING)
    sign_in(admin, *ADMIN)
    card_a, card_b = _open_card(accounting), _open_card(admin)
    if WORKERS > 1:
        for _ in range(12):  # each reload opens a new websocket, which any worker may take
            if _worker(admin) != _worker(accounting):
                break
            admin.reload()
            card_b = admin.locator("[id^=funding-]").first
            expect(card_b.locator("[id^=net-received-]")).to_have_text(re.compile(r"\$"))
        assert _worker(admin) != _worker(accounting), "the two browsers never landed on different workers"
        # the admin's session moved between workers on those reloads and is still signed in
        expect(admin.get_by_role("button", name="Add Transaction").first).to_be_visible()

    net_a, net_b = card_a.locator("[id^=net-received-]"), card_b.locator("[id^=net-received-]")
    start = _money(net_b.inner_text())
    assert _money(net_a.inner_text()) == start

    _add_transaction(accounting, card_a, "123.45", "LIVE-1")
    expect(net_a).to_have_text(_format(start + 12_345))
    # the admin did nothing: the poll (every 2 s) picks the change up from the shared database
    expect(net_b).to_have_text(_format(start + 12_345), timeout=4_000)
    expect(card_b.get_by_role("cell", name="LIVE-1")).to_be_visible()

    _add_transaction(admin, card_b, "-23.45", "LIVE-2")
    expect(net_a).to_have_text(_format(start + 10_000), timeout=4_000)
    expect(card_a.get_by_role("cell", name="LIVE-2")).to_be_visible()


def test_lists_and_the_dashboard_follow_another_users_change_within_two_seconds(
        two_pages: tuple[Page, Page]) -> None:
    accounting, admin = two_pages
    sign_in(accounting, *ACCOUNTING)
    sign_in(admin, *ADMIN)
    card = _open_card(accounting)
    funder = card.get_by_role("heading").first.inner_text()

    admin.goto("/accounting/funding-entries")
    total = admin.locator("#entries-net")
    expect(total).to_have_text(re.compile(r"\$"))
    before = _money(total.inner_text())
    _add_transaction(accounting, card, "50.00", "LIVE-LIST")
    expect(total).to_have_text(_format(before + 5_000), timeout=4_000)  # nobody touched this page

    admin.goto("/?period=year")
    net = admin.locator("#funders").get_by_role("row").filter(has_text=funder).get_by_role("cell").nth(3)
    expect(net).to_have_text(re.compile(r"\$"))
    before = _money(net.inner_text())
    _add_transaction(accounting, card, "25.00", "LIVE-DASH")
    expect(net).to_have_text(_format(before + 2_500), timeout=4_000)
