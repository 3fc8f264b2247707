"""Orders and their finance plans: lines, discount, tax, deposits, completion, authorizations, settlements.

Permissions (the documents are silent; see docs/decisions.md): Customers: View at the customer's
location to see orders, Customers: Modify to change them, Consumer Financing Applications: Manage to
add a finance plan. Every monetary change of an order financed with Installment or RTO triggers a
re-authorization (no completions yet) or an adjustment (partially completed), recorded before sending.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from stapp.db.models import (
    Customer,
    FinanceApplication,
    FinanceAuthorization,
    FinancePlan,
    FinanceProvider,
    Location,
    SalesOrder,
    SalesOrderLine,
    Settlement,
)
from stapp.db.types import utcnow
from stapp.domain.errors import NotFound, ValidationFailed
from stapp.domain.financing import AppStatus
from stapp.domain.money import MoneyError, format_cents, parse_cents
from stapp.domain.orders import (
    FINANCE_TYPE_LABELS,
    RTO_NO_TAX_REASON,
    FinanceRuleError,
    FinanceType,
    Line,
    LineKind,
    OrderSnapshot,
    OrderStatus,
    Plan,
    authorization_action,
    check_exchange,
    check_finance_plan,
    diff_orders,
    settlement_for_completion,
)
from stapp.domain.permissions import Permission
from stapp.domain.validation import Form, parse_id
from stapp.services import audit
from stapp.services.auth import Actor
from stapp.services.authz import require
from stapp.services.customers import get_customer

ORDER_NOT_FOUND = "This order does not exist or you do not have access to it."
MAX_LINE_CENTS = 100_000_000


def snapshot(order: SalesOrder, lines: list[SalesOrderLine]) -> OrderSnapshot:
    return OrderSnapshot(
        lines=tuple(
            Line(key=str(li.id), kind=LineKind(li.kind), item=li.item, quantity=li.quantity,
                 unit_price_cents=li.unit_price_cents, completed=li.completed_at is not None)
            for li in sorted(lines, key=lambda li: li.id or 0)
        ),
        discount_cents=order.discount_cents,
        tax_rate_bps=order.tax_rate_bps,
        non_taxable=order.non_taxable,
        deposits_cents=order.deposits_cents,
        cancelled=order.cancelled,
    )


def _lines(session: Session, order_id: int) -> list[SalesOrderLine]:
    return list(session.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == order_id)
                             .order_by(SalesOrderLine.id)).all())


def load_order(session: Session, actor: Actor, order_id: object, perm: Permission, *, lock: bool = False) -> SalesOrder:
    """The order, when the actor may see it and holds ``perm`` at its location; else NotFound."""
    try:
        ident = parse_id(order_id)
    except ValueError:
        raise NotFound(ORDER_NOT_FOUND) from None
    query = select(SalesOrder).where(SalesOrder.id == ident)
    order = session.exec(query.with_for_update() if lock else query).first()
    if order is None or not actor.grants.allows(Permission.CUSTOMERS_VIEW, order.location_id):
        raise NotFound(ORDER_NOT_FOUND)
    require(actor, perm, order.location_id)
    return order


def create_order(session: Session, actor: Actor, customer_id: object) -> SalesOrder:
    customer = get_customer(session, actor, customer_id, Permission.CUSTOMERS_VIEW)
    require(actor, Permission.CUSTOMERS_MODIFY, customer.location_id)
    location = session.get(Location, customer.location_id)
    order = SalesOrder(customer_id=customer.id, location_id=customer.location_id, tax_rate_bps=location.sales_tax_bps,
                       created_by_id=actor.user_id)
    session.add(order)
    session.flush()
    _audit(session, actor, "order.created", order)
    return order


def _audit(session: Session, actor: Actor, action: str, order: SalesOrder, before=None, after=None) -> None:  # noqa: ANN001
    audit.record(session, actor=actor, action=action, entity="order", entity_id=order.id, customer_id=order.customer_id,
                 location_id=order.location_id, before=before, after=after)


def _totals(s: OrderSnapshot) -> dict[str, int]:
    return {"subtotal": s.subtotal_cents, "discount": s.discount_cents, "tax": s.tax_cents, "total": s.total_cents,
            "deposits": s.deposits_cents, "lines": len(s.lines)}


def _validate_line(data: object) -> dict[str, Any]:
    form = Form(data if isinstance(data, dict) else {})
    form.choice("kind", "Kind", {k.value: k for k in LineKind})
    form.text("item", "Item", required=True, max_len=100)
    qty = form.raw("quantity")
    if "quantity" not in form.errors:
        if not qty.isdigit() or not 1 <= int(qty) <= 10_000:
            form.errors["quantity"] = "Quantity must be a whole number from 1 to 10,000."
        else:
            form.clean["quantity"] = int(qty)
    price = form.raw("unit_price")
    if "unit_price" not in form.errors:
        try:
            form.clean["unit_price"] = parse_cents(price, min_cents=0, max_cents=MAX_LINE_CENTS)
        except MoneyError as exc:
            form.errors["unit_price"] = f"Unit price: {exc}" if price else "Unit price is required."
    return form.check()


def _before_change(session: Session, order: SalesOrder) -> OrderSnapshot:
    if order.cancelled:
        raise ValidationFailed({"order": "A cancelled order cannot be changed."},
                               message="A cancelled order cannot be changed.")
    before = snapshot(order, _lines(session, order.id))
    if before.status == OrderStatus.COMPLETED:
        raise ValidationFailed({"order": "A completed order cannot be changed."},
                               message="A completed order cannot be changed.")
    return before


def _after_change(session: Session, actor: Actor, order: SalesOrder, before: OrderSnapshot) -> FinanceAuthorization | None:
    """Record the re-authorization or adjustment a monetary change calls for (sent after commit)."""
    order.updated_at = utcnow()
    session.add(order)
    session.flush()
    after = snapshot(order, _lines(session, order.id))
    _audit(session, actor, "order.changed", order, _totals(before), _totals(after))
    finance_type = FinanceType(order.finance_type) if order.finance_type else None
    if order.authorization_status not in ("approved", "prequalified") or after.total_cents == before.total_cents and \
            diff_orders(before, after) == []:
        return None
    action = authorization_action(before, finance_type)
    if action == "none":
        return None
    if finance_type == FinanceType.RTO:
        order.financed_cents = after.total_cents  # RTO always finances the whole order
    else:
        order.financed_cents = min(order.financed_cents, after.total_cents - order.deposits_cents)
    session.add(order)
    request = {"differences": diff_orders(before, after), "before": order_details(before)} if action == "adjust" else {}
    request["order"] = order_details(after)
    return _new_authorization(session, order, "adjustment" if action == "adjust" else "reauthorization", request)


def _new_authorization(session: Session, order: SalesOrder, kind: str, request: dict[str, Any]) -> FinanceAuthorization:
    auth = FinanceAuthorization(order_id=order.id, kind=kind, idempotency_key=secrets.token_hex(16),
                                amount_cents=order.financed_cents, request_json=json.dumps(request))
    session.add(auth)
    session.flush()
    return auth


def order_details(s: OrderSnapshot) -> dict[str, Any]:
    return {
        "lines": [{"item": li.item, "kind": li.kind.value, "quantity": li.quantity, "unit_price": li.unit_price_cents,
                   "amount": li.amount_cents} for li in s.lines],
        "discount": s.discount_cents,
        "tax": s.tax_cents,
        "total": s.total_cents,
        "non_taxable": s.non_taxable,
    }


def add_line(session: Session, actor: Actor, order_id: object, data: object) -> FinanceAuthorization | None:
    order = load_order(session, actor, order_id, Permission.CUSTOMERS_MODIFY, lock=True)
    clean = _validate_line(data)
    before = _before_change(session, order)
    session.add(SalesOrderLine(order_id=order.id, kind=clean["kind"].value, item=clean["item"],
                               quantity=clean["quantity"], unit_price_cents=clean["unit_price"]))
    session.flush()
    return _after_change(session, actor, order, before)


def remove_line(session: Session, actor: Actor, line_id: object) -> FinanceAuthorization | None:
    line, order = _line_and_order(session, actor, line_id)
    before = _before_change(session, order)
    if line.completed_at is not None:
        raise ValidationFailed({"line": "A completed line cannot be removed."},
                               message="A completed line cannot be removed.")
    session.delete(line)
    session.flush()
    remaining = sum(li.quantity * li.unit_price_cents for li in _lines(session, order.id))
    order.discount_cents = min(order.discount_cents, remaining)  # a discount never exceeds the subtotal
    return _after_change(session, actor, order, before)


def set_discount(session: Session, actor: Actor, order_id: object, value: object) -> FinanceAuthorization | None:
    order = load_order(session, actor, order_id, Permission.CUSTOMERS_MODIFY, lock=True)
    if not isinstance(value, str):  # a blank field clears the discount; anything but text is refused
        raise ValidationFailed({"discount": "Discount: enter an amount."}, message="Discount: enter an amount.")
    before = _before_change(session, order)
    try:
        cents = parse_cents(value if value.strip() else "0", min_cents=0,
                            max_cents=before.subtotal_cents)
    except MoneyError as exc:
        raise ValidationFailed({"discount": f"Discount: {exc}"}, message=f"Discount: {exc}") from None
    order.discount_cents = cents
    return _after_change(session, actor, order, before)


def add_payment(session: Session, actor: Actor, order_id: object, value: object) -> None:
    """A customer deposit/payment (cash, check, card). Finance plans are added with Add finance plan."""
    order = load_order(session, actor, order_id, Permission.CUSTOMERS_MODIFY, lock=True)
    before = _before_change(session, order)
    try:
        cents = parse_cents(value, min_cents=1, max_cents=max(1, before.total_cents - before.deposits_cents
                                                               - order.financed_cents))
    except MoneyError as exc:
        raise ValidationFailed({"payment": f"Payment: {exc}"}, message=f"Payment: {exc}") from None
    order.deposits_cents += cents
    order.updated_at = utcnow()
    session.add(order)
    _audit(session, actor, "order.deposit_applied", order, None, {"amount_cents": cents})


def _line_and_order(session: Session, actor: Actor, line_id: object) -> tuple[SalesOrderLine, SalesOrder]:
    try:
        line = session.get(SalesOrderLine, parse_id(line_id))
    except ValueError:
        line = None
    if line is None:
        raise NotFound(ORDER_NOT_FOUND)
    return line, load_order(session, actor, line.order_id, Permission.CUSTOMERS_MODIFY, lock=True)


def exchange_line(session: Session, actor: Actor, line_id: object, data: object) -> FinanceAuthorization | None:
    """A returned line replaced by another, on an order financed with Installment or RTO.

    It goes through the same path as any monetary change (re-authorization, or an adjustment when the
    order is partially completed). There is no split exchange.
    """
    line, order = _line_and_order(session, actor, line_id)
    try:
        check_exchange(FinanceType(order.finance_type) if order.finance_type else None,
                       split=isinstance(data, dict) and data.get("split") in ("on", True))
    except FinanceRuleError as exc:
        raise ValidationFailed({"exchange": exc.message}, message=exc.message) from None
    clean = _validate_line(data)
    before = _before_change(session, order)
    session.delete(line)
    session.add(SalesOrderLine(order_id=order.id, kind=clean["kind"].value, item=clean["item"],
                               quantity=clean["quantity"], unit_price_cents=clean["unit_price"]))
    session.flush()
    return _after_change(session, actor, order, before)


def complete_line(session: Session, actor: Actor, line_id: object) -> Settlement | None:
    """Mark a line installed; Installment/RTO orders settle the completed part at once, Revolving in the batch."""
    line, order = _line_and_order(session, actor, line_id)
    if order.cancelled or line.completed_at is not None:
        raise ValidationFailed({"line": "This line cannot be completed."}, message="This line cannot be completed.")
    line.completed_at = utcnow()
    session.add(line)
    session.flush()
    _audit(session, actor, "order.line_completed", order, None, {"line": line.id, "item": line.item})
    order.updated_at = utcnow()
    session.add(order)
    if not order.finance_type or order.authorization_status != "approved" or order.financed_cents <= 0:
        return None
    lines = snapshot(order, _lines(session, order.id)).lines
    settled = session.exec(select(func.coalesce(func.sum(Settlement.amount_cents), 0))
                           .where(Settlement.order_id == order.id)).one()
    amount = settlement_for_completion(
        financed_cents=order.financed_cents, lines=lines,
        completed_keys=frozenset(li.key for li in lines if li.completed), already_settled_cents=int(settled),
    )
    if amount <= 0:
        return None
    all_done = all(li.completed for li in lines)
    plan = session.get(FinancePlan, order.plan_id)
    settlement = Settlement(
        order_id=order.id, location_id=order.location_id, provider_id=plan.provider_id,
        finance_type=order.finance_type, kind="final" if all_done else "partial", amount_cents=amount,
        idempotency_key=secrets.token_hex(16),
    )
    session.add(settlement)
    session.flush()
    return settlement


def cancel_order(session: Session, actor: Actor, order_id: object) -> None:
    order = load_order(session, actor, order_id, Permission.CUSTOMERS_MODIFY, lock=True)
    if snapshot(order, _lines(session, order.id)).has_partial_completions or order.authorization_status:
        raise ValidationFailed({"order": "Only an order with no completed lines and no finance plan can be cancelled."},
                               message="Only an order with no completed lines and no finance plan can be cancelled.")
    order.cancelled = True
    session.add(order)
    _audit(session, actor, "order.cancelled", order)


def approved_application(session: Session, customer_id: int) -> FinanceApplication | None:
    """The customer's most recent approved application: it decides the finance type and the limit."""
    return session.exec(
        select(FinanceApplication)
        .where(FinanceApplication.customer_id == customer_id, FinanceApplication.status == AppStatus.APPROVED.value,
               FinanceApplication.amount_financed_cents.is_not(None))
        .order_by(FinanceApplication.id.desc())
    ).first()


