"""``/accounting/funding-entries``: company-wide Funding Entries."""

import reflex as rx

from stapp.components.badges import funding_status_badge, outcome_badge
from stapp.components.filters import date_input, list_footer, multi_select, sort_controls, summary_bar
from stapp.components.layout import app_shell, denied_callout
from stapp.services.funding_entries import PAGE_SIZES, SORTS
from stapp.state.funding_entries import FundingEntriesState as S

HEADERS = ["ID", "Customer", "Location", "Funder", "Funding Type", "Status", "Outcome", "Amount Expected",
           "Net Received", "Remaining", "Date Expected", "Created", "Still Held Back", "Holdback Release", "Risk"]


def _filters() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            date_input("Created from", S.dates["created_from"], lambda v: S.set_date("created_from", v), "created-from"),
            date_input("Created to", S.dates["created_to"], lambda v: S.set_date("created_to", v), "created-to"),
            date_input("Expected from", S.dates["expected_from"], lambda v: S.set_date("expected_from", v),
                       "expected-from"),
            date_input("Expected to", S.dates["expected_to"], lambda v: S.set_date("expected_to", v), "expected-to"),
            spacing="3",
            wrap="wrap",
        ),
        rx.hstack(
            multi_select("Funders", S.options["funders"], S.selected["funders"], lambda v: S.toggle("funders", v)),
            multi_select("Statuses", S.options["statuses"], S.selected["statuses"], lambda v: S.toggle("statuses", v)),
            multi_select("Outcomes", S.options["outcomes"], S.selected["outcomes"], lambda v: S.toggle("outcomes", v)),
            multi_select("Locations", S.options["locations"], S.selected["locations"], lambda v: S.toggle("locations", v)),
            multi_select("Holdback", S.options["holdbacks"], S.selected["holdbacks"], lambda v: S.toggle("holdbacks", v)),
            multi_select("Days in status", S.options["ages"], S.selected["ages"], lambda v: S.toggle("ages", v)),
            rx.button("Clear filters", variant="ghost", on_click=S.clear_filters),
            rx.spacer(),
            sort_controls(S, SORTS),
            spacing="3",
            width="100%",
            align="center",
            wrap="wrap",
        ),
        width="100%",
        spacing="3",
    )


def _summary() -> rx.Component:
    return summary_bar(
        S.export_url,
        "funding-entries.csv",
        rx.text(S.summary["count"], " fundings", weight="bold", id="entries-count"),
        rx.text("Expected ", rx.text.strong(S.summary["expected"], id="entries-expected")),
        rx.text("Net Received ", rx.text.strong(S.summary["net"], id="entries-net")),
        rx.text("Remaining ", rx.text.strong(S.summary["remaining"], id="entries-remaining")),
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["id"]),
        rx.table.cell(rx.link(row["customer"], href="/customers/" + row["customer_id"].to_string() + "/funding")),
        rx.table.cell(row["location"]),
        rx.table.cell(row["funder"]),
        rx.table.cell(row["funding_type"]),
        rx.table.cell(funding_status_badge(row["status"])),
        rx.table.cell(rx.cond(row["outcome"] != "", outcome_badge(row["outcome"]))),
        rx.table.cell(row["amount_expected"], text_align="right", white_space="nowrap"),
        rx.table.cell(row["net_received"], text_align="right", white_space="nowrap"),
        rx.table.cell(row["remaining"], text_align="right", white_space="nowrap"),
        rx.table.cell(row["date_expected"], white_space="nowrap"),
        rx.table.cell(row["created"], white_space="nowrap"),
        rx.table.cell(row["held_back"], text_align="right", white_space="nowrap"),
        rx.table.cell(row["holdback_release_date"], white_space="nowrap"),
        rx.table.cell(rx.cond(row["chargeback_risk"], rx.badge("Chargeback risk", color_scheme="red"))),
    )


def _content() -> rx.Component:
    return rx.cond(
        S.denied,
        denied_callout(S.denied),
        rx.vstack(
            rx.moment(interval=2000, on_change=S.poll, display="none"),  # live: see ListPageMixin.poll
            _filters(),
            _summary(),
            rx.cond(
                S.total > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in HEADERS])),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    size="1",
                    width="100%",
                    variant="surface",
                ),
                rx.callout("No fundings match these filters.", icon="info", color_scheme="gray"),
            ),
            list_footer(S, PAGE_SIZES),
            spacing="4",
            width="100%",
        ),
    )


funding_entries_page = app_shell("Funding Entries", _content)
