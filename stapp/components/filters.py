"""Filter-bar pieces shared by the company lists."""

from collections.abc import Callable
from typing import Any

import reflex as rx


def multi_select(label: str, options: rx.Var, selected: rx.Var, on_toggle: Callable[[rx.Var], Any]) -> rx.Component:
    """A button that opens a checklist; shows how many values are chosen."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                label,
                rx.cond(selected.length() > 0, rx.badge(selected.length().to_string(), variant="solid", radius="full")),
                rx.icon("chevron-down", size=14),
                variant="surface",
                color_scheme="gray",
                aria_label=label,
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.foreach(
                    options,
                    lambda o: rx.el.label(
                        rx.checkbox(
                            checked=selected.contains(o["value"]),
                            on_change=lambda _checked: on_toggle(o["value"]),
                            aria_label=f"{label}: " + o["label"],
                        ),
                        o["label"],
                        style={"display": "flex", "gap": "6px", "alignItems": "center", "fontSize": "14px"},
                    ),
                ),
                spacing="2",
            ),
            aria_label=f"{label} options",
        ),
    )


def date_input(label: str, value: rx.Var, on_change: Callable[[rx.Var], Any], test_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.input(type="date", value=value, on_change=on_change, aria_label=label, id=test_id, size="2"),
        spacing="1",
    )


def pager(page: rx.Var, pages: rx.Var, go: Callable[[rx.Var], Any]) -> rx.Component:
    return rx.hstack(
        rx.button("Previous", on_click=go(page - 1), disabled=page <= 1, variant="soft"),
        rx.text("Page ", page.to_string(), " of ", pages.to_string(), size="2"),
        rx.button("Next", on_click=go(page + 1), disabled=page >= pages, variant="soft"),
        align="center",
    )


def sort_controls(state: Any, sorts: dict[str, str]) -> rx.Component:
    """Sort key and direction of a URL-driven list."""
    return rx.hstack(
        rx.text("Sort", size="2"),
        rx.select.root(
            rx.select.trigger(aria_label="Sort by"),
            rx.select.content(*[rx.select.item(label, value=key) for key, label in sorts.items()]),
            value=state.sort,
            on_change=state.set_sort,
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Direction"),
            rx.select.content(rx.select.item("Ascending", value="asc"), rx.select.item("Descending", value="desc")),
            value=state.direction,
            on_change=state.set_direction,
        ),
        align="center",
    )


def summary_bar(export_url: rx.Var, filename: str, *figures: rx.Component) -> rx.Component:
    """Totals of the whole filtered set, and its CSV export (a file download, not a client-side route)."""
    return rx.hstack(
        *figures,
        rx.spacer(),
        rx.el.a(
            rx.button(rx.icon("download", size=14), "Export CSV", variant="soft", tab_index=-1),
            href=export_url,
            download=filename,
            custom_attrs={"reloadDocument": True},
        ),
        spacing="5",
        width="100%",
        align="center",
        role="status",
        aria_label="Summary of the filtered list",
    )


def list_footer(state: Any, sizes: tuple[int, ...]) -> rx.Component:
    """Rows per page and the pager."""
    return rx.hstack(
        rx.text("Rows per page", size="2"),
        rx.select.root(
            rx.select.trigger(aria_label="Rows per page"),
            rx.select.content(*[rx.select.item(str(n), value=str(n)) for n in sizes]),
            value=state.size,
            on_change=state.set_size,
        ),
        rx.spacer(),
        pager(state.page, state.pages, state.go_to_page),
        width="100%",
        align="center",
    )
