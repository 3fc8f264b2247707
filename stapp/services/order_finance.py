"""Talking to the provider about orders: authorizations, adjustments, pre-qualify holds, settlements.

Every request is recorded in the database (with its idempotency key) before it is sent; sending again
reuses the key, so the provider never sees a second authorization or settlement for one request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime

from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import (
    FinanceApplication,
    FinanceAuthorization,
    FinancePlan,
    FinanceProvider,
    SalesOrder,
    Settlement,
)
from stapp.db.types import utcnow
from stapp.domain.orders import FinanceType
from stapp.provider import errors as perr
from stapp.provider import wire
from stapp.services import audit, financing_setup
from stapp.settings import get_settings

log = logging.getLogger("stapp.orders")


# stapp's line kinds on the provider's wire: equipment is what the interface calls merchandise.
WIRE_KIND = {"equipment": "merchandise", "installation": "installation", "fee": "fee"}


def _order_details(details: dict) -> wire.OrderDetails:
    return wire.OrderDetails(
        lines=tuple(wire.OrderLineDetails(item=li["item"], kind=wire.OrderLineKind(WIRE_KIND[li["kind"]]),
                                          quantity=li["quantity"], unit_price_cents=li["unit_price"],
                                          amount_cents=li["amount"])
                    for li in details["lines"]),
        discount_cents=details["discount"], tax_cents=details["tax"], total_cents=details["total"],
        non_taxable=details["non_taxable"],
    )


def wire_differences(before: dict, after: dict) -> tuple[wire.AdjustmentDifference, ...]:
    """The adjustment request's differences between the original and the updated order, in cents."""
    out: list[wire.AdjustmentDifference] = []
    lines_before = {(li["item"], li["kind"]): li["amount"] for li in before["lines"]}
    lines_after = {(li["item"], li["kind"]): li["amount"] for li in after["lines"]}
    for key in sorted(set(lines_before) | set(lines_after)):
        was, now = lines_before.get(key, 0), lines_after.get(key, 0)
        if was != now:
            out.append(wire.AdjustmentDifference(what=wire.DifferenceKind(WIRE_KIND[key[1]]), item=key[0],
                                                 before_cents=was, after_cents=now))
    for name in ("discount", "tax"):
        if before[name] != after[name]:
            out.append(wire.AdjustmentDifference(what=wire.DifferenceKind(name), item=None,
                                                 before_cents=before[name], after_cents=after[name]))
    return tuple(out)


def _prepare_authorization(authorization_id: int):  # noqa: ANN202
    with read_session() as session:
        auth = session.get(FinanceAuthorization, authorization_id)
        if auth is None or auth.status != "pending":
            return None
        order = session.get(SalesOrder, auth.order_id)
        app = session.get(FinanceApplication, order.application_id)
        plan = session.get(FinancePlan, order.plan_id)
        provider = session.get(FinanceProvider, plan.provider_id)
        request = json.loads(auth.request_json)
        client = financing_setup.client_for(provider)
        if auth.kind == "adjustment" and order.provider_auth_id:
            req = wire.AdjustmentRequest(
                differences=wire_differences(request["before"], request["order"]), amount_cents=auth.amount_cents,
                order=_order_details(request["order"]),
            )
            return ("adjust", client, order.provider_auth_id, req, auth.idempotency_key)
        req = wire.AuthorizationRequest(
            application_id=app.provider_app_id or "",
            order_reference=f"order-{order.id}",
            finance_type=wire.FinanceType(order.finance_type),
            plan_code=plan.code,
            amount_cents=auth.amount_cents,
            account_number=order.account_number or None,
            account_number_required=provider.require_account_number,
            order=_order_details(request["order"]),
            webhook_url=f"{get_settings().public_url}/api/provider/webhook",
        )
        return ("authorize", client, None, req, auth.idempotency_key)


def _record_authorization(authorization_id: int, *, result=None, error: str = "", status: str = "") -> None:  # noqa: ANN001
    with write_session() as session:
        auth = session.exec(select(FinanceAuthorization).where(FinanceAuthorization.id == authorization_id)
                            .with_for_update()).first()
        order = session.exec(select(SalesOrder).where(SalesOrder.id == auth.order_id).with_for_update()).first()
        auth.answered_at = utcnow()
        if result is None:
            auth.status = status or "error"
            auth.response_json = json.dumps({"error": error})
            if status == "declined" and auth.kind == "authorization":
                _remove_plan(order)
            session.add_all([auth, order])
            _audit_auth(session, order, auth)
            return
        apply_authorization(order, auth, result)
        session.add_all([auth, order])
        _audit_auth(session, order, auth)


