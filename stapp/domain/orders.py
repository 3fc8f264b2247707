"""Orders paid with consumer financing: totals, statuses and the finance-plan rules. No framework.

Installment and RTO plans are settled as lines complete and are re-authorized (open orders) or
adjusted (partially completed orders) when an order's money changes; Revolving plans are not.
An RTO plan finances the whole order and removes its sales tax (the provider handles any tax).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from stapp.domain.money import format_cents, percent_of
from stapp.domain.validation import Form

CODE_RE = re.compile(r"[A-Za-z0-9]{1,5}")
PERCENT_RE = re.compile(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?")
PLAN_DESCRIPTION_MAX = 50
MAX_DEPOSIT_BPS = 10_000  # 100.00%
MAX_DEPOSIT_LABEL = "Maximum Percentage When Used as a Deposit"

RTO_NO_TAX_REASON = "RTO"  # the NT Rsn recorded when an RTO plan removes the tax

AUTH_NONE = "none"
AUTH_REAUTHORIZE = "reauthorize"
AUTH_ADJUST = "adjust"


class LineKind(StrEnum):
    EQUIPMENT = "equipment"
    INSTALLATION = "installation"
    FEE = "fee"


class OrderStatus(StrEnum):
    OPEN = "Open"
    PARTIALLY_COMPLETED = "Partially Completed"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"


class FinanceType(StrEnum):
    INSTALLMENT = "installment"
    RTO = "rto"
    REVOLVING = "revolving"


FINANCE_TYPE_LABELS = {"installment": "Installment", "rto": "RTO", "revolving": "Revolving"}
SETTLES_ON_COMPLETION = frozenset({FinanceType.INSTALLMENT, FinanceType.RTO})


@dataclass(frozen=True)
class Line:
    """One order line. Money is integer cents.

    Attributes:
        key: Stable id of the line (the database id as text).
        kind: Equipment, installation or fee.
        item: What the line sells.
        quantity: How many, at least 1.
        unit_price_cents: Price of one, zero or more.
        completed: Whether the line has been completed (delivered or installed).
    """

    key: str
    kind: LineKind
    item: str
    quantity: int
    unit_price_cents: int
    completed: bool = False

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("A line's quantity must be at least 1.")
        if self.unit_price_cents < 0:
            raise ValueError("A line's unit price cannot be negative.")

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class OrderSnapshot:
    """The money and completion state of one order at one moment.

    Attributes:
        lines: The order's lines; keys are unique.
        discount_cents: Order discount, from zero up to the subtotal.
        tax_rate_bps: Sales tax rate in basis points (825 = 8.25%).
        non_taxable: True when no tax is charged (for example, after an RTO plan was added).
        deposits_cents: Customer deposits and payments applied (not financing).
        cancelled: True when the order was cancelled.
    """

    lines: tuple[Line, ...]
    discount_cents: int = 0
    tax_rate_bps: int = 0
    non_taxable: bool = False
    deposits_cents: int = 0
    cancelled: bool = False

    def __post_init__(self) -> None:
        if len({line.key for line in self.lines}) != len(self.lines):
            raise ValueError("Order lines must have unique keys.")
        if self.discount_cents < 0 or self.discount_cents > self.subtotal_cents:
            raise ValueError("An order discount must be between zero and the subtotal.")
        if self.tax_rate_bps < 0:
            raise ValueError("A tax rate cannot be negative.")
        if self.deposits_cents < 0:
            raise ValueError("Deposits cannot be negative.")

    @property
    def subtotal_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def taxable_cents(self) -> int:
        if self.non_taxable:
            return 0
        return max(0, self.subtotal_cents - self.discount_cents)

    @property
    def tax_cents(self) -> int:
        return percent_of(self.taxable_cents, self.tax_rate_bps)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents + self.tax_cents

    @property
    def status(self) -> OrderStatus:
        if self.cancelled:
            return OrderStatus.CANCELLED
        done = sum(1 for line in self.lines if line.completed)
        if self.lines and done == len(self.lines):
            return OrderStatus.COMPLETED
        if done:
            return OrderStatus.PARTIALLY_COMPLETED
        return OrderStatus.OPEN

    @property
    def has_partial_completions(self) -> bool:
        done = sum(1 for line in self.lines if line.completed)
        return 0 < done < len(self.lines)

    def without_tax(self) -> OrderSnapshot:
        """The same order marked non-taxable, so its tax is zero."""
        return replace(self, non_taxable=True)


@dataclass(frozen=True)
class Plan:
    """A financing payment plan.

    Attributes:
        code: The plan's short code.
        finance_type: Installment, RTO or Revolving.
        max_deposit_bps: Maximum Percentage When Used as a Deposit, in basis points (always 0 for
            Installment and RTO).
        active: Whether the plan may be used.
    """

    code: str
    finance_type: FinanceType
    max_deposit_bps: int = 0
    active: bool = True


class FinanceRuleError(ValueError):
    """A finance rule refused the action.

    Attributes:
        rule: Short code of the rule that failed.
        message: The sentence shown to the user.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _percent_text(basis_points: int) -> str:
    """``2500`` -> ``"25.00"``."""
    whole, frac = divmod(basis_points, 100)
    return f"{whole}.{frac:02d}"