def plan_options(session: Session, actor: Actor, order_id: object) -> list[dict[str, str]]:
    """Active plans of the type the customer's approved application allows."""
    order = load_order(session, actor, order_id, Permission.CONSUMER_FINANCING_MANAGE)
    app = approved_application(session, order.customer_id)
    if app is None or not app.finance_type:
        return []
    plans = session.exec(select(FinancePlan).where(FinancePlan.provider_id == app.provider_id,
                                                   FinancePlan.finance_type == app.finance_type,
                                                   FinancePlan.active.is_(True)).order_by(FinancePlan.code)).all()
    return [{"value": str(p.id), "label": f"{p.code} – {p.description}"} for p in plans]


def add_finance_plan(session: Session, actor: Actor, order_id: object, data: object) -> FinanceAuthorization:
    """Apply a plan under every rule of the finance interface, then record the authorization request to send."""
    order = load_order(session, actor, order_id, Permission.CONSUMER_FINANCING_MANAGE, lock=True)
    data = data if isinstance(data, dict) else {}
    if order.plan_id is not None and order.authorization_status in ("approved", "prequalified"):
        raise ValidationFailed({"plan": "This order already has a finance plan."},
                               message="This order already has a finance plan.")
    try:
        plan_row = session.get(FinancePlan, parse_id(data.get("plan_id")))
    except ValueError:
        plan_row = None
    app = approved_application(session, order.customer_id)
    if plan_row is None or (app is not None and plan_row.provider_id != app.provider_id):
        raise ValidationFailed({"plan_id": "Choose a payment plan."}, message="Choose a payment plan.")
    try:
        amount = parse_cents(data.get("amount", ""), min_cents=-10**9, max_cents=10**10)
    except MoneyError as exc:
        raise ValidationFailed({"amount": f"Amount: {exc}"}, message=f"Amount: {exc}") from None
    as_deposit = data.get("as_deposit") in ("on", True, "true")
    provider = session.get(FinanceProvider, plan_row.provider_id)
    raw_account = data.get("account_number")
    if raw_account is not None and not isinstance(raw_account, str):
        raise ValidationFailed({"account_number": "Account number: enter text."}, message="Account number: enter text.")
    if len((raw_account or "").strip()) > 40:
        raise ValidationFailed({"account_number": "Account number: at most 40 characters."},
                               message="Account number: at most 40 characters.")
    account_number = (raw_account or "").strip() or (app.account_number if app else "") or ""
    if provider.require_account_number and not account_number:
        raise ValidationFailed({"account_number": "This provider requires an account number."},
                               message="This provider requires an account number.")
    before = snapshot(order, _lines(session, order.id))
    try:
        after = check_finance_plan(
            before,
            plan=Plan(code=plan_row.code, finance_type=FinanceType(plan_row.finance_type),
                      max_deposit_bps=plan_row.max_deposit_bps, active=plan_row.active),
            approved_type=FinanceType(app.finance_type) if app and app.finance_type else None,
            approved_amount_cents=app.amount_financed_cents if app else None,
            amount_cents=amount,
            as_deposit=as_deposit,
        )
    except FinanceRuleError as exc:
        raise ValidationFailed({"finance": exc.message}, message=exc.message) from None
    order.plan_id, order.application_id = plan_row.id, app.id
    order.finance_type, order.financed_cents, order.financed_as_deposit = plan_row.finance_type, amount, as_deposit
    order.account_number = account_number if provider.require_account_number else ""
    if after.non_taxable and not before.non_taxable:
        order.non_taxable, order.no_tax_reason = True, RTO_NO_TAX_REASON
    order.authorization_status = "pending"
    order.updated_at = utcnow()
    session.add(order)
    _audit(session, actor, "order.finance_plan_added", order, _totals(before),
           {**_totals(after), "plan": plan_row.code, "amount_cents": amount, "as_deposit": as_deposit})
    return _new_authorization(session, order, "authorization", {"order": order_details(after)})