def _audit_auth(session, order: SalesOrder, auth: FinanceAuthorization) -> None:  # noqa: ANN001
    audit.record(session, actor=None, action=f"{auth.kind}.{auth.status}", entity="order", entity_id=order.id,
                 customer_id=order.customer_id, location_id=order.location_id, source="system",
                 after={"authorization": auth.id, "number": auth.authorization_number, "amount_cents": auth.amount_cents})


def _remove_plan(order: SalesOrder) -> None:
    """A declined authorization: the plan is not applied (and an RTO's tax comes back)."""
    order.plan_id = None
    order.application_id = None
    order.finance_type = None
    order.financed_cents = 0
    order.financed_as_deposit = False
    if order.no_tax_reason:
        order.non_taxable, order.no_tax_reason = False, ""
    order.authorization_status = "declined"
    order.credit_hold = ""
    order.prequal_url = ""


def apply_authorization(order: SalesOrder, auth: FinanceAuthorization | None, result) -> None:  # noqa: ANN001
    """Record what the provider says of an authorization on the order (and on the request row)."""
    status = getattr(result.status, "value", result.status)
    if auth is not None:
        auth.status = status
        auth.authorization_number = getattr(result, "authorization_number", None) or ""
        auth.provider_ref = result.id
        auth.response_json = json.dumps({"id": result.id, "status": status,
                                         "authorization_number": auth.authorization_number,
                                         "decline_reason": getattr(result, "decline_reason", None)})
    if status == "declined":
        if auth is None or auth.kind == "authorization":
            _remove_plan(order)
        return
    order.provider_auth_id = result.id
    order.authorization_status = status
    if status == "approved":
        order.authorization_number = result.authorization_number or order.authorization_number
        order.credit_hold, order.prequal_url = "", ""
    elif status == "prequalified":
        order.credit_hold, order.prequal_url = "F3", result.prequal_url or ""
    order.updated_at = utcnow()


async def send_authorization(authorization_id: int) -> None:
    prepared = await asyncio.to_thread(_prepare_authorization, authorization_id)
    if prepared is None:
        return
    action, client, provider_auth_id, req, key = prepared
    try:
        if action == "adjust":
            result = await client.adjust(provider_auth_id, req, key)
            await asyncio.to_thread(_record_adjustment, authorization_id, result)
            return
        result = await client.authorize(req, key)
    except (perr.Rejected, perr.Unauthorized, perr.NotFound) as exc:
        await asyncio.to_thread(_record_authorization, authorization_id, error=str(exc), status="declined"
                                if isinstance(exc, perr.Rejected) else "error")
        return
    except perr.ProviderError as exc:
        await asyncio.to_thread(_record_authorization, authorization_id, error=exc.user_message, status="pending")
        return
    await asyncio.to_thread(_record_authorization, authorization_id, result=result)


def _record_adjustment(authorization_id: int, result) -> None:  # noqa: ANN001
    with write_session() as session:
        auth = session.get(FinanceAuthorization, authorization_id)
        auth.status = getattr(result.status, "value", result.status)
        auth.provider_ref = result.id
        auth.answered_at = utcnow()
        auth.response_json = json.dumps({"id": result.id, "status": auth.status})
        session.add(auth)


async def refresh_order_authorization(order_id: int) -> None:
    """Read a pre-qualified authorization again (the webhook's fallback) and release the hold if approved."""
    def _load():
        with read_session() as session:
            order = session.get(SalesOrder, order_id)
            if order is None or not order.provider_auth_id:
                return None
            plan = session.get(FinancePlan, order.plan_id)
            return financing_setup.client_for(session.get(FinanceProvider, plan.provider_id)), order.provider_auth_id

    loaded = await asyncio.to_thread(_load)
    if loaded is None:
        return
    client, provider_auth_id = loaded
    try:
        result = await client.get_authorization(provider_auth_id)
    except perr.ProviderError as exc:
        log.info("authorization %s not refreshed: %s", provider_auth_id, exc.user_message)
        return

    def _save():
        with write_session() as session:
            order = session.exec(select(SalesOrder).where(SalesOrder.id == order_id).with_for_update()).first()
            apply_authorization(order, None, result)
            session.add(order)

    await asyncio.to_thread(_save)


def apply_authorization_webhook(session, result) -> str:  # noqa: ANN001
    """An ``authorization.updated`` webhook: find the order by the provider's id and apply, in ``session``."""
    order = session.exec(select(SalesOrder).where(SalesOrder.provider_auth_id == result.id).with_for_update()).first()
    if order is None:
        return "unknown authorization ignored"
    apply_authorization(order, None, result)
    session.add(order)
    return "applied"


# --- settlements --------------------------------------------------------------------------------


