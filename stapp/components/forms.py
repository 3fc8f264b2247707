"""Form fields with their label and the server's error beside them."""

from __future__ import annotations

import reflex as rx


def field(
    label: str,
    name: str,
    errors: rx.Var,
    *,
    type: str = "text",  # noqa: A002
    default_value: rx.Var | str | None = None,
    required: bool = False,
    placeholder: str = "",
    max_length: int | None = None,
) -> rx.Component:
    """A labelled input; the server's message for ``name`` shows under it."""
    props = {"name": name, "id": name, "type": type, "placeholder": placeholder}
    if default_value is not None:
        props["default_value"] = default_value
    if max_length is not None:
        props["max_length"] = max_length
    return rx.vstack(
        rx.el.label(label + (" *" if required else ""), html_for=name, style={"fontSize": "13px", "fontWeight": 500}),
        rx.input(**props, width="100%"),
        rx.cond(errors[name], rx.text(errors[name], color_scheme="red", size="1", class_name="field-error")),
        spacing="1",
        width="100%",
    )


SELECT_STYLE = {
    "width": "100%",
    "padding": "6px 8px",
    "borderRadius": "6px",
    "border": f"1px solid {rx.color('gray', 7)}",
    "background": rx.color("gray", 1),
    "color": rx.color("gray", 12),
    "fontSize": "14px",
}


def select_field(
    label: str,
    name: str,
    errors: rx.Var,
    options: rx.Var,
    *,
    default_value: rx.Var | str | None = None,
    required: bool = False,
    blank: str = "Choose…",
) -> rx.Component:
    """A labelled native select over ``options`` (a list of ``{value, label}``)."""
    return rx.vstack(
        rx.el.label(label + (" *" if required else ""), html_for=name, style={"fontSize": "13px", "fontWeight": 500}),
        rx.el.select(
            rx.el.option(blank, value=""),
            rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["value"])),
            name=name,
            id=name,
            default_value=default_value if default_value is not None else "",
            style=SELECT_STYLE,
        ),
        rx.cond(errors[name], rx.text(errors[name], color_scheme="red", size="1", class_name="field-error")),
        spacing="1",
        width="100%",
    )


def textarea_field(label: str, name: str, errors: rx.Var, *, default_value: rx.Var | str | None = None) -> rx.Component:
    """A labelled long-text field."""
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontSize": "13px", "fontWeight": 500}),
        rx.text_area(name=name, id=name, default_value=default_value if default_value is not None else "", width="100%"),
        rx.cond(errors[name], rx.text(errors[name], color_scheme="red", size="1", class_name="field-error")),
        spacing="1",
        width="100%",
    )


def static_select_field(
    label: str,
    name: str,
    errors: rx.Var,
    options: list[tuple[str, str]],
    *,
    default_value: rx.Var | str | None = None,
    required: bool = False,
    blank: str | None = None,
) -> rx.Component:
    """A labelled native select over options known when the page is compiled."""
    children = [rx.el.option(blank, value="")] if blank is not None else []
    children += [rx.el.option(text, value=value) for value, text in options]
    return rx.vstack(
        rx.el.label(label + (" *" if required else ""), html_for=name, style={"fontSize": "13px", "fontWeight": 500}),
        rx.el.select(*children, name=name, id=name, default_value=default_value if default_value is not None else "",
                     style=SELECT_STYLE),
        rx.cond(errors[name], rx.text(errors[name], color_scheme="red", size="1", class_name="field-error")),
        spacing="1",
        width="100%",
    )
