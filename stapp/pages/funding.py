"""``/customers/[id]/funding``: the customer's Funding tab."""

import reflex as rx

from stapp.components.badges import funding_status_badge, outcome_badge
from stapp.components.customer import customer_frame
from stapp.components.forms import field, select_field, static_select_field, textarea_field
from stapp.components.layout import app_shell
from stapp.domain.funding import (
    DELETE_FUNDING_CONFIRM,
    DELETE_TRANSACTION_CONFIRM,
    NO_FUNDINGS,
    NO_TRANSACTIONS,
    FundingOutcome,
    FundingStatus,
)
from stapp.state.funding import FundingCard, FundingState, TransactionRow


def _figure(label: str, value: rx.Var, test_id: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="4", weight="bold", id=test_id),
        spacing="0",
    )


def _optional(label: str, value: rx.Var) -> rx.Component:
    return rx.cond(value != "", rx.hstack(rx.text(label + ":", size="2", weight="medium"), rx.text(value, size="2")))


def _transaction_row(card: FundingCard, tx: TransactionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(tx["type"]),
        rx.table.cell(tx["date"]),
        rx.table.cell(rx.text(tx["amount"], color_scheme=rx.cond(tx["negative"], "red", "gray"), high_contrast=True)),
        rx.table.cell(tx["reference"]),
        rx.table.cell(tx["note"]),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    FundingState.can_modify,
                    rx.button("Edit", size="1", variant="soft",
                              on_click=FundingState.open_edit_transaction(card["id"], tx["id"])),
                ),
                rx.cond(
                    FundingState.can_delete,
                    rx.button("Delete", size="1", variant="soft", color_scheme="red",
                              on_click=FundingState.ask_delete_transaction(tx["id"])),
                ),
                spacing="2",
            )
        ),
    )


def _card(card: FundingCard) -> rx.Component:
    fid = card["id"].to_string()
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge("ID " + fid, variant="outline"),
                rx.heading(card["funder"], size="4"),
                rx.cond(card["status"] != "", funding_status_badge(card["status"])),
                rx.cond(card["outcome"] != "", outcome_badge(card["outcome"])),
                rx.text(card["funding_type"], size="2", color_scheme="gray"),
                rx.spacer(),
                rx.cond(FundingState.can_modify,
                        rx.button("Edit", size="1", variant="soft", on_click=FundingState.open_edit_funding(card["id"]))),
                rx.cond(FundingState.can_delete,
                        rx.button("Delete", size="1", variant="soft", color_scheme="red",
                                  on_click=FundingState.ask_delete_funding(card["id"]))),
                width="100%",
                align="center",
            ),
            rx.hstack(
                _figure("Amount Expected", card["amount_expected"], "amount-expected-" + fid),
                _figure("Net Received", card["net_received"], "net-received-" + fid),
                _figure("Remaining", card["remaining"], "remaining-" + fid),
                spacing="8",
            ),
            _optional("Date Expected", card["date_expected"]),
            rx.cond(
                card["holdback"] != "",
                rx.hstack(
                    _figure("Holdback Amount", card["holdback"], "holdback-" + fid),
                    _figure("Still Held Back", card["held_back"], "held-back-" + fid),
                    rx.vstack(
                        rx.text(card["holdback_note"], size="2", id="holdback-note-" + fid),
                        rx.cond(card["guarantee_months"] != "",
                                rx.text("Guarantee Months: ", card["guarantee_months"], size="2", color_scheme="gray")),
                        spacing="0",
                    ),
                    spacing="8",
                    align="center",
                ),
            ),
            rx.cond(card["chargeback_risk"] != "",
                    rx.callout(card["chargeback_risk"], icon="triangle_alert", color_scheme="red", size="1",
                               id="chargeback-risk-" + fid)),
            _optional("Reason Funder Selected", card["reason"]),
            _optional("Grade / Info", card["grade_info"]),
            rx.cond(card["notes"] != "", rx.vstack(rx.text("Notes:", size="2", weight="medium"),
                                                  rx.text(card["notes"], size="2", white_space="pre-wrap"), spacing="0")),
            rx.hstack(
                rx.text("Transactions", weight="bold", size="3"),
                rx.spacer(),
                rx.cond(FundingState.can_create,
                        rx.button("Add Transaction", size="1", on_click=FundingState.open_add_transaction(card["id"]))),
                width="100%",
                align="center",
            ),
            rx.cond(
                card["transactions"].length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Type", "Date", "Amount", "Reference", "Note", "")])),
                    rx.table.body(rx.foreach(card["transactions"], lambda tx: _transaction_row(card, tx))),
                    size="1",
                    width="100%",
                ),
                rx.text(NO_TRANSACTIONS, size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        id="funding-" + fid,
        width="100%",
    )


