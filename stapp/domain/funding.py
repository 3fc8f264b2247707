"""Funding: selling a customer's monitoring contract to a funder. Rules and validation, no framework.

Status (where the funding is in the process) and Outcome (how it ended) are independent axes: any
status may carry any outcome or none, as the Funding document says.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from stapp.domain.money import MoneyError, parse_cents
from stapp.domain.validation import Form

MAX_AMOUNT_CENTS = 9_999_999  # 99,999.99
MIN_AMOUNT_CENTS = -9_999_999
CATALOG_NAME_MAX = 100
GRADE_MAX = 255
REFERENCE_MAX = 255
NOTES_MAX = 10_000

DELETE_FUNDING_CONFIRM = "Delete this funding and all of its transactions? This cannot be undone."
DELETE_TRANSACTION_CONFIRM = "Delete this transaction? This cannot be undone."
NO_FUNDINGS = "No fundings for this customer."
NO_TRANSACTIONS = "No transactions on this funding."
NO_FUNDER = "No Funder"


class FundingStatus(StrEnum):
    PENDING = "PENDING"
    READY = "READY"
    SUBMITTED = "SUBMITTED"
    REVIEW = "REVIEW"
    COMPLETE = "COMPLETE"


class FundingOutcome(StrEnum):
    PAID_IN_FULL = "PAID_IN_FULL"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    REJECTED = "REJECTED"
    NON_FUNDABLE = "NON_FUNDABLE"


NO_OUTCOME = "none"  # the Funding Entries filter value for "no outcome yet"
NO_FUNDER_ID = 0  # the Funding Entries filter value for fundings with no funder set (catalog ids start at 1)

MAX_GUARANTEE_MONTHS = 120
HOLDBACK_DUE_DAYS = 30
# The Funding Entries "Holdback" filter: its values and labels
# Days a funding has spent in its current Funding Status: (key, first day, last day or None, label)
AGEING = (("0-30", 0, 30, "0-30 days"), ("31-60", 31, 60, "31-60 days"), ("61-90", 61, 90, "61-90 days"),
          ("91-", 91, None, "over 90 days"))
HOLDBACK_FILTERS = {"due": f"Holdback due in the next {HOLDBACK_DUE_DAYS} days", "released": "Released",
                    "risk": "Chargeback risk"}


class CatalogKind(StrEnum):
    """The four funding catalogs."""

    FUNDER = "funder"
    FUNDING_TYPE = "funding_type"
    FUNDER_REASON = "funder_reason"
    TRANSACTION_TYPE = "transaction_type"

    @property
    def title(self) -> str:
        return CATALOG_TITLES[self]


CATALOG_TITLES = {
    CatalogKind.FUNDER: "Funders",
    CatalogKind.FUNDING_TYPE: "Funding Types",
    CatalogKind.FUNDER_REASON: "Funder Reasons",
    CatalogKind.TRANSACTION_TYPE: "Funding Transaction Types",
}


@dataclass(frozen=True)
class Totals:
    """A funding's money: all integer cents."""

    expected_cents: int
    net_received_cents: int

    @property
    def remaining_cents(self) -> int:
        return self.expected_cents - self.net_received_cents


def totals(expected_cents: int | None, transaction_cents: Iterable[int]) -> Totals:
    """Net Received is the sum of the transactions; Remaining is Amount Expected minus Net Received."""
    return Totals(expected_cents=expected_cents or 0, net_received_cents=sum(transaction_cents))


def add_months(start: date, months: int) -> date:
    """``start`` plus whole calendar months; the 31st of a shorter month becomes its last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def holdback_release_date(clean: Mapping[str, Any], funded_on: date) -> date | None:
    """The Holdback Release Date: as entered, else the funding date plus the Guarantee Months."""
    if clean.get("holdback_release_date"):
        return clean["holdback_release_date"]
    if clean.get("guarantee_months") is not None:
        return add_months(funded_on, clean["guarantee_months"])
    return None


@dataclass(frozen=True)
class Holdback:
    """What a funder keeps back until the guarantee period ends (integer cents)."""

    amount_cents: int
    release_date: date | None

    def held_cents(self, today: date) -> int:
        """Still held back on ``today``: all of it until the release date (with no date, until one is set)."""
        if self.release_date is not None and today >= self.release_date:
            return 0
        return self.amount_cents

    def released(self, today: date) -> bool:
        return self.amount_cents > 0 and self.release_date is not None and today >= self.release_date

    def note(self, today: date) -> str:
        """What the funding card says about it ("" when nothing is held back)."""
        if not self.amount_cents:
            return ""
        if self.release_date is None:
            return "Held back (no release date)"
        verb = "Released on" if self.released(today) else "Held back until"
        return f"{verb} {self.release_date.isoformat()}"


SERVICE_ACTIVE, SERVICE_CANCELLED = "Active", "Cancelled"
SERVICE_STATUSES = (SERVICE_ACTIVE, SERVICE_CANCELLED)


def validate_service_status(data: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's Service Status form: Active, or Cancelled with its Cancellation Date."""
    form = Form(data if isinstance(data, Mapping) else {})
    status = form.choice("service_status", "Service Status", {s: s for s in SERVICE_STATUSES})
    cancelled_on = form.date("cancelled_on", "Cancellation Date", required=status == SERVICE_CANCELLED)
    clean = form.check()
    clean["cancelled_on"] = cancelled_on if status == SERVICE_CANCELLED else None
    return clean