def check_finance_plan(
    order: OrderSnapshot,
    *,
    plan: Plan,
    approved_type: FinanceType | None,
    approved_amount_cents: int | None,
    amount_cents: int,
    as_deposit: bool,
    already_financed_cents: int = 0,
) -> OrderSnapshot:
    """Check that a finance plan may be added to an order for an amount.

    Args:
        order: The order before the plan is added.
        plan: The payment plan chosen.
        approved_type: The finance type of the customer's approved application, if any.
        approved_amount_cents: The approved amount, if any.
        amount_cents: The amount to finance with this plan.
        as_deposit: True when the plan is used as a deposit (the Payments field).
        already_financed_cents: Amount already financed on this order by other plans.

    Returns:
        The order as it is once the plan is added (for RTO, without tax).

    Raises:
        FinanceRuleError: For the first rule that fails.
    """
    if order.status is not OrderStatus.OPEN:
        raise FinanceRuleError("order_not_open", "Finance plans can be added only to open orders.")
    if approved_type is None or approved_amount_cents is None:
        raise FinanceRuleError("no_approval", "The customer has no approved financing application.")
    if not plan.active:
        raise FinanceRuleError("plan_inactive", "This payment plan is not active.")
    if plan.finance_type != approved_type:
        label = FINANCE_TYPE_LABELS[approved_type]
        raise FinanceRuleError("type_mismatch", f"The approved application allows {label} plans only.")
    if amount_cents <= 0:
        raise FinanceRuleError("amount", "Enter an amount greater than zero.")
    is_rto = plan.finance_type == FinanceType.RTO
    if as_deposit and plan.finance_type in SETTLES_ON_COMPLETION:
        raise FinanceRuleError("deposit_not_allowed", "Installment and RTO plans cannot be used as a deposit.")
    if is_rto and order.deposits_cents > 0:
        raise FinanceRuleError("rto_deposit", "An RTO plan cannot be added to an order with a deposit applied.")
    after = order.without_tax() if is_rto else order
    if is_rto and amount_cents != after.total_cents:
        raise FinanceRuleError(
            "rto_full_amount", f"An RTO plan must finance the whole order ({format_cents(after.total_cents)})."
        )
    if amount_cents > approved_amount_cents:
        raise FinanceRuleError(
            "over_approved", f"The amount exceeds the approved amount of {format_cents(approved_amount_cents)}."
        )
    balance = after.total_cents - after.deposits_cents - already_financed_cents
    if amount_cents > balance:
        raise FinanceRuleError("over_balance", f"The amount exceeds the order balance of {format_cents(balance)}.")
    if plan.finance_type == FinanceType.REVOLVING and as_deposit:
        most = percent_of(order.total_cents, plan.max_deposit_bps)
        if amount_cents > most:
            raise FinanceRuleError(
                "deposit_percentage",
                f"As a deposit, this plan may cover at most {_percent_text(plan.max_deposit_bps)}% "
                f"of the order ({format_cents(most)}).",
            )
    return after


def _max_deposit_bps(form: Form, finance_type: FinanceType | None) -> None:
    name = "max_deposit_pct"
    raw = form.raw(name)
    if name in form.errors:
        return
    bps = 0
    if raw:
        match = PERCENT_RE.fullmatch(raw)
        if match is not None:
            bps = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
        if match is None or bps > MAX_DEPOSIT_BPS:
            form.errors[name] = f"{MAX_DEPOSIT_LABEL} must be between 0.00 and 100.00 with at most two decimals."
            return
    if bps and finance_type in SETTLES_ON_COMPLETION:
        form.errors[name] = f"{MAX_DEPOSIT_LABEL} is fixed at 0.00 for Installment and RTO plans."
        return
    form.clean["max_deposit_bps"] = bps


