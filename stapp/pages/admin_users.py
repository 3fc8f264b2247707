"""``/admin/users``."""

import reflex as rx

from stapp.components.forms import field
from stapp.components.layout import app_shell, denied_callout
from stapp.state.admin import UsersState


def _dialog() -> rx.Component:
    e = UsersState.errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(UsersState.editing_id, "Edit User", "New User")),
            rx.form(
                rx.vstack(
                    field("Name", "name", e, required=True, default_value=UsersState.form_user["name"], max_length=100),
                    field("Email", "email", e, type="email", required=True, default_value=UsersState.form_user["email"]),
                    field(
                        rx.cond(UsersState.editing_id, "Password (blank keeps the current one)", "Password"),
                        "password",
                        e,
                        type="password",
                    ),
                    rx.el.label(
                        rx.checkbox(name="active", default_checked=UsersState.form_active),
                        " Active",
                        style={"display": "flex", "gap": "6px", "alignItems": "center"},
                    ),
                    rx.cond(e["active"], rx.text(e["active"], color_scheme="red", size="1")),
                    rx.text("Groups", weight="medium", size="2"),
                    rx.foreach(
                        UsersState.groups,
                        lambda g: rx.el.label(
                            rx.checkbox(
                                name="group_" + g["id"], default_checked=UsersState.form_group_ids.contains(g["id"])
                            ),
                            g["name"],
                            style={"display": "flex", "gap": "6px", "alignItems": "center"},
                        ),
                    ),
                    rx.cond(e["group_ids"], rx.text(e["group_ids"], color_scheme="red", size="1")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=UsersState.save,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="480px",
        ),
        open=UsersState.form_open,
        on_open_change=UsersState.set_form_open,
    )


def _content() -> rx.Component:
    return rx.cond(
        UsersState.denied,
        denied_callout(UsersState.denied),
        rx.vstack(
            rx.hstack(rx.spacer(), rx.button("New User", on_click=UsersState.open_new), width="100%"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Email"),
                        rx.table.column_header_cell("Groups"),
                        rx.table.column_header_cell("Active"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        UsersState.users,
                        lambda u: rx.table.row(
                            rx.table.cell(u["name"]),
                            rx.table.cell(u["email"]),
                            rx.table.cell(u["groups"]),
                            rx.table.cell(rx.cond(u["active"], rx.badge("Active", color_scheme="green"), rx.badge("Inactive"))),
                            rx.table.cell(
                                rx.button("Edit", size="1", variant="soft", on_click=UsersState.open_edit(u["id"]))
                            ),
                        ),
                    )
                ),
                width="100%",
                variant="surface",
            ),
            _dialog(),
            width="100%",
            spacing="4",
        ),
    )


users_page = app_shell("Users", _content)
