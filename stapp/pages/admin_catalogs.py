"""``/admin/funding-catalogs``: Funders, Funding Types, Funder Reasons, Funding Transaction Types."""

import reflex as rx

from stapp.components.layout import app_shell, denied_callout
from stapp.domain.funding import CatalogKind
from stapp.state.catalogs import CatalogRow
from stapp.state.catalogs import CatalogsState as S


def _row(row: CatalogRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["name"]),
        rx.table.cell(rx.cond(row["active"], rx.badge("Active", color_scheme="green"), rx.badge("Inactive"))),
        rx.table.cell(row["used"]),
        rx.table.cell(
            rx.hstack(
                rx.button("Rename", size="1", variant="soft", on_click=S.open_rename(row["id"])),
                rx.cond(
                    row["active"],
                    rx.button("Deactivate", size="1", variant="soft", color_scheme="gray",
                              on_click=S.set_active(row["id"], False)),
                    rx.button("Activate", size="1", variant="soft", color_scheme="green",
                              on_click=S.set_active(row["id"], True)),
                ),
                rx.button("Delete", size="1", variant="soft", color_scheme="red", on_click=S.ask_delete(row["id"])),
                spacing="2",
            )
        ),
    )


def _catalog(kind: CatalogKind) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(kind.title, size="4"),
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="kind", value=kind.value),
                    rx.input(name="name", id=f"new-{kind.value}", placeholder=f"New entry in {kind.title}",
                             aria_label=f"New entry in {kind.title}", max_length=100, width="320px"),
                    rx.button("Add", type="submit", aria_label=f"Add to {kind.title}"),
                ),
                on_submit=S.add,
                reset_on_submit=False,
                no_validate=True,
            ),
            rx.cond(S.add_errors[kind.value], rx.text(S.add_errors[kind.value], color_scheme="red", size="1",
                                                       class_name="field-error")),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Name", "Status", "Used by",
                                                                                          "")])),
                rx.table.body(rx.foreach(S.entries[kind.value], _row)),
                size="1",
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
        id=f"catalog-{kind.value}",
    )


def _dialogs() -> rx.Component:
    return rx.fragment(
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Rename"),
                rx.form(
                    rx.vstack(
                        rx.el.label("Name", html_for="rename-name", style={"fontSize": "13px"}),
                        rx.input(name="name", id="rename-name", default_value=S.rename_name, max_length=100),
                        rx.cond(S.rename_error, rx.text(S.rename_error, color_scheme="red", size="1")),
                        rx.hstack(
                            rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                            rx.button("Save", type="submit"),
                            justify="end",
                            width="100%",
                        ),
                    ),
                    on_submit=S.save_rename,
                    reset_on_submit=False,
                    no_validate=True,
                ),
            ),
            open=S.rename_open,
            on_open_change=S.set_rename_open,
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete ", S.delete_name, "?"),
                rx.alert_dialog.description("This cannot be undone."),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=S.confirm_delete)),
                    justify="end",
                    spacing="3",
                ),
            ),
            open=S.delete_open,
            on_open_change=S.set_delete_open,
        ),
    )


def _content() -> rx.Component:
    return rx.cond(
        S.denied,
        denied_callout(S.denied),
        rx.vstack(
            rx.text("Inactive entries stay on existing records but are not offered for new ones. An entry in use "
                    "cannot be deleted.", size="2", color_scheme="gray"),
            *[_catalog(kind) for kind in CatalogKind],
            _dialogs(),
            spacing="4",
            width="100%",
        ),
    )


catalogs_page = app_shell("Funding Catalogs", _content)
