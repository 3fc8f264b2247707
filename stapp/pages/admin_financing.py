"""``/admin/add-ons`` and ``/admin/integrations``: turning Consumer Financing on and setting up its provider."""

import reflex as rx

from stapp.components.forms import field, static_select_field
from stapp.components.layout import app_shell, denied_callout
from stapp.domain.financing import BILLING_CONFIRMATION, DISABLE_WARNING, PROVIDER_NAME, Environment
from stapp.state.financing_admin import AddOnsState as A
from stapp.state.financing_admin import IntegrationsState as I
from stapp.state.financing_admin import PlansState as P


def _addon_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("hand-coins", size=24),
                rx.heading("Consumer Financing", size="5"),
                rx.cond(A.enabled, rx.badge("Enabled", color_scheme="green"), rx.badge("Disabled", color_scheme="gray")),
                rx.spacer(),
                rx.cond(
                    A.can_modify,
                    rx.cond(
                        A.enabled,
                        rx.button("Disable", color_scheme="red", variant="soft", on_click=A.ask("disable")),
                        rx.button("Enable", on_click=A.ask("enable")),
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.text("Submit finance applications from a customer record. Customer details pre-fill the application, "
                    "and approvals or finance options come back quickly for customer acceptance.", size="2"),
            rx.cond(A.changed_by != "",
                    rx.text(rx.cond(A.enabled, "Enabled", "Disabled"), " by ", A.changed_by, " on ", A.changed_at,
                            size="1", color_scheme="gray", id="addon-changed")),
            width="100%",
        ),
        max_width="720px",
    )


def _confirm() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(A.confirm == "enable", "Enable Consumer Financing", "Disable Consumer Financing")),
            rx.alert_dialog.description(rx.cond(A.confirm == "enable", BILLING_CONFIRMATION, "Warning. " + DISABLE_WARNING)),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Confirm", on_click=A.confirm_change)),
                justify="end",
                spacing="3",
                padding_top="12px",
            ),
        ),
        open=A.confirm != "",
        on_open_change=A.set_confirm_open,
    )


def _addons() -> rx.Component:
    return rx.cond(A.denied, denied_callout(A.denied), rx.vstack(_addon_card(), _confirm(), width="100%"))


addons_page = app_shell("Add-ons", _addons)


def _provider_dialog() -> rx.Component:
    e, f = I.errors, I.form
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(I.editing_id, "Edit Provider", "New Provider")),
            rx.form(
                rx.vstack(
                    rx.vstack(
                        rx.el.label("Provider *", html_for="provider", style={"fontSize": "13px", "fontWeight": 500}),
                        rx.el.select(rx.el.option(PROVIDER_NAME, value=PROVIDER_NAME), id="provider", disabled=True,
                                     style={"width": "100%", "padding": "6px 8px"}),
                        spacing="1",
                        width="100%",
                    ),
                    field("Name", "name", e, required=True, default_value=f["name"], max_length=50),
                    static_select_field("Environment", "environment", e, [(v.value, v.value) for v in Environment],
                                        default_value=f["environment"], required=True),
                    field(rx.cond(I.editing_id, "Bearer Token (leave blank to keep the saved token)", "Bearer Token"),
                          "bearer_token", e, type="password", max_length=255),
                    rx.el.label(rx.checkbox(name="active", default_checked=I.form_active), " Active",
                                style={"display": "flex", "gap": "6px", "alignItems": "center"}),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=I.save,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="480px",
        ),
        open=I.form_open,
        on_open_change=I.set_form_open,
    )


