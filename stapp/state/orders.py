"""The customer's Orders tab: lines, discount, payments, completion, finance plan, authorizations, settlements."""

from __future__ import annotations

from typing import Any

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, NotFound, ValidationFailed
from stapp.domain.orders import FinanceType
from stapp.domain.permissions import Permission
from stapp.domain.validation import is_row_id
from stapp.services import order_finance
from stapp.services import orders as svc
from stapp.state.customers import CustomerState


class OrdersState(CustomerState):
    """``/customers/[id]/orders``."""

    orders: list[dict[str, Any]] = []
    order: dict[str, Any] = {}
    selected_id: int = 0
    can_modify: bool = False
    can_finance: bool = False
    line_errors: dict[str, str] = {}
    finance_open: bool = False
    finance_errors: dict[str, str] = {}
    plan_options: list[dict[str, str]] = []
    sending: bool = False
    exchange_line_id: int = 0

    def _customer_id(self) -> str:
        return self._route_id()

    def _reload(self, session, actor) -> None:  # noqa: ANN001
        customer, self.orders = svc.list_orders(session, actor, self._customer_id())
        self._set_customer(session, actor, customer)
        loc = customer.location_id
        self.can_modify = actor.grants.allows(Permission.CUSTOMERS_MODIFY, loc)
        self.can_finance = actor.grants.allows(Permission.CONSUMER_FINANCING_MANAGE, loc)
        ids = [o["id"] for o in self.orders]
        if self.selected_id not in ids:
            self.selected_id = ids[0] if ids else 0
        self.order = svc.order_view(session, actor, self.selected_id) if self.selected_id else {}

    def _refresh(self):
        try:
            with read_session() as session:
                self._reload(session, self._actor(session))
        except NotFound as exc:
            self.orders, self.order, self.customer, self.customer_error = [], {}, {}, exc.message
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def load(self):
        self.selected_id = 0
        return self._refresh()

    @rx.event
    def poll(self, _value: Any = None):
        """While an authorization or settlement is outstanding, pick up the provider's answer."""
        if self.order.get("credit_hold") or self.order.get("authorization_status") == "pending" or any(
            s.get("status") == "pending" for s in self.order.get("settlements", [])
        ):
            return self._refresh()
        return None

    @rx.event
    def select(self, order_id: int):
        if is_row_id(order_id) and any(o["id"] == order_id for o in self.orders):
            self.selected_id = order_id
            return self._refresh()
        return rx.toast.error(svc.ORDER_NOT_FOUND)

    def _write(self, action, *args):  # noqa: ANN001, ANN202
        """Run one change; returns the background work it calls for (authorization or settlement to send)."""
        try:
            with write_session() as session:
                result = action(session, self._actor(session), *args)
                follow = getattr(result, "id", None), type(result).__name__ if result is not None else ""
                immediate = getattr(result, "finance_type", "") != FinanceType.REVOLVING.value
        except ValidationFailed as exc:
            self.line_errors = exc.errors
            return rx.toast.error(exc.message) if len(exc.errors) == 1 and not set(exc.errors) & {
                "kind", "item", "quantity", "unit_price"} else None
        except AppError as exc:
            return self._fail(exc)
        self.line_errors = {}
        self._refresh()
        ident, kind = follow
        if kind == "FinanceAuthorization":
            return OrdersState.send_authorization(ident)
        if kind == "Settlement" and immediate:  # Installment and RTO settle at once; Revolving waits for the batch
            return OrdersState.send_settlement(ident)
        return None

    @rx.event
    def new_order(self):
        try:
            with write_session() as session:
                order = svc.create_order(session, self._actor(session), self._customer_id())
                self.selected_id = order.id
        except AppError as exc:
            return self._fail(exc)
        return self._refresh()

    @rx.event
    def add_line(self, form_data: dict):
        return self._write(svc.add_line, self.selected_id, form_data)

    @rx.event
    def remove_line(self, line_id: int):
        return self._write(svc.remove_line, line_id)

    @rx.event
    def complete_line(self, line_id: int):
        return self._write(svc.complete_line, line_id)

    @rx.event
    def set_discount(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        return self._write(svc.set_discount, self.selected_id, data.get("discount"))

    @rx.event
    def add_payment(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        return self._write(svc.add_payment, self.selected_id, data.get("payment", ""))

    @rx.event
    def open_exchange(self, line_id: int):
        if not is_row_id(line_id) or not any(li.get("id") == line_id for li in self.order.get("lines", [])):
            return rx.toast.error(svc.ORDER_NOT_FOUND)
        self.exchange_line_id, self.line_errors = line_id, {}
        return None

    @rx.event
    def set_exchange_open(self, value: bool):
        if not value:
            self.exchange_line_id = 0

    @rx.event
    def exchange(self, form_data: dict):
        """Replace the returned line: the same adjustment path as any monetary change."""
        result = self._write(svc.exchange_line, self.exchange_line_id, form_data)
        if not self.line_errors:
            self.exchange_line_id = 0
        return result

    @rx.event
    def cancel_order(self):
        return self._write(svc.cancel_order, self.selected_id)

    @rx.event
    def open_finance(self):
        try:
            with read_session() as session:
                self.plan_options = svc.plan_options(session, self._actor(session), self.selected_id)
        except AppError as exc:
            return self._fail(exc)
        self.finance_errors, self.finance_open = {}, True
        return None

    @rx.event
    def set_finance_open(self, value: bool):
        self.finance_open = bool(value)

    @rx.event
    def add_finance_plan(self, form_data: dict):
        try:
            with write_session() as session:
                auth = svc.add_finance_plan(session, self._actor(session), self.selected_id, form_data)
                auth_id = auth.id
        except ValidationFailed as exc:
            self.finance_errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.finance_errors, self.finance_open = {}, False
        self._refresh()
        return OrdersState.send_authorization(auth_id)

    @rx.event(background=True)
    async def send_authorization(self, authorization_id: int):
        """Send the recorded request to the provider; the page stays usable meanwhile."""
        async with self:
            if not self._owns("authorizations", authorization_id):
                return
            if (denied := self._recheck(Permission.CUSTOMERS_MODIFY)) is not None:
                return denied
            self.sending = True
        await order_finance.send_authorization(authorization_id)
        async with self:
            self.sending = False
            self._refresh()

    @rx.event(background=True)
    async def send_settlement(self, settlement_id: int):
        async with self:
            if not self._owns("settlements", settlement_id):
                return
            if (denied := self._recheck(Permission.CUSTOMERS_MODIFY)) is not None:
                return denied
        await order_finance.send_settlement(settlement_id)
        async with self:
            self._refresh()

    @rx.event(background=True)
    async def refresh_authorization(self):
        """Ask the provider whether a pre-qualified (F3 hold) authorization is approved now."""
        async with self:
            order_id = self.selected_id if self.order.get("credit_hold") else 0
            if order_id and (denied := self._recheck(Permission.CUSTOMERS_VIEW)) is not None:
                return denied
        if order_id:
            await order_finance.refresh_order_authorization(order_id)
        async with self:
            self._refresh()

    def _recheck(self, perm: Permission):  # noqa: ANN202
        """Before a background handler calls the provider: the session may have ended since the page loaded."""
        try:
            with read_session() as session:
                svc.load_order(session, self._actor(session), self.selected_id, perm)
        except AppError as exc:
            return self._fail(exc)
        return None

    def _owns(self, collection: str, ident: object) -> bool:
        """Only ids this page loaded (from the server, for this user) may be acted on."""
        return is_row_id(ident) and any(item.get("id") == ident for item in self.order.get(collection, []))

