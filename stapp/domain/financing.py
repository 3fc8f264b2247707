"""Consumer Financing: application statuses, the one transition rule, and the application form.

stapp's status says what we know. ``Outcome Unknown`` means the provider may or may not have the
application (no answer came); it is never "failed" and is resolved by asking the provider.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from stapp.domain.money import MoneyError, parse_cents
from stapp.domain.validation import Form

PROVIDER_NAME = "Smart Home Pay LOS"
ADDON_CONSUMER_FINANCING = "consumer_financing"
DISABLE_WARNING = (
    "Disabling Consumer Financing stops new application submissions through SecurityTrax. "
    "It does not change applications already submitted to a financing provider."
)
BILLING_CONFIRMATION = (
    "Enabling Consumer Financing adds $49.00 per month to your subscription, billed from today and "
    "prorated for this month. There is no per-application fee. You can disable it at any time."
)
NOT_SUBMITTED_STAGE = "Not Submitted"
AMOUNT_MIN_CENTS = 10_000  # 100.00
AMOUNT_MAX_CENTS = 10_000_000  # 100,000.00
INCOME_MAX_CENTS = 100_000_000  # 1,000,000.00
SSN_RE = re.compile(r"^(?:[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{9})$")


class Environment(StrEnum):
    DEVELOPMENT = "Development"
    STAGING = "Staging"
    PRODUCTION = "Production"


class AppStatus(StrEnum):
    """What stapp knows about an application."""

    NOT_SUBMITTED = "Not Submitted"
    SUBMITTING = "Submitting"
    OUTCOME_UNKNOWN = "Outcome Unknown"
    APPROVED = "Approved"
    DECLINED = "Declined"
    PREQUALIFIED = "Pre-Qualified"
    IN_REVIEW = "In Review"


DECISIONS = frozenset({AppStatus.APPROVED, AppStatus.DECLINED, AppStatus.PREQUALIFIED, AppStatus.IN_REVIEW})
PENDING = frozenset({AppStatus.SUBMITTING, AppStatus.OUTCOME_UNKNOWN})

# The one table of legal moves. The provider is the source of truth for decisions, so a decision
# may move to another decision (review -> approved, pre-qualified -> approved), but never back to
# "not submitted" or "submitting".
TRANSITIONS: Mapping[AppStatus, frozenset[AppStatus]] = {
    AppStatus.NOT_SUBMITTED: frozenset({AppStatus.SUBMITTING}),
    AppStatus.SUBMITTING: DECISIONS | {AppStatus.OUTCOME_UNKNOWN, AppStatus.NOT_SUBMITTED},
    AppStatus.OUTCOME_UNKNOWN: DECISIONS | {AppStatus.SUBMITTING, AppStatus.NOT_SUBMITTED},
    AppStatus.IN_REVIEW: DECISIONS,
    AppStatus.PREQUALIFIED: DECISIONS,
    AppStatus.APPROVED: DECISIONS,
    AppStatus.DECLINED: DECISIONS,
}


class IllegalTransition(ValueError):
    """A status change the rules do not allow."""


def can_move(current: AppStatus, target: AppStatus) -> bool:
    return target == current or target in TRANSITIONS[current]


def move(current: AppStatus, target: AppStatus) -> AppStatus:
    """Return ``target`` if the move is legal, else raise ``IllegalTransition``."""
    if not can_move(current, target):
        raise IllegalTransition(f"{current.value} cannot become {target.value}")
    return target


def from_provider_status(value: str) -> AppStatus:
    """The provider's wire status (approved, declined, prequalified, in_review) as stapp's status."""
    return {
        "approved": AppStatus.APPROVED,
        "declined": AppStatus.DECLINED,
        "prequalified": AppStatus.PREQUALIFIED,
        "in_review": AppStatus.IN_REVIEW,
    }[value]


STAGE_LABELS = {
    "submitted": "Submitted",
    "underwriting": "Underwriting",
    "decisioned": "Decisioned",
    "contract_sent": "Contract Sent",
    "contract_signed": "Contract Signed",
    "funded": "Funded",
}
FINANCE_TYPE_LABELS = {"installment": "Installment", "rto": "RTO", "revolving": "Revolving"}


def stage_label(stage: str | None) -> str:
    """A blank stage shows "Not Submitted"."""
    return STAGE_LABELS.get(stage or "", stage or NOT_SUBMITTED_STAGE)


def normalise_ssn(value: str) -> str:
    return value.replace("-", "")


def _money(form: Form, name: str, label: str, lo: int, hi: int, *, required: bool) -> int | None:
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
        form.errors[name] = f"{label} must be an amount such as 1234.50."
        return None
    if not lo <= cents <= hi:
        form.errors[name] = f"{label} must be between {lo // 100:,}.{lo % 100:02d} and {hi // 100:,}.{hi % 100:02d}."
        return None
    form.clean[name] = cents
    return cents


def _birth_date(form: Form, name: str, label: str, today: date, *, required: bool) -> None:
    born = form.date(name, label, required=required)
    if born is None:
        return
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < 18:
        form.errors[name] = "The applicant must be at least 18 years old."
    elif age > 120:
        form.errors[name] = f"{label} must be a valid date."


def _ssn(form: Form, name: str, *, required: bool) -> None:
    value = form.text(name, "SSN", required=required, max_len=11)
    if value and name not in form.errors:
        if not SSN_RE.match(value):
            form.errors[name] = "SSN must be 9 digits, such as 123-45-6789."
        else:
            form.clean[name] = normalise_ssn(value)


CO_FIELDS = ("co_first_name", "co_last_name", "co_email", "co_phone", "co_date_of_birth", "co_ssn", "co_annual_income")


def validate_application(data: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """Validate the New Financing Application form; every error is reported beside its field."""
    form = Form(data if isinstance(data, Mapping) else {})
    form.text("first_name", "First name", required=True, max_len=50)
    form.text("last_name", "Last name", required=True, max_len=50)
    form.email("email")
    form.phone("phone", required=True)
    _birth_date(form, "date_of_birth", "Date of birth", today, required=True)
    _ssn(form, "ssn", required=True)
    form.text("address_line1", "Address line 1", required=True, max_len=100)
    form.text("city", "City", required=True, max_len=50)
    form.state("state")
    form.zip_code("zip_code")
    _money(form, "annual_income", "Annual income", 0, INCOME_MAX_CENTS, required=True)
    employer = form.text("employer", "Employer", max_len=100)
    if not employer and "employer" not in form.errors:
        form.errors["employer"] = "Employer is required (write Self-employed or Retired when that applies)."
    _money(form, "amount_requested", "Amount requested", AMOUNT_MIN_CENTS, AMOUNT_MAX_CENTS, required=True)
    has_co = any(form.raw(name) for name in CO_FIELDS)
    form.clean["has_co_applicant"] = has_co
    if has_co:
        form.text("co_first_name", "Co-applicant first name", required=True, max_len=50)
        form.text("co_last_name", "Co-applicant last name", required=True, max_len=50)
        form.email("co_email", "Co-applicant email", required=True)
        form.phone("co_phone", "Co-applicant phone", required=True)
        _birth_date(form, "co_date_of_birth", "Co-applicant date of birth", today, required=True)
        _ssn(form, "co_ssn", required=True)
        _money(form, "co_annual_income", "Co-applicant annual income", 0, INCOME_MAX_CENTS, required=True)
    if not form.checkbox("consent"):
        form.errors["consent"] = "The applicant must consent to electronic disclosures."
    return form.check()


def validate_provider(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The provider setup form: Name, Environment, Bearer Token, Active (Provider is fixed)."""
    form = Form(data if isinstance(data, Mapping) else {})
    form.text("name", "Name", required=True, max_len=50)
    form.choice("environment", "Environment", {e.value: e for e in Environment})
    token = form.raw("bearer_token")
    if "bearer_token" not in form.errors:
        if creating and not token:
            form.errors["bearer_token"] = "Bearer Token is required for a new provider."
        elif len(token) > 255:
            form.errors["bearer_token"] = "Bearer Token must be at most 255 characters."
        form.clean["bearer_token"] = token
    form.checkbox("active")
    return form.check()
