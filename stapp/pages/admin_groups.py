"""``/admin/groups``: groups, their permissions, and the locations each permission is granted for."""

import reflex as rx

from stapp.components.forms import field
from stapp.components.layout import app_shell, denied_callout
from stapp.domain.permissions import DESCRIPTIONS, Permission
from stapp.services.admin import GRANT_ALL, GRANT_CHOSEN, GRANT_NONE
from stapp.state.admin import GroupsState

_SELECT_STYLE = {"padding": "4px 6px", "borderRadius": "6px", "fontSize": "13px"}


def _permission_row(perm: Permission) -> rx.Component:
    mode_name = f"mode::{perm.value}"
    if perm.location_scoped:
        control = rx.el.select(
            rx.el.option("Not granted", value=GRANT_NONE),
            rx.el.option("All locations", value=GRANT_ALL),
            rx.el.option("Chosen locations", value=GRANT_CHOSEN),
            name=mode_name,
            default_value=GroupsState.form_modes[perm.value],
            aria_label=perm.value,
            style=_SELECT_STYLE,
        )
        locations = rx.hstack(
            rx.foreach(
                GroupsState.locations,
                lambda loc: rx.el.label(
                    rx.checkbox(
                        name=f"loc::{perm.value}::" + loc["id"],
                        default_checked=GroupsState.form_locations[perm.value].contains(loc["id"]),
                        aria_label=f"{perm.value} at " + loc["name"],
                    ),
                    loc["name"],
                    style={"display": "flex", "gap": "4px", "alignItems": "center", "fontSize": "13px"},
                ),
            ),
            spacing="3",
        )
    else:
        control = rx.el.select(
            rx.el.option("Not granted", value=GRANT_NONE),
            rx.el.option("Granted (company-wide)", value=GRANT_ALL),
            name=mode_name,
            default_value=GroupsState.form_modes[perm.value],
            aria_label=perm.value,
            style=_SELECT_STYLE,
        )
        locations = rx.text("Company-wide", size="1", color_scheme="gray")
    return rx.table.row(
        rx.table.cell(
            rx.text(perm.value, size="2"),
            rx.cond(perm in DESCRIPTIONS, rx.text(DESCRIPTIONS.get(perm, ""), size="1", color_scheme="gray")),
        ),
        rx.table.cell(control),
        rx.table.cell(locations),
    )


def _dialog() -> rx.Component:
    e = GroupsState.errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(GroupsState.editing_id, "Edit Group", "New Group")),
            rx.form(
                rx.vstack(
                    field("Name", "name", e, required=True, default_value=GroupsState.form_name, max_length=100),
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Permission"),
                                rx.table.column_header_cell("Granted"),
                                rx.table.column_header_cell("Locations (when chosen)"),
                            )
                        ),
                        rx.table.body(*[_permission_row(p) for p in Permission]),
                        size="1",
                        width="100%",
                    ),
                    rx.cond(e["grants"], rx.text(e["grants"], color_scheme="red", size="1", class_name="field-error")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=GroupsState.save,
                reset_on_submit=False,
                no_validate=True,
            ),
            max_width="900px",
        ),
        open=GroupsState.form_open,
        on_open_change=GroupsState.set_form_open,
    )


def _content() -> rx.Component:
    return rx.cond(
        GroupsState.denied,
        denied_callout(GroupsState.denied),
        rx.vstack(
            rx.hstack(rx.spacer(), rx.button("New Group", on_click=GroupsState.open_new), width="100%"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Permissions"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        GroupsState.groups,
                        lambda g: rx.table.row(
                            rx.table.cell(g["name"]),
                            rx.table.cell(rx.text(g["permissions"], size="1")),
                            rx.table.cell(
                                rx.button("Edit", size="1", variant="soft", on_click=GroupsState.open_edit(g["id"]))
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


groups_page = app_shell("Groups", _content)
