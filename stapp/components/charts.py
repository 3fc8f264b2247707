"""Recharts bars a user can click: a bar opens the list its number links to.

Reflex declares a recharts bar's ``onClick`` with no arguments. Recharts calls it with the clicked bar,
whose ``payload`` is that bar's row of the chart's data; ``Bar`` below hands that row to the event
handler, which picks the row's link (and checks it on the server, see ``DashboardState.open_chart``).
The class keeps the name ``Bar``: recharts' ``BarChart`` accepts its children by class name.
"""

import reflex as rx
from reflex.vars import ObjectVar, Var


def _clicked_row(entry: ObjectVar[dict]) -> tuple[Var[dict]]:
    return (entry["payload"].to(dict),)


class Bar(rx.recharts.Bar):
    """A recharts ``Bar`` whose ``on_click`` receives the clicked bar's row of data."""

    on_click: rx.EventHandler[_clicked_row]


linked_bar = Bar.create
