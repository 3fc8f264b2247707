"""``/customers``: search, filter by location, page; New Customer."""

import reflex as rx

from stapp.components.forms import field, select_field
from stapp.components.layout import app_shell, denied_callout
from stapp.state.customers import ALL_LOCATIONS, CustomersState


def _new_customer_dialog() -> rx.Component:
    e = CustomersState.errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New Customer"),
            rx.form(
                rx.vstack(
                    rx.hstack(
                        field("First name", "first_name", e, required=True, max_length=50),
                        field("Last name", "last_name", e, required=True, max_length=50),
                        width="100%",
                    ),
                    rx.hstack(field("Email", "email", e, type="email"), field("Phone", "phone", e), width="100%"),
                    field("Address line 1", "address_line1", e, required=True, max_length=100),
                    field("Address line 2", "address_line2", e, max_length=100),
                    rx.hstack(
                        field("City", "city", e, required=True, max_length=50),
                        field("State", "state", e, required=True, placeholder="TX", max_length=2),
                        field("ZIP", "zip_code", e, required=True, placeholder="78701", max_length=5),
                        width="100%",
                    ),
                    select_field("Location", "location_id", e, CustomersState.create_location_options, required=True),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=CustomersState.create,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="560px",
        ),
        open=CustomersState.form_open,
        on_open_change=CustomersState.set_form_open,
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Name"),
                rx.table.column_header_cell("Email"),
                rx.table.column_header_cell("Phone"),
                rx.table.column_header_cell("City"),
                rx.table.column_header_cell("Location"),
            )
        ),
        rx.table.body(
            rx.foreach(
                CustomersState.rows,
                lambda row: rx.table.row(
                    rx.table.cell(rx.link(row["name"], href="/customers/" + row["id"].to_string())),
                    rx.table.cell(row["email"]),
                    rx.table.cell(row["phone"]),
                    rx.table.cell(row["city"]),
                    rx.table.cell(row["location"]),
                ),
            )
        ),
        width="100%",
        variant="surface",
    )


def _content() -> rx.Component:
    return rx.cond(
        CustomersState.denied,
        denied_callout(CustomersState.denied),
        rx.vstack(
            rx.hstack(
                rx.input(
                    placeholder="Search by name, email or phone",
                    value=CustomersState.search,
                    on_change=CustomersState.set_search.debounce(300),
                    width="320px",
                    aria_label="Search customers",
                    id="customer-search",
                ),
                rx.select.root(
                    rx.select.trigger(placeholder="All locations", aria_label="Location"),
                    rx.select.content(
                        rx.select.item("All locations", value=ALL_LOCATIONS),
                        rx.foreach(
                            CustomersState.location_options, lambda o: rx.select.item(o["label"], value=o["value"])
                        ),
                    ),
                    value=CustomersState.location_filter,
                    on_change=CustomersState.set_location_filter,
                ),
                rx.spacer(),
                rx.cond(CustomersState.can_create, rx.button("New Customer", on_click=CustomersState.open_form)),
                width="100%",
                align="center",
            ),
            rx.cond(
                CustomersState.total > 0,
                _table(),
                rx.callout("No customers match.", icon="info", color_scheme="gray"),
            ),
            rx.hstack(
                rx.text(CustomersState.total.to_string() + " customers", size="2", color_scheme="gray"),
                rx.spacer(),
                rx.button(
                    "Previous",
                    on_click=CustomersState.go_to_page(CustomersState.page - 1),
                    disabled=CustomersState.page <= 1,
                    variant="soft",
                ),
                rx.text("Page ", CustomersState.page.to_string(), " of ", CustomersState.pages.to_string(), size="2"),
                rx.button(
                    "Next",
                    on_click=CustomersState.go_to_page(CustomersState.page + 1),
                    disabled=CustomersState.page >= CustomersState.pages,
                    variant="soft",
                ),
                width="100%",
                align="center",
            ),
            _new_customer_dialog(),
            spacing="4",
            width="100%",
        ),
    )


customers_page = app_shell("Customers", _content)
