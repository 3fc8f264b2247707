"""The dashboard at ``/``: period and location live in the URL; every figure links to its list."""

from __future__ import annotations

from typing import Any, TypedDict
from urllib.parse import urlencode

import reflex as rx

from stapp.db import changes
from stapp.db.engine import read_session
from stapp.db.types import utcnow
from stapp.domain.dashboard import PERIODS, resolve_period
from stapp.domain.errors import AppError
from stapp.services import dashboard as svc
from stapp.state.base import AppState
from stapp.state.listing import replace_url_script


class LocationCount(TypedDict):
    location: str
    customers: int


class DashboardState(AppState):
    """Headline figures for what the user may see."""

    customer_counts: list[LocationCount] = []
    customer_total: int = 0
    period: str = "month"
    period_label: str = ""
    custom_from: str = ""
    custom_to: str = ""
    location: str = ""
    location_options: list[dict[str, str]] = []
    show_financing: bool = False
    show_funding: bool = False
    funnel: list[dict[str, Any]] = []
    approval_rate: str = ""
    by_location: list[dict[str, Any]] = []
    by_rep: list[dict[str, Any]] = []
    weeks: list[dict[str, Any]] = []
    per_funder: list[dict[str, Any]] = []
    ageing: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    overdue_count: int = 0
    overdue_href: str = ""
    _seen: str = ""  # the change counters when the figures were computed (server only), see ``poll``

    def _compute(self, params: dict[str, str]):
        today = utcnow().date()
        period = resolve_period(params, today)
        with read_session() as session:
            actor = self._actor(session)
            seen = changes.read(session, "funding", "application")
            rows = svc.customers_by_location(session, actor)
            choices = svc.money_locations(session, actor)
            allowed = {str(i) for i, _ in choices}
            location = params.get("location", "")
            location = location if isinstance(location, str) and location in allowed else ""
            locations = [int(location)] if location else []
            financing = svc.financing(session, actor, period, locations)
            funding = svc.funding(session, actor, period, locations, today=today)
        self._seen = seen
        self.customer_counts = [LocationCount(location=name, customers=count) for name, count in rows]
        self.customer_total = sum(count for _, count in rows)
        self.location_options = [{"value": str(i), "label": name} for i, name in choices]
        self.period, self.period_label, self.location = period.key, period.label, location
        self.custom_from, self.custom_to = period.start.isoformat(), period.end.isoformat()
        self.show_financing = financing is not None
        if financing is not None:
            self.funnel, self.approval_rate = financing["funnel"], financing["approval_rate"]
            self.by_location, self.by_rep, self.weeks = financing["by_location"], financing["by_rep"], financing["weeks"]
        self.show_funding = funding is not None
        if funding is not None:
            self.per_funder, self.overdue, self.ageing = funding["per_funder"], funding["overdue"], funding["ageing"]
            self.overdue_count, self.overdue_href = funding["overdue_count"], funding["overdue_href"]
        query = {"period": period.key, "location": location}
        if period.key == "custom":
            query.update({"from": period.start.isoformat(), "to": period.end.isoformat()})
        url = "/?" + urlencode({k: v for k, v in query.items() if v})
        return rx.call_script(replace_url_script("/", url))

    def _run(self, params: dict[str, str]):
        try:
            return self._compute(params)
        except AppError as exc:
            return self._fail(exc)

    def _params(self) -> dict[str, str]:
        params = {"period": self.period, "location": self.location}
        if self.period == "custom":
            params.update({"from": self.custom_from, "to": self.custom_to})
        return params

    @rx.event
    def load(self):
        raw = self.router.url.query_parameters
        return self._run({k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)})

    @rx.event
    def poll(self, _value: object = None):
        """Every two seconds: recompute only when a funding or an application changed (any user, any worker)."""
        if not self.period_label:
            return None
        try:
            with read_session() as session:
                self._actor(session)
                if changes.read(session, "funding", "application") == self._seen:
                    return None
            self._compute(self._params())
        except AppError as exc:
            return self._fail(exc)
        return None

    def _chart_links(self) -> set[str]:
        """Every link the charts' bars stand for: the same links as the numbers beside them."""
        rows = [*self.funnel, *self.weeks, *self.per_funder, *self.ageing]
        return {v for row in rows for k, v in row.items() if (k == "href" or k.endswith("_href")) and v}

    @rx.event
    def open_chart(self, href: str):
        """A bar was clicked: open its list. Only a link the dashboard itself shows is followed."""
        if not isinstance(href, str) or href not in self._chart_links():
            return None
        return rx.redirect(href)

    @rx.event
    def set_period(self, value: str):
        if not isinstance(value, str) or value not in PERIODS:
            return None
        return self._run({**self._params(), "period": value, "from": self.custom_from, "to": self.custom_to})

    @rx.event
    def set_location(self, value: str):
        if not isinstance(value, str) or len(value) > 12:
            return None
        return self._run({**self._params(), "location": "" if value == "all" else value})

    @rx.event
    def set_custom(self, name: str, value: str):
        if name not in ("from", "to") or not isinstance(value, str) or len(value) > 10:
            return None
        return self._run({**self._params(), "period": "custom", name: value})
