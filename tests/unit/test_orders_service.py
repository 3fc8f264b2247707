"""Order use cases against a real SQLite database (the provider is not called here)."""

import json

import pytest
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import (
    Customer,
    FinanceApplication,
    FinanceAuthorization,
    FinancePlan,
    SalesOrder,
    SalesOrderLine,
    Settlement,
)
from stapp.domain.errors import NotFound, PermissionDenied, ValidationFailed
from stapp.services import orders as svc


def _approved(customer_id, finance_type="installment", amount=900_000):
    with write_session() as s:
        app = s.exec(select(FinanceApplication).where(FinanceApplication.status == "Approved")).first()
        app.customer_id, app.finance_type, app.amount_financed_cents = customer_id, finance_type, amount
        customer = s.get(Customer, customer_id)
        app.location_id = customer.location_id
        s.add(app)


def _plan(code):
    with read_session() as s:
        return s.exec(select(FinancePlan).where(FinancePlan.code == code)).one().id


def _order_with_lines(actor, customer_id=5):
    with write_session() as s:
        order = svc.create_order(s, actor, customer_id)
        oid = order.id
    for kind, item, price in (("equipment", "Panel", "1000.00"), ("installation", "Install", "500.00")):
        with write_session() as s:
            svc.add_line(s, actor, oid, {"kind": kind, "item": item, "quantity": "1", "unit_price": price})
    return oid


def _view(actor, oid):
    with read_session() as s:
        return svc.order_view(s, actor, oid)


def test_totals_and_tax_at_the_locations_rate(actor_for):
    sales = actor_for("sales@example.com")
    oid = _order_with_lines(sales)
    view = _view(sales, oid)
    assert (view["subtotal"], view["tax"], view["total"], view["status"]) == ("$1,500.00", "$123.75", "$1,623.75", "Open")
    with write_session() as s:
        svc.set_discount(s, sales, oid, "100.00")
    assert _view(sales, oid)["tax"] == "$115.50"


def test_an_rto_plan_removes_the_tax_and_records_the_reason(actor_for):
    sales = actor_for("sales@example.com")
    _approved(5, "rto")
    oid = _order_with_lines(sales)
    with write_session() as s:
        auth = svc.add_finance_plan(s, sales, oid, {"plan_id": str(_plan("R24")), "amount": "1500.00"})
        request = json.loads(auth.request_json)
    view = _view(sales, oid)
    assert view["tax"] == "$0.00" and view["no_tax_reason"] == "RTO" and view["total"] == "$1,500.00"
    assert request["order"]["tax"] == 0 and request["order"]["non_taxable"] is True
    assert view["authorization_status"] == "pending"


@pytest.mark.parametrize(
    ("finance_type", "code", "amount", "deposit", "message"),
    [
        ("rto", "R24", "1000.00", False, "An RTO plan must finance the whole order ($1,500.00)."),
        ("installment", "I36", "500.00", True, "Installment and RTO plans cannot be used as a deposit."),
        ("installment", "R24", "500.00", False, "The approved application allows Installment plans only."),
        ("installment", "I36", "9999.00", False, "The amount exceeds the approved amount of $5,000.00."),
        ("revolving", "RV1", "500.00", True, "As a deposit, this plan may cover at most 25.00% of the order ($405.94)."),
    ],
)
def test_each_refusal_names_its_rule_and_changes_nothing(actor_for, finance_type, code, amount, deposit, message):
    sales = actor_for("sales@example.com")
    _approved(5, finance_type, amount=500_000)
    oid = _order_with_lines(sales)
    data = {"plan_id": str(_plan(code)), "amount": amount, **({"as_deposit": "on"} if deposit else {})}
    with write_session() as s, pytest.raises(ValidationFailed) as exc:
        svc.add_finance_plan(s, sales, oid, data)
    assert exc.value.message == message
    view = _view(sales, oid)
    assert view["plan"] == "" and view["tax"] == "$123.75" and view["authorizations"] == []


def test_an_rto_plan_is_refused_once_a_deposit_is_applied(actor_for):
    sales = actor_for("sales@example.com")
    _approved(5, "rto")
    oid = _order_with_lines(sales)
    with write_session() as s:
        svc.add_payment(s, sales, oid, "100.00")
    with write_session() as s, pytest.raises(ValidationFailed, match="An RTO plan cannot be added to an order with a deposit"):
        svc.add_finance_plan(s, sales, oid, {"plan_id": str(_plan("R24")), "amount": "1500.00"})


def _approve_authorization(oid):
    with write_session() as s:
        order = s.get(SalesOrder, oid)
        order.authorization_status, order.authorization_number, order.provider_auth_id = "approved", "A-1", "shp_auth_x"
        for auth in s.exec(select(FinanceAuthorization).where(FinanceAuthorization.order_id == oid)):
            auth.status = "approved"
            s.add(auth)
        s.add(order)


