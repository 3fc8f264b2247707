"""``/accounting/financing``: consumer-financing applications across customers."""

import reflex as rx

from stapp.components.badges import application_status_badge
from stapp.components.filters import date_input, list_footer, multi_select, sort_controls, summary_bar
from stapp.components.layout import app_shell, denied_callout
from stapp.services.application_lists import COMPANY_PAGE_SIZES, SORTS
from stapp.state.company_financing import CompanyFinancingState as S

HEADERS = ["ID", "Customer", "Location", "Lender", "Applicant", "Amount Requested", "Amount Financed", "Stage",
           "Status", "Created"]


def _row(a: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(a["id"]),
        rx.table.cell(rx.link(a["customer"], href="/customers/" + a["customer_id"].to_string() + "/financing")),
        rx.table.cell(a["location"]),
        rx.table.cell(a["lender"]),
        rx.table.cell(a["applicant"]),
        rx.table.cell(a["amount_requested"], white_space="nowrap"),
        rx.table.cell(a["amount_financed"], white_space="nowrap"),
        rx.table.cell(a["stage"]),
        rx.table.cell(application_status_badge(a["status"])),
        rx.table.cell(a["created"], white_space="nowrap"),
    )


def _content() -> rx.Component:
    return rx.cond(
        S.denied,
        denied_callout(S.denied),
        rx.vstack(
            rx.moment(interval=2000, on_change=S.poll, display="none"),  # live: see ListPageMixin.poll
            rx.hstack(
                date_input("Created from", S.dates["created_from"], lambda v: S.set_date("created_from", v),
                           "created-from"),
                date_input("Created to", S.dates["created_to"], lambda v: S.set_date("created_to", v), "created-to"),
                multi_select("Locations", S.options["locations"], S.selected["locations"],
                             lambda v: S.toggle("locations", v)),
                multi_select("Statuses", S.options["statuses"], S.selected["statuses"],
                             lambda v: S.toggle("statuses", v)),
                multi_select("Stages", S.options["stages"], S.selected["stages"], lambda v: S.toggle("stages", v)),
                multi_select("Sales reps", S.options["reps"], S.selected["reps"], lambda v: S.toggle("reps", v)),
                rx.button("Clear filters", variant="ghost", on_click=S.clear_filters),
                rx.spacer(),
                sort_controls(S, SORTS),
                spacing="3",
                align="end",
                width="100%",
                wrap="wrap",
            ),
            summary_bar(
                S.export_url,
                "financing.csv",
                rx.text(S.summary["count"], " applications", weight="bold", id="apps-count"),
                rx.text("Requested ", rx.text.strong(S.summary["requested"], id="apps-requested")),
                rx.text("Financed ", rx.text.strong(S.summary["financed"], id="apps-financed")),
            ),
            rx.cond(
                S.total > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in HEADERS])),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    size="1",
                    width="100%",
                    variant="surface",
                ),
                rx.callout("No applications match these filters.", icon="info", color_scheme="gray"),
            ),
            list_footer(S, COMPANY_PAGE_SIZES),
            spacing="4",
            width="100%",
        ),
    )


company_financing_page = app_shell("Financing", _content)
