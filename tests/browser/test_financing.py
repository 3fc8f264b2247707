"""Consumer Financing, as sales reps, accounting and admins use it in Chromium, against the real simulator."""

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTING, ADMIN, SALES, SIM_URL, sign_in

AUSTIN_CUSTOMER = 3  # demo customers alternate Austin (odd ids) and Dallas (even ids)


def _open_form(page: Page, customer_id: int = AUSTIN_CUSTOMER):
    page.goto(f"/customers/{customer_id}/financing")
    page.get_by_role("button", name="New Financing Application").click()
    return page.get_by_role("dialog", name="New Financing Application")


def _fill_and_submit(dialog, last_name: str, amount: str = "4,500.00") -> None:
    dialog.get_by_label("Last name").first.fill(last_name)
    dialog.get_by_label("Date of birth").first.fill("1980-05-05")
    dialog.get_by_label("SSN *", exact=True).fill("123-45-6789")
    dialog.get_by_label("Annual income").first.fill("85000")
    dialog.get_by_label("Employer").fill("Acme Alarm")
    dialog.get_by_label("Amount requested").fill(amount)
    dialog.get_by_label("Consent to electronic disclosures").click()
    dialog.get_by_role("button", name="Submit Application").click()


def test_the_form_is_prefilled_from_the_customer_and_validated_on_the_server(page: Page):
    sign_in(page, *SALES)
    dialog = _open_form(page)
    expect(dialog.get_by_label("First name").first).to_have_value("Linda")
    expect(dialog.get_by_label("City")).to_have_value("Austin")
    expect(dialog.get_by_label("ZIP")).to_have_value("78701")
    dialog.get_by_label("Amount requested").fill("99.99")
    dialog.get_by_label("SSN *", exact=True).fill("12-34")
    dialog.get_by_role("button", name="Submit Application").click()
    expect(dialog.get_by_text("Amount requested must be between 100.00 and 100,000.00.")).to_be_visible()
    expect(dialog.get_by_text("SSN must be 9 digits, such as 123-45-6789.")).to_be_visible()
    expect(dialog.get_by_text("The applicant must consent to electronic disclosures.")).to_be_visible()
    expect(dialog.get_by_text("Date of birth is required.")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("No applications for this customer.")).to_be_visible()


def test_an_approved_application_shows_its_decision_without_a_reload(page: Page):
    sign_in(page, *SALES)
    dialog = _open_form(page)
    _fill_and_submit(dialog, "Garcia")
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Approved")
    expect(decision).to_contain_text("$4,500.00")
    expect(decision).to_contain_text("Installment")
    expect(decision).to_contain_text(re.compile(r"Account number: \S+"))
    decision.get_by_role("button", name="Close").click()
    row = page.get_by_role("row").filter(has_text="Garcia")
    expect(row.first).to_contain_text("Approved")
    row.first.get_by_role("button", name="View").click()
    detail = page.get_by_role("dialog")
    expect(detail).to_contain_text("SSN •••-••-6789")
    expect(detail).not_to_contain_text("123-45-6789")
    expect(detail.get_by_role("cell", name="Submitting").first).to_be_visible()


def test_declined_and_prequalified_cases(page: Page):
    sign_in(page, *SALES)
    _fill_and_submit(_open_form(page), "Decline")
    expect(page.locator("#decision")).to_contain_text("Declined")
    page.locator("#decision").get_by_role("button", name="Close").click()
    _fill_and_submit(_open_form(page), "Prequal")
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Pre-Qualified")
    expect(decision.get_by_role("link", name="Complete the application with the provider")).to_have_attribute(
        "href", re.compile(r"^https?://")
    )


def test_in_review_becomes_approved_by_webhook_in_an_open_page(page: Page):
    sign_in(page, *SALES)
    _fill_and_submit(_open_form(page), "Review")
    expect(page.locator("#decision")).to_contain_text("In Review")
    page.locator("#decision").get_by_role("button", name="Close").click()
    row = page.get_by_role("row").filter(has_text="Review").first
    expect(row).to_contain_text("In Review")
    expect(row).to_contain_text("Approved", timeout=20_000)  # the simulator approves ~4 s later, by webhook


def _simulator(**config) -> dict:
    response = httpx.post(f"{SIM_URL}/_sim/config", json=config, headers={"X-Sim-Admin": "sim-admin"}, timeout=5)
    response.raise_for_status()
    return response.json()


def _simulator_applications() -> dict:
    return httpx.get(f"{SIM_URL}/_sim/applications", headers={"X-Sim-Admin": "sim-admin"}, timeout=5).json()


