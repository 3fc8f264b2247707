"""``/customers/[id]/financing``: the customer's consumer-financing applications."""

import reflex as rx

from stapp.components.badges import application_status_badge
from stapp.components.customer import customer_frame
from stapp.components.filters import pager
from stapp.components.forms import field
from stapp.components.layout import app_shell
from stapp.services.application_lists import CUSTOMER_PAGE_SIZES, SORTS
from stapp.state.financing import FinancingState as F

HEADERS = ["ID", "Lender", "Applicant", "Amount Requested", "Amount Financed", "Stage", "Status", "Created", ""]


def _filters() -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text("Sort", size="1", color_scheme="gray"), rx.select.root(
            rx.select.trigger(aria_label="Sort by"),
            rx.select.content(*[rx.select.item(label, value=key) for key, label in SORTS.items()]),
            value=F.sort, on_change=lambda v: F.set_filter("sort", v)), spacing="1"),
        rx.vstack(rx.text("Order", size="1", color_scheme="gray"), rx.select.root(
            rx.select.trigger(aria_label="Direction"),
            rx.select.content(rx.select.item("Ascending", value="asc"), rx.select.item("Descending", value="desc")),
            value=F.direction, on_change=lambda v: F.set_filter("direction", v)), spacing="1"),
        rx.vstack(rx.text("Page size", size="1", color_scheme="gray"), rx.select.root(
            rx.select.trigger(aria_label="Page size"),
            rx.select.content(*[rx.select.item(str(n), value=str(n)) for n in CUSTOMER_PAGE_SIZES]),
            value=F.size, on_change=lambda v: F.set_filter("size", v)), spacing="1"),
        rx.vstack(rx.text("Created From", size="1", color_scheme="gray"),
                  rx.input(type="date", value=F.created_from, aria_label="Created From",
                           on_change=lambda v: F.set_filter("created_from", v)), spacing="1"),
        rx.vstack(rx.text("Created To", size="1", color_scheme="gray"),
                  rx.input(type="date", value=F.created_to, aria_label="Created To",
                           on_change=lambda v: F.set_filter("created_to", v)), spacing="1"),
        spacing="3",
        align="end",
        wrap="wrap",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in HEADERS])),
        rx.table.body(
            rx.foreach(
                F.apps,
                lambda a: rx.table.row(
                    rx.table.cell(a["id"]),
                    rx.table.cell(a["lender"]),
                    rx.table.cell(a["applicant"]),
                    rx.table.cell(a["amount_requested"], white_space="nowrap"),
                    rx.table.cell(a["amount_financed"], white_space="nowrap"),
                    rx.table.cell(a["stage"]),
                    rx.table.cell(application_status_badge(a["status"])),
                    rx.table.cell(a["created"], white_space="nowrap"),
                    rx.table.cell(rx.button("View", size="1", variant="soft", on_click=F.view(a["id"]))),
                ),
            )
        ),
        width="100%",
        variant="surface",
        size="1",
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(title, weight="bold", size="2"), *children, spacing="2", width="100%")