def _prepare_settlement(settlement_id: int):  # noqa: ANN202
    with write_session() as session:
        st = session.exec(select(Settlement).where(Settlement.id == settlement_id).with_for_update()).first()
        if st is None or st.status != "pending":
            return None
        order = session.get(SalesOrder, st.order_id)
        if not order.provider_auth_id:
            return None
        st.attempts += 1
        session.add(st)
        client = financing_setup.client_for(session.get(FinanceProvider, st.provider_id))
        req = wire.SettlementRequest(authorization_id=order.provider_auth_id, amount_cents=st.amount_cents,
                                     kind=wire.SettlementKind(st.kind), reference=f"stl-{st.id}")
        return client, req, st.idempotency_key


def _record_settlement(settlement_id: int, *, result=None, error: str = "") -> None:  # noqa: ANN001
    with write_session() as session:
        st = session.get(Settlement, settlement_id)
        if result is not None:
            st.status, st.provider_ref, st.sent_at = "sent", result.id, utcnow()
            st.response = f"{getattr(result.status, 'value', result.status)} ({result.id})"
        else:
            st.response = error[:500]  # stays pending: it will be sent again with the same key
        session.add(st)
        order = session.get(SalesOrder, st.order_id)
        audit.record(session, actor=None, action="settlement.sent" if result is not None else "settlement.failed",
                     entity="settlement", entity_id=st.id, customer_id=order.customer_id, location_id=st.location_id,
                     source="system", outcome="ok" if result is not None else "failed",
                     after={"amount_cents": st.amount_cents, "kind": st.kind, "batch": st.batch, "response": st.response})


async def send_settlement(settlement_id: int) -> bool:
    prepared = await asyncio.to_thread(_prepare_settlement, settlement_id)
    if prepared is None:
        return False
    client, req, key = prepared
    try:
        result = await client.settle(req, key)
    except perr.ProviderError as exc:
        await asyncio.to_thread(_record_settlement, settlement_id, error=str(exc))
        return False
    await asyncio.to_thread(_record_settlement, settlement_id, result=result)
    return True


def _pending_ids(batch: str, *, revolving_only: bool = False, locations: frozenset[int] | None = None,
                 providers: frozenset[int] | None = None) -> list[int]:
    with write_session() as session:
        query = select(Settlement).where(Settlement.status == "pending")
        if providers is not None:
            query = query.where(Settlement.provider_id.in_(sorted(providers)))
        if revolving_only:
            query = query.where(Settlement.finance_type == FinanceType.REVOLVING.value)
        if locations is not None:
            query = query.where(Settlement.location_id.in_(sorted(locations)))
        rows = session.exec(query.order_by(Settlement.id)).all()
        for st in rows:
            st.batch = st.batch or batch
            session.add(st)
        return [st.id for st in rows]


async def transmit_pending(*, source: str = "manual", locations: frozenset[int] | None = None) -> tuple[int, int]:
    """Send pending settlements now (Transmit Financing Settlement). Returns ``(sent, still pending)``.

    ``locations`` limits the batch to those locations (``None``: every location): a user transmits only the
    settlements the Settlement report shows them, i.e. where they hold Funding Details: View.
    """
    batch = f"{source}-{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    ids = await asyncio.to_thread(_pending_ids, batch, locations=locations)
    sent = 0
    for ident in ids:
        sent += await send_settlement(ident)
    return sent, len(ids) - sent


async def end_of_day(now: datetime | None = None) -> int:
    """Revolving settlements of providers in end-of-day mode, once their time has passed today."""
    moment = now or utcnow()
    with read_session() as session:
        due = [p.id for p in session.exec(select(FinanceProvider).where(FinanceProvider.revolving_settlement
                                                                          == "end_of_day"))
               if moment.strftime("%H:%M") >= p.settlement_time]
    if not due:
        return 0
    # only the settlements of those providers: another provider's in manual mode wait for Transmit
    ids = await asyncio.to_thread(_pending_ids, f"eod-{moment:%Y%m%d}", revolving_only=True, providers=frozenset(due))
    sent = 0
    for ident in ids:
        sent += await send_settlement(ident)
    return sent



async def follow_up(now: datetime | None = None, *, limit: int = 50) -> int:
    """The scheduler's safety net: resend unanswered authorizations (same key) and re-read F3 holds."""
    from datetime import timedelta

    moment = now or utcnow()
    with read_session() as session:
        pending = list(session.exec(
            select(FinanceAuthorization.id)
            .where(FinanceAuthorization.status == "pending", FinanceAuthorization.created_at < moment - timedelta(seconds=20))
            .limit(limit)
        ).all())
        held = list(session.exec(
            select(SalesOrder.id).where(SalesOrder.credit_hold == "F3", SalesOrder.provider_auth_id != "")
            .where(SalesOrder.updated_at < moment - timedelta(seconds=10)).limit(limit)
        ).all())
    for ident in pending:
        await send_authorization(ident)
    for ident in held:
        await refresh_order_authorization(ident)
    return len(pending) + len(held)