def test_a_provider_that_never_answers_gives_outcome_unknown_then_the_result(page: Page):
    """No HTTP answer and no webhook: Outcome Unknown, then the reconciler asks the provider by key."""
    sign_in(page, *SALES)
    before = _simulator_applications()["count"]
    _simulator(webhooks_enabled=False)
    _fill_and_submit(_open_form(page), "Timeout")
    expect(page.locator("#submitting")).to_have_text("Submitting…")
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Outcome Unknown", timeout=20_000)
    expect(decision).to_contain_text("will not be sent twice")
    decision.get_by_role("button", name="Close").click()
    row = page.get_by_role("row").filter(has_text="Timeout").first
    try:
        expect(row).to_contain_text("Approved", timeout=40_000)  # the reconciler asks the provider by key
    finally:
        _simulator(webhooks_enabled=True)
    assert _simulator_applications()["count"] == before + 1, "the provider must hold exactly one application for it"


def test_a_flaky_provider_is_retried_and_approves_once(page: Page):
    sign_in(page, *SALES)
    _fill_and_submit(_open_form(page), "Flaky")
    expect(page.locator("#decision")).to_contain_text("Approved", timeout=20_000)


def test_disabling_the_add_on_removes_new_applications_but_keeps_existing_ones(page: Page):
    sign_in(page, *ADMIN)
    page.get_by_role("link", name="Add-ons").click()
    card = page.get_by_text("Consumer Financing").first
    expect(card).to_be_visible()
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("It does not change applications already submitted")
    page.get_by_role("alertdialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#addon-changed")).to_contain_text("Disabled by Ada Admin")

    page.goto("/customers/2/financing")  # a demo customer with an application
    expect(page.get_by_role("heading", name="Financing")).to_be_visible()
    expect(page.get_by_text("Consumer Financing is disabled")).to_be_visible()
    expect(page.get_by_role("button", name="New Financing Application")).to_have_count(0)
    expect(page.locator("tbody tr").first).to_be_visible()

    page.goto("/admin/add-ons")
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("$49.00 per month")
    page.get_by_role("alertdialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#addon-changed")).to_contain_text("Enabled by Ada Admin")


def test_provider_setup_never_shows_the_token_and_tests_the_connection(page: Page):
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    sign_in(page, *ADMIN)
    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("button", name="New Provider").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Provider")).to_be_disabled()
    expect(dialog.get_by_label("Name")).to_have_value("Smart Home Pay LOS")
    expect(dialog.get_by_label("Environment")).to_have_value("Production")
    dialog.get_by_label("Name").fill("SHP staging")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Bearer Token is required for a new provider.")).to_be_visible()
    dialog.get_by_label("Environment").select_option("Staging")
    dialog.get_by_label("Bearer Token").fill("wrong-token-abc123")
    dialog.get_by_role("button", name="Save").click()
    row = page.get_by_role("row").filter(has_text="SHP staging")
    row.get_by_role("button", name="Test Connection").click()
    expect(page.get_by_text("unauthorized").first).to_be_visible()

    row.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label(re.compile("Bearer Token"))).to_have_value("")
    dialog.get_by_label(re.compile("Bearer Token")).fill("shp-sandbox-token")
    dialog.get_by_role("button", name="Save").click()
    row.get_by_role("button", name="Test Connection").click()
    expect(row).to_contain_text("Connection successful.")

    row.get_by_role("button", name="Edit").click()  # a blank token keeps the saved one
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    row.get_by_role("button", name="Test Connection").click()
    expect(row).to_contain_text(re.compile(r"Connection successful\. \(\d{4}"))
    content = page.content()
    for secret in ("shp-sandbox-token", "wrong-token-abc123"):
        assert secret not in content
        assert not any(secret in f for f in frames), "a bearer token reached the browser over the websocket"


def test_company_financing_filters_by_location_and_status(page: Page):
    sign_in(page, *ACCOUNTING)
    page.get_by_role("link", name="Financing").click()
    expect(page.locator("#apps-count")).to_have_text(re.compile(r"^[\d,]+ applications$"))
    page.get_by_role("button", name="Locations").click()
    page.get_by_role("checkbox", name="Locations: Dallas").click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"locations=\d+"))
    expect(page.locator("tbody tr").first).to_contain_text("Dallas")
    rows = page.locator("tbody tr")
    assert all("Austin" not in rows.nth(i).inner_text() for i in range(rows.count()))
    page.get_by_role("button", name="Statuses").click()
    page.get_by_role("checkbox", name="Statuses: Declined").click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"statuses=Declined"))
    expect(rows.first).to_contain_text("Declined")
    assert all("Declined" in rows.nth(i).inner_text() for i in range(rows.count()))


def test_a_sales_user_of_austin_sees_no_dallas_application(page: Page):
    sign_in(page, *SALES)
    page.goto("/customers/2/financing")  # Dallas
    expect(page.get_by_text("This customer does not exist or you do not have access to it.")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(0)
    page.goto("/accounting/financing")
    expect(page.get_by_role("alert")).to_contain_text("permission")
    expect(page.locator("tbody tr")).to_have_count(0)
