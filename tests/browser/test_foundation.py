"""The foundation, as a person uses it in Chromium."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, SALES, sign_in
from tests.browser.tamper import call_handler_on_next_event


def test_sign_in_shows_the_dashboard_and_sign_out_ends_the_session(page: Page):
    sign_in(page, *ADMIN)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Ada Admin", exact=True)).to_be_visible()
    expect(page.locator("#customer-total")).to_have_text("40")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    page.goto("/customers")
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_wrong_password_says_so_and_nothing_else(page: Page):
    sign_in(page, "admin@example.com", "not-the-password", succeed=False)
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    sign_in(page, "nobody@example.com", "whatever", succeed=False)
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    expect(page).to_have_url(re.compile(r"/login/?$"))


def test_every_page_but_login_requires_a_signed_in_user(page: Page):
    for path in ("/", "/customers", "/customers/1", "/admin/users", "/admin/groups"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login/?$"))


def test_create_a_customer_with_inline_errors_then_find_it_by_search(page: Page):
    sign_in(page, *SALES)
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("button", name="New Customer").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("First name").fill("Quentin")
    dialog.get_by_label("Last name").fill("Zephyrine")
    dialog.get_by_label("Email").fill("not-an-email")
    dialog.get_by_label("Address line 1").fill("12 Lamar Blvd")
    dialog.get_by_label("City").fill("Austin")
    dialog.get_by_label("State").fill("TX")
    dialog.get_by_label("ZIP").fill("787")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(dialog.get_by_text("ZIP must be 5 digits.")).to_be_visible()
    expect(dialog.get_by_text("Location is required.")).to_be_visible()
    dialog.get_by_label("Email").fill("quentin@example.com")
    dialog.get_by_label("ZIP").fill("78704")
    dialog.get_by_label("Location").select_option(label="Austin")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#customer-name")).to_have_text("Quentin Zephyrine")
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search customers").fill("zephyr")
    expect(page.get_by_role("link", name="Quentin Zephyrine")).to_be_visible()
    expect(page.get_by_text("1 customers")).to_be_visible()


def test_a_user_of_austin_does_not_see_a_dallas_customer(page: Page):
    sign_in(page, *ADMIN)
    page.goto("/customers")
    page.get_by_label("Search customers").fill("james.davis1@")
    expect(page.get_by_text("1 customers")).to_be_visible()
    link = page.get_by_role("link", name="James Davis")
    expect(link).to_be_visible()
    dallas_href = link.get_attribute("href")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, *SALES)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto("/customers")
    expect(page.get_by_role("cell", name="Austin", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="Dallas", exact=True)).to_have_count(0)
    page.get_by_label("Search customers").fill("james.davis1@")
    expect(page.get_by_text("No customers match.")).to_be_visible()
    page.goto(dallas_href)
    expect(page.get_by_text("This customer does not exist or you do not have access to it.")).to_be_visible()
    expect(page.locator("#customer-name")).to_have_count(0)


def test_navigation_and_pages_show_only_what_the_user_may_open(page: Page):
    sign_in(page, *SALES)
    expect(page.get_by_role("link", name="Customers")).to_be_visible()
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.goto("/admin/users")
    expect(page.get_by_text("You do not have permission to manage users and groups.")).to_be_visible()
    expect(page.get_by_text("admin@example.com")).to_have_count(0)


def test_a_handler_called_without_the_permission_changes_nothing(page: Page):
    """A tampered browser rewrites the Sign out click into UsersState.save with its own arguments."""
    sign_in(page, *SALES)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    call_handler_on_next_event(
        page,
        "stapp.state.admin.UsersState",
        "save",
        {"form_data": {"name": "Mallory", "email": "mallory@example.com", "password": "mallory-pass", "active": "on"}},
    )
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You do not have permission to do this (Users and Groups: Manage).")).to_be_visible()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()  # the click did not sign out
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(page, *ADMIN)
    page.goto("/admin/users")
    expect(page.get_by_text("admin@example.com")).to_be_visible()
    expect(page.get_by_text("mallory@example.com")).to_have_count(0)


def test_admin_creates_a_group_and_a_user_who_signs_in_with_those_permissions(page: Page):
    sign_in(page, *ADMIN)
    page.goto("/admin/groups")
    page.get_by_role("button", name="New Group").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Dallas Viewers")
    dialog.get_by_label("Customers: View", exact=True).select_option("chosen")
    dialog.get_by_role("checkbox", name="Customers: View at Dallas").click()
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Customers: View (Dallas)")).to_be_visible()

    page.goto("/admin/users")
    page.get_by_role("button", name="New User").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Dana Viewer")
    dialog.get_by_label("Email").fill("dana@example.com")
    dialog.get_by_label("Password").fill("dana-password")
    dialog.get_by_text("Dallas Viewers").click()
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="dana@example.com")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "dana@example.com", "dana-password")
    page.goto("/customers")
    expect(page.get_by_text("20 customers")).to_be_visible()
    expect(page.get_by_role("cell", name="Dallas", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="Austin", exact=True)).to_have_count(0)
