"""The customer header and its Accounting sub-navigation, shared by the customer's tabs."""

import reflex as rx

from stapp.components.forms import field, static_select_field
from stapp.components.layout import denied_callout
from stapp.domain.funding import SERVICE_CANCELLED, SERVICE_STATUSES
from stapp.state.customers import CustomerState


def _service_status() -> rx.Component:
    """The monitoring service's status, and (Customers: Modify) the dialog that changes it."""
    c, e = CustomerState.customer, CustomerState.service_errors
    return rx.hstack(
        rx.text("Service:", size="2"),
        rx.cond(
            c["service_status"] == SERVICE_CANCELLED,
            rx.badge("Cancelled on ", c["cancelled_on"], color_scheme="red", id="service-status"),
            rx.badge(c["service_status"], color_scheme="green", id="service-status"),
        ),
        rx.cond(
            CustomerState.can_modify_customer,
            rx.dialog.root(
                rx.dialog.trigger(rx.button("Change", size="1", variant="ghost")),
                rx.dialog.content(
                    rx.dialog.title("Service Status"),
                    rx.form(
                        rx.vstack(
                            static_select_field("Service Status", "service_status", e,
                                                [(s, s) for s in SERVICE_STATUSES],
                                                default_value=c["service_status"], required=True),
                            field("Cancellation Date", "cancelled_on", e, type="date",
                                  default_value=c["cancelled_on"]),
                            rx.text("A cancellation inside a funding's guarantee period flags that funding as a "
                                    "chargeback risk.", size="1", color_scheme="gray"),
                            rx.hstack(
                                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray",
                                                          type="button")),
                                rx.button("Save", type="submit"),
                                justify="end",
                                width="100%",
                            ),
                            spacing="3",
                        ),
                        on_submit=CustomerState.save_service_status,
                        reset_on_submit=False,
                        no_validate=True,
                    ),
                    max_width="420px",
                ),
                open=CustomerState.service_open,
                on_open_change=CustomerState.show_service_dialog,
            ),
        ),
        align="center",
    )


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
                            _service_status(),
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
