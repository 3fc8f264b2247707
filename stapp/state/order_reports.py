"""Company Accounting → Settlement and Report Sales Tax."""

from __future__ import annotations

import reflex as rx

from stapp.db.engine import read_session
from stapp.domain.errors import AppError
from stapp.domain.permissions import Permission
from stapp.services import order_finance
from stapp.services import order_reports as svc
from stapp.services.authz import require
from stapp.state.base import AppState
from stapp.state.listing import ListPageMixin


class SettlementState(ListPageMixin, AppState):
    """Every settlement with its batch and the provider's answer; Transmit Financing Settlement sends what is pending."""

    ROUTE = "/accounting/settlement"
    EXPORT_ROUTE = "/api/export/settlements.csv"
    MULTI = ("providers", "locations", "results")
    DATES = ("date_from", "date_to")
    SORTS = {"id": "ID"}
    PAGE_SIZES = svc.PAGE_SIZES
    DENIED = "You do not have permission to view settlements."

    selected: dict[str, list[str]] = {name: [] for name in MULTI}
    dates: dict[str, str] = {name: "" for name in DATES}
    options: dict[str, list[dict[str, str]]] = {name: [] for name in MULTI}
    size: str = "50"
    transmitting: bool = False

    def _fetch(self, session, actor, params):  # noqa: ANN001, ANN202
        query = svc.parse_settlement_query(params)
        return svc.settlements(session, actor, query), query

    def _options(self, session, actor):  # noqa: ANN001, ANN202
        return svc.settlement_options(session, actor)

    @rx.event(background=True)
    async def transmit(self):
        """Transmit Financing Settlement: send every pending settlement now, as one batch."""
        async with self:
            if self.transmitting:
                return
            try:
                with read_session() as session:
                    actor = self._actor(session)
                    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
                    locations = actor.grants.locations(Permission.FUNDING_DETAILS_VIEW)
            except AppError as exc:
                return self._fail(exc)
            self.transmitting = True
        sent, failed = await order_finance.transmit_pending(source="manual", locations=locations)
        async with self:
            self.transmitting = False
            self._apply(dict(self.params))
            message = f"Transmitted {sent} settlement{'s' if sent != 1 else ''}."
            if failed:
                message += f" {failed} stay pending (the provider did not accept them yet)."
            return rx.toast.success(message) if not failed else rx.toast.warning(message)


class SalesTaxState(ListPageMixin, AppState):
    """Report Sales Tax: each order's taxable amount, tax, and the No Tax Reason (NT Rsn)."""

    ROUTE = "/accounting/sales-tax"
    EXPORT_ROUTE = "/api/export/sales-tax.csv"
    MULTI = ("locations",)
    DATES = ("date_from", "date_to")
    SORTS = {"id": "ID"}
    PAGE_SIZES = svc.PAGE_SIZES
    DENIED = "You do not have permission to view the sales tax report."

    selected: dict[str, list[str]] = {name: [] for name in MULTI}
    dates: dict[str, str] = {name: "" for name in DATES}
    options: dict[str, list[dict[str, str]]] = {name: [] for name in MULTI}
    size: str = "50"

    def _fetch(self, session, actor, params):  # noqa: ANN001, ANN202
        query = svc.parse_tax_query(params)
        return svc.sales_tax(session, actor, query), query

    def _options(self, session, actor):  # noqa: ANN001, ANN202
        return svc.tax_options(session, actor)
