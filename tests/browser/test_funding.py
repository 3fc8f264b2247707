"""Funding, as the funding team uses it in Chromium."""

import csv
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTING, ADMIN, SALES, sign_in


def _open_customer_without_funding(page: Page) -> None:
    page.goto("/customers/2/funding")  # demo fundings sit on every third customer: 1, 4, 7...
    expect(page.get_by_role("heading", name="Fundings")).to_be_visible()
    expect(page.get_by_text("No fundings for this customer.")).to_be_visible()


def _totals(card):
    return card.locator("[id^=net-received-]"), card.locator("[id^=remaining-]")


def _add_transaction(page: Page, card, type_name: str, day: str, amount: str, reference: str = "") -> None:
    card.get_by_role("button", name="Add Transaction").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Transaction Type").select_option(label=type_name)
    dialog.get_by_label("Transaction Date").fill(day)
    dialog.get_by_label("Amount").fill(amount)
    dialog.get_by_label("Reference").fill(reference)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)


def test_the_funding_card_totals_follow_every_transaction_live(page: Page):
    sign_in(page, *ACCOUNTING)
    _open_customer_without_funding(page)

    page.get_by_role("button", name="Add Funding").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Funding Status")).to_have_value("PENDING")
    dialog.get_by_label("Amount Expected").fill("3,000.001")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Funded By is required.")).to_be_visible()
    expect(dialog.get_by_text("Amount Expected must be an amount such as 1234.50 with at most two decimals.")).to_be_visible()
    dialog.get_by_label("Funded By").select_option(label="Alarm Funding Co")
    dialog.get_by_label("Funding Type").select_option(label="Contract Sale")
    dialog.get_by_label("Amount Expected").fill("3,000.00")
    dialog.get_by_label("Date Expected").fill("2026-12-15")
    dialog.get_by_label("Grade / Info").fill("A-")
    dialog.get_by_role("button", name="Save").click()

    card = page.locator("[id^=funding-]").first
    expect(card.get_by_role("heading", name="Alarm Funding Co")).to_be_visible()
    expect(card.get_by_text("PENDING")).to_be_visible()
    expect(card.locator("[id^=amount-expected-]")).to_have_text("$3,000.00")
    net, remaining = _totals(card)
    expect(net).to_have_text("$0.00")
    expect(card.get_by_text("No transactions on this funding.")).to_be_visible()

    _add_transaction(page, card, "Funding", "2026-11-02", "2500", "CHK-1001")
    expect(net).to_have_text("$2,500.00")
    expect(remaining).to_have_text("$500.00")

    _add_transaction(page, card, "Charge back", "2026-11-10", "-300.50")
    expect(net).to_have_text("$2,199.50")
    expect(remaining).to_have_text("$800.50")
    expect(card.get_by_role("cell", name="-$300.50")).to_be_visible()

    card.get_by_role("button", name="Add Transaction").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Transaction Type").select_option(label="Funding")
    dialog.get_by_label("Transaction Date").fill("2026-11-11")
    dialog.get_by_label("Amount").fill("0")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Amount cannot be zero.")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(net).to_have_text("$2,199.50")

    row = card.get_by_role("row").filter(has_text="Charge back")
    row.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Amount")).to_have_value("-300.50")
    dialog.get_by_label("Amount").fill("-100")
    dialog.get_by_role("button", name="Save").click()
    expect(net).to_have_text("$2,400.00")
    expect(remaining).to_have_text("$600.00")

    card.get_by_role("row").filter(has_text="Charge back").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Delete this transaction? This cannot be undone.")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(net).to_have_text("$2,500.00")
    expect(remaining).to_have_text("$500.00")

    card.get_by_role("button", name="Edit").first.click()
    dialog = page.get_by_role("dialog", name="Edit Funding")
    dialog.get_by_label("Funding Status").select_option("COMPLETE")
    dialog.get_by_label("Outcome").select_option("PARTIALLY_PAID")
    dialog.get_by_role("button", name="Save").click()
    expect(card.get_by_text("COMPLETE")).to_be_visible()
    expect(card.get_by_text("PARTIALLY_PAID")).to_be_visible()

    page.reload()
    expect(page.locator("[id^=net-received-]").first).to_have_text("$2,500.00")

    page.locator("[id^=funding-]").first.get_by_role("button", name="Delete").first.click()
    expect(page.get_by_role("alertdialog")).to_contain_text(
        "Delete this funding and all of its transactions? This cannot be undone."
    )
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No fundings for this customer.")).to_be_visible()


