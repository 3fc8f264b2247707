"""``/customers/[id]/orders``: the system sold to the customer and how it is financed."""

import reflex as rx

from stapp.components.customer import customer_frame
from stapp.components.forms import field, select_field, static_select_field
from stapp.components.layout import app_shell
from stapp.domain.orders import LineKind
from stapp.state.orders import OrdersState as O

ORDER_STATUS_COLORS = {"Open": "blue", "Partially Completed": "amber", "Completed": "green", "Cancelled": "gray"}


def _status(status: rx.Var) -> rx.Component:
    return rx.badge(status, color_scheme=rx.match(status, *ORDER_STATUS_COLORS.items(), "gray"))


def _order_list() -> rx.Component:
    return rx.vstack(
        rx.foreach(
            O.orders,
            lambda o: rx.button(
                rx.hstack(rx.text("Order ", o["id"].to_string(), weight="bold"), _status(o["status"].to(str)),
                          rx.spacer(), rx.text(o["total"].to(str)), width="100%"),
                variant=rx.cond(O.selected_id == o["id"].to(int), "solid", "soft"),
                color_scheme="gray",
                on_click=O.select(o["id"].to(int)),
                width="100%",
            ),
        ),
        width="240px",
        spacing="2",
    )


def _figure(label: str, value: rx.Var, test_id: str) -> rx.Component:
    return rx.hstack(rx.text(label, size="2"), rx.spacer(), rx.text(value, size="2", weight="bold", id=test_id),
                     width="100%")


def _lines() -> rx.Component:
    e = O.line_errors
    return rx.vstack(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Kind", "Item", "Qty", "Unit price", "Amount", "Installed", "")])),
            rx.table.body(rx.foreach(O.order["lines"].to(list[dict]), lambda li: rx.table.row(
                rx.table.cell(li["kind"]), rx.table.cell(li["item"]), rx.table.cell(li["quantity"]),
                rx.table.cell(li["unit_price"]), rx.table.cell(li["amount"]),
                rx.table.cell(rx.cond(li["completed"], rx.badge("Completed", color_scheme="green"), "")),
                rx.table.cell(rx.cond(O.can_modify & ~li["completed"].to(bool) & (O.order["status"].to(str) != "Cancelled"),
                                      rx.hstack(
                                          rx.button("Complete", size="1", variant="soft",
                                                    on_click=O.complete_line(li["id"].to(int))),
                                          rx.button("Remove", size="1", variant="soft", color_scheme="red",
                                                    on_click=O.remove_line(li["id"].to(int))),
                                          spacing="2"))
                              , rx.cond(O.can_modify & li["completed"].to(bool)
                                        & ((O.order["finance_type"].to(str) == "Installment")
                                           | (O.order["finance_type"].to(str) == "RTO")),
                                        rx.button("Exchange", size="1", variant="soft",
                                                  on_click=O.open_exchange(li["id"].to(int))))),
            ))),
            size="1",
            width="100%",
        ),
        rx.cond(
            O.can_modify & ((O.order["status"].to(str) == "Open") | (O.order["status"].to(str) == "Partially Completed")),
            rx.form(
                rx.hstack(
                    static_select_field("Kind", "kind", e, [(k.value, k.value.title()) for k in LineKind],
                                        default_value=LineKind.EQUIPMENT.value),
                    field("Item", "item", e, max_length=100),
                    field("Quantity", "quantity", e, default_value="1"),
                    field("Unit price", "unit_price", e, placeholder="0.00"),
                    rx.button("Add line", type="submit", margin_top="20px"),
                    align="start",
                    width="100%",
                ),
                on_submit=O.add_line,
                reset_on_submit=True,
                no_validate=True,
            ),
        ),
        width="100%",
    )


def _totals() -> rx.Component:
    o = O.order
    return rx.card(
        rx.vstack(
            _figure("Subtotal", o["subtotal"].to(str), "order-subtotal"),
            _figure("Discount", o["discount"].to(str), "order-discount"),
            rx.hstack(rx.text("Sales tax (", o["tax_rate"].to(str), ")", size="2"),
                      rx.cond(o["non_taxable"].to(bool), rx.badge("Non-taxable: " + o["no_tax_reason"].to(str))),
                      rx.spacer(), rx.text(o["tax"].to(str), size="2", weight="bold", id="order-tax"), width="100%"),
            _figure("Total", o["total"].to(str), "order-total"),
            _figure("Deposits / payments", o["deposits"].to(str), "order-deposits"),
            _figure("Financed", o["financed"].to(str), "order-financed"),
            _figure("Balance", o["balance"].to(str), "order-balance"),
            rx.cond(O.can_modify & (o["status"].to(str) == "Open"), rx.vstack(
                rx.form(rx.hstack(rx.input(name="discount", placeholder="Discount", aria_label="Discount",
                                           default_value=o["discount_input"].to(str)),
                                  rx.button("Set discount", type="submit", size="1")),
                        on_submit=O.set_discount, reset_on_submit=False, no_validate=True),
                rx.form(rx.hstack(rx.input(name="payment", placeholder="Deposit amount", aria_label="Deposit amount"),
                                  rx.button("Apply deposit", type="submit", size="1")),
                        on_submit=O.add_payment, reset_on_submit=True, no_validate=True),
                width="100%")),
            width="100%",
            spacing="1",
        ),
        width="320px",
    )


