"""``/customers/[id]``: the customer record, with its own history."""

import reflex as rx

from stapp.components.customer import customer_frame
from stapp.components.layout import app_shell
from stapp.pages.audit_log import audit_table
from stapp.state.audit import CustomerHistoryState


def _content() -> rx.Component:
    return customer_frame(
        rx.vstack(
            rx.heading("History", size="4"),
            rx.cond(
                CustomerHistoryState.history.length() > 0,
                audit_table(CustomerHistoryState.history),
                rx.text("No recorded changes yet.", size="2", color_scheme="gray"),
            ),
            width="100%",
        )
    )


customer_page = app_shell("Customer", _content)
