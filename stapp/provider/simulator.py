"""A Smart Home Pay LOS sandbox: a real HTTP server speaking ``docs/provider-api.md``.

Run it with::

    python -m stapp.provider.simulator --host 127.0.0.1 --port 8765 --token shp-sandbox-token \\
        --latency-ms 150 --auth-prequal-delay-s 5 --webhook-secret shp-sandbox-webhook-secret \\
        --admin-token sim-admin

Every option can also come from ``STAPP_SIM_*`` environment variables (``STAPP_SIM_TOKEN``,
``STAPP_SIM_LATENCY_MS``...). State lives in memory and is lost on restart. The applicant's last name
picks the outcome of an application, and of every authorization made under it (see the sandbox rules in
the protocol document).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stapp.domain.money import cents_to_decimal_string, decimal_string_to_cents
from stapp.provider.pool import ProviderTransport
from stapp.provider.webhooks import signature_headers
from stapp.provider.wire import (
    WIRE_DECIMAL_RE,
    AdjustmentStatus,
    ApplicationStatus,
    AuthorizationStatus,
    DifferenceKind,
    FinanceType,
    OrderLineKind,
    ProviderStage,
    SettlementKind,
    SettlementStatus,
    format_wire_datetime,
)

log = logging.getLogger(__name__)

PROVIDER_NAME = "Smart Home Pay LOS"
MIN_AMOUNT_CENTS = 10_000
MAX_AMOUNT_CENTS = 10_000_000
MAX_IDEMPOTENCY_KEY_LEN = 255
PREQUAL_BASE_URL = "https://sandbox.smarthomepay.example/prequal/"
MAX_ORDER_LINES = 200
MAX_QUANTITY = 100_000

Clock = Callable[[], datetime]
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class SimConfig:
    """The simulator's settings. The latency and the delays can change at run time (``POST /_sim/config``).

    Attributes:
        token: The one bearer token accepted; any other gets 401.
        latency_ms: Added before every ``/v1`` answer.
        review_delay_s: How long a ``Review`` applicant stays in review before approval.
        timeout_delay_s: How long a ``Timeout`` applicant's answer is held back.
        auth_prequal_delay_s: How long an ``AuthPrequal`` applicant's authorization stays prequalified.
        webhook_secret: Shared secret for webhook signatures.
        admin_token: Value of ``X-Sim-Admin`` for ``/_sim`` endpoints; empty disables them.
        webhook_retry_delays_s: Waits between webhook delivery attempts (their count + 1 = attempts).
        webhook_timeout_s: Per-attempt timeout of a webhook delivery.
        max_approval_cents: The most an automatic approval finances.
        webhooks_enabled: When False, no webhook is sent (a fault to inject: stapp must then poll).
        drop_after_create: A fault: a new application is recorded (and decided), then the connection is
            closed without any HTTP answer. A replay with the same key answers normally.
        fail_status: The status (503 or 429) of the failures injected by ``fail_next``.
        fail_retry_after: The ``Retry-After`` seconds sent with an injected failure.
    """

    token: str = "shp-sandbox-token"
    latency_ms: int = 150
    review_delay_s: float = 5.0
    timeout_delay_s: float = 12.0
    auth_prequal_delay_s: float = 5.0
    webhook_secret: str = "shp-sandbox-webhook-secret"
    admin_token: str = "sim-admin"
    webhook_retry_delays_s: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    webhook_timeout_s: float = 5.0
    max_approval_cents: int = 2_500_000
    webhooks_enabled: bool = True
    drop_after_create: bool = False
    fail_status: int = 503
    fail_retry_after: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SimConfig:
        """Build a config from ``STAPP_SIM_*`` variables, defaulting whatever is unset."""
        env = os.environ if environ is None else environ
        base = cls()

        def get(name: str, default: Any, cast: Callable[[str], Any]) -> Any:
            raw = env.get(f"STAPP_SIM_{name}", "").strip()
            if not raw:
                return default
            try:
                return cast(raw)
            except ValueError as exc:
                raise SystemExit(f"STAPP_SIM_{name} is not valid: {raw!r}") from exc

        return cls(
            token=get("TOKEN", base.token, str),
            latency_ms=get("LATENCY_MS", base.latency_ms, int),
            review_delay_s=get("REVIEW_DELAY_S", base.review_delay_s, float),
            timeout_delay_s=get("TIMEOUT_DELAY_S", base.timeout_delay_s, float),
            auth_prequal_delay_s=get("AUTH_PREQUAL_DELAY_S", base.auth_prequal_delay_s, float),
            webhook_secret=get("WEBHOOK_SECRET", base.webhook_secret, str),
            admin_token=env.get("STAPP_SIM_ADMIN_TOKEN", base.admin_token).strip(),
        )

    def public(self) -> dict[str, Any]:
        """The settings without secrets, as ``/_sim/config`` reports them."""
        data = asdict(self)
        for secret in ("token", "webhook_secret", "admin_token"):
            data.pop(secret)
        data["webhook_retry_delays_s"] = list(self.webhook_retry_delays_s)
        return data


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = extra.pop("headers", None)
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


# --- validation of the request body --------------------------------------------------------------

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_SSN_RE = re.compile(r"^\d{9}$")
_STATE_RE = re.compile(r"^[A-Z]{2}$")
_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Checker:
    """Collects per-field errors keyed by dotted path."""

    def __init__(self, today: date) -> None:
        self.errors: dict[str, str] = {}
        self.today = today

    def text(self, obj: Mapping[str, Any], path: str, name: str, max_len: int = 100) -> str | None:
        value = obj.get(name)
        where = f"{path}{name}"
        if not isinstance(value, str) or not value.strip():
            self.errors[where] = "Required."
            return None
        if len(value) > max_len:
            self.errors[where] = f"At most {max_len} characters."
            return None
        return value.strip()

    def pattern(self, obj: Mapping[str, Any], path: str, name: str, regex: re.Pattern[str], message: str) -> None:
        value = self.text(obj, path, name)
        if value is not None and not regex.match(value):
            self.errors[f"{path}{name}"] = message

    def phone(self, obj: Mapping[str, Any], path: str) -> None:
        value = self.text(obj, path, "phone", 30)
        if value is not None:
            digits = re.sub(r"[\s().+-]", "", value)
            if not digits.isdigit() or not 10 <= len(digits) <= 15:
                self.errors[f"{path}phone"] = "Enter a phone number with 10 to 15 digits."

    def birth_date(self, obj: Mapping[str, Any], path: str) -> None:
        value = self.text(obj, path, "date_of_birth", 10)
        if value is None:
            return
        try:
            born = date.fromisoformat(value) if _DATE_RE.match(value) else None
        except ValueError:
            born = None
        if born is None:
            self.errors[f"{path}date_of_birth"] = "Use YYYY-MM-DD."
            return
        adult_on = date(born.year + 18, born.month, 28 if (born.month, born.day) == (2, 29) else born.day)
        if adult_on > self.today:
            self.errors[f"{path}date_of_birth"] = "The applicant must be at least 18."

    def money(
        self, obj: Mapping[str, Any], path: str, name: str, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = obj.get(name)
        where = f"{path}{name}"
        if not isinstance(value, str) or not WIRE_DECIMAL_RE.match(value):
            self.errors[where] = 'Send a decimal string with two decimals, such as "1234.50".'
            return None
        cents = decimal_string_to_cents(value)
        if high is None and low is not None and cents < low:
            self.errors[where] = f"Must be at least {cents_to_decimal_string(low)}."
            return None
        if (low is not None and cents < low) or (high is not None and cents > high):
            self.errors[where] = (
                f"Must be between {cents_to_decimal_string(low or 0)} and {cents_to_decimal_string(high or 0)}."
            )
            return None
        return cents

    def choice(self, obj: Mapping[str, Any], path: str, name: str, allowed: type[Any]) -> str | None:
        value = obj.get(name)
        values = [member.value for member in allowed]
        if value not in values:
            self.errors[f"{path}{name}"] = "One of: " + ", ".join(values) + "."
            return None
        return value

    def order(self, obj: object, path: str) -> int | None:
        """Check an order object; return its total in cents when everything about it is valid."""
        if not isinstance(obj, dict):
            self.errors[path.rstrip(".")] = "Required." if obj is None else "Must be an object."
            return None
        before = len(self.errors)
        lines = obj.get("lines")
        line_sum = 0
        if not isinstance(lines, list) or not lines or len(lines) > MAX_ORDER_LINES:
            self.errors[f"{path}lines"] = f"Send 1 to {MAX_ORDER_LINES} lines."
        else:
            for n, line in enumerate(lines):
                where = f"{path}lines.{n}."
                if not isinstance(line, dict):
                    self.errors[where.rstrip(".")] = "Must be an object."
                    continue
                self.text(line, where, "item", 100)
                self.choice(line, where, "kind", OrderLineKind)
                quantity = line.get("quantity")
                if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
                    self.errors[f"{where}quantity"] = f"Send a whole number from 1 to {MAX_QUANTITY}."
                    quantity = None
                unit_price = self.money(line, where, "unit_price")
                amount = self.money(line, where, "amount")
                if quantity is not None and unit_price is not None and amount is not None:
                    if amount != quantity * unit_price:
                        self.errors[f"{where}amount"] = "Must equal quantity times unit_price."
                    line_sum += amount
        discount = self.money(obj, path, "discount")
        tax = self.money(obj, path, "tax")
        total = self.money(obj, path, "total")
        non_taxable = obj.get("non_taxable")
        if not isinstance(non_taxable, bool):
            self.errors[f"{path}non_taxable"] = "Send true or false."
        elif non_taxable and tax:
            self.errors[f"{path}tax"] = "A non-taxable order has no tax."
        if len(self.errors) == before and discount is not None and tax is not None and total is not None:
            if total != line_sum - discount + tax:
                self.errors[f"{path}total"] = "Must equal the sum of the line amounts, minus the discount, plus tax."
        return total if len(self.errors) == before else None

    def webhook_url(self, body: Mapping[str, Any]) -> None:
        url = body.get("webhook_url")
        if url is not None and (
            not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2048
        ):
            self.errors["webhook_url"] = "Send an http(s) URL."

    def person(self, obj: object, path: str, *, primary: bool) -> None:
        if not isinstance(obj, dict):
            self.errors[path.rstrip(".")] = "Required." if obj is None else "Must be an object."
            return
        self.text(obj, path, "first_name", 50)
        self.text(obj, path, "last_name", 50)
        self.pattern(obj, path, "email", _EMAIL_RE, "Enter a valid email address.")
        self.phone(obj, path)
        self.birth_date(obj, path)
        self.pattern(obj, path, "ssn", _SSN_RE, "Send exactly 9 digits.")
        self.money(obj, path, "annual_income", 0, None)
        if primary:
            self.text(obj, path, "employer", 100)
            address = obj.get("address")
            if not isinstance(address, dict):
                self.errors[f"{path}address"] = "Required."
                return
            self.text(address, f"{path}address.", "line1", 100)
            self.text(address, f"{path}address.", "city", 50)
            self.pattern(address, f"{path}address.", "state", _STATE_RE, "Use the two-letter state code.")
            self.pattern(address, f"{path}address.", "zip", _ZIP_RE, "Use a 5-digit ZIP code.")


def validate_application(body: Mapping[str, Any], today: date) -> dict[str, str]:
    """Return field path -> message for everything wrong with a submission (empty when valid)."""
    check = _Checker(today)
    check.text(body, "", "reference", 64)
    check.person(body.get("applicant"), "applicant.", primary=True)
    if body.get("co_applicant") is not None:
        check.person(body.get("co_applicant"), "co_applicant.", primary=False)
    check.money(body, "", "amount_requested", MIN_AMOUNT_CENTS, MAX_AMOUNT_CENTS)
    if body.get("consent_electronic_disclosures") is not True:
        check.errors["consent_electronic_disclosures"] = "Consent to electronic disclosures is required."
    check.webhook_url(body)
    return check.errors


def _finance_rules(errors: dict[str, str], finance_type: str, amount: int, order_total: int | None) -> None:
    """Rules between the amount financed and the order: RTO finances the whole non-taxable order."""
    if order_total is None:
        return
    if finance_type == FinanceType.RTO and amount != order_total:
        errors["amount"] = "An RTO plan finances the full order total."
    elif amount > order_total:
        errors["amount"] = "Cannot be more than the order total."


def validate_authorization(body: Mapping[str, Any]) -> dict[str, str]:
    """Return field path -> message for what is wrong with an authorization body on its own."""
    check = _Checker(date.min)
    check.text(body, "", "application_id", 64)
    check.text(body, "", "order_reference", 64)
    check.choice(body, "", "finance_type", FinanceType)
    check.text(body, "", "plan_code", 50)
    amount = check.money(body, "", "amount", 1)
    if body.get("account_number") is not None:
        check.text(body, "", "account_number", 50)
    if not isinstance(body.get("account_number_required", False), bool):
        check.errors["account_number_required"] = "Send true or false."
    total = check.order(body.get("order"), "order.")
    if body.get("finance_type") == FinanceType.RTO and isinstance(body.get("order"), dict):
        if body["order"].get("non_taxable") is not True:
            check.errors["order.non_taxable"] = "An RTO order is non-taxable."
    if amount is not None:
        _finance_rules(check.errors, body.get("finance_type", ""), amount, total)
    check.webhook_url(body)
    return check.errors


def validate_adjustment(body: Mapping[str, Any]) -> dict[str, str]:
    """Return field path -> message for what is wrong with an adjustment body on its own."""
    check = _Checker(date.min)
    differences = body.get("differences")
    if not isinstance(differences, list) or not differences or len(differences) > MAX_ORDER_LINES:
        check.errors["differences"] = f"Send 1 to {MAX_ORDER_LINES} differences."
    else:
        for n, difference in enumerate(differences):
            where = f"differences.{n}."
            if not isinstance(difference, dict):
                check.errors[where.rstrip(".")] = "Must be an object."
                continue
            check.choice(difference, where, "what", DifferenceKind)
            if difference.get("item") is not None:
                check.text(difference, where, "item", 100)
            before = check.money(difference, where, "before")
            after = check.money(difference, where, "after")
            if before is not None and before == after:
                check.errors[f"{where}after"] = "A difference must change the amount."
    check.money(body, "", "amount", 1)
    check.order(body.get("order"), "order.")
    return check.errors


def validate_settlement(body: Mapping[str, Any]) -> dict[str, str]:
    """Return field path -> message for what is wrong with a settlement body on its own."""
    check = _Checker(date.min)
    check.text(body, "", "authorization_id", 64)
    check.money(body, "", "amount", 1)
    check.choice(body, "", "kind", SettlementKind)
    check.text(body, "", "reference", 64)
    return check.errors


# --- the simulator's memory ----------------------------------------------------------------------


@dataclass
class _Record:
    idempotency_key: str
    fingerprint: str
    webhook_url: str | None
    app: dict[str, Any]
    rule: str = ""  # the applicant's last name, lower case: it also decides the authorizations


@dataclass
class _Entry:
    """One authorization, adjustment or settlement, with the key that created it."""

    idempotency_key: str
    fingerprint: str
    data: dict[str, Any]
    webhook_url: str | None = None


@dataclass
class _Book:
    """Authorizations, adjustments or settlements: by id, by idempotency key, and attempts per key."""

    entries: dict[str, _Entry] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)

    def add(self, entry: _Entry) -> None:
        self.entries[entry.data["id"]] = entry
        self.by_key[entry.idempotency_key] = entry.data["id"]

    def clear(self) -> None:
        self.entries.clear()
        self.by_key.clear()
        self.attempts.clear()


AUTHORIZATIONS, ADJUSTMENTS, SETTLEMENTS = "authorizations", "adjustments", "settlements"
_OBJECT_NAME = {AUTHORIZATIONS: "authorization", ADJUSTMENTS: "adjustment", SETTLEMENTS: "settlement"}


_PLANS: dict[FinanceType, list[dict[str, str]]] = {
    FinanceType.INSTALLMENT: [
        {"code": "I36", "description": "36 months at 9.99% APR", "finance_type": "installment"},
        {"code": "I60", "description": "60 months at 12.99% APR", "finance_type": "installment"},
    ],
    FinanceType.RTO: [{"code": "R24", "description": "24-month rent to own", "finance_type": "rto"}],
    FinanceType.REVOLVING: [
        {"code": "RV1", "description": "Revolving account", "finance_type": "revolving"}
    ],
}


@dataclass
class SimState:
    """Everything the simulator remembers, plus its background tasks."""

    config: SimConfig
    clock: Clock
    apps: dict[str, _Record] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    http: httpx.AsyncClient | None = None
    books: dict[str, _Book] = field(
        default_factory=lambda: {AUTHORIZATIONS: _Book(), ADJUSTMENTS: _Book(), SETTLEMENTS: _Book()}
    )
    fail_next: int = 0  # how many more /v1 requests answer the injected failure
    faults: Counter[str] = field(default_factory=Counter)  # injected faults so far: "failed", "dropped"

    def now(self) -> str:
        return format_wire_datetime(self.clock())

    def spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def reset(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        self.apps.clear()
        self.by_key.clear()
        self.attempts.clear()
        self.locks.clear()
        self.deliveries.clear()
        for book in self.books.values():
            book.clear()
        self.fail_next = 0
        self.faults.clear()

    def fault_report(self) -> dict[str, Any]:
        """What ``/_sim/config`` adds to the settings: the failures still to inject and those injected."""
        return {"fail_next": self.fail_next, "faults_injected": dict(self.faults)}

    async def close(self) -> None:
        await self.reset()
        if self.http is not None:
            await self.http.aclose()
            self.http = None

    # -- application life cycle

    def create(self, key: str, fingerprint: str, body: Mapping[str, Any]) -> _Record:
        """Record a new application and decide it by the sandbox rules."""
        now = self.now()
        app_id = f"shp_app_{secrets.token_hex(8)}"
        app: dict[str, Any] = {
            "id": app_id,
            "reference": body["reference"],
            "status": ApplicationStatus.IN_REVIEW.value,
            "stage": ProviderStage.SUBMITTED.value,
            "amount_requested": body["amount_requested"],
            "amount_financed": None,
            "finance_type": None,
            "account_number": None,
            "plans": [],
            "prequal_url": None,
            "decline_reason": None,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        rule = str(body["applicant"]["last_name"]).strip().lower()
        if rule == "decline":
            app.update(
                status=ApplicationStatus.DECLINED.value,
                stage=ProviderStage.DECISIONED.value,
                decline_reason="Sandbox rule: the applicant's last name is Decline.",
            )
        elif rule == "prequal":
            app.update(
                status=ApplicationStatus.PREQUALIFIED.value,
                stage=ProviderStage.DECISIONED.value,
                prequal_url=f"{PREQUAL_BASE_URL}{app_id}",
            )
        elif rule == "review":
            app.update(status=ApplicationStatus.IN_REVIEW.value, stage=ProviderStage.UNDERWRITING.value)
        else:
            finance_type = {"lease": FinanceType.RTO, "revolve": FinanceType.REVOLVING}.get(
                rule, FinanceType.INSTALLMENT
            )
            self._approve(app, finance_type)
        record = _Record(
            idempotency_key=key, fingerprint=fingerprint, webhook_url=body.get("webhook_url"), app=app, rule=rule
        )
        self.apps[app_id] = record
        self.by_key[key] = app_id
        self.notify(record)
        if rule == "review":
            self.spawn(self._finish_review(record, self.config.review_delay_s))
        return record

    def _approve(self, app: dict[str, Any], finance_type: FinanceType) -> None:
        requested = decimal_string_to_cents(app["amount_requested"])
        app.update(
            status=ApplicationStatus.APPROVED.value,
            stage=ProviderStage.DECISIONED.value,
            amount_financed=cents_to_decimal_string(min(requested, self.config.max_approval_cents)),
            finance_type=finance_type.value,
            account_number=f"SHP{secrets.randbelow(10**9):09d}",
            plans=[dict(plan) for plan in _PLANS[finance_type]],
        )

    def touch(self, record: _Record) -> None:
        """Mark a change: bump the version and ``updated_at``, then send the webhook."""
        record.app["version"] += 1
        record.app["updated_at"] = self.now()
        self.notify(record)

    async def _finish_review(self, record: _Record, delay: float) -> None:
        await asyncio.sleep(delay)
        self._approve(record.app, FinanceType.INSTALLMENT)
        self.touch(record)

    # -- authorizations, adjustments, settlements

    def settled_cents(self, authorization_id: str) -> int:
        """The total of every settlement accepted for the authorization."""
        return sum(
            decimal_string_to_cents(entry.data["amount"])
            for entry in self.books[SETTLEMENTS].entries.values()
            if entry.data["authorization_id"] == authorization_id
        )

    def authorize(self, key: str, fingerprint: str, body: Mapping[str, Any]) -> Response | _Entry:
        """Check an authorization against its application, then record and decide it by the sandbox rules."""
        errors = validate_authorization(body)
        record = self.apps.get(body["application_id"]) if "application_id" not in errors else None
        if record is None and "application_id" not in errors:
            return _error(404, "not_found", "No application with this id.")
        if record is not None:  # reported together with the body's own problems, which take precedence
            errors = {**_against_application(record.app, body, errors), **errors}
        if errors or record is None:
            return _error(422, "validation_failed", "Some fields are invalid.", errors=errors)
        app = record.app

        now = self.now()
        auth_id = f"shp_auth_{secrets.token_hex(8)}"
        auth: dict[str, Any] = {
            "id": auth_id,
            "application_id": app["id"],
            "order_reference": body["order_reference"],
            "status": AuthorizationStatus.APPROVED.value,
            "finance_type": body["finance_type"],
            "plan_code": body["plan_code"],
            "amount": body["amount"],
            "authorization_number": None,
            "prequal_url": None,
            "decline_reason": None,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        if record.rule == "authdecline":
            auth.update(
                status=AuthorizationStatus.DECLINED.value,
                decline_reason="Sandbox rule: the applicant's last name is AuthDecline.",
            )
        elif record.rule == "authprequal":
            auth.update(status=AuthorizationStatus.PREQUALIFIED.value, prequal_url=f"{PREQUAL_BASE_URL}{auth_id}")
        else:
            auth["authorization_number"] = _authorization_number()
        entry = _Entry(idempotency_key=key, fingerprint=fingerprint, data=auth, webhook_url=body.get("webhook_url"))
        self.books[AUTHORIZATIONS].add(entry)
        self.notify_authorization(entry)
        if record.rule == "authprequal":
            self.spawn(self._finish_prequal(entry, self.config.auth_prequal_delay_s))
        return entry

    async def _finish_prequal(self, entry: _Entry, delay: float) -> None:
        await asyncio.sleep(delay)
        entry.data.update(
            status=AuthorizationStatus.APPROVED.value, authorization_number=_authorization_number(), prequal_url=None
        )
        self.touch_authorization(entry)

    def touch_authorization(self, entry: _Entry) -> None:
        """Mark a change of an authorization: bump the version and ``updated_at``, then send the webhook."""
        entry.data["version"] += 1
        entry.data["updated_at"] = self.now()
        self.notify_authorization(entry)

    def _find_authorization(self, authorization_id: str) -> Response | _Entry:
        entry = self.books[AUTHORIZATIONS].entries.get(authorization_id)
        return _error(404, "not_found", "No authorization with this id.") if entry is None else entry

    @staticmethod
    def _not_approved(entry: _Entry) -> Response | None:
        status = entry.data["status"]
        if status == AuthorizationStatus.APPROVED:
            return None
        return _error(422, "authorization_not_approved", f"The authorization is {status}, not approved.")

    def adjust(self, authorization_id: str, key: str, fingerprint: str, body: Mapping[str, Any]) -> Response | _Entry:
        """Record an adjustment: the authorization takes the new amount and a new version."""
        found = self._find_authorization(authorization_id)
        if isinstance(found, Response):
            return found
        errors = validate_adjustment(body)
        if errors:
            return _error(422, "validation_failed", "Some fields are invalid.", errors=errors)
        refused = self._not_approved(found)
        if refused is not None:
            return refused
        auth = found.data
        app = self.apps[auth["application_id"]].app
        amount = decimal_string_to_cents(body["amount"])
        settled = self.settled_cents(auth["id"])
        if amount > decimal_string_to_cents(app["amount_financed"]):
            errors["amount"] = f"Cannot be more than the {app['amount_financed']} approved for the application."
        elif amount < settled:
            errors["amount"] = f"Cannot be less than the {cents_to_decimal_string(settled)} already settled."
        else:
            if auth["finance_type"] == FinanceType.RTO and body["order"]["non_taxable"] is not True:
                errors["order.non_taxable"] = "An RTO order is non-taxable."
            _finance_rules(errors, auth["finance_type"], amount, decimal_string_to_cents(body["order"]["total"]))
        if errors:
            return _error(422, "validation_failed", "Some fields are invalid.", errors=errors)
        auth["amount"] = body["amount"]
        self.touch_authorization(found)
        adjustment = {
            "id": f"shp_adj_{secrets.token_hex(8)}",
            "authorization_id": auth["id"],
            "status": AdjustmentStatus.ACCEPTED.value,
            "amount": body["amount"],
            "authorization_version": auth["version"],
            "created_at": self.now(),
        }
        entry = _Entry(idempotency_key=key, fingerprint=fingerprint, data=adjustment)
        self.books[ADJUSTMENTS].add(entry)
        return entry

    def settle(self, key: str, fingerprint: str, body: Mapping[str, Any]) -> Response | _Entry:
        """Record a settlement unless it would take the authorization's settled total past its amount."""
        errors = validate_settlement(body)
        if errors:
            return _error(422, "validation_failed", "Some fields are invalid.", errors=errors)
        found = self._find_authorization(body["authorization_id"])
        if isinstance(found, Response):
            return found
        if self.apps[found.data["application_id"]].rule == "settlefail":
            return _error(503, "temporarily_unavailable", "Sandbox rule SettleFail: settlements are unavailable.")
        refused = self._not_approved(found)
        if refused is not None:
            return refused
        amount = decimal_string_to_cents(body["amount"])
        remaining = decimal_string_to_cents(found.data["amount"]) - self.settled_cents(found.data["id"])
        if amount > remaining:
            left = cents_to_decimal_string(max(remaining, 0))
            return _error(
                422,
                "over_settlement",
                f"Only {left} of the authorization remains to settle.",
                errors={"amount": f"At most {left}."},
            )
        settlement = {
            "id": f"shp_stl_{secrets.token_hex(8)}",
            "authorization_id": found.data["id"],
            "status": SettlementStatus.ACCEPTED.value,
            "amount": body["amount"],
            "kind": body["kind"],
            "reference": body["reference"],
            "created_at": self.now(),
        }
        entry = _Entry(idempotency_key=key, fingerprint=fingerprint, data=settlement)
        self.books[SETTLEMENTS].add(entry)
        return entry

    # -- webhooks

    def notify(self, record: _Record) -> None:
        """Send ``application.updated`` with a snapshot of the application, in the background."""
        self._send_event(record.webhook_url, "application.updated", "application", record.app)

    def notify_authorization(self, entry: _Entry) -> None:
        """Send ``authorization.updated`` with a snapshot of the authorization, in the background."""
        self._send_event(entry.webhook_url, "authorization.updated", "authorization", entry.data)

    def _send_event(self, url: str | None, event_type: str, member: str, data: dict[str, Any]) -> None:
        if not url or not self.config.webhooks_enabled:
            return
        event = {"event_id": f"evt_{secrets.token_hex(12)}", "type": event_type, member: dict(data)}
        body = json.dumps(event, separators=(",", ":")).encode()
        self.spawn(self._deliver(url, event["event_id"], body))

    async def _deliver(self, url: str, event_id: str, body: bytes) -> None:
        if self.http is None:
            # the pool stapp's own client uses: fifty webhooks of one instant are not all handed one connection
            self.http = httpx.AsyncClient(timeout=self.config.webhook_timeout_s, follow_redirects=False,
                                          transport=ProviderTransport(httpx.Limits()))
        delays = self.config.webhook_retry_delays_s
        for attempt in range(len(delays) + 1):
            timestamp = int(self.clock().timestamp())  # signed afresh on every attempt
            headers = {
                "Content-Type": "application/json",
                **signature_headers(self.config.webhook_secret, timestamp, body),
            }
            outcome: dict[str, Any] = {"event_id": event_id, "url": url, "attempt": attempt + 1}
            try:
                response = await self.http.post(url, content=body, headers=headers)
                outcome["status_code"] = response.status_code
            except httpx.HTTPError as exc:
                outcome["error"] = type(exc).__name__
            self.deliveries.append(outcome)
            if 200 <= outcome.get("status_code", 0) <= 299:
                return
            log.info("webhook %s attempt %d to %s failed: %s", event_id, attempt + 1, url, outcome)
            if attempt < len(delays):
                await asyncio.sleep(delays[attempt])
        log.warning("webhook %s to %s given up after %d attempts", event_id, url, len(delays) + 1)


