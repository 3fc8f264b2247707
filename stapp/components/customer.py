"""The customer header and its Accounting sub-navigation, shared by the customer's tabs."""

import reflex as rx

from stapp.components.layout import denied_callout
from stapp.state.customers import CustomerState


def customer_frame(body: rx.Component) -> rx.Component:
    """The customer record around ``body``; a customer the user may not open shows the reason instead."""
    c = CustomerState.customer
    return rx.cond(
        CustomerState.customer_error,
        denied_callout(CustomerState.customer_error),
        rx.cond(
            c["id"],
            rx.vstack(
                rx.card(
                    rx.hstack(
                        rx.vstack(
                            rx.heading(c["name"], size="5", id="customer-name"),
                            rx.text(c["address_line1"], " ", c["address_line2"], size="2"),
                            rx.text(c["city_state_zip"], size="2"),
                            spacing="1",
                        ),
                        rx.spacer(),
                        rx.vstack(
                            rx.text("Email: ", c["email"], size="2"),
                            rx.text("Phone: ", c["phone"], size="2"),
                            rx.hstack(rx.text("Location:", size="2"), rx.badge(c["location"])),
                            rx.text("Created by ", c["created_by"], " at ", c["created_at"], size="1", color_scheme="gray"),
                            spacing="1",
                            align="end",
                        ),
                        width="100%",
                    ),
                    width="100%",
                ),
                rx.hstack(
                    rx.text("Accounting", weight="bold", size="2"),
                    rx.link("Overview", href="/customers/" + c["id"], size="2"),
                    rx.cond(
                        CustomerState.can_financing_tab,
                        rx.link("Financing", href="/customers/" + c["id"] + "/financing", size="2"),
                    ),
                    rx.link("Orders", href="/customers/" + c["id"] + "/orders", size="2"),
                    rx.cond(
                        CustomerState.can_funding_tab,
                        rx.link("Funding", href="/customers/" + c["id"] + "/funding", size="2"),
                    ),
                    spacing="4",
                    padding_y="4px",
                    border_bottom=f"1px solid {rx.color('gray', 5)}",
                    width="100%",
                    aria_label="Accounting",
                ),
                body,
                spacing="4",
                width="100%",
            ),
            rx.spinner(),
        ),
    )