def _funding_dialog() -> rx.Component:
    e, f = FundingState.funding_errors, FundingState.funding_form
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(FundingState.editing_funding_id, "Edit Funding", "Add Funding")),
            rx.form(
                rx.vstack(
                    rx.hstack(
                        select_field("Funded By", "funder_id", e, FundingState.funders, default_value=f["funder_id"],
                                     required=True),
                        select_field("Funding Type", "funding_type_id", e, FundingState.funding_types,
                                     default_value=f["funding_type_id"], required=True),
                        width="100%",
                    ),
                    select_field("Reason Funder Selected", "reason_id", e, FundingState.reasons,
                                 default_value=f["reason_id"], blank="(none)"),
                    rx.hstack(
                        static_select_field("Funding Status", "status", e, [(s.value, s.value) for s in FundingStatus],
                                            default_value=f["status"], required=True),
                        static_select_field("Outcome", "outcome", e, [(o.value, o.value) for o in FundingOutcome],
                                            default_value=f["outcome"], blank="(blank — still in progress)"),
                        width="100%",
                    ),
                    rx.hstack(
                        field("Amount Expected", "amount_expected", e, default_value=f["amount_expected"],
                              placeholder="0.00"),
                        field("Date Expected", "date_expected", e, type="date", default_value=f["date_expected"]),
                        width="100%",
                    ),
                    field("Grade / Info", "grade_info", e, default_value=f["grade_info"], max_length=255),
                    rx.hstack(
                        field("Holdback Amount", "holdback_amount", e, default_value=f["holdback_amount"],
                              placeholder="0.00"),
                        field("Guarantee Months", "guarantee_months", e, default_value=f["guarantee_months"],
                              placeholder="12", max_length=3),
                        field("Holdback Release Date", "holdback_release_date", e, type="date",
                              default_value=f["holdback_release_date"]),
                        width="100%",
                    ),
                    rx.text("The release date defaults to the funding date (Date Expected, else today) plus the "
                            "Guarantee Months.", size="1", color_scheme="gray"),
                    textarea_field("Notes", "notes", e, default_value=f["notes"]),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=FundingState.save_funding,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="620px",
        ),
        open=FundingState.funding_form_open,
        on_open_change=FundingState.set_funding_form_open,
    )


def _transaction_dialog() -> rx.Component:
    e, f = FundingState.tx_errors, FundingState.tx_form
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(FundingState.editing_tx_id, "Edit Transaction", "Add Transaction")),
            rx.form(
                rx.vstack(
                    select_field("Transaction Type", "type_id", e, FundingState.transaction_types,
                                 default_value=f["type_id"], required=True),
                    rx.hstack(
                        field("Transaction Date", "transaction_date", e, type="date",
                              default_value=f["transaction_date"], required=True),
                        field("Amount", "amount", e, default_value=f["amount"], required=True, placeholder="-250.00"),
                        width="100%",
                    ),
                    field("Reference", "reference", e, default_value=f["reference"], max_length=255),
                    textarea_field("Note", "note", e, default_value=f["note"]),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=FundingState.save_transaction,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="520px",
        ),
        open=FundingState.tx_form_open,
        on_open_change=FundingState.set_tx_form_open,
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Please confirm"),
            rx.alert_dialog.description(
                rx.cond(FundingState.confirm_kind == "funding", DELETE_FUNDING_CONFIRM, DELETE_TRANSACTION_CONFIRM)
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=FundingState.confirm_delete)),
                justify="end",
                spacing="3",
                padding_top="12px",
            ),
        ),
        open=FundingState.confirm_open,
        on_open_change=FundingState.set_confirm_open,
    )


def _content() -> rx.Component:
    return customer_frame(
        rx.vstack(
            rx.hstack(
                rx.heading("Fundings", size="5"),
                rx.spacer(),
                rx.cond(FundingState.can_create, rx.button("Add Funding", on_click=FundingState.open_add_funding)),
                width="100%",
                align="center",
            ),
            rx.cond(
                FundingState.cards.length() > 0,
                rx.vstack(rx.foreach(FundingState.cards, _card), spacing="4", width="100%"),
                rx.cond(FundingState.loaded, rx.text(NO_FUNDINGS, color_scheme="gray")),
            ),
            rx.moment(interval=2000, on_change=FundingState.poll, display="none"),
            _funding_dialog(),
            _transaction_dialog(),
            _confirm_dialog(),
            spacing="4",
            width="100%",
        )
    )


funding_page = app_shell("Customer", _content)