def _against_application(app: Mapping[str, Any], body: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with an authorization for this application (``errors``: the body's own problems)."""
    if app["status"] != ApplicationStatus.APPROVED:
        return {"application_id": "The application is not approved."}
    found: dict[str, str] = {}
    if body.get("finance_type") != app["finance_type"]:
        found["finance_type"] = f"The application was approved for {app['finance_type']}."
    elif body.get("plan_code") not in {plan["code"] for plan in app["plans"]}:
        found["plan_code"] = "Not one of the application's plans."
    if "amount" not in errors and decimal_string_to_cents(body["amount"]) > decimal_string_to_cents(
        app["amount_financed"]
    ):
        found["amount"] = f"Cannot be more than the {app['amount_financed']} approved for the application."
    account = body.get("account_number")
    if app["account_number"] and account is None and body.get("account_number_required") is True:
        found["account_number"] = "Required: the provider requires the account number."
    elif app["account_number"] and account is not None and account != app["account_number"]:
        found["account_number"] = "Does not match the application's account number."
    return found


def _authorization_number() -> str:
    return f"A{secrets.randbelow(10**8):08d}"


# --- HTTP handlers -------------------------------------------------------------------------------


def _state(request: Request) -> SimState:
    return request.app.state.sim


def _api(handler: Handler) -> Handler:
    """Add the configured latency, then require the bearer token."""

    async def wrapped(request: Request) -> Response:
        state = _state(request)
        if state.config.latency_ms > 0:
            await asyncio.sleep(state.config.latency_ms / 1000)
        if state.fail_next > 0:  # an injected burst: answered before anything is read or recorded
            state.fail_next -= 1
            state.faults["failed"] += 1
            status = state.config.fail_status
            code, message = (
                ("rate_limited", "Injected fault: too many requests.")
                if status == 429
                else ("temporarily_unavailable", "Injected fault: try again.")
            )
            return _error(status, code, message, headers={"Retry-After": str(state.config.fail_retry_after)})
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), state.config.token.encode()):
            return _error(
                401, "unauthorized", "Missing or invalid bearer token.", headers={"WWW-Authenticate": "Bearer"}
            )
        return await handler(request)

    return wrapped


