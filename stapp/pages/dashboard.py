"""``/``: the dashboard."""

import reflex as rx

from stapp.components.layout import app_shell
from stapp.state.dashboard import DashboardState


def _content() -> rx.Component:
    return rx.vstack(
        rx.text("Welcome, ", DashboardState.user_name, ".", size="3"),
        rx.grid(
            rx.card(
                rx.vstack(
                    rx.text("Customers you can see", size="2", color_scheme="gray"),
                    rx.heading(DashboardState.customer_total.to_string(), size="8", id="customer-total"),
                    rx.foreach(
                        DashboardState.customer_counts,
                        lambda row: rx.hstack(
                            rx.text(row["location"]), rx.spacer(), rx.text(row["customers"].to_string()), width="100%"
                        ),
                    ),
                    width="100%",
                )
            ),
            columns="3",
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


dashboard_page = app_shell("Dashboard", _content)