def chargeback_risk(cancelled_on: date | None, funded_on: date | None, release_date: date | None) -> bool:
    """A customer cancelled inside a funding's guarantee period (from the funding date, when known, until the
    Holdback Release Date): the funder may charge the sale back."""
    if cancelled_on is None or release_date is None:
        return False
    return cancelled_on < release_date and (funded_on is None or cancelled_on >= funded_on)


def _months(form: Form, name: str, label: str) -> int | None:
    raw = form.raw(name)
    if name in form.errors:
        return None
    if not raw:
        form.clean[name] = None
        return None
    if not raw.isdigit() or len(raw) > 3 or int(raw) > MAX_GUARANTEE_MONTHS:
        form.errors[name] = f"{label} must be a whole number of months from 0 to {MAX_GUARANTEE_MONTHS}."
        return None
    form.clean[name] = int(raw)
    return int(raw)


def _amount(form: Form, name: str, label: str, *, required: bool, allow_zero: bool) -> int | None:
    raw = form.raw(name)
    if name in form.errors:
        return None
    if not raw:
        if required:
            form.errors[name] = f"{label} is required."
        form.clean[name] = None
        return None
    try:
        cents = parse_cents(raw)
    except MoneyError:
        form.errors[name] = f"{label} must be an amount such as 1234.50 with at most two decimals."
        return None
    if not MIN_AMOUNT_CENTS <= cents <= MAX_AMOUNT_CENTS:
        form.errors[name] = f"{label} must be between -99,999.99 and 99,999.99."
        return None
    if cents == 0 and not allow_zero:
        form.errors[name] = f"{label} cannot be zero."
        return None
    form.clean[name] = cents
    return cents


def validate_funding(
    data: Mapping[str, Any],
    *,
    funders: Mapping[str, int],
    funding_types: Mapping[str, int],
    reasons: Mapping[str, int],
) -> dict[str, Any]:
    """Validate the Add/Edit Funding form. Option maps are ``{submitted value: catalog id}`` of what may be chosen."""
    form = Form(data if isinstance(data, Mapping) else {})
    form.choice("funder_id", "Funded By", funders)
    form.choice("funding_type_id", "Funding Type", funding_types)
    form.choice("reason_id", "Reason Funder Selected", reasons, required=False)
    form.choice("status", "Funding Status", {s.value: s for s in FundingStatus})
    form.choice("outcome", "Outcome", {o.value: o for o in FundingOutcome}, required=False)
    _amount(form, "amount_expected", "Amount Expected", required=False, allow_zero=True)
    form.date("date_expected", "Date Expected")
    form.text("grade_info", "Grade / Info", max_len=GRADE_MAX)
    form.text("notes", "Notes", max_len=NOTES_MAX)
    holdback = _amount(form, "holdback_amount", "Holdback Amount", required=False, allow_zero=True)
    if holdback is not None and holdback < 0:
        form.errors["holdback_amount"] = "Holdback Amount cannot be negative."
    _months(form, "guarantee_months", "Guarantee Months")
    form.date("holdback_release_date", "Holdback Release Date")
    return form.check()


def validate_transaction(data: Mapping[str, Any], *, transaction_types: Mapping[str, int]) -> dict[str, Any]:
    """Validate the Add/Edit Transaction form."""
    form = Form(data if isinstance(data, Mapping) else {})
    form.choice("type_id", "Transaction Type", transaction_types)
    form.date("transaction_date", "Transaction Date", required=True)
    _amount(form, "amount", "Amount", required=True, allow_zero=False)
    form.text("reference", "Reference", max_len=REFERENCE_MAX)
    form.text("note", "Note", max_len=NOTES_MAX)
    return form.check()


def validate_catalog_name(value: object) -> str:
    """A catalog entry's name: required, up to 100 characters."""
    form = Form({"name": value})
    name = form.text("name", "Name", required=True, max_len=CATALOG_NAME_MAX)
    form.check()
    return name