def _admin(handler: Handler) -> Handler:
    """Require ``X-Sim-Admin``; the ``/_sim`` endpoints do not exist when no admin token is configured."""

    async def wrapped(request: Request) -> Response:
        expected = _state(request).config.admin_token
        if not expected:
            return _error(404, "no_such_endpoint", "Simulator admin endpoints are disabled.")
        given = request.headers.get("X-Sim-Admin", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return _error(401, "unauthorized", "Missing or invalid X-Sim-Admin header.")
        return await handler(request)

    return wrapped


@_api
async def ping(request: Request) -> Response:
    """``GET /v1/ping``."""
    return JSONResponse({"ok": True, "provider": PROVIDER_NAME})


async def _read_keyed(request: Request) -> tuple[str, dict[str, Any]] | Response:
    """The ``Idempotency-Key`` and the JSON object body of a POST, or the 400 answer."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return _error(400, "missing_idempotency_key", "The Idempotency-Key header is required.")
    if len(key) > MAX_IDEMPOTENCY_KEY_LEN or not key.isprintable() or not key.isascii():
        return _error(
            400, "invalid_idempotency_key", "The Idempotency-Key must be 1 to 255 printable ASCII characters."
        )
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid_json", "The body is not JSON.")
    if not isinstance(body, dict):
        return _error(400, "invalid_json", "The body must be a JSON object.")
    return key, body


def _fingerprint(body: Mapping[str, Any], scope: str = "") -> str:
    """Equal for the same JSON value (member order and whitespace do not matter) sent to the same ``scope``."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{scope}\n{canonical}".encode() if scope else canonical.encode()).hexdigest()