def test_a_sales_user_sees_fundings_read_only(page: Page):
    sign_in(page, *SALES)
    page.goto("/customers/1/funding")  # Austin, with a demo funding
    expect(page.locator("[id^=funding-]").first).to_be_visible()
    expect(page.get_by_role("button", name="Add Funding")).to_have_count(0)
    expect(page.get_by_role("button", name="Add Transaction")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    page.goto("/customers/4/funding")  # Dallas
    expect(page.get_by_text("This customer does not exist or you do not have access to it.")).to_be_visible()


def test_funding_entries_filter_in_the_url_and_export_exactly_the_filtered_set(page: Page):
    sign_in(page, *ACCOUNTING)
    page.get_by_role("link", name="Funding Entries").click()
    expect(page.locator("#entries-count")).to_have_text(re.compile(r"^[\d,]+ fundings$"))
    all_count = int(page.locator("#entries-count").inner_text().split()[0])

    page.get_by_role("button", name="Statuses").click()
    page.get_by_role("checkbox", name="Statuses: COMPLETE").click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"statuses=COMPLETE"))
    expect(page.get_by_role("row").filter(has_text="PENDING")).to_have_count(0)
    complete_count = int(page.locator("#entries-count").inner_text().split()[0])
    assert 0 < complete_count < all_count

    page.get_by_role("button", name="Outcomes").click()
    page.get_by_role("checkbox", name="Outcomes: PAID_IN_FULL").click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"outcomes=PAID_IN_FULL"))
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("PAID_IN_FULL")
    shown = rows.count()
    assert all("PAID_IN_FULL" in rows.nth(i).inner_text() for i in range(shown))

    bookmarked = page.url
    page.goto("/")
    page.goto(bookmarked)
    expect(page.locator("tbody tr")).to_have_count(shown)
    expect(page.get_by_role("button", name="Statuses")).to_contain_text("1")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    path = download_info.value.path()
    with open(path, newline="") as fh:
        data = list(csv.reader(fh))
    assert data[0][:3] == ["ID", "Customer", "Location"]
    assert len(data) - 1 == shown
    assert {row[6] for row in data[1:]} == {"PAID_IN_FULL"}


def test_catalog_entries_are_added_deactivated_and_protected_while_in_use(page: Page):
    sign_in(page, *ADMIN)
    page.get_by_role("link", name="Funding Catalogs").click()
    funders = page.locator("#catalog-funder")
    funders.get_by_label("New entry in Funders").fill("Keystone Funding")
    funders.get_by_role("button", name="Add to Funders").click()
    expect(funders.get_by_role("cell", name="Keystone Funding")).to_be_visible()
    funders.get_by_label("New entry in Funders").fill("Keystone Funding")
    funders.get_by_role("button", name="Add to Funders").click()
    expect(funders.get_by_text("Keystone Funding already exists in Funders.")).to_be_visible()

    funders.get_by_role("row").filter(has_text="Keystone Funding").get_by_role("button", name="Deactivate").click()
    expect(funders.get_by_role("row").filter(has_text="Keystone Funding").get_by_text("Inactive")).to_be_visible()
    page.goto("/customers/2/funding")
    page.get_by_role("button", name="Add Funding").click()
    options = page.get_by_role("dialog").get_by_label("Funded By").locator("option").all_inner_texts()
    assert "Keystone Funding" not in options and "Alarm Funding Co" in options
    page.keyboard.press("Escape")

    page.goto("/admin/funding-catalogs")
    types = page.locator("#catalog-transaction_type")
    types.get_by_role("row").filter(has_text="Holdback").get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text(re.compile(r"Holdback is used by \d+ transactions? and cannot be deleted"))).to_be_visible()
    expect(types.get_by_role("cell", name="Holdback")).to_be_visible()