def test_partial_completions_settle_in_proportion_and_sum_to_the_financed_amount(actor_for):
    sales = actor_for("sales@example.com")
    _approved(5)
    oid = _order_with_lines(sales)
    with write_session() as s:
        svc.add_finance_plan(s, sales, oid, {"plan_id": str(_plan("I36")), "amount": "1000.00"})
    _approve_authorization(oid)
    with read_session() as s:
        panel, install = s.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == oid).order_by(SalesOrderLine.id)).all()
    with write_session() as s:
        first = svc.complete_line(s, sales, panel.id)
        assert (first.kind, first.amount_cents) == ("partial", 66667)
    assert _view(sales, oid)["status"] == "Partially Completed"
    with write_session() as s:
        last = svc.complete_line(s, sales, install.id)
        assert (last.kind, last.amount_cents) == ("final", 33333)
    with read_session() as s:
        total = sum(st.amount_cents for st in s.exec(select(Settlement).where(Settlement.order_id == oid)))
    assert total == 100000 and _view(sales, oid)["status"] == "Completed"


def test_a_change_to_an_open_financed_order_reauthorizes_and_to_a_partial_one_adjusts(actor_for):
    sales = actor_for("sales@example.com")
    _approved(5)
    oid = _order_with_lines(sales)
    with write_session() as s:
        svc.add_finance_plan(s, sales, oid, {"plan_id": str(_plan("I36")), "amount": "1000.00"})
    _approve_authorization(oid)
    with write_session() as s:
        auth = svc.add_line(s, sales, oid, {"kind": "fee", "item": "Permit", "quantity": "1", "unit_price": "25.00"})
        assert auth.kind == "reauthorization"
    with read_session() as s:
        panel = s.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == oid, SalesOrderLine.item == "Panel")).one()
    with write_session() as s:
        svc.complete_line(s, sales, panel.id)
    with write_session() as s:
        auth = svc.set_discount(s, sales, oid, "50.00")
        request = json.loads(auth.request_json)
    assert auth.kind == "adjustment"
    assert any(d["what"] == "discount" and d["before"] == 0 and d["after"] == 5000 for d in request["differences"])


def test_orders_of_another_location_cannot_be_read_or_changed(actor_for):
    admin, sales = actor_for("admin@example.com"), actor_for("sales@example.com")
    oid = _order_with_lines(admin, customer_id=6)  # Dallas
    for call in (lambda s: svc.order_view(s, sales, oid),
                 lambda s: svc.add_line(s, sales, oid, {"kind": "fee", "item": "x", "quantity": "1", "unit_price": "1"}),
                 lambda s: svc.add_finance_plan(s, sales, oid, {"plan_id": "1", "amount": "1"})):
        with write_session() as s, pytest.raises(NotFound):
            call(s)


def test_accounting_may_view_but_not_change_orders(actor_for):
    oid = _order_with_lines(actor_for("sales@example.com"))
    acct = actor_for("accounting@example.com")
    assert _view(acct, oid)["total"] == "$1,623.75"
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.set_discount(s, acct, oid, "1.00")


@pytest.mark.parametrize("line", [{"kind": "car", "item": "x", "quantity": "1", "unit_price": "1"},
                                  {"kind": "fee", "item": "", "quantity": "1", "unit_price": "1"},
                                  {"kind": "fee", "item": "x", "quantity": "0", "unit_price": "1"},
                                  {"kind": "fee", "item": "x", "quantity": "1", "unit_price": "-1"},
                                  {"kind": "fee", "item": "x", "quantity": "1", "unit_price": "1e5"},
                                  "not a dict"])
def test_bad_lines_are_refused_and_change_nothing(actor_for, line):
    sales = actor_for("sales@example.com")
    oid = _order_with_lines(sales)
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.add_line(s, sales, oid, line)
    assert _view(sales, oid)["total"] == "$1,623.75"


def test_an_exchange_on_a_partly_completed_installment_order_sends_an_adjustment(actor_for):
    sales = actor_for("sales@example.com")
    _approved(5)
    oid = _order_with_lines(sales)
    with write_session() as s:
        svc.add_finance_plan(s, sales, oid, {"plan_id": str(_plan("I36")), "amount": "1000.00"})
    _approve_authorization(oid)
    with read_session() as s:
        panel, labor = s.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == oid).order_by(SalesOrderLine.id)).all()
    with write_session() as s:
        svc.complete_line(s, sales, labor.id)
    with write_session() as s:
        auth = svc.exchange_line(s, sales, panel.id, {"kind": "equipment", "item": "Panel v2", "quantity": "1",
                                                       "unit_price": "1100.00"})
        request = json.loads(auth.request_json)
    assert auth.kind == "adjustment"
    assert {li["item"] for li in request["order"]["lines"]} == {"Install", "Panel v2"}
    assert request["before"]["total"] != request["order"]["total"]