async def _keyed_post(
    request: Request,
    book_name: str,
    create: Callable[[str, str, dict[str, Any]], Response | _Entry],
    scope: str = "",
) -> Response:
    """The idempotency shared by authorizations, adjustments and settlements.

    A new key runs ``create`` (which refuses with a response, recording nothing, or records an entry);
    a recorded key answers the same entry as it is now with ``200`` and ``Idempotent-Replayed: true``, or
    ``422 idempotency_key_reused`` when the body differs. One lock per key serialises concurrent calls.
    """
    read = await _read_keyed(request)
    if isinstance(read, Response):
        return read
    key, body = read
    fingerprint = _fingerprint(body, scope)
    state = _state(request)
    book = state.books[book_name]
    async with state.locks.setdefault(f"{book_name}:{key}", asyncio.Lock()):
        book.attempts[key] += 1
        existing = book.by_key.get(key)
        if existing is not None:
            entry = book.entries[existing]
            if entry.fingerprint != fingerprint:
                return _error(
                    422, "idempotency_key_reused", "This Idempotency-Key was already used with a different body."
                )
            return JSONResponse(dict(entry.data), status_code=200, headers={"Idempotent-Replayed": "true"})
        outcome = create(key, fingerprint, body)
    if isinstance(outcome, Response):
        return outcome
    return JSONResponse(dict(outcome.data), status_code=201)


