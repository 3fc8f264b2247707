"""The dashboard, as accounting opens it in Chromium: pictures, numbers beside them, links to the lists."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTING, SALES, sign_in


def test_the_dashboard_shows_the_funnel_and_each_number_opens_the_matching_list(page: Page):
    sign_in(page, *ACCOUNTING)
    expect(page.locator("#funnel .recharts-wrapper")).to_be_visible()  # the picture...
    expect(page.locator("#funnel").get_by_role("cell", name="Submitted")).to_be_visible()  # ...and its numbers
    expect(page.locator("#ageing .recharts-wrapper")).to_be_visible()
    expect(page.locator("#ageing").get_by_role("cell", name="PENDING")).to_be_visible()

    page.locator("#dashboard-period").select_option("year")
    expect(page).to_have_url(re.compile(r"period=year"))
    expect(page.locator("#period-label")).to_contain_text("This year:")
    approved = page.locator("#funnel").get_by_role("row").filter(has_text="Approved").get_by_role("link")
    expect(approved).not_to_have_text("0")
    count = approved.inner_text()
    approved.click()
    expect(page).to_have_url(re.compile(r"/accounting/financing\?.*statuses=Approved"))
    expect(page.locator("#apps-count")).to_have_text(f"{count} applications")

    page.go_back()
    page.reload()  # the period is in the URL: it survives a reload
    expect(page.locator("#dashboard-period")).to_have_value("year")
    page.locator("#dashboard-location").select_option(label="Dallas")
    expect(page).to_have_url(re.compile(r"location=\d+"))
    late = page.locator("#overdue-count")
    expect(late).to_have_text(re.compile(r"^\d+ fundings$"))
    total = late.inner_text().split()[0]
    late.click()
    expect(page).to_have_url(re.compile(r"/accounting/funding-entries\?.*expected_to="))
    expect(page.locator("#entries-count")).to_have_text(f"{total} fundings")


def test_a_user_without_company_accounting_sees_no_money_figures(page: Page):
    sign_in(page, *SALES)
    expect(page.locator("#customer-total")).to_be_visible()
    expect(page.locator("#funnel")).to_have_count(0)
    expect(page.locator("#overdue")).to_have_count(0)
