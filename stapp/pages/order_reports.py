"""``/accounting/settlement`` and ``/accounting/sales-tax``."""

import reflex as rx

from stapp.components.filters import date_input, list_footer, multi_select, summary_bar
from stapp.components.layout import app_shell, denied_callout
from stapp.services.order_reports import PAGE_SIZES
from stapp.state.order_reports import SalesTaxState as T
from stapp.state.order_reports import SettlementState as S


def _table(headers: list[str], rows: rx.Var, cells) -> rx.Component:  # noqa: ANN001
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(*[rx.table.cell(c) for c in cells(r)]))),
        size="1", width="100%", variant="surface",
    )


def _settlement() -> rx.Component:
    return rx.cond(
        S.denied,
        denied_callout(S.denied),
        rx.vstack(
            rx.hstack(
                date_input("From", S.dates["date_from"], lambda v: S.set_date("date_from", v), "date-from"),
                date_input("To", S.dates["date_to"], lambda v: S.set_date("date_to", v), "date-to"),
                multi_select("Providers", S.options["providers"], S.selected["providers"],
                             lambda v: S.toggle("providers", v)),
                multi_select("Locations", S.options["locations"], S.selected["locations"],
                             lambda v: S.toggle("locations", v)),
                multi_select("Results", S.options["results"], S.selected["results"], lambda v: S.toggle("results", v)),
                rx.spacer(),
                rx.button("Transmit Financing Settlement", on_click=S.transmit, loading=S.transmitting),
                align="end", width="100%", wrap="wrap", spacing="3",
            ),
            summary_bar(S.export_url, "settlements.csv",
                        rx.text(S.summary["count"], " settlements", weight="bold", id="settlement-count"),
                        rx.text("Amount ", rx.text.strong(S.summary["amount"])),
                        rx.text("Pending ", rx.text.strong(S.summary["pending"], id="settlement-pending"))),
            _table(["Batch", "Date", "Order", "Customer", "Location", "Finance Type", "Authorization Number", "Amount",
                    "Result", "Provider Response"], S.rows,
                   lambda r: [r["batch"], r["date"], r["order_id"], r["customer"], r["location"], r["finance_type"],
                              r["authorization_number"], r["amount"], r["result"], r["response"]]),
            list_footer(S, PAGE_SIZES),
            width="100%", spacing="4",
        ),
    )


def _sales_tax() -> rx.Component:
    return rx.cond(
        T.denied,
        denied_callout(T.denied),
        rx.vstack(
            rx.hstack(
                date_input("From", T.dates["date_from"], lambda v: T.set_date("date_from", v), "date-from"),
                date_input("To", T.dates["date_to"], lambda v: T.set_date("date_to", v), "date-to"),
                multi_select("Locations", T.options["locations"], T.selected["locations"],
                             lambda v: T.toggle("locations", v)),
                align="end", spacing="3",
            ),
            summary_bar(T.export_url, "sales-tax.csv",
                        rx.text(T.summary["count"], " orders", weight="bold"),
                        rx.text("Taxable ", rx.text.strong(T.summary["taxable"], id="tax-taxable")),
                        rx.text("Tax ", rx.text.strong(T.summary["tax"], id="tax-total")),
                        rx.text("Without tax ", rx.text.strong(T.summary["no_tax"]))),
            _table(["Order", "Date", "Customer", "Location", "Taxable Amount", "Tax", "NT Rsn"], T.rows,
                   lambda r: [r["order_id"], r["date"], r["customer"], r["location"], r["taxable"], r["tax"],
                              r["no_tax_reason"]]),
            list_footer(T, PAGE_SIZES),
            width="100%", spacing="4",
        ),
    )


settlement_page = app_shell("Settlement", _settlement)
sales_tax_page = app_shell("Report Sales Tax", _sales_tax)