@_api
async def submit_application(request: Request) -> Response:
    """``POST /v1/applications``: idempotent by ``Idempotency-Key``."""
    state = _state(request)
    read = await _read_keyed(request)
    if isinstance(read, Response):
        return read
    key, body = read
    fingerprint = _fingerprint(body)

    hold_back = 0.0
    drop = False
    lock = state.locks.setdefault(key, asyncio.Lock())
    async with lock:  # concurrent submissions with one key create one application
        state.attempts[key] += 1
        existing = state.by_key.get(key)
        if existing is not None:
            record = state.apps[existing]
            if record.fingerprint != fingerprint:
                return _error(
                    422, "idempotency_key_reused", "This Idempotency-Key was already used with a different body."
                )
            return JSONResponse(dict(record.app), status_code=200, headers={"Idempotent-Replayed": "true"})
        errors = validate_application(body, state.clock().date())
        if errors:
            return _error(422, "validation_failed", "Some fields are invalid.", errors=errors)
        rule = body["applicant"]["last_name"].strip().lower()
        if rule == "flaky" and state.attempts[key] <= 2:
            return _error(
                503, "temporarily_unavailable", "Sandbox rule Flaky: try again.", headers={"Retry-After": "1"}
            )
        record = state.create(key, fingerprint, body)
        if rule == "timeout":
            hold_back = state.config.timeout_delay_s
        drop = state.config.drop_after_create
    if drop:
        state.faults["dropped"] += 1
        return await _drop_connection(request)
    if hold_back:
        await asyncio.sleep(hold_back)  # recorded already; only the answer is late
    return JSONResponse(dict(record.app), status_code=201)


