"""``/admin/audit-log``."""

import reflex as rx

from stapp.components.filters import date_input, list_footer, multi_select, summary_bar
from stapp.components.layout import app_shell, denied_callout
from stapp.services.audit_log import PAGE_SIZES
from stapp.state.audit import AuditLogState as A

HEADERS = ["When (UTC)", "User", "Action", "Entity", "ID", "Location", "Outcome", "Source", "Before", "After"]


def audit_table(rows: rx.Var) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in HEADERS])),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(
            rx.table.cell(r["at"], white_space="nowrap"), rx.table.cell(r["user"]), rx.table.cell(r["action"]),
            rx.table.cell(r["entity"]), rx.table.cell(r["entity_id"]), rx.table.cell(r["location"]),
            rx.table.cell(r["outcome"]), rx.table.cell(r["source"]),
            rx.table.cell(rx.code(r["before"], size="1", max_width="260px", overflow="hidden")),
            rx.table.cell(rx.code(r["after"], size="1", max_width="260px", overflow="hidden")),
        ))),
        size="1", width="100%", variant="surface",
    )


def _content() -> rx.Component:
    return rx.cond(
        A.denied,
        denied_callout(A.denied),
        rx.vstack(
            rx.hstack(
                date_input("From", A.dates["date_from"], lambda v: A.set_date("date_from", v), "date-from"),
                date_input("To", A.dates["date_to"], lambda v: A.set_date("date_to", v), "date-to"),
                multi_select("Users", A.options["users"], A.selected["users"], lambda v: A.toggle("users", v)),
                multi_select("Actions", A.options["actions"], A.selected["actions"], lambda v: A.toggle("actions", v)),
                multi_select("Entities", A.options["entities"], A.selected["entities"],
                             lambda v: A.toggle("entities", v)),
                multi_select("Locations", A.options["locations"], A.selected["locations"],
                             lambda v: A.toggle("locations", v)),
                align="end", spacing="3", wrap="wrap",
            ),
            summary_bar(A.export_url, "audit-log.csv", rx.text(A.summary["count"], " events", weight="bold",
                                                              id="audit-count")),
            audit_table(A.rows),
            list_footer(A, PAGE_SIZES),
            width="100%", spacing="4",
        ),
    )


audit_log_page = app_shell("Audit Log", _content)