def _integrations() -> rx.Component:
    return rx.cond(
        I.denied,
        denied_callout(I.denied),
        rx.vstack(
            rx.hstack(
                rx.heading("Consumer Financing", size="5"),
                rx.spacer(),
                rx.cond(I.can_create, rx.button("New Provider", on_click=I.open_new)),
                width="100%",
            ),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Provider", "Name", "Environment", "Active", "Last test", "")])),
                rx.table.body(
                    rx.foreach(
                        I.providers,
                        lambda p: rx.table.row(
                            rx.table.cell(p["provider"]),
                            rx.table.cell(p["name"]),
                            rx.table.cell(p["environment"]),
                            rx.table.cell(rx.cond(p["active"], rx.badge("Active", color_scheme="green"),
                                                  rx.badge("Inactive"))),
                            rx.table.cell(rx.text(p["last_test"], size="1")),
                            rx.table.cell(rx.hstack(
                                rx.cond(I.can_modify, rx.button("Edit", size="1", variant="soft",
                                                                on_click=I.open_edit(p["id"]))),
                                rx.cond(I.can_modify | I.can_create,
                                        rx.button("Test Connection", size="1", variant="soft",
                                                  loading=I.testing_id == p["id"],
                                                  on_click=I.test_connection(p["id"]))),
                                rx.button("Plans and settings", size="1", variant="soft",
                                          on_click=P.open_provider(p["id"], p["name"])),
                                spacing="2",
                            )),
                        ),
                    )
                ),
                width="100%",
                variant="surface",
            ),
            rx.foreach(I.test_results.values(), lambda m: rx.text(m, size="2", role="status")),
            _provider_dialog(),
            rx.cond(P.provider_id > 0, _plans_section()),
            _plan_dialog(),
            width="100%",
            spacing="4",
        ),
    )


def _plans_section() -> rx.Component:
    s = P.settings
    return rx.card(
        rx.vstack(
            rx.heading(P.provider_name, ": Finance Provider Settings", size="4"),
            rx.form(
                rx.hstack(
                    rx.el.label(rx.checkbox(name="require_account_number",
                                            default_checked=s["require_account_number"].to(bool)),
                                " Require an Account Number When Requesting Finance Authorizations",
                                style={"display": "flex", "gap": "6px", "alignItems": "center", "fontSize": "14px"}),
                    static_select_field("Revolving settlement", "revolving_settlement", P.settings_errors,
                                        [("end_of_day", "End of day"), ("manual", "Manual")],
                                        default_value=s["revolving_settlement"].to(str)),
                    field("End-of-day time (UTC)", "settlement_time", P.settings_errors,
                          default_value=s["settlement_time"].to(str), max_length=5),
                    rx.button("Save settings", type="submit", margin_top="20px"),
                    align="start", wrap="wrap", spacing="4",
                ),
                on_submit=P.save_settings, reset_on_submit=False, no_validate=True,
                key=P.provider_id.to_string(),
            ),
            rx.hstack(rx.heading("Financing Payment Plans", size="4"), rx.spacer(),
                      rx.button("New Plan", size="1", on_click=P.open_plan(0)), width="100%"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                    "Code", "Description", "Finance Type", "Maximum Percentage When Used as a Deposit", "Active", "")])),
                rx.table.body(rx.foreach(P.plans, lambda pl: rx.table.row(
                    rx.table.cell(pl["code"]), rx.table.cell(pl["description"]), rx.table.cell(pl["finance_type"]),
                    rx.table.cell(pl["max_deposit_pct"]),
                    rx.table.cell(rx.cond(pl["active"], rx.badge("Active", color_scheme="green"), rx.badge("Inactive"))),
                    rx.table.cell(rx.button("Edit", size="1", variant="soft", on_click=P.open_plan(pl["id"].to(int)))),
                ))),
                size="1", width="100%",
            ),
            width="100%",
        ),
        width="100%",
        id="plans",
    )


def _plan_dialog() -> rx.Component:
    e, f = P.plan_errors, P.plan_form
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(P.editing_plan, "Edit Payment Plan", "New Payment Plan")),
            rx.form(
                rx.vstack(
                    field("Code", "code", e, required=True, default_value=f["code"], max_length=5),
                    field("Description", "description", e, required=True, default_value=f["description"],
                          max_length=50),
                    static_select_field("Finance Type", "finance_type", e,
                                        [("installment", "Installment"), ("rto", "RTO"), ("revolving", "Revolving")],
                                        default_value=f["finance_type"], required=True),
                    field("Maximum Percentage When Used as a Deposit", "max_deposit_pct", e,
                          default_value=f["max_deposit_pct"]),
                    rx.text("Fixed at 0.00 for Installment and RTO plans: they cannot be used as a deposit.",
                            size="1", color_scheme="gray"),
                    rx.el.label(rx.checkbox(name="active", default_checked=P.plan_active), " Active",
                                style={"display": "flex", "gap": "6px", "alignItems": "center"}),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                              rx.button("Save", type="submit"), justify="end", width="100%"),
                    spacing="3",
                ),
                on_submit=P.save_plan, reset_on_submit=False, no_validate=True,
            ),
            max_width="480px",
        ),
        open=P.plan_open,
        on_open_change=P.set_plan_open,
    )


integrations_page = app_shell("Integrations", _integrations)