def order_view(session: Session, actor: Actor, order_id: object) -> dict[str, Any]:
    """Everything the order panel shows, as display strings."""
    order = load_order(session, actor, order_id, Permission.CUSTOMERS_VIEW)
    lines = _lines(session, order.id)
    s = snapshot(order, lines)
    auths = session.exec(select(FinanceAuthorization).where(FinanceAuthorization.order_id == order.id)
                         .order_by(FinanceAuthorization.id)).all()
    stls = session.exec(select(Settlement).where(Settlement.order_id == order.id).order_by(Settlement.id)).all()
    plan = session.get(FinancePlan, order.plan_id) if order.plan_id else None
    return {
        "id": order.id,
        "status": s.status.value,
        "subtotal": format_cents(s.subtotal_cents),
        "discount": format_cents(s.discount_cents),
        "discount_input": f"{s.discount_cents // 100}.{s.discount_cents % 100:02d}",
        "tax": format_cents(s.tax_cents),
        "tax_rate": f"{order.tax_rate_bps / 100:.2f}%",
        "non_taxable": order.non_taxable,
        "no_tax_reason": order.no_tax_reason,
        "total": format_cents(s.total_cents),
        "deposits": format_cents(order.deposits_cents),
        "financed": format_cents(order.financed_cents),
        "balance": format_cents(s.total_cents - order.deposits_cents - order.financed_cents),
        "plan": f"{plan.code} – {plan.description} ({FINANCE_TYPE_LABELS[plan.finance_type]})" if plan else "",
        "finance_type": FINANCE_TYPE_LABELS.get(order.finance_type or "", ""),
        "authorization_status": order.authorization_status,
        "authorization_number": order.authorization_number,
        "credit_hold": order.credit_hold,
        "prequal_url": order.prequal_url,
        "lines": [
            {"id": li.id, "kind": li.kind, "item": li.item, "quantity": li.quantity,
             "unit_price": format_cents(li.unit_price_cents), "amount": format_cents(li.quantity * li.unit_price_cents),
             "completed": li.completed_at is not None}
            for li in lines
        ],
        "authorizations": [
            {"id": a.id, "kind": a.kind, "at": a.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
             "amount": format_cents(a.amount_cents), "status": a.status, "number": a.authorization_number,
             "request": a.request_json, "response": a.response_json}
            for a in auths
        ],
        "settlements": [
            {"id": st.id, "kind": st.kind, "amount": format_cents(st.amount_cents), "status": st.status,
             "at": st.created_at.strftime("%Y-%m-%d %H:%M"), "response": st.response}
            for st in stls
        ],
    }


def list_orders(session: Session, actor: Actor, customer_id: object) -> tuple[Customer, list[dict[str, Any]]]:
    customer = get_customer(session, actor, customer_id, Permission.CUSTOMERS_VIEW)
    orders = session.exec(select(SalesOrder).where(SalesOrder.customer_id == customer.id)
                          .order_by(SalesOrder.id.desc())).all()
    out = []
    for order in orders:
        s = snapshot(order, _lines(session, order.id))
        out.append({"id": order.id, "status": s.status.value, "total": format_cents(s.total_cents),
                    "finance_type": FINANCE_TYPE_LABELS.get(order.finance_type or "", ""),
                    "authorization": order.authorization_status, "credit_hold": order.credit_hold,
                    "created": order.created_at.strftime("%Y-%m-%d")})
    return customer, out