def test_exchanges_need_an_installment_or_rto_order_and_are_never_split(actor_for):
    sales = actor_for("sales@example.com")
    oid = _order_with_lines(sales)
    with read_session() as s:
        panel = s.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == oid)).first()
    new = {"kind": "equipment", "item": "Other", "quantity": "1", "unit_price": "10.00"}
    with write_session() as s, pytest.raises(ValidationFailed, match="Installment or RTO"):
        svc.exchange_line(s, sales, panel.id, new)
    _approved(5)
    with write_session() as s:
        svc.add_finance_plan(s, sales, oid, {"plan_id": str(_plan("I36")), "amount": "1000.00"})
    _approve_authorization(oid)
    with write_session() as s, pytest.raises(ValidationFailed, match="Split Exchange is not available"):
        svc.exchange_line(s, sales, panel.id, {**new, "split": "on"})
    assert _view(sales, oid)["total"] == "$1,623.75"


async def test_the_end_of_day_batch_sends_only_revolving_settlements_after_the_providers_time(actor_for, monkeypatch):
    from datetime import UTC, datetime

    from stapp.db.models import FinanceProvider
    from stapp.services import order_finance

    with write_session() as s:
        provider = s.exec(select(FinanceProvider)).first()
        provider.revolving_settlement, provider.settlement_time = "end_of_day", "18:00"
        order = s.exec(select(SalesOrder)).first()
        for ftype in ("revolving", "installment"):
            s.add(Settlement(order_id=order.id, location_id=order.location_id, provider_id=provider.id,
                             finance_type=ftype, kind="partial", amount_cents=100, idempotency_key=f"k-{ftype}"))
        # another provider, in manual mode: its Revolving settlement waits for Transmit Financing Settlement
        manual = FinanceProvider(name="SHP manual", environment="Staging", token_ciphertext="x", active=True,
                                 revolving_settlement="manual")
        s.add(manual)
        s.flush()
        s.add(Settlement(order_id=order.id, location_id=order.location_id, provider_id=manual.id,
                         finance_type="revolving", kind="partial", amount_cents=100, idempotency_key="k-manual"))
    sent: list[int] = []

    async def fake_send(ident):
        sent.append(ident)
        return True

    monkeypatch.setattr(order_finance, "send_settlement", fake_send)
    assert await order_finance.end_of_day(datetime(2026, 11, 22, 17, 59, tzinfo=UTC)) == 0 and sent == []
    assert await order_finance.end_of_day(datetime(2026, 11, 22, 18, 0, tzinfo=UTC)) == 1
    with read_session() as s:
        revolving = s.exec(select(Settlement).where(Settlement.idempotency_key == "k-revolving")).one()
        waiting = s.exec(select(Settlement).where(Settlement.idempotency_key == "k-manual")).one()
    assert sent == [revolving.id] and revolving.batch == "eod-20261122"
    assert waiting.status == "pending" and not waiting.batch


async def test_a_manual_transmit_sends_only_the_locations_the_user_may_see(actor_for, monkeypatch):
    from stapp.db.models import FinanceProvider
    from stapp.services import order_finance

    with write_session() as s:
        provider = s.exec(select(FinanceProvider)).first()
        by_location = {}
        for order in s.exec(select(SalesOrder)).all():
            by_location.setdefault(order.location_id, order)
        assert len(by_location) >= 2, "the demo has orders at two locations"
        keys = {}
        for loc, order in by_location.items():
            keys[loc] = f"k-loc-{loc}"
            s.add(Settlement(order_id=order.id, location_id=loc, provider_id=provider.id, finance_type="revolving",
                             kind="partial", amount_cents=100, idempotency_key=keys[loc]))
    sent: list[int] = []

    async def fake_send(ident):
        sent.append(ident)
        return True

    monkeypatch.setattr(order_finance, "send_settlement", fake_send)
    first, *others = sorted(by_location)
    assert await order_finance.transmit_pending(source="manual", locations=frozenset({first})) == (1, 0)
    with read_session() as s:
        rows = {st.location_id: st for st in s.exec(select(Settlement).where(Settlement.idempotency_key.in_(
            list(keys.values())))).all()}
    assert sent == [rows[first].id]
    assert all(rows[loc].batch is None or rows[loc].batch == "" for loc in others), "other locations stay unbatched"
