"""The customer's Financing tab: applications, New Financing Application, the decision as it arrives."""

from __future__ import annotations

from typing import Any

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, NotFound, ValidationFailed
from stapp.domain.permissions import Permission
from stapp.domain.validation import is_row_id
from stapp.services import application_lists as lists
from stapp.services import applications as svc
from stapp.services import auth, financing_setup
from stapp.services.customers import customer_ref, get_customer
from stapp.state.customers import CustomerState

APP_FIELDS = (
    "first_name", "last_name", "email", "phone", "date_of_birth", "address_line1", "city", "state", "zip_code",
    "annual_income", "employer", "amount_requested", "co_first_name", "co_last_name", "co_email", "co_phone",
    "co_date_of_birth", "co_annual_income",
)


class FinancingState(CustomerState):
    """``/customers/[id]/financing``."""

    apps: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    sort: str = "created"
    direction: str = "desc"
    size: str = "50"
    created_from: str = ""
    created_to: str = ""
    can_apply: bool = False
    unavailable: str = ""
    _seen: str = ""  # what the list showed when it was read (server only): ``poll`` re-reads when it changes

    form_open: bool = False
    draft_key: str = ""
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    submitting_id: int = 0  # shown while the provider answers ("Submitting…")
    # The application ``submit`` saved and ``run_submission`` may send (server only). Not ``submitting_id``: a
    # page load (a reconnect re-runs it) clears that one, and must not stop a submission already on its way.
    _sending: int = 0
    _fresh: bool = False  # ``_sending`` was created by that submit, which counted its first attempt (server only)
    decision: dict[str, str] = {}

    detail_open: bool = False
    detail: dict[str, Any] = {}

    def _customer_id(self) -> str:
        return self._route_id()

    def _query(self):
        return lists.parse_query(
            {"sort": self.sort, "dir": self.direction, "size": self.size, "page": str(self.page),
             "created_from": self.created_from, "created_to": self.created_to},
            company=False,
        )

    def _reload(self, session, actor) -> None:  # noqa: ANN001
        """The whole tab: the customer's header, the list and whether new applications can be submitted."""
        customer = get_customer(session, actor, self._customer_id(), Permission.CONSUMER_FINANCING_MANAGE)
        self.can_apply = financing_setup.financing_available(session)
        self._set_customer(session, actor, customer, available=self.can_apply)
        self._show(lists.customer_applications(session, actor, customer.id, self._query(), customer=customer))
        self.unavailable = "" if self.can_apply else (
            "Consumer Financing is disabled: existing applications stay viewable, new ones cannot be submitted."
            if not financing_setup.financing_enabled(session)
            else "No active provider is configured: new applications cannot be submitted."
        )

    def _show(self, result: lists.AppPage) -> None:
        self.apps, self.total, self.page, self.pages = result.rows, result.total, result.page, result.pages
        self._seen = result.version

    def _refresh(self):
        try:
            with read_session() as session:
                self._reload(session, self._actor(session))
        except NotFound as exc:
            self.apps, self.customer, self.customer_error = [], {}, exc.message
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def load(self):
        self.page, self.form_open, self.detail_open, self.submitting_id = 1, False, False, 0
        return self._refresh()

    @rx.event
    def poll(self, _value: Any = None):
        """Every few seconds while the page is open: re-read only when an application changed."""
        if not self.customer.get("id"):
            return None
        try:
            with read_session() as session:
                actor = self._actor(session)
                if lists.tab_version(session, actor, self._customer_id(), self._query()) == self._seen:
                    return None
                self._reload(session, actor)
                if self.detail_open and self.detail.get("id"):
                    self.detail = svc.detail(session, actor, self.detail["id"])
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def set_filter(self, name: str, value: str):
        if not isinstance(value, str) or len(value) > 10:
            return None
        if name == "sort" and value in lists.SORTS:
            self.sort = value
        elif name == "direction" and value in ("asc", "desc"):
            self.direction = value
        elif name == "size" and value in {str(s) for s in lists.CUSTOMER_PAGE_SIZES}:
            self.size = value
        elif name in ("created_from", "created_to"):
            setattr(self, name, value)
        else:
            return None
        self.page = 1
        return self._refresh()

    @rx.event
    def go_to_page(self, page: int):
        if isinstance(page, int) and not isinstance(page, bool) and 1 <= page <= self.pages:
            self.page = page
            return self._refresh()
        return None

    # New Financing Application ------------------------------------------------------------------

    @rx.event
    def open_form(self):
        try:
            with read_session() as session:
                actor = self._actor(session)
                if not financing_setup.financing_available(session):
                    return rx.toast.error(svc.NOT_AVAILABLE)
                defaults = svc.form_defaults(session, actor, self._customer_id())
        except AppError as exc:
            return self._fail(exc)
        self.form = {name: defaults.get(name, "") for name in APP_FIELDS}
        self.draft_key = svc.new_draft_key()
        self.errors, self.decision, self.submitting_id, self.form_open = {}, {}, 0, True
        return None

    @rx.event
    def set_form_open(self, value: bool):
        if not value and self.submitting_id:
            return None  # keep the dialog while the provider is answering
        self.form_open = bool(value)
        return None

    @rx.event
    def submit(self, form_data: dict):
        """Save the application (server-side validation), then send it in the background."""
        if self.submitting_id or self.decision:
            return None  # a double click while a submission is under way does nothing
        try:
            with write_session() as session:
                actor = self._actor(session)
                app_id, created = svc.prepare(session, actor, self._customer_id(), form_data, self.draft_key)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return rx.toast.error(exc.errors["form"]) if "form" in exc.errors else None
        except AppError as exc:
            return self._fail(exc)
        # The list is read once, with the decision: the dialog shows "Submitting…" until then.
        self.errors, self.submitting_id, self._sending, self._fresh = {}, app_id, app_id, created
        return FinancingState.run_submission(app_id)

    @rx.event(background=True)
    async def run_submission(self, application_id: int):
        """Talk to the provider without holding the page: it stays responsive meanwhile."""
        async with self:
            if not is_row_id(application_id) or application_id != self._sending:
                return
            self._sending = 0  # sent once: calling this again with the same id does nothing
            token, customer_id, query, fresh = self.session_token, self._customer_id(), self._query(), self._fresh
        await svc.submit(application_id, claimed=fresh)

        try:  # the decision and the list it joins, in one read (on the loop: see ``svc.submit``)
            with read_session() as session:
                actor = auth.resolve(session, token)
                found = svc.detail(session, actor, application_id, history=False)
                page = lists.customer_applications(session, actor, customer_id, query)
        except AppError as exc:
            async with self:
                self.submitting_id = 0
                return self._fail(exc)
        async with self:
            self.submitting_id = 0
            self.decision = {k: str(v) for k, v in found.items()}
            self.draft_key = svc.new_draft_key()
            if (self._customer_id(), self._query()) == (customer_id, query):
                self._show(page)
            else:  # the user moved to another page or filter meanwhile: read the list as it is now
                self._refresh()

    @rx.event
    def check_status(self, application_id: int):
        """Ask the provider now (the reconciler does the same on a schedule)."""
        row = next((a for a in self.apps if a["id"] == application_id), None) if is_row_id(application_id) else None
        if row is None:
            return rx.toast.error(svc.APP_NOT_FOUND)
        return FinancingState.run_check(application_id)

    @rx.event(background=True)
    async def run_check(self, application_id: int):
        async with self:
            if not is_row_id(application_id) or not any(a["id"] == application_id for a in self.apps):
                return
            try:  # the session may have ended since the page loaded: check it again before calling the provider
                with read_session() as session:
                    actor = self._actor(session)
                    customer_ref(session, actor, self._customer_id(), Permission.CONSUMER_FINANCING_MANAGE)
                    svc.detail(session, actor, application_id)
            except AppError as exc:
                return self._fail(exc)
        await svc.reconcile(application_id, source="user")
        async with self:
            self._refresh()
            if self.detail_open and self.detail.get("id") == application_id:
                with read_session() as session:
                    self.detail = svc.detail(session, self._actor(session), application_id)

    # View ----------------------------------------------------------------------------------------

    @rx.event
    def view(self, application_id: int):
        try:
            with read_session() as session:
                actor = self._actor(session)
                found = svc.detail(session, actor, application_id)
                customer = customer_ref(session, actor, self._customer_id(), Permission.CONSUMER_FINANCING_MANAGE)
        except AppError as exc:
            return self._fail(exc)
        if found["customer_id"] != customer.id:
            return rx.toast.error(svc.APP_NOT_FOUND)
        self.detail, self.detail_open = found, True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)
