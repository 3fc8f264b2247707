"""The dashboard at ``/``."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from stapp.db.engine import read_session
from stapp.domain.errors import AppError
from stapp.services import dashboard as svc
from stapp.state.base import AppState


class LocationCount(TypedDict):
    location: str
    customers: int


class DashboardState(AppState):
    """Headline figures for what the user may see."""

    customer_counts: list[LocationCount] = []
    customer_total: int = 0

    @rx.event
    def load(self):
        try:
            with read_session() as session:
                rows = svc.customers_by_location(session, self._actor(session))
        except AppError as exc:
            return self._fail(exc)
        self.customer_counts = [LocationCount(location=name, customers=count) for name, count in rows]
        self.customer_total = sum(count for _, count in rows)
        return None
