"""``/admin/audit-log`` and the customer record's History."""

from __future__ import annotations

from typing import Any

import reflex as rx

from stapp.db.engine import read_session
from stapp.domain.errors import AppError
from stapp.services import audit_log as svc
from stapp.state.base import AppState
from stapp.state.customers import CustomerState
from stapp.state.listing import ListPageMixin


class AuditLogState(ListPageMixin, AppState):
    ROUTE = "/admin/audit-log"
    EXPORT_ROUTE = "/api/export/audit-log.csv"
    MULTI = ("users", "actions", "entities", "locations")
    DATES = ("date_from", "date_to")
    SORTS = {"id": "ID"}
    PAGE_SIZES = svc.PAGE_SIZES
    DENIED = "You do not have permission to view the audit log."

    selected: dict[str, list[str]] = {name: [] for name in MULTI}
    dates: dict[str, str] = {name: "" for name in DATES}
    options: dict[str, list[dict[str, str]]] = {name: [] for name in MULTI}
    size: str = "50"

    def _fetch(self, session, actor, params):  # noqa: ANN001, ANN202
        query = svc.query_for(session, params)
        return svc.events(session, actor, query), query

    def _options(self, session, actor):  # noqa: ANN001, ANN202
        return svc.options(session, actor)


class CustomerHistoryState(CustomerState):
    """The History section of ``/customers/[id]``."""

    history: list[dict[str, Any]] = []

    @rx.event
    def load_history(self):
        try:
            with read_session() as session:
                self.history = svc.customer_history(session, self._actor(session),
                                                    self._route_id())
        except AppError:
            self.history = []
        return None
