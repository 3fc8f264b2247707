"""Funding: selling a customer's monitoring contract to a funder. Rules and validation, no framework.

Status (where the funding is in the process) and Outcome (how it ended) are independent axes: any
status may carry any outcome or none, as the Funding document says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