def _form_body() -> rx.Component:
    e, f = F.errors, F.form
    return rx.form(
        rx.vstack(
            _section(
                "Applicant",
                rx.hstack(field("First name", "first_name", e, default_value=f["first_name"], required=True),
                          field("Last name", "last_name", e, default_value=f["last_name"], required=True), width="100%"),
                rx.hstack(field("Email", "email", e, type="email", default_value=f["email"], required=True),
                          field("Phone", "phone", e, default_value=f["phone"], required=True), width="100%"),
                rx.hstack(field("Date of birth", "date_of_birth", e, type="date", default_value=f["date_of_birth"],
                                required=True),
                          field("SSN", "ssn", e, type="password", required=True, placeholder="•••-••-••••"),
                          width="100%"),
            ),
            _section(
                "Address",
                field("Address line 1", "address_line1", e, default_value=f["address_line1"], required=True),
                rx.hstack(field("City", "city", e, default_value=f["city"], required=True),
                          field("State", "state", e, default_value=f["state"], required=True, max_length=2),
                          field("ZIP", "zip_code", e, default_value=f["zip_code"], required=True, max_length=5),
                          width="100%"),
            ),
            _section(
                "Income and amount",
                rx.hstack(field("Annual income", "annual_income", e, default_value=f["annual_income"], required=True),
                          field("Employer", "employer", e, default_value=f["employer"], required=True), width="100%"),
                field("Amount requested", "amount_requested", e, default_value=f["amount_requested"], required=True,
                      placeholder="100.00 to 100,000.00"),
            ),
            rx.accordion.root(
                rx.accordion.item(
                    header="Co-applicant (optional)",
                    content=rx.vstack(
                        rx.hstack(field("Co-applicant first name", "co_first_name", e),
                                  field("Co-applicant last name", "co_last_name", e), width="100%"),
                        rx.hstack(field("Co-applicant email", "co_email", e, type="email"),
                                  field("Co-applicant phone", "co_phone", e), width="100%"),
                        rx.hstack(field("Co-applicant date of birth", "co_date_of_birth", e, type="date"),
                                  field("Co-applicant SSN", "co_ssn", e, type="password"), width="100%"),
                        field("Co-applicant annual income", "co_annual_income", e),
                        width="100%",
                    ),
                    value="co",
                ),
                collapsible=True,
                type="single",
                variant="ghost",
                width="100%",
            ),
            rx.el.label(
                rx.checkbox(name="consent", aria_label="Consent to electronic disclosures"),
                " The applicant consents to receive disclosures electronically. *",
                style={"display": "flex", "gap": "6px", "alignItems": "center", "fontSize": "14px"},
            ),
            rx.cond(e["consent"], rx.text(e["consent"], color_scheme="red", size="1", class_name="field-error")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                rx.button("Submit Application", type="submit", loading=F.submitting_id > 0),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=F.submit,
        reset_on_submit=False,
        no_validate=True,
    )


def _decision() -> rx.Component:
    d = F.decision
    return rx.vstack(
        rx.hstack(rx.text("Decision:", weight="bold"), application_status_badge(d["status"]), align="center"),
        rx.match(
            d["status"],
            ("Approved", rx.vstack(
                rx.text("Amount financed: ", rx.text.strong(d["amount_financed"])),
                rx.text("Finance type: ", rx.text.strong(d["finance_type"])),
                rx.text("Account number: ", rx.text.strong(d["account_number"])),
                rx.text("Plans: ", d["plans"]),
                spacing="1")),
            ("Declined", rx.text("The provider declined this application. ", d["decline_reason"])),
            ("Pre-Qualified", rx.vstack(
                rx.text("Pre-qualified: the customer can be approved once more information is given on the "
                        "provider's site."),
                rx.link("Complete the application with the provider", href=d["prequal_url"], is_external=True),
                spacing="1")),
            ("In Review", rx.text("The provider is reviewing this application. The decision will appear here and in "
                                  "the list when it arrives.")),
            ("Outcome Unknown", rx.text("The provider did not answer in time. stapp is checking with the provider and "
                                        "will show the result; the application will not be sent twice. ",
                                        d["last_error"])),
            ("Not Submitted", rx.text("The provider did not accept the application: ", d["last_error"])),
            rx.text(""),
        ),
        rx.hstack(rx.dialog.close(rx.button("Close")), justify="end", width="100%"),
        spacing="3",
        id="decision",
        role="status",
    )


def _new_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New Financing Application"),
            rx.cond(
                F.decision.contains("status"),
                _decision(),
                rx.fragment(
                    rx.cond(F.submitting_id > 0,
                            rx.callout("Submitting…", icon="loader", color_scheme="blue", role="status",
                                       id="submitting")),
                    _form_body(),
                ),
            ),
            max_width="680px",
        ),
        open=F.form_open,
        on_open_change=F.set_form_open,
    )


def _detail_dialog() -> rx.Component:
    d = F.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Application ", d["id"].to(str)),
            rx.vstack(
                rx.hstack(application_status_badge(d["status"].to(str)), rx.text("Stage: ", d["stage"].to(str)),
                          rx.text("Lender: ", d["lender"].to(str)), spacing="4"),
                rx.text("Applicant: ", d["applicant"].to(str), " · SSN ", d["ssn"].to(str)),
                rx.cond(d["co_applicant"].to(str) != "",
                        rx.text("Co-applicant: ", d["co_applicant"].to(str), " · SSN ", d["co_ssn"].to(str))),
                rx.text("Amount requested ", d["amount_requested"].to(str), " · Amount financed ",
                        d["amount_financed"].to(str)),
                rx.cond(d["account_number"].to(str) != "", rx.text("Account number: ", d["account_number"].to(str))),
                rx.cond(d["prequal_url"].to(str) != "",
                        rx.link("Provider link for the missing information", href=d["prequal_url"].to(str),
                                is_external=True)),
                rx.cond(d["status"].to(str) == "Outcome Unknown",
                        rx.button("Check with the provider now", size="1", on_click=F.check_status(d["id"].to(int)))),
                rx.text("History", weight="bold"),
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("When", "What", "From", "To", "Source")])),
                    rx.table.body(rx.foreach(d["history"].to(list[dict[str, str]]), lambda h: rx.table.row(
                        rx.table.cell(h["at"]), rx.table.cell(h["field"]), rx.table.cell(h["from"]),
                        rx.table.cell(h["to"]), rx.table.cell(h["source"])))),
                    size="1",
                    width="100%",
                ),
                rx.hstack(rx.dialog.close(rx.button("Close", variant="soft")), justify="end", width="100%"),
                spacing="3",
            ),
            max_width="720px",
        ),
        open=F.detail_open,
        on_open_change=F.set_detail_open,
    )


def _content() -> rx.Component:
    return customer_frame(
        rx.vstack(
            rx.hstack(
                rx.heading("Financing", size="5"),
                rx.spacer(),
                rx.cond(F.can_apply, rx.button("New Financing Application", on_click=F.open_form)),
                width="100%",
                align="center",
            ),
            rx.cond(F.unavailable != "", rx.callout(F.unavailable, icon="info", color_scheme="gray")),
            _filters(),
            rx.cond(F.total > 0, _table(), rx.text("No applications for this customer.", color_scheme="gray")),
            rx.hstack(rx.text(F.total.to_string() + " applications", size="2", color_scheme="gray"), rx.spacer(),
                      pager(F.page, F.pages, F.go_to_page), width="100%"),
            rx.moment(interval=2000, on_change=F.poll, display="none"),
            _new_dialog(),
            _detail_dialog(),
            spacing="4",
            width="100%",
        )
    )


financing_page = app_shell("Customer", _content)
