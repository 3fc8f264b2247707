"""The customer's Funding tab: cards with live totals, the funding and transaction modals, deletes."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, NotFound, ValidationFailed
from stapp.domain.funding import FundingStatus
from stapp.domain.permissions import Permission
from stapp.domain.validation import is_row_id
from stapp.services import funding as svc
from stapp.state.customers import CustomerState, Option


class TransactionRow(TypedDict):
    id: int
    type: str
    type_id: str
    date: str
    amount: str
    amount_input: str
    negative: bool
    reference: str
    note: str


class FundingCard(TypedDict):
    id: int
    funder: str
    funder_id: str
    funding_type: str
    funding_type_id: str
    reason: str
    reason_id: str
    status: str
    outcome: str
    amount_expected: str
    amount_expected_input: str
    net_received: str
    remaining: str
    date_expected: str
    grade_info: str
    notes: str
    holdback: str
    holdback_input: str
    guarantee_months: str
    holdback_release_date: str
    held_back: str
    holdback_note: str
    chargeback_risk: str
    transactions: list[TransactionRow]


FUNDING_FIELDS = (
    "funder_id", "funding_type_id", "reason_id", "status", "outcome", "amount_expected", "date_expected",
    "grade_info", "notes", "holdback_amount", "guarantee_months", "holdback_release_date",
)


class FundingState(CustomerState):
    """``/customers/[id]/funding``."""

    cards: list[FundingCard] = []
    loaded: bool = False
    can_create: bool = False
    can_modify: bool = False
    can_delete: bool = False
    funders: list[Option] = []
    funding_types: list[Option] = []
    reasons: list[Option] = []
    transaction_types: list[Option] = []

    funding_form_open: bool = False
    editing_funding_id: int = 0
    funding_form: dict[str, str] = {}
    funding_errors: dict[str, str] = {}

    tx_form_open: bool = False
    tx_funding_id: int = 0
    editing_tx_id: int = 0
    tx_form: dict[str, str] = {}
    tx_errors: dict[str, str] = {}

    confirm_open: bool = False
    confirm_kind: str = ""
    confirm_id: int = 0

    _version: str = ""  # fingerprint of what ``cards`` shows (server only), see ``poll``

    def _reload(self, session, actor) -> None:  # noqa: ANN001
        self._version = svc.customer_version(session, actor, self._route_id())
        customer, cards = svc.customer_fundings(session, actor, self._route_id())
        self._set_customer(session, actor, customer)
        self.cards = [FundingCard(**card) for card in cards]
        loc = customer.location_id
        self.can_create = actor.grants.allows(Permission.FUNDING_DETAILS_CREATE, loc)
        self.can_modify = actor.grants.allows(Permission.FUNDING_DETAILS_MODIFY, loc)
        self.can_delete = actor.grants.allows(Permission.FUNDING_DETAILS_DELETE, loc)
        self.loaded = True

    def _customer_changed(self, session, actor) -> None:  # noqa: ANN001
        self._reload(session, actor)  # a cancellation changes the cards' chargeback risk

    def _set_options(self, options: dict[str, list[dict[str, str]]]) -> None:
        self.funders = [Option(**o) for o in options["funders"]]
        self.funding_types = [Option(**o) for o in options["funding_types"]]
        self.reasons = [Option(**o) for o in options["reasons"]]
        self.transaction_types = [Option(**o) for o in options["transaction_types"]]

    @rx.event
    def load(self):
        self.loaded = False
        try:
            with read_session() as session:
                actor = self._actor(session)
                self._reload(session, actor)
                self._set_options(svc.form_options(session))
        except NotFound as exc:
            self.cards, self.customer, self.customer_error = [], {}, exc.message
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def poll(self, _value: object = None):
        """Every two seconds while the tab is open: re-read only when another user (on any worker) changed a
        funding or transaction of this customer, so everyone's Net Received and Remaining stay live."""
        if not self.loaded or not self.customer.get("id"):
            return None
        try:
            with read_session() as session:
                actor = self._actor(session)
                if svc.customer_version(session, actor, self._route_id()) == self._version:
                    return None
                self._reload(session, actor)
        except NotFound as exc:
            self.cards, self.customer, self.customer_error = [], {}, exc.message
        except AppError as exc:
            return self._fail(exc)
        return None

    def _card(self, funding_id: object) -> FundingCard | None:
        return next((c for c in self.cards if c["id"] == funding_id), None) if is_row_id(funding_id) else None

    # Funding modal -----------------------------------------------------------------------------

    @rx.event
    def open_add_funding(self):
        self.editing_funding_id = 0
        self.funding_form = {name: "" for name in FUNDING_FIELDS} | {"status": FundingStatus.PENDING.value}
        self.funding_errors, self.funding_form_open = {}, True

    @rx.event
    def open_edit_funding(self, funding_id: int):
        card = self._card(funding_id)
        if card is None:
            return rx.toast.error(svc.FUNDING_NOT_FOUND)
        try:
            with read_session() as session:
                self._set_options(svc.edit_options(session, self._actor(session), card["id"]))
        except AppError as exc:
            return self._fail(exc)
        self.editing_funding_id = card["id"]
        self.funding_form = {
            "funder_id": card["funder_id"],
            "funding_type_id": card["funding_type_id"],
            "reason_id": card["reason_id"],
            "status": card["status"],
            "outcome": card["outcome"],
            "amount_expected": card["amount_expected_input"],
            "date_expected": card["date_expected"],
            "grade_info": card["grade_info"],
            "notes": card["notes"],
            "holdback_amount": card["holdback_input"],
            "guarantee_months": card["guarantee_months"],
            "holdback_release_date": card["holdback_release_date"],
        }
        self.funding_errors, self.funding_form_open = {}, True
        return None

    @rx.event
    def set_funding_form_open(self, value: bool):
        self.funding_form_open = bool(value)

    @rx.event
    def save_funding(self, form_data: dict):
        """Validate on the server; on any error show it beside its field and save nothing."""
        try:
            with write_session() as session:
                actor = self._actor(session)
                if self.editing_funding_id:
                    svc.update_funding(session, actor, self.editing_funding_id, form_data)
                else:
                    svc.create_funding(session, actor, self._route_id(), form_data)
            with read_session() as session:
                self._reload(session, self._actor(session))
                self._set_options(svc.form_options(session))
        except ValidationFailed as exc:
            self.funding_errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.funding_errors, self.funding_form_open = {}, False
        return rx.toast.success("Funding saved.")

    # Transaction modal -------------------------------------------------------------------------

    @rx.event
    def open_add_transaction(self, funding_id: int):
        card = self._card(funding_id)
        if card is None:
            return rx.toast.error(svc.FUNDING_NOT_FOUND)
        self.tx_funding_id, self.editing_tx_id = card["id"], 0
        self.tx_form = {"type_id": "", "transaction_date": "", "amount": "", "reference": "", "note": ""}
        self.tx_errors, self.tx_form_open = {}, True
        return None

    @rx.event
    def open_edit_transaction(self, funding_id: int, transaction_id: int):
        card = self._card(funding_id)
        tx = next((t for t in card["transactions"] if t["id"] == transaction_id), None) if card else None
        if tx is None:
            return rx.toast.error(svc.TRANSACTION_NOT_FOUND)
        self.tx_funding_id, self.editing_tx_id = card["id"], tx["id"]
        self.tx_form = {
            "type_id": tx["type_id"],
            "transaction_date": tx["date"],
            "amount": tx["amount_input"],
            "reference": tx["reference"],
            "note": tx["note"],
        }
        self.tx_errors, self.tx_form_open = {}, True
        return None

    @rx.event
    def set_tx_form_open(self, value: bool):
        self.tx_form_open = bool(value)

    @rx.event
    def save_transaction(self, form_data: dict):
        """Save, then re-read the card so Net Received and Remaining update at once."""
        try:
            with write_session() as session:
                actor = self._actor(session)
                if self.editing_tx_id:
                    svc.update_transaction(session, actor, self.editing_tx_id, form_data)
                else:
                    svc.add_transaction(session, actor, self.tx_funding_id, form_data)
            with read_session() as session:
                self._reload(session, self._actor(session))
        except ValidationFailed as exc:
            self.tx_errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.tx_errors, self.tx_form_open = {}, False
        return rx.toast.success("Transaction saved.")

    # Deletes -----------------------------------------------------------------------------------

    @rx.event
    def ask_delete_funding(self, funding_id: int):
        if self._card(funding_id) is None:
            return rx.toast.error(svc.FUNDING_NOT_FOUND)
        self.confirm_kind, self.confirm_id, self.confirm_open = "funding", funding_id, True
        return None

    @rx.event
    def ask_delete_transaction(self, transaction_id: int):
        if not any(t["id"] == transaction_id for c in self.cards for t in c["transactions"]):
            return rx.toast.error(svc.TRANSACTION_NOT_FOUND)
        self.confirm_kind, self.confirm_id, self.confirm_open = "transaction", transaction_id, True
        return None

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = bool(value)

    @rx.event
    def confirm_delete(self):
        kind, ident = self.confirm_kind, self.confirm_id
        self.confirm_open, self.confirm_kind, self.confirm_id = False, "", 0
        try:
            with write_session() as session:
                actor = self._actor(session)
                if kind == "funding":
                    svc.delete_funding(session, actor, ident)
                elif kind == "transaction":
                    svc.delete_transaction(session, actor, ident)
                else:
                    return None
            with read_session() as session:
                self._reload(session, self._actor(session))
        except AppError as exc:
            return self._fail(exc)
        return rx.toast.success("Funding deleted." if kind == "funding" else "Transaction deleted.")
