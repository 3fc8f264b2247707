"""Financed orders, end to end in Chromium against the simulator: RTO tax removal, the F3 pre-qualify hold,
partial settlements on completion, and a manual Transmit Financing Settlement for Revolving."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTING, SALES, sign_in
from tests.browser.test_financing import _fill_and_submit, _open_form


def _approved_customer(page: Page, customer_id: int, last_name: str, amount: str = "9,000.00") -> None:
    _fill_and_submit(_open_form(page, customer_id), last_name, amount)
    expect(page.locator("#decision")).to_contain_text("Approved", timeout=20_000)
    page.locator("#decision").get_by_role("button", name="Close").click()


def _new_order(page: Page, customer_id: int, lines: list[tuple[str, str, str, str]]) -> None:
    page.goto(f"/customers/{customer_id}/orders")
    page.get_by_role("button", name="New Order").click()
    expect(page.locator("#order-total")).to_have_text("$0.00")
    for kind, item, qty, price in lines:
        page.get_by_label("Kind").select_option(kind)
        page.get_by_label("Item").fill(item)
        page.get_by_label("Quantity").fill(qty)
        page.get_by_label("Unit price").fill(price)
        page.get_by_role("button", name="Add line").click()
        expect(page.get_by_role("cell", name=item, exact=True)).to_be_visible()


def _add_plan(page: Page, plan_code: str, amount: str | None = None, *, deposit: bool = False) -> None:
    page.get_by_role("button", name="Add finance plan").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Payment plan").select_option(label=PLAN_LABELS[plan_code])
    if amount is not None:
        dialog.get_by_label("Amount").fill(amount)
    if deposit:
        dialog.get_by_label("Use as deposit").click()
    dialog.get_by_role("button", name="Add plan").click()


PLAN_LABELS = {"R24": "R24 – 24-month rent to own", "I36": "I36 – 36 months at 9.99% APR", "RV1": "RV1 – Revolving account"}
LINES = [("equipment", "Panel", "1", "1000.00"), ("installation", "Labor", "1", "500.00")]


def test_an_rto_plan_finances_the_whole_order_and_removes_its_sales_tax(page: Page):
    sign_in(page, *SALES)
    _approved_customer(page, 13, "Lease")
    _new_order(page, 13, LINES)
    expect(page.locator("#order-tax")).to_have_text("$123.75")  # 8.25% of $1,500.00
    expect(page.locator("#order-total")).to_have_text("$1,623.75")
    _add_plan(page, "R24", "1623.75")
    expect(page.get_by_role("alert")).to_have_text("An RTO plan must finance the whole order ($1,500.00).")
    page.get_by_role("dialog").get_by_label("Amount").fill("1500.00")
    page.get_by_role("dialog").get_by_role("button", name="Add plan").click()
    expect(page.locator("#order-tax")).to_have_text("$0.00")
    expect(page.get_by_text("Non-taxable: RTO")).to_be_visible()
    expect(page.locator("#authorization")).to_contain_text(re.compile(r"approved · No\. \S+"), timeout=15_000)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, *ACCOUNTING)
    page.goto("/accounting/sales-tax")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="RTO", exact=True))
    expect(row.first).to_contain_text("$0.00")


def test_a_prequalified_authorization_holds_the_order_until_the_provider_approves(page: Page):
    sign_in(page, *SALES)
    _approved_customer(page, 15, "AuthPrequal")
    _new_order(page, 15, LINES)
    _add_plan(page, "I36", "1000.00")
    expect(page.locator("#credit-hold")).to_contain_text("F3 credit hold", timeout=15_000)
    expect(page.locator("#credit-hold").get_by_role("link")).to_have_attribute("href", re.compile(r"^https?://"))
    expect(page.locator("#credit-hold")).to_have_count(0, timeout=30_000)  # released by webhook (or the poll)
    expect(page.locator("#authorization")).to_contain_text(re.compile(r"approved · No\. \S+"))


def test_completing_part_of_an_installment_order_sends_a_partial_settlement(page: Page):
    sign_in(page, *SALES)
    _approved_customer(page, 17, "Parker")
    _new_order(page, 17, LINES)
    _add_plan(page, "I36", "1000.00")
    expect(page.locator("#authorization")).to_contain_text("approved", timeout=15_000)
    page.get_by_role("row").filter(has_text="Panel").get_by_role("button", name="Complete").click()
    settlements = page.locator("#settlements")
    expect(settlements.get_by_role("row").filter(has_text="partial")).to_contain_text("sent", timeout=15_000)
    expect(settlements).to_contain_text("$666.67")  # 1000.00 × 1000/1500, rounded half up
    page.get_by_role("row").filter(has_text="Labor").get_by_role("button", name="Complete").click()
    expect(settlements.get_by_role("row").filter(has_text="final")).to_contain_text("$333.33", timeout=15_000)
    expect(page.get_by_text("Completed").first).to_be_visible()


def test_revolving_settles_in_a_batch_with_transmit_financing_settlement(page: Page):
    sign_in(page, *SALES)
    _approved_customer(page, 19, "Revolve")
    _new_order(page, 19, LINES)
    _add_plan(page, "RV1", "800.00")
    expect(page.locator("#authorization")).to_contain_text("approved", timeout=15_000)
    page.get_by_role("row").filter(has_text="Panel").get_by_role("button", name="Complete").click()
    page.get_by_role("row").filter(has_text="Labor").get_by_role("button", name="Complete").click()
    settlements = page.locator("#settlements")
    expect(settlements.get_by_role("row").filter(has_text="final")).to_contain_text("pending")
    expect(settlements.get_by_role("row").filter(has_text="partial")).to_contain_text("$533.33")
    expect(settlements.get_by_role("row").filter(has_text="final")).to_contain_text("$266.67")
    page.wait_for_timeout(3000)  # not sent on its own: Revolving settles in the batch
    expect(settlements.get_by_role("row").filter(has_text="sent")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, *ACCOUNTING)
    page.goto("/accounting/settlement")
    expect(page.locator("#settlement-pending")).not_to_have_text("$0.00")
    page.get_by_role("button", name="Transmit Financing Settlement").click()
    expect(page.locator("#settlement-pending")).to_have_text("$0.00", timeout=15_000)
    expect(page.get_by_role("row").filter(has_text="$266.67").first).to_contain_text("sent")
    expect(page.get_by_role("row").filter(has_text="$266.67").first).to_contain_text("manual-")