class ConnectionDropped(ConnectionError):
    """Raised into an in-process client (``httpx.ASGITransport``) where no socket can be closed."""


async def _drop_connection(request: Request) -> Response:
    """Close the client's connection without any HTTP answer (the ``drop_after_create`` fault).

    Under uvicorn the raw ``send`` (kept in the scope by :class:`_SimApp`) belongs to the request cycle, whose
    transport is closed; uvicorn then sees the client gone and discards the response returned here. Without a
    socket (an in-process ASGI client) the fault is raised as :class:`ConnectionDropped` instead.
    """
    raw_send = request.scope.get(_RAW_SEND)
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None or not callable(getattr(transport, "close", None)):
        raise ConnectionDropped("drop_after_create: the connection was dropped before any answer")
    transport.close()
    for _ in range(3):  # let the server notice the closed connection before the response is offered
        await asyncio.sleep(0)
    return Response(status_code=204)


@_api
async def get_application(request: Request) -> Response:
    """``GET /v1/applications/{id}``."""
    record = _state(request).apps.get(request.path_params["application_id"])
    if record is None:
        return _error(404, "not_found", "No application with this id.")
    return JSONResponse(dict(record.app))


@_api
async def find_application(request: Request) -> Response:
    """``GET /v1/applications?idempotency_key=KEY``."""
    state = _state(request)
    key = request.query_params.get("idempotency_key", "").strip()
    if not key:
        return _error(400, "missing_idempotency_key", "Pass ?idempotency_key=KEY; listing is not supported.")
    app_id = state.by_key.get(key)
    if app_id is None:
        return _error(404, "not_found", "No application was recorded for this Idempotency-Key.")
    return JSONResponse(dict(state.apps[app_id].app))


