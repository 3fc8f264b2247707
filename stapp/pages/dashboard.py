"""``/``: the dashboard. Pictures with their numbers beside them as text; every number links to its list."""

import reflex as rx

from stapp.components.charts import linked_bar
from stapp.components.layout import app_shell
from stapp.domain.dashboard import PERIODS
from stapp.domain.funding import AGEING
from stapp.state.dashboard import DashboardState as S

AXIS = {"font_size": 12}
# Recharts writes its colours as SVG attributes and inline styles, which cannot follow the colour mode. These
# rules can: axis labels, legend and tooltip text take the theme's text greys (Radix gray 11/12 read at
# WCAG AA contrast on gray 1-2 in light and dark mode); bars keep their colours.
CHART_CSS = {
    "& .recharts-cartesian-axis-tick-value": {"fill": "var(--gray-11)"},
    "& .recharts-cartesian-axis-line, & .recharts-cartesian-axis-tick-line": {"stroke": "var(--gray-8)"},
    "& .recharts-legend-item-text": {"color": "var(--gray-12) !important"},
    "& .recharts-default-tooltip": {"background": "var(--color-panel-solid) !important",
                                    "border_color": "var(--gray-6) !important"},
    "& .recharts-tooltip-label, & .recharts-tooltip-item": {"color": "var(--gray-12) !important"},
    "& .recharts-rectangle.recharts-tooltip-cursor": {"fill": "var(--gray-a3)"},
}
# Radix indigo 9, grass 9, amber 9, indigo 6: SVG fill attributes cannot read CSS variables
BLUE, GREEN, AMBER, LIGHT_BLUE = "#3e63dd", "#30a46c", "#ffc53d", "#8da4ef"


SELECT = {"padding": "4px 8px", "borderRadius": "6px", "border": f"1px solid {rx.color('gray', 7)}",
          "background": rx.color("gray", 1), "color": rx.color("gray", 12)}
LABEL = {"fontSize": "13px", "fontWeight": 500}


def _bar(key: str, color: str, name: str, href: str = "href", **props) -> rx.Component:  # noqa: ANN003
    """A bar that opens the list of its row's ``href`` (the link of the number beside it) when clicked."""
    return linked_bar(data_key=key, fill=color, name=name, is_animation_active=False,
                      on_click=lambda row: S.open_chart(row[href]), custom_attrs={"cursor": "pointer"},
                      **props)


def _bars(data: rx.Var, x_key: str, *bars: rx.Component, **y_axis) -> rx.Component:  # noqa: ANN003
    """Bars over the categories ``x_key`` of ``data``, with a legend and a tooltip."""
    return _chart(rx.recharts.bar_chart(
        *bars,
        rx.recharts.x_axis(data_key=x_key, **AXIS),
        rx.recharts.y_axis(**y_axis, **AXIS),
        rx.recharts.legend(),
        rx.recharts.graphing_tooltip(),
        data=data, height=240, width="100%",
    ))


def _chart(chart: rx.Component) -> rx.Component:
    return rx.box(chart, style=CHART_CSS, width="100%")


def _numbers(table: rx.Component) -> rx.Component:
    """The chart's numbers as text (accessible, exact), scrolling when a long period has many rows."""
    return rx.scroll_area(table, type="auto", scrollbars="vertical", style={"maxHeight": "260px"})


def _number_cell(value: rx.Var, href: rx.Var) -> rx.Component:
    """A right-aligned count, a link to the list it counts."""
    return rx.table.cell(rx.link(value.to_string(), href=href), text_align="right")


def _controls() -> rx.Component:
    return rx.hstack(
        rx.el.label("Period", html_for="dashboard-period", style=LABEL),
        rx.el.select(
            *[rx.el.option(label, value=key) for key, label in PERIODS.items()],
            id="dashboard-period", value=S.period, on_change=S.set_period,
            style=SELECT,
        ),
        rx.cond(
            S.period == "custom",
            rx.hstack(
                rx.input(type="date", value=S.custom_from, on_change=lambda v: S.set_custom("from", v),
                         aria_label="From", id="dashboard-from"),
                rx.input(type="date", value=S.custom_to, on_change=lambda v: S.set_custom("to", v),
                         aria_label="To", id="dashboard-to"),
            ),
        ),
        rx.el.label("Location", html_for="dashboard-location", style=LABEL),
        rx.el.select(
            rx.el.option("All locations", value="all"),
            rx.foreach(S.location_options, lambda o: rx.el.option(o["label"], value=o["value"])),
            id="dashboard-location", value=rx.cond(S.location == "", "all", S.location), on_change=S.set_location,
            style=SELECT,
        ),
        rx.text(S.period_label, size="2", color_scheme="gray", id="period-label"),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def _customers() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("Customers you can see", size="2", color_scheme="gray"),
            rx.heading(S.customer_total.to_string(), size="8", id="customer-total"),
            rx.foreach(
                S.customer_counts,
                lambda row: rx.hstack(rx.text(row["location"]), rx.spacer(), rx.text(row["customers"].to_string()),
                                      width="100%"),
            ),
            width="100%",
        )
    )


def _number_table(headers: list[str], rows, cells) -> rx.Component:  # noqa: ANN001
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(*cells(r)))),
        size="1",
        width="100%",
    )


