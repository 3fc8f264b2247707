"""What travels on the wire to and from Smart Home Pay LOS (see ``docs/provider-api.md``).

Money is integer cents on this side and exact decimal strings (``"1234.50"``) on the wire; times are
aware UTC ``datetime`` values here and ISO 8601 strings ending in ``Z`` there. Anything the provider
sends that does not fit the protocol raises :class:`~stapp.provider.errors.ProtocolError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from stapp.domain.money import MoneyError, cents_to_decimal_string, decimal_string_to_cents
from stapp.provider.errors import ProtocolError

# The wire's decimal strings are always exact to the cent with two decimals, no sign, no separators.
WIRE_DECIMAL_RE = re.compile(r"^\d{1,11}\.\d{2}$")

E = TypeVar("E", bound=StrEnum)


class ApplicationStatus(StrEnum):
    """The provider's decision on an application."""

    APPROVED = "approved"
    DECLINED = "declined"
    PREQUALIFIED = "prequalified"
    IN_REVIEW = "in_review"


class ProviderStage(StrEnum):
    """Where the application is in the provider's pipeline."""

    SUBMITTED = "submitted"
    UNDERWRITING = "underwriting"
    DECISIONED = "decisioned"
    CONTRACT_SENT = "contract_sent"
    CONTRACT_SIGNED = "contract_signed"
    FUNDED = "funded"


class FinanceType(StrEnum):
    """The kind of financing the provider offers."""

    INSTALLMENT = "installment"
    RTO = "rto"
    REVOLVING = "revolving"


class AuthorizationStatus(StrEnum):
    """The provider's decision on a finance authorization (an order financed under an approved application)."""

    APPROVED = "approved"
    PREQUALIFIED = "prequalified"
    DECLINED = "declined"


class OrderLineKind(StrEnum):
    """What an order line charges for."""

    MERCHANDISE = "merchandise"
    DELIVERY = "delivery"
    INSTALLATION = "installation"
    FEE = "fee"


class DifferenceKind(StrEnum):
    """What an authorization adjustment changed on the order."""

    MERCHANDISE = "merchandise"
    DELIVERY = "delivery"
    INSTALLATION = "installation"
    FEE = "fee"
    DISCOUNT = "discount"
    TAX = "tax"


class SettlementKind(StrEnum):
    """Why money is settled: a partial completion, the order's completion, or revolving end-of-day."""

    PARTIAL = "partial"
    FINAL = "final"
    BATCH = "batch"


class AdjustmentStatus(StrEnum):
    """The provider's answer to an adjustment (it refuses with an error instead of another status)."""

    ACCEPTED = "accepted"


class SettlementStatus(StrEnum):
    """The provider's answer to a settlement (it refuses with an error instead of another status)."""

    ACCEPTED = "accepted"