def test_next_and_previous_move_by_cursor_and_the_url_reopens_the_same_page(page: Page):
    sign_in(page, *ACCOUNTING)
    page.goto("/accounting/funding-entries?size=10&sort=customer&dir=asc")
    ids = page.locator("tbody tr > :first-child")
    expect(ids).to_have_count(10)
    first_page = ids.all_inner_texts()

    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2.*after=|after=.*page=2"))
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()
    expect(ids.first).not_to_have_text(first_page[0])
    second_page = ids.all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)

    page.reload()  # the cursor is in the URL: the same page comes back
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()
    expect(ids.first).to_have_text(second_page[0])
    assert ids.all_inner_texts() == second_page

    page.get_by_role("button", name="Previous").click()
    expect(page).to_have_url(re.compile(r"before="))
    expect(page.get_by_text(re.compile(r"^Page 1 of \d+$"))).to_be_visible()
    expect(ids.first).to_have_text(first_page[0])
    assert ids.all_inner_texts() == first_page


def test_a_holdback_is_tracked_and_a_cancellation_inside_its_guarantee_period_is_flagged(page: Page):
    from datetime import UTC, datetime, timedelta

    from stapp.domain.funding import add_months

    today = datetime.now(UTC).date()
    funded_on = today - timedelta(days=60)
    release = add_months(funded_on, 12)
    sign_in(page, *ADMIN)
    page.goto("/customers/5/funding")
    expect(page.get_by_text("No fundings for this customer.")).to_be_visible()
    page.get_by_role("button", name="Add Funding").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Funded By").select_option(label="Alarm Funding Co")
    dialog.get_by_label("Funding Type").select_option(label="Contract Sale")
    dialog.get_by_label("Amount Expected").fill("2,400.00")
    dialog.get_by_label("Date Expected").fill(funded_on.isoformat())
    dialog.get_by_label("Holdback Amount").fill("300.00")
    dialog.get_by_label("Guarantee Months").fill("500")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Guarantee Months must be a whole number of months from 0 to 120.")).to_be_visible()
    dialog.get_by_label("Guarantee Months").fill("12")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)

    card = page.locator("[id^=funding-]").first
    expect(card.locator("[id^=holdback-]").first).to_have_text("$300.00")
    expect(card.locator("[id^=held-back-]")).to_have_text("$300.00")
    expect(card.locator("[id^=holdback-note-]")).to_have_text(f"Held back until {release.isoformat()}")
    expect(card.locator("[id^=chargeback-risk-]")).to_have_count(0)

    cancelled = today - timedelta(days=10)  # inside the guarantee period
    page.get_by_role("button", name="Change").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Service Status").select_option("Cancelled")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Cancellation Date is required.")).to_be_visible()
    dialog.get_by_label("Cancellation Date").fill(cancelled.isoformat())
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#service-status")).to_have_text(f"Cancelled on {cancelled.isoformat()}")
    expect(card.locator("[id^=chargeback-risk-]")).to_contain_text(
        f"Chargeback risk: the customer cancelled on {cancelled.isoformat()}, inside the guarantee period "
        f"(until {release.isoformat()}).")

    page.goto("/accounting/funding-entries?holdbacks=risk")
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=re.compile(r".")))
    expect(row.first.get_by_text("Chargeback risk")).to_be_visible()
    expect(row.first.get_by_role("cell", name="$300.00")).to_be_visible()
