"""Customers list, New Customer form and the customer record."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, NotFound, PermissionDenied, ValidationFailed
from stapp.domain.permissions import Permission
from stapp.services import customers as svc
from stapp.services import financing_setup
from stapp.state.base import AppState


class CustomerRow(TypedDict):
    id: int
    name: str
    email: str
    phone: str
    city: str
    location: str


class Option(TypedDict):
    value: str
    label: str


ALL_LOCATIONS = "all"


class CustomersState(AppState):
    """The ``/customers`` page."""

    rows: list[CustomerRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    search: str = ""
    location_filter: str = ALL_LOCATIONS
    location_options: list[Option] = []
    create_location_options: list[Option] = []
    can_create: bool = False
    denied: str = ""
    form_open: bool = False
    errors: dict[str, str] = {}

    def _refresh(self) -> None:
        with read_session() as session:
            actor = self._actor(session)
            try:
                result = svc.list_customers(
                    session,
                    actor,
                    search=self.search,
                    location_id="" if self.location_filter == ALL_LOCATIONS else self.location_filter,
                    page=self.page,
                )
            except PermissionDenied as exc:
                self.denied = "You do not have permission to view customers."
                self.rows = []
                raise exc
            self.denied = ""
            self.rows = [CustomerRow(**row) for row in result.rows]
            self.total, self.page, self.pages = result.total, result.page, result.pages
            self.location_options = [
                Option(value=str(loc.id), label=loc.name)
                for loc in svc.visible_locations(session, actor, Permission.CUSTOMERS_VIEW)
            ]
            self.create_location_options = [
                Option(value=str(loc.id), label=loc.name)
                for loc in svc.visible_locations(session, actor, Permission.CUSTOMERS_CREATE)
            ]
            self.can_create = bool(self.create_location_options)

    @rx.event
    def load(self):
        self.page = 1
        try:
            self._refresh()
        except PermissionDenied:
            return None
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100] if isinstance(value, str) else ""
        self.page = 1
        try:
            self._refresh()
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def set_location_filter(self, value: str):
        valid = {o["value"] for o in self.location_options} | {ALL_LOCATIONS}
        self.location_filter = value if isinstance(value, str) and value in valid else ALL_LOCATIONS
        self.page = 1
        try:
            self._refresh()
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def go_to_page(self, page: int):
        if isinstance(page, int) and not isinstance(page, bool):
            self.page = max(1, min(page, self.pages))
        try:
            self._refresh()
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def open_form(self):
        self.errors = {}
        self.form_open = True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)
        if not self.form_open:
            self.errors = {}

    @rx.event
    def create(self, form_data: dict):
        """Validate on the server; on any error show it beside its field and save nothing."""
        try:
            with write_session() as session:
                actor = self._actor(session)
                customer = svc.create_customer(session, actor, form_data)
                new_id = customer.id
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.errors = {}
        self.form_open = False
        return [rx.toast.success("Customer created."), rx.redirect(f"/customers/{new_id}")]


class CustomerState(AppState):
    """The ``/customers/[id]`` record, shared by its Accounting tabs."""

    customer: dict[str, str] = {}
    customer_error: str = ""
    can_funding_tab: bool = False
    can_financing_tab: bool = False
    can_modify_customer: bool = False
    service_open: bool = False
    service_errors: dict[str, str] = {}

    def _set_customer(self, session, actor, customer, *, available: bool | None = None) -> None:  # noqa: ANN001
        """The record's header; ``available``: whether Consumer Financing is available, when the caller knows."""
        self.customer = svc.customer_summary(session, customer)
        self.customer_error = ""
        self.can_modify_customer = actor.grants.allows(Permission.CUSTOMERS_MODIFY, customer.location_id)
        self.can_funding_tab = actor.grants.allows(Permission.FUNDING_DETAILS_VIEW, customer.location_id)
        self.can_financing_tab = actor.grants.allows(Permission.CONSUMER_FINANCING_MANAGE, customer.location_id) and (
            (financing_setup.financing_available(session) if available is None else available)
            or svc.has_applications(session, customer.id)
        )

    def _customer_changed(self, session, actor) -> None:  # noqa: ANN001
        """After the record changed here: a tab showing something that depends on it re-reads (overridden)."""
        self._set_customer(session, actor, svc.get_customer(session, actor, self._route_id()))

    @rx.event
    def show_service_dialog(self, value: bool):
        self.service_open, self.service_errors = bool(value), {}

    @rx.event
    def save_service_status(self, form_data: dict):
        """Active, or Cancelled with its date (Customers: Modify at the customer's location, checked here)."""
        try:
            with write_session() as session:
                actor = self._actor(session)
                svc.set_service_status(session, actor, self._route_id(), form_data)
            with read_session() as session:
                self._customer_changed(session, self._actor(session))
        except ValidationFailed as exc:
            self.service_errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.service_open, self.service_errors = False, {}
        return rx.toast.success("Service status saved.")

    @rx.event
    def load_customer(self):
        """Load the customer named in the URL, if the user may view it."""
        customer_id = self._route_id()
        try:
            with read_session() as session:
                actor = self._actor(session)
                customer = svc.get_customer(session, actor, customer_id)
                self._set_customer(session, actor, customer)
        except NotFound as exc:
            self.customer = {}
            self.customer_error = exc.message
        except AppError as exc:
            self.customer = {}
            return self._fail(exc)
        return None