def _finance() -> rx.Component:
    o = O.order
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text("Financing", weight="bold"), rx.spacer(),
                      rx.cond(O.can_finance & (o["plan"].to(str) == "") & (o["status"].to(str) == "Open"),
                              rx.button("Add finance plan", size="1", on_click=O.open_finance)), width="100%"),
            rx.cond(o["plan"].to(str) != "", rx.vstack(
                rx.text("Plan: ", o["plan"].to(str), size="2"),
                rx.text("Authorization: ", rx.text.strong(o["authorization_status"].to(str)),
                        rx.cond(o["authorization_number"].to(str) != "", " · No. " + o["authorization_number"].to(str), ""),
                        size="2", id="authorization"),
                rx.cond(o["credit_hold"].to(str) != "", rx.callout(
                    rx.vstack(
                        rx.text("Order on ", o["credit_hold"].to(str), " credit hold: the provider pre-qualified the "
                                "customer; more information is needed on the provider's site."),
                        rx.link("Open the provider's page", href=o["prequal_url"].to(str), is_external=True),
                        rx.button("Check authorization now", size="1", on_click=O.refresh_authorization),
                        spacing="1"),
                    icon="pause", color_scheme="orange", id="credit-hold")),
                spacing="1")),
            rx.text("Authorizations", weight="medium", size="2"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("When", "Request", "Amount", "Result", "Number")])),
                rx.table.body(rx.foreach(o["authorizations"].to(list[dict]), lambda a: rx.table.row(
                    rx.table.cell(a["at"]), rx.table.cell(a["kind"]), rx.table.cell(a["amount"]),
                    rx.table.cell(a["status"]), rx.table.cell(a["number"])))),
                size="1", width="100%", id="authorizations",
            ),
            rx.text("Settlements", weight="medium", size="2"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("When", "Kind", "Amount", "Result")])),
                rx.table.body(rx.foreach(o["settlements"].to(list[dict]), lambda st: rx.table.row(
                    rx.table.cell(st["at"]), rx.table.cell(st["kind"]), rx.table.cell(st["amount"]),
                    rx.table.cell(st["status"])))),
                size="1", width="100%", id="settlements",
            ),
            width="100%",
        ),
        width="100%",
    )


def _finance_dialog() -> rx.Component:
    e = O.finance_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add finance plan"),
            rx.form(
                rx.vstack(
                    select_field("Payment plan", "plan_id", e, O.plan_options, required=True),
                    field("Amount", "amount", e, required=True, default_value=O.order["balance"].to(str)),
                    field("Account number", "account_number", e),
                    rx.el.label(rx.checkbox(name="as_deposit", aria_label="Use as deposit"), " Use as a deposit",
                                style={"display": "flex", "gap": "6px", "alignItems": "center"}),
                    rx.cond(e["finance"], rx.callout(e["finance"], color_scheme="red", icon="ban", role="alert")),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                              rx.button("Add plan", type="submit"), justify="end", width="100%"),
                    spacing="3",
                ),
                on_submit=O.add_finance_plan,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="460px",
        ),
        open=O.finance_open,
        on_open_change=O.set_finance_open,
    )


def _exchange_dialog() -> rx.Component:
    e = O.line_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Exchange a returned line"),
            rx.text("The returned line is replaced by this one; the provider receives an authorization adjustment. "
                    "Split Exchange is not available for Installment and RTO orders.", size="2"),
            rx.form(
                rx.vstack(
                    static_select_field("Kind", "kind", e, [(k.value, k.value.title()) for k in LineKind],
                                        default_value=LineKind.EQUIPMENT.value),
                    field("Item", "item", e, max_length=100),
                    field("Quantity", "quantity", e, default_value="1"),
                    field("Unit price", "unit_price", e),
                    rx.cond(e["exchange"], rx.callout(e["exchange"], color_scheme="red", role="alert")),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                              rx.button("Exchange", type="submit"), justify="end", width="100%"),
                    spacing="3",
                ),
                on_submit=O.exchange, reset_on_submit=False, no_validate=True,
            ),
            max_width="460px",
        ),
        open=O.exchange_line_id > 0,
        on_open_change=O.set_exchange_open,
    )


def _content() -> rx.Component:
    return customer_frame(
        rx.vstack(
            rx.hstack(rx.heading("Orders", size="5"), rx.spacer(),
                      rx.cond(O.can_modify, rx.button("New Order", on_click=O.new_order)), width="100%"),
            rx.cond(
                O.orders.length() > 0,
                rx.hstack(
                    _order_list(),
                    rx.vstack(
                        rx.hstack(rx.heading("Order ", O.order["id"].to_string(), size="4"),
                                  _status(O.order["status"].to(str)), rx.spacer(),
                                  rx.cond(O.can_modify & (O.order["status"].to(str) == "Open")
                                          & (O.order["plan"].to(str) == ""),
                                          rx.button("Cancel order", size="1", variant="soft", color_scheme="red",
                                                    on_click=O.cancel_order)),
                                  width="100%", align="center"),
                        _lines(),
                        rx.hstack(_totals(), _finance(), align="start", width="100%"),
                        width="100%",
                        spacing="3",
                    ),
                    align="start",
                    width="100%",
                    spacing="4",
                ),
                rx.text("No orders for this customer.", color_scheme="gray"),
            ),
            rx.moment(interval=2000, on_change=O.poll, display="none"),
            _finance_dialog(),
            _exchange_dialog(),
            width="100%",
            spacing="4",
        )
    )


orders_page = app_shell("Customer", _content)