def _require_cents(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be integer cents, got {type(value).__name__}")


@dataclass(frozen=True)
class Address:
    """The applicant's home address."""

    line1: str
    city: str
    state: str
    zip: str

    def to_json(self) -> dict[str, str]:
        """Return the wire dict."""
        return {"line1": self.line1, "city": self.city, "state": self.state, "zip": self.zip}


@dataclass(frozen=True)
class CoApplicant:
    """A second applicant. The SSN and date of birth are left out of ``repr`` so logs never carry them."""

    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date = field(repr=False)
    ssn: str = field(repr=False)
    annual_income_cents: int

    def __post_init__(self) -> None:
        _require_cents("annual_income_cents", self.annual_income_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict (income as a decimal string, date as ``YYYY-MM-DD``)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "date_of_birth": self.date_of_birth.isoformat(),
            "ssn": self.ssn,
            "annual_income": cents_to_decimal_string(self.annual_income_cents),
        }


@dataclass(frozen=True)
class Applicant:
    """The primary applicant. The SSN and date of birth are left out of ``repr``."""

    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date = field(repr=False)
    ssn: str = field(repr=False)
    address: Address
    annual_income_cents: int
    employer: str

    def __post_init__(self) -> None:
        _require_cents("annual_income_cents", self.annual_income_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "date_of_birth": self.date_of_birth.isoformat(),
            "ssn": self.ssn,
            "address": self.address.to_json(),
            "annual_income": cents_to_decimal_string(self.annual_income_cents),
            "employer": self.employer,
        }


@dataclass(frozen=True)
class ApplicationRequest:
    """The body of ``POST /v1/applications``.

    Attributes:
        reference: stapp's public id for the application (the provider echoes it back).
        applicant: The primary applicant.
        amount_requested_cents: 10000..10000000 (100.00..100000.00); the provider enforces the range.
        consent_electronic_disclosures: Must be ``True`` or the provider answers 422.
        co_applicant: Optional second applicant.
        webhook_url: Where the provider posts ``application.updated`` events.
    """

    reference: str
    applicant: Applicant
    amount_requested_cents: int
    consent_electronic_disclosures: bool
    co_applicant: CoApplicant | None = None
    webhook_url: str | None = None

    def __post_init__(self) -> None:
        _require_cents("amount_requested_cents", self.amount_requested_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict; optional members are omitted when unset."""
        body: dict[str, Any] = {
            "reference": self.reference,
            "applicant": self.applicant.to_json(),
            "amount_requested": cents_to_decimal_string(self.amount_requested_cents),
            "consent_electronic_disclosures": self.consent_electronic_disclosures,
        }
        if self.co_applicant is not None:
            body["co_applicant"] = self.co_applicant.to_json()
        if self.webhook_url is not None:
            body["webhook_url"] = self.webhook_url
        return body


@dataclass(frozen=True)
class OrderLineDetails:
    """One line of the order sent with an authorization or adjustment.

    Attributes:
        item: The item code or description (1-100 characters).
        kind: What the line charges for.
        quantity: A whole number, at least 1.
        unit_price_cents: Price of one unit.
        amount_cents: The line total; the provider requires ``quantity * unit_price_cents``.
    """

    item: str
    kind: OrderLineKind
    quantity: int
    unit_price_cents: int
    amount_cents: int

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise TypeError(f"quantity must be an int, got {type(self.quantity).__name__}")
        _require_cents("unit_price_cents", self.unit_price_cents)
        _require_cents("amount_cents", self.amount_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict."""
        return {
            "item": self.item,
            "kind": self.kind.value,
            "quantity": self.quantity,
            "unit_price": cents_to_decimal_string(self.unit_price_cents),
            "amount": cents_to_decimal_string(self.amount_cents),
        }


@dataclass(frozen=True)
class OrderDetails:
    """The order an authorization finances, as the provider sees it.

    The provider requires ``total_cents == sum(line amounts) - discount_cents + tax_cents``, and
    ``tax_cents == 0`` when ``non_taxable`` (RTO orders are always non-taxable: the provider handles tax).
    """

    lines: tuple[OrderLineDetails, ...]
    discount_cents: int
    tax_cents: int
    total_cents: int
    non_taxable: bool

    def __post_init__(self) -> None:
        _require_cents("discount_cents", self.discount_cents)
        _require_cents("tax_cents", self.tax_cents)
        _require_cents("total_cents", self.total_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict."""
        return {
            "lines": [line.to_json() for line in self.lines],
            "discount": cents_to_decimal_string(self.discount_cents),
            "tax": cents_to_decimal_string(self.tax_cents),
            "total": cents_to_decimal_string(self.total_cents),
            "non_taxable": self.non_taxable,
        }


@dataclass(frozen=True)
class AuthorizationRequest:
    """The body of ``POST /v1/authorizations``.

    Attributes:
        application_id: The provider's id of the approved application (``"shp_app_..."``).
        order_reference: stapp's reference of the order (1-64 characters); echoed back.
        finance_type: Must equal the application's finance type.
        plan_code: One of the application's plans.
        amount_cents: The amount to finance; at most the application's ``amount_financed`` and the
            order's total (RTO: exactly the order's total).
        order: The order details.
        account_number: The customer's account number with the provider, when stapp has one.
        account_number_required: The provider setting "Require an Account Number When Requesting
            Finance Authorizations"; when true and the application has an account number, it must be sent.
        webhook_url: Where the provider posts ``authorization.updated`` events.
    """

    application_id: str
    order_reference: str
    finance_type: FinanceType
    plan_code: str
    amount_cents: int
    order: OrderDetails
    account_number: str | None = None
    account_number_required: bool = False
    webhook_url: str | None = None

    def __post_init__(self) -> None:
        _require_cents("amount_cents", self.amount_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict; ``account_number`` and ``webhook_url`` are omitted when unset."""
        body: dict[str, Any] = {
            "application_id": self.application_id,
            "order_reference": self.order_reference,
            "finance_type": self.finance_type.value,
            "plan_code": self.plan_code,
            "amount": cents_to_decimal_string(self.amount_cents),
            "order": self.order.to_json(),
            "account_number_required": self.account_number_required,
        }
        if self.account_number is not None:
            body["account_number"] = self.account_number
        if self.webhook_url is not None:
            body["webhook_url"] = self.webhook_url
        return body


@dataclass(frozen=True)
class AdjustmentDifference:
    """One difference between the authorized order and the changed order.

    Attributes:
        what: What changed.
        item: The order line's item for merchandise, delivery, installation and fee lines; ``None`` for
            order-level changes (discount, tax).
        before_cents: The amount before the change (0 for something added).
        after_cents: The amount after the change (0 for something removed).
    """

    what: DifferenceKind
    item: str | None
    before_cents: int
    after_cents: int

    def __post_init__(self) -> None:
        _require_cents("before_cents", self.before_cents)
        _require_cents("after_cents", self.after_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict (``item`` is ``null`` for order-level changes)."""
        return {
            "what": self.what.value,
            "item": self.item,
            "before": cents_to_decimal_string(self.before_cents),
            "after": cents_to_decimal_string(self.after_cents),
        }


@dataclass(frozen=True)
class AdjustmentRequest:
    """The body of ``POST /v1/authorizations/{id}/adjustments``: a partially completed order changed.

    Attributes:
        differences: What changed (at least one).
        amount_cents: The new total financed; at most the application's ``amount_financed`` and never
            below what is already settled.
        order: The order as it is now.
    """

    differences: tuple[AdjustmentDifference, ...]
    amount_cents: int
    order: OrderDetails

    def __post_init__(self) -> None:
        _require_cents("amount_cents", self.amount_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict."""
        return {
            "differences": [d.to_json() for d in self.differences],
            "amount": cents_to_decimal_string(self.amount_cents),
            "order": self.order.to_json(),
        }


@dataclass(frozen=True)
class SettlementRequest:
    """The body of ``POST /v1/settlements``.

    Attributes:
        authorization_id: The provider's id of an approved authorization (``"shp_auth_..."``).
        amount_cents: More than 0; all settlements of one authorization together may not exceed its amount.
        kind: Partial completion, final completion, or a revolving end-of-day batch.
        reference: stapp's reference of this settlement (1-64 characters); echoed back.
    """

    authorization_id: str
    amount_cents: int
    kind: SettlementKind
    reference: str

    def __post_init__(self) -> None:
        _require_cents("amount_cents", self.amount_cents)

    def to_json(self) -> dict[str, Any]:
        """Return the wire dict."""
        return {
            "authorization_id": self.authorization_id,
            "amount": cents_to_decimal_string(self.amount_cents),
            "kind": self.kind.value,
            "reference": self.reference,
        }


# --- reading what the provider sends -------------------------------------------------------------


def _field(data: dict[str, Any], name: str) -> Any:
    if name not in data:
        raise ProtocolError(f"missing field {name!r}")
    return data[name]


def _str(data: dict[str, Any], name: str) -> str:
    value = _field(data, name)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"field {name!r} must be a non-empty string")
    return value


def _opt_str(data: dict[str, Any], name: str) -> str | None:
    return None if data.get(name) is None else _str(data, name)


def _money(data: dict[str, Any], name: str) -> int:
    value = _field(data, name)
    if not isinstance(value, str) or not WIRE_DECIMAL_RE.match(value):
        raise ProtocolError(f'field {name!r} must be a decimal string such as "1234.50"')
    try:
        return decimal_string_to_cents(value)
    except MoneyError as exc:  # unreachable after the pattern matched; kept as a guard
        raise ProtocolError(f"field {name!r} is not an exact amount") from exc


def _opt_money(data: dict[str, Any], name: str) -> int | None:
    return None if data.get(name) is None else _money(data, name)


def _enum(data: dict[str, Any], name: str, enum: type[E]) -> E:
    value = _field(data, name)
    try:
        return enum(value)
    except ValueError as exc:
        raise ProtocolError(f"field {name!r} has unknown value {value!r}") from exc


def _opt_enum(data: dict[str, Any], name: str, enum: type[E]) -> E | None:
    return None if data.get(name) is None else _enum(data, name, enum)


def parse_wire_datetime(value: object, name: str = "datetime") -> datetime:
    """Read an ISO 8601 timestamp with a zone (``Z`` or an offset) into an aware UTC datetime.

    Raises:
        ProtocolError: Not a string, not ISO 8601, or without a zone.
    """
    if not isinstance(value, str):
        raise ProtocolError(f"field {name!r} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProtocolError(f"field {name!r} is not ISO 8601") from exc
    if parsed.tzinfo is None:
        raise ProtocolError(f"field {name!r} has no time zone")
    return parsed.astimezone(UTC)


def format_wire_datetime(value: datetime) -> str:
    """Write an aware datetime as ISO 8601 UTC with millisecond precision and a ``Z``."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed on the wire")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _version(data: dict[str, Any]) -> int:
    version = _field(data, "version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProtocolError("field 'version' must be a positive integer")
    return version


def _time(data: dict[str, Any], name: str) -> datetime:
    return parse_wire_datetime(_field(data, name), name)


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{what} must be a JSON object")
    return value


@dataclass(frozen=True)
class Plan:
    """A finance plan the provider offers with an approval."""

    code: str
    description: str
    finance_type: FinanceType

    @classmethod
    def from_json(cls, data: object) -> Plan:
        """Parse one element of ``plans``."""
        obj = _object(data, "plan")
        return cls(
            code=_str(obj, "code"),
            description=_str(obj, "description"),
            finance_type=_enum(obj, "finance_type", FinanceType),
        )


@dataclass(frozen=True)
class ApplicationResult:
    """An application as the provider reports it (response bodies and webhook events alike).

    Attributes:
        id: The provider's id (``"shp_app_..."``).
        reference: stapp's public id, echoed back.
        version: Increments on every change; apply an update only when it is newer than what is stored.
    """

    id: str
    reference: str
    status: ApplicationStatus
    stage: ProviderStage
    amount_requested_cents: int
    amount_financed_cents: int | None
    finance_type: FinanceType | None
    account_number: str | None
    plans: tuple[Plan, ...]
    prequal_url: str | None
    decline_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_json(cls, data: object) -> ApplicationResult:
        """Parse the provider's application object; unknown extra members are ignored.

        Raises:
            ProtocolError: A member is missing, of the wrong type, or has a value the protocol does not define.
        """
        obj = _object(data, "application")
        plans = _field(obj, "plans")
        if not isinstance(plans, list):
            raise ProtocolError("field 'plans' must be a list")
        version = _version(obj)
        return cls(
            id=_str(obj, "id"),
            reference=_str(obj, "reference"),
            status=_enum(obj, "status", ApplicationStatus),
            stage=_enum(obj, "stage", ProviderStage),
            amount_requested_cents=_money(obj, "amount_requested"),
            amount_financed_cents=_opt_money(obj, "amount_financed"),
            finance_type=_opt_enum(obj, "finance_type", FinanceType),
            account_number=_opt_str(obj, "account_number"),
            plans=tuple(Plan.from_json(p) for p in plans),
            prequal_url=_opt_str(obj, "prequal_url"),
            decline_reason=_opt_str(obj, "decline_reason"),
            created_at=parse_wire_datetime(_field(obj, "created_at"), "created_at"),
            updated_at=parse_wire_datetime(_field(obj, "updated_at"), "updated_at"),
            version=version,
        )


@dataclass(frozen=True)
class PingResult:
    """The answer to ``GET /v1/ping``."""

    ok: bool
    provider: str

    @classmethod
    def from_json(cls, data: object) -> PingResult:
        """Parse ``{"ok": true, "provider": "..."}``."""
        obj = _object(data, "ping answer")
        ok = _field(obj, "ok")
        if not isinstance(ok, bool):
            raise ProtocolError("field 'ok' must be a boolean")
        return cls(ok=ok, provider=_str(obj, "provider"))


@dataclass(frozen=True)
class AuthorizationResult:
    """A finance authorization as the provider reports it (responses and ``authorization.updated`` events).

    ``authorization_number`` is set exactly when ``status`` is approved, ``prequal_url`` exactly when it
    is prequalified (stapp puts the order on F3 credit hold until a later version is approved).

    Attributes:
        id: The provider's id (``"shp_auth_..."``).
        amount_cents: The amount authorized; adjustments change it.
        version: Increments on every change; apply an update only when it is newer than what is stored.
    """

    id: str
    application_id: str
    order_reference: str
    status: AuthorizationStatus
    finance_type: FinanceType
    plan_code: str
    amount_cents: int
    authorization_number: str | None
    prequal_url: str | None
    decline_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_json(cls, data: object) -> AuthorizationResult:
        """Parse the provider's authorization object; unknown extra members are ignored.

        Raises:
            ProtocolError: A member is missing or of the wrong type, a value the protocol does not
                define, or an approved authorization without a number / a prequalified one without a URL.
        """
        obj = _object(data, "authorization")
        result = cls(
            id=_str(obj, "id"),
            application_id=_str(obj, "application_id"),
            order_reference=_str(obj, "order_reference"),
            status=_enum(obj, "status", AuthorizationStatus),
            finance_type=_enum(obj, "finance_type", FinanceType),
            plan_code=_str(obj, "plan_code"),
            amount_cents=_money(obj, "amount"),
            authorization_number=_opt_str(obj, "authorization_number"),
            prequal_url=_opt_str(obj, "prequal_url"),
            decline_reason=_opt_str(obj, "decline_reason"),
            created_at=_time(obj, "created_at"),
            updated_at=_time(obj, "updated_at"),
            version=_version(obj),
        )
        if result.status is AuthorizationStatus.APPROVED and result.authorization_number is None:
            raise ProtocolError("an approved authorization must carry 'authorization_number'")
        if result.status is AuthorizationStatus.PREQUALIFIED and result.prequal_url is None:
            raise ProtocolError("a prequalified authorization must carry 'prequal_url'")
        return result


@dataclass(frozen=True)
class AdjustmentResult:
    """An accepted authorization adjustment.

    Attributes:
        id: The provider's id (``"shp_adj_..."``).
        amount_cents: The authorization's new amount.
        authorization_version: The authorization's ``version`` after this adjustment.
    """

    id: str
    authorization_id: str
    status: AdjustmentStatus
    amount_cents: int
    authorization_version: int
    created_at: datetime

    @classmethod
    def from_json(cls, data: object) -> AdjustmentResult:
        """Parse the provider's adjustment object.

        Raises:
            ProtocolError: A member is missing, of the wrong type, or has an unknown value.
        """
        obj = _object(data, "adjustment")
        version = _field(obj, "authorization_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ProtocolError("field 'authorization_version' must be a positive integer")
        return cls(
            id=_str(obj, "id"),
            authorization_id=_str(obj, "authorization_id"),
            status=_enum(obj, "status", AdjustmentStatus),
            amount_cents=_money(obj, "amount"),
            authorization_version=version,
            created_at=_time(obj, "created_at"),
        )


@dataclass(frozen=True)
class SettlementResult:
    """An accepted settlement.

    Attributes:
        id: The provider's id (``"shp_stl_..."``).
        reference: stapp's reference, echoed back.
    """

    id: str
    authorization_id: str
    status: SettlementStatus
    amount_cents: int
    kind: SettlementKind
    reference: str
    created_at: datetime

    @classmethod
    def from_json(cls, data: object) -> SettlementResult:
        """Parse the provider's settlement object.

        Raises:
            ProtocolError: A member is missing, of the wrong type, or has an unknown value.
        """
        obj = _object(data, "settlement")
        return cls(
            id=_str(obj, "id"),
            authorization_id=_str(obj, "authorization_id"),
            status=_enum(obj, "status", SettlementStatus),
            amount_cents=_money(obj, "amount"),
            kind=_enum(obj, "kind", SettlementKind),
            reference=_str(obj, "reference"),
            created_at=_time(obj, "created_at"),
        )
