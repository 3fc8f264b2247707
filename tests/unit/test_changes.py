"""Change counters: raised by triggers in the writing transaction, for every way a record changes."""

import pytest
from sqlalchemy import text
from sqlmodel import select

from stapp.db import changes
from stapp.db.engine import read_session, write_session
from stapp.db.models import Customer, FinanceApplication, Funding, FundingTransaction


def _now(*kinds):
    with read_session() as s:
        return [int(x) for x in changes.read(s, *kinds).split(":")]


def test_every_funding_change_moves_the_funding_counter_and_only_it(db):
    (f0, a0) = _now("funding", "application")
    with write_session() as s:
        funding = s.exec(select(Funding)).first()
        funding.notes = "changed"
        s.add(funding)
    with write_session() as s:  # a bulk statement, not the ORM, moves it too
        s.exec(text("UPDATE funding_transaction SET note = 'bulk' WHERE id = (SELECT min(id) FROM funding_transaction)"))
    with write_session() as s:
        tx = s.exec(select(FundingTransaction)).first()
        s.delete(tx)
    (f1, a1) = _now("funding", "application")
    assert f1 >= f0 + 3 and a1 == a0


def test_a_cancellation_moves_the_funding_counter_and_an_application_change_the_application_counter(db):
    (f0, a0) = _now("funding", "application")
    with write_session() as s:
        customer = s.exec(select(Customer)).first()
        customer.service_status = "Cancelled"
        s.add(customer)
    with write_session() as s:
        app = s.exec(select(FinanceApplication)).first()
        app.last_error = "x"
        s.add(app)
    (f1, a1) = _now("funding", "application")
    assert f1 > f0 and a1 > a0


def test_a_rolled_back_change_moves_nothing(db):
    before = _now("funding")
    with pytest.raises(RuntimeError), write_session() as s:
        funding = s.exec(select(Funding)).first()
        funding.notes = "never"
        s.add(funding)
        s.flush()
        raise RuntimeError("the request failed")
    assert _now("funding") == before