def validate_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the Financing Payment Plans form.

    Args:
        data: The submitted form: ``code``, ``description``, ``finance_type``, ``max_deposit_pct``, ``active``.

    Returns:
        Clean values: ``code`` (upper-case), ``description``, ``finance_type`` (a ``FinanceType``),
        ``max_deposit_bps`` (int) and ``active`` (bool).

    Raises:
        ValidationFailed: With every field error at once.
    """
    form = Form(data if isinstance(data, Mapping) else {})
    code = form.text("code", "Code", required=True, max_len=5)
    if code and not CODE_RE.fullmatch(code):
        form.errors["code"] = "Code must be 1 to 5 letters or digits."
    form.clean["code"] = code.upper()
    form.text("description", "Description", required=True, max_len=PLAN_DESCRIPTION_MAX)
    finance_type = form.choice("finance_type", "Finance Type", {t.value: t for t in FinanceType})
    _max_deposit_bps(form, finance_type)
    form.checkbox("active")
    return form.check()


def authorization_action(order: OrderSnapshot, finance_type: FinanceType | None) -> str:
    """What a monetary change to an order sends to the finance provider.

    Args:
        order: The order being changed.
        finance_type: The finance type of the order's plan, if it is financed.

    Returns:
        ``"reauthorize"`` for an open Installment/RTO order with no partial completions,
        ``"adjust"`` for a partially completed one, else ``"none"``.
    """
    if finance_type not in SETTLES_ON_COMPLETION:
        return AUTH_NONE
    if order.status is OrderStatus.OPEN:
        return AUTH_REAUTHORIZE
    if order.status is OrderStatus.PARTIALLY_COMPLETED:
        return AUTH_ADJUST
    return AUTH_NONE


def _key_order(key: str) -> tuple[int, int, str]:
    """Numeric keys in number order, then any other keys in text order."""
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def diff_orders(before: OrderSnapshot, after: OrderSnapshot) -> list[dict[str, Any]]:
    """The differences an authorization adjustment request details.

    A line added or removed is reported with its amount in cents; a kept line with quantity and
    unit price changes; then the discount, tax and total in cents.

    Args:
        before: The order as it was authorized.
        after: The order as it is now.

    Returns:
        One ``{"what", "item", "before", "after"}`` dict per change, lines by key then discount,
        tax and total; ``[]`` when nothing monetary changed.
    """
    old = {line.key: line for line in before.lines}
    new = {line.key: line for line in after.lines}
    changes: list[dict[str, Any]] = []
    for key in sorted(old.keys() | new.keys(), key=_key_order):
        was, now = old.get(key), new.get(key)
        if was is None and now is not None:
            changes.append({"what": "line added", "item": now.item, "before": 0, "after": now.amount_cents})
        elif now is None and was is not None:
            changes.append({"what": "line removed", "item": was.item, "before": was.amount_cents, "after": 0})
        elif was is not None and now is not None:
            if was.quantity != now.quantity:
                changes.append({"what": "quantity", "item": now.item, "before": was.quantity, "after": now.quantity})
            if was.unit_price_cents != now.unit_price_cents:
                changes.append(
                    {
                        "what": "unit price",
                        "item": now.item,
                        "before": was.unit_price_cents,
                        "after": now.unit_price_cents,
                    }
                )
    for what, a, b in (
        ("discount", before.discount_cents, after.discount_cents),
        ("tax", before.tax_cents, after.tax_cents),
        ("total", before.total_cents, after.total_cents),
    ):
        if a != b:
            changes.append({"what": what, "item": "", "before": a, "after": b})
    return changes


def settlement_for_completion(
    *, financed_cents: int, lines: tuple[Line, ...], completed_keys: frozenset[str], already_settled_cents: int
) -> int:
    """The partial settlement to send when lines complete (Installment and RTO plans).

    The amount settled so far should reach ``financed_cents * completed value / total value``
    (rounded half up), and exactly ``financed_cents`` once every line is complete.

    Args:
        financed_cents: The amount financed by the plan.
        lines: All of the order's lines.
        completed_keys: Keys of every line completed so far, including the ones just completed.
        already_settled_cents: The sum of the settlements already sent.

    Returns:
        The amount to settle now, never negative.
    """
    if financed_cents < 0:
        raise ValueError("A financed amount cannot be negative.")
    if all(line.key in completed_keys for line in lines):
        target = financed_cents
    else:
        total_value = sum(line.amount_cents for line in lines)
        completed_value = sum(line.amount_cents for line in lines if line.key in completed_keys)
        if total_value == 0:
            target = 0
        else:
            quotient, remainder = divmod(financed_cents * completed_value, total_value)
            target = quotient + (1 if 2 * remainder >= total_value else 0)
    return max(0, target - already_settled_cents)


def check_exchange(original_finance_type: FinanceType | None, *, split: bool) -> None:
    """Check an exchange on an order financed with an Installment or RTO plan.

    Args:
        original_finance_type: The finance type of the original order, if it was financed.
        split: True for the Split Exchange action.

    Raises:
        FinanceRuleError: When the original order was not financed with Installment or RTO, or
            for a split exchange.
    """
    if original_finance_type not in SETTLES_ON_COMPLETION:
        raise FinanceRuleError(
            "exchange_type",
            "Exchanges on a financed order need the original order to be financed with an Installment or RTO plan.",
        )
    if split:
        raise FinanceRuleError(
            "split_exchange", "Split Exchange is not available for orders financed with Installment or RTO plans."
        )