def _funnel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Applications", size="4"), rx.spacer(),
                      rx.text("Approval rate ", rx.text.strong(S.approval_rate, id="approval-rate"), size="2")),
            rx.grid(
                _chart(rx.recharts.bar_chart(
                    _bar("count", BLUE, "Applications"),
                    rx.recharts.x_axis(type_="number", **AXIS),
                    rx.recharts.y_axis(data_key="label", type_="category", width=110, **AXIS),
                    rx.recharts.graphing_tooltip(),
                    data=S.funnel, layout="vertical", height=240, width="100%",
                )),
                _number_table(["Stage", "Applications"], S.funnel, lambda r: [
                    rx.table.cell(r["label"]),
                    _number_cell(r["count"], r["href"]),
                ]),
                columns="2",
                spacing="4",
                width="100%",
                id="funnel",
            ),
            width="100%",
        ),
        width="100%",
    )


def _rate_card(title: str, header: str, rows: rx.Var, key: str, card_id: str) -> rx.Component:
    """Submitted, approved (a link to the approved list) and the rate, per ``key`` of ``rows``."""
    return rx.card(rx.vstack(
        rx.heading(title, size="3"),
        _number_table([header, "Submitted", "Approved", "Rate"], rows, lambda r: [
            rx.table.cell(r[key]),
            rx.table.cell(r["submitted"].to_string(), text_align="right"),
            _number_cell(r["approved"], r["href"]),
            rx.table.cell(r["rate"], text_align="right"),
        ]),
        width="100%",
    ), id=card_id)


def _rates() -> rx.Component:
    return rx.grid(
        _rate_card("Approval rate by location", "Location", S.by_location, "location", "by-location"),
        _rate_card("Approval rate by sales rep", "Sales rep", S.by_rep, "rep", "by-rep"),
        columns="2",
        spacing="4",
        width="100%",
    )


def _weeks() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Amount requested vs financed per week", size="3"),
        _bars(S.weeks, "week", _bar("requested_dollars", LIGHT_BLUE, "Requested ($)"),
              _bar("financed_dollars", GREEN, "Financed ($)")),
        _numbers(_number_table(["Week of", "Requested", "Financed"], S.weeks, lambda r: [
            rx.table.cell(rx.link(r["week"], href=r["href"])), rx.table.cell(r["requested"], text_align="right"),
            rx.table.cell(r["financed"], text_align="right"),
        ])),
        width="100%",
    ), id="weeks", width="100%")


def _funders() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Fundings by funder", size="3"),
        _bars(S.per_funder, "funder", _bar("expected_dollars", LIGHT_BLUE, "Expected ($)"),
              _bar("net_dollars", GREEN, "Net Received ($)"), _bar("remaining_dollars", AMBER, "Remaining ($)")),
        _number_table(["Funder", "Fundings", "Expected", "Net Received", "Remaining"], S.per_funder, lambda r: [
            rx.table.cell(r["funder"]),
            _number_cell(r["count"], r["href"]),
            rx.table.cell(r["expected"], text_align="right"),
            rx.table.cell(r["net"], text_align="right"),
            rx.table.cell(r["remaining"], text_align="right"),
        ]),
        width="100%",
    ), id="funders", width="100%")


AGE_COLORS = ("#30a46c", "#ffc53d", "#f76b15", "#e5484d")  # Radix grass, amber, orange, red 9


def _ageing() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Fundings by status, days in the status", size="3"),
        rx.grid(
            _bars(S.ageing, "status",
                  *[_bar(f"age_{i}", color, label, href=f"age_{i}_href", stack_id="age")
                    for i, ((_, _, _, label), color) in enumerate(zip(AGEING, AGE_COLORS, strict=True))],
                  allow_decimals=False),
            _number_table(["Status", "Fundings", *[label for *_, label in AGEING]], S.ageing, lambda r: [
                rx.table.cell(r["status"]),
                _number_cell(r["count"], r["href"]),
                *[_number_cell(r[f"age_{i}"], r[f"age_{i}_href"]) for i in range(len(AGEING))],
            ]),
            columns="2",
            spacing="4",
            width="100%",
        ),
        width="100%",
    ), id="ageing", width="100%")


def _overdue() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading("Past Date Expected, not complete", size="3"),
            rx.spacer(),
            rx.link(S.overdue_count.to_string(), " fundings", href=S.overdue_href, id="overdue-count"),
            width="100%",
        ),
        rx.cond(
            S.overdue_count > 0,
            _number_table(["ID", "Customer", "Status", "Date Expected", "Days late", "Remaining"], S.overdue,
                          lambda r: [
                              rx.table.cell(r["id"].to_string()),
                              rx.table.cell(rx.link(r["customer"], href=r["href"])),
                              rx.table.cell(r["status"]),
                              rx.table.cell(r["date_expected"]),
                              rx.table.cell(r["days_late"].to_string(), text_align="right"),
                              rx.table.cell(r["remaining"], text_align="right"),
                          ]),
            rx.text("None: every funding expected so far is complete.", size="2", color_scheme="gray"),
        ),
        width="100%",
    ), id="overdue", width="100%")


def _content() -> rx.Component:
    return rx.vstack(
        rx.text("Welcome, ", S.user_name, ".", size="3"),
        rx.moment(interval=2000, on_change=S.poll, display="none"),  # live: see DashboardState.poll
        rx.cond(S.show_financing | S.show_funding, _controls()),
        rx.cond(S.show_financing, rx.vstack(_funnel(), _rates(), _weeks(), spacing="4", width="100%")),
        rx.cond(S.show_funding, rx.vstack(_funders(), _ageing(), _overdue(), spacing="4", width="100%")),
        rx.grid(_customers(), columns="3", spacing="4", width="100%"),
        spacing="4",
        width="100%",
    )


dashboard_page = app_shell("Dashboard", _content)