@_api
async def create_authorization(request: Request) -> Response:
    """``POST /v1/authorizations``: idempotent by ``Idempotency-Key``."""
    return await _keyed_post(request, AUTHORIZATIONS, _state(request).authorize)


@_api
async def get_authorization(request: Request) -> Response:
    """``GET /v1/authorizations/{id}``."""
    entry = _state(request).books[AUTHORIZATIONS].entries.get(request.path_params["authorization_id"])
    if entry is None:
        return _error(404, "not_found", "No authorization with this id.")
    return JSONResponse(dict(entry.data))


@_api
async def create_adjustment(request: Request) -> Response:
    """``POST /v1/authorizations/{id}/adjustments``: idempotent by ``Idempotency-Key``."""
    state = _state(request)
    authorization_id = request.path_params["authorization_id"]

    def create(key: str, fingerprint: str, body: dict[str, Any]) -> Response | _Entry:
        return state.adjust(authorization_id, key, fingerprint, body)

    return await _keyed_post(request, ADJUSTMENTS, create, scope=authorization_id)


@_api
async def create_settlement(request: Request) -> Response:
    """``POST /v1/settlements``: idempotent by ``Idempotency-Key``; never settles past the authorization."""
    return await _keyed_post(request, SETTLEMENTS, _state(request).settle)


@_admin
async def sim_ledger(request: Request) -> Response:
    """``GET /_sim/ledger[?authorization_id=ID][&idempotency_key=KEY]``: authorizations, adjustments, settlements."""
    state = _state(request)
    key = request.query_params.get("idempotency_key")
    authorization_id = request.query_params.get("authorization_id")
    answer: dict[str, Any] = {}
    for name, book in state.books.items():
        owner = "id" if name == AUTHORIZATIONS else "authorization_id"
        entries = [
            e
            for e in book.entries.values()
            if (key is None or e.idempotency_key == key)
            and (authorization_id is None or e.data[owner] == authorization_id)
        ]
        answer[name] = {
            "count": len(entries),
            "items": [{"idempotency_key": e.idempotency_key, _OBJECT_NAME[name]: e.data} for e in entries],
            "attempts": {k: n for k, n in book.attempts.items() if key is None or k == key},
        }
    settled = sum(decimal_string_to_cents(item["settlement"]["amount"]) for item in answer[SETTLEMENTS]["items"])
    answer[SETTLEMENTS]["total"] = cents_to_decimal_string(settled)
    answer["webhook_deliveries"] = list(state.deliveries)
    return JSONResponse(answer)


@_admin
async def sim_applications(request: Request) -> Response:
    """``GET /_sim/applications[?idempotency_key=KEY]``: the simulator's own record."""
    state = _state(request)
    key = request.query_params.get("idempotency_key")
    records = [r for r in state.apps.values() if key is None or r.idempotency_key == key]
    attempts = {k: n for k, n in state.attempts.items() if key is None or k == key}
    return JSONResponse(
        {
            "count": len(records),
            "applications": [{"idempotency_key": r.idempotency_key, "application": r.app} for r in records],
            "attempts": attempts,
            "webhook_deliveries": list(state.deliveries),
        }
    )


_TUNABLE = {"latency_ms": int, "review_delay_s": float, "timeout_delay_s": float, "auth_prequal_delay_s": float}
_SWITCHES = ("webhooks_enabled", "drop_after_create")
_FAIL_STATUSES = (429, 503)


@_admin
async def sim_config(request: Request) -> Response:
    """``POST /_sim/config``: change latency, delays and injected faults at run time; ``{}`` only reads them."""
    state = _state(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return _error(400, "invalid_json", "The body is not JSON.")
    if not isinstance(body, dict):
        return _error(400, "invalid_json", "The body must be a JSON object.")
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    fail_next: int | None = None
    for name, value in body.items():
        cast = _TUNABLE.get(name)
        whole = isinstance(value, int) and not isinstance(value, bool)
        if name in _SWITCHES:
            if isinstance(value, bool):
                changes[name] = value
            else:
                errors[name] = "Send true or false."
        elif name == "fail_next":
            if whole and 0 <= value <= 1000:
                fail_next = value
            else:
                errors[name] = "Send a whole number from 0 to 1000."
        elif name == "fail_status":
            if whole and value in _FAIL_STATUSES:
                changes[name] = value
            else:
                errors[name] = "Send 503 or 429."
        elif name == "fail_retry_after":
            if whole and 0 <= value <= 3600:
                changes[name] = value
            else:
                errors[name] = "Send a whole number of seconds from 0 to 3600."
        elif cast is None:
            errors[name] = "Not a tunable setting."
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value > 3600:
            errors[name] = "Send a number from 0 to 3600."
        else:
            changes[name] = cast(value)
    if errors:
        return _error(422, "validation_failed", "Some settings are invalid.", errors=errors)
    state.config = replace(state.config, **changes)
    if fail_next is not None:
        state.fail_next = fail_next
    return JSONResponse({**state.config.public(), **state.fault_report()})


@_admin
async def sim_reset(request: Request) -> Response:
    """``POST /_sim/reset``: forget every application, authorization, adjustment, settlement, key and delivery."""
    await _state(request).reset()
    return JSONResponse({"ok": True})


_STAGE_ORDER = [
    ProviderStage.DECISIONED,
    ProviderStage.CONTRACT_SENT,
    ProviderStage.CONTRACT_SIGNED,
    ProviderStage.FUNDED,
]


@_admin
async def sim_advance_stage(request: Request) -> Response:
    """``POST /_sim/applications/{id}/stage`` with ``{"stage": ...}``: move an approved application forward."""
    state = _state(request)
    record = state.apps.get(request.path_params["application_id"])
    if record is None:
        return _error(404, "not_found", "No application with this id.")
    try:
        body = json.loads(await request.body())
        target = ProviderStage(body["stage"])
    except (ValueError, KeyError, TypeError):
        return _error(422, "validation_failed", 'Send {"stage": ...}.', errors={"stage": "Unknown stage."})
    current = ProviderStage(record.app["stage"])
    if (
        record.app["status"] != ApplicationStatus.APPROVED
        or current not in _STAGE_ORDER
        or target not in _STAGE_ORDER
        or _STAGE_ORDER.index(target) <= _STAGE_ORDER.index(current)
    ):
        return _error(422, "invalid_stage_transition", f"Cannot move from {current} to {target}.")
    record.app["stage"] = target.value
    state.touch(record)
    return JSONResponse(dict(record.app))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "no_such_endpoint", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _error(exc.status_code, code, str(exc.detail), headers=exc.headers)


_RAW_SEND = "stapp.sim.raw_send"


class _SimApp(Starlette):
    """Starlette that keeps the server's own ``send`` in the scope, so a fault can drop the connection."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        scope[_RAW_SEND] = send
        await super().__call__(scope, receive, send)


def create_app(config: SimConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """Build the simulator's ASGI app.

    Args:
        config: Settings; defaults to :meth:`SimConfig.from_env`.
        clock: Returns the current aware UTC time; injectable for tests.
    """
    state = SimState(config=config or SimConfig.from_env(), clock=clock or (lambda: datetime.now(UTC)))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.close()

    app = _SimApp(
        routes=[
            Route("/v1/ping", ping, methods=["GET"]),
            Route("/v1/applications", submit_application, methods=["POST"]),
            Route("/v1/applications", find_application, methods=["GET"]),
            Route("/v1/applications/{application_id}", get_application, methods=["GET"]),
            Route("/v1/authorizations", create_authorization, methods=["POST"]),
            Route("/v1/authorizations/{authorization_id}", get_authorization, methods=["GET"]),
            Route("/v1/authorizations/{authorization_id}/adjustments", create_adjustment, methods=["POST"]),
            Route("/v1/settlements", create_settlement, methods=["POST"]),
            Route("/_sim/ledger", sim_ledger, methods=["GET"]),
            Route("/_sim/applications", sim_applications, methods=["GET"]),
            Route("/_sim/applications/{application_id}/stage", sim_advance_stage, methods=["POST"]),
            Route("/_sim/config", sim_config, methods=["POST"]),
            Route("/_sim/reset", sim_reset, methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.sim = state
    return app


def main(argv: list[str] | None = None) -> None:
    """Run the simulator with uvicorn; options override ``STAPP_SIM_*`` variables."""
    import uvicorn

    env = SimConfig.from_env()
    parser = argparse.ArgumentParser(prog="python -m stapp.provider.simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("STAPP_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STAPP_SIM_PORT", "8765")))
    parser.add_argument("--token", default=env.token)
    parser.add_argument("--latency-ms", type=int, default=env.latency_ms)
    parser.add_argument("--review-delay-s", type=float, default=env.review_delay_s)
    parser.add_argument("--timeout-delay-s", type=float, default=env.timeout_delay_s)
    parser.add_argument("--auth-prequal-delay-s", type=float, default=env.auth_prequal_delay_s)
    parser.add_argument("--webhook-secret", default=env.webhook_secret)
    parser.add_argument("--admin-token", default=env.admin_token)
    parser.add_argument("--log-level", default=os.environ.get("STAPP_SIM_LOG_LEVEL", "info"))
    args = parser.parse_args(argv)
    config = replace(
        env,
        token=args.token,
        latency_ms=args.latency_ms,
        review_delay_s=args.review_delay_s,
        timeout_delay_s=args.timeout_delay_s,
        auth_prequal_delay_s=args.auth_prequal_delay_s,
        webhook_secret=args.webhook_secret,
        admin_token=args.admin_token,
    )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        create_app(config), host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=2
    )


if __name__ == "__main__":
    main()
