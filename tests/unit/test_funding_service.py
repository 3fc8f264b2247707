"""Funding use cases against a real (SQLite) database: permissions per location, exact totals, cascades."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import CatalogEntry, Customer, Funding, FundingTransaction, Location
from stapp.domain.errors import NotFound, PermissionDenied, ValidationFailed
from stapp.domain.funding import CatalogKind
from stapp.services import catalogs
from stapp.services import funding as svc


def _entry(kind, name):
    with read_session() as s:
        return s.exec(select(CatalogEntry).where(CatalogEntry.kind == kind.value, CatalogEntry.name == name)).one()


def _customer(location):
    with read_session() as s:
        loc = s.exec(select(Location).where(Location.name == location)).one()
        return s.exec(select(Customer).where(Customer.location_id == loc.id).order_by(Customer.id.desc())).first()


def _form(**over):
    return {
        "funder_id": str(_entry(CatalogKind.FUNDER, "Monitoring Capital").id),
        "funding_type_id": str(_entry(CatalogKind.FUNDING_TYPE, "Contract Sale").id),
        "status": "PENDING",
        "amount_expected": "3000.00",
        **over,
    }


def _tx(amount, **over):
    return {"type_id": str(_entry(CatalogKind.TRANSACTION_TYPE, "Funding").id), "transaction_date": "2026-05-01",
            "amount": amount, **over}


def _counts():
    with read_session() as s:
        return (s.exec(select(func.count()).select_from(Funding)).one(),
                s.exec(select(func.count()).select_from(FundingTransaction)).one())


def _net(funding_id):
    with read_session() as s:
        f = s.get(Funding, funding_id)
        return f.net_received_cents, (f.amount_expected_cents or 0) - f.net_received_cents


@pytest.fixture
def funding_id(actor_for):
    with write_session() as s:
        return svc.create_funding(s, actor_for("accounting@example.com"), _customer("Dallas").id, _form()).id


def test_payment_and_chargeback_update_net_received_and_remaining(actor_for, funding_id):
    acct = actor_for("accounting@example.com")
    with write_session() as s:
        svc.add_transaction(s, acct, funding_id, _tx("2500.00"))
    assert _net(funding_id) == (250000, 50000)
    with write_session() as s:
        tx = svc.add_transaction(s, acct, funding_id, _tx("-300.50"))
    assert _net(funding_id) == (219950, 80050)
    with write_session() as s:
        svc.update_transaction(s, acct, tx.id, _tx("-100.00"))
    assert _net(funding_id) == (240000, 60000)
    with write_session() as s:
        svc.delete_transaction(s, acct, tx.id)
    assert _net(funding_id) == (250000, 50000)


def test_deleting_a_funding_removes_every_transaction(actor_for, funding_id):
    acct = actor_for("accounting@example.com")
    with write_session() as s:
        svc.add_transaction(s, acct, funding_id, _tx("10.00"))
        svc.add_transaction(s, acct, funding_id, _tx("20.00"))
    fundings, txs = _counts()
    with write_session() as s:
        svc.delete_funding(s, acct, funding_id)
    assert _counts() == (fundings - 1, txs - 2)


def test_sales_of_austin_may_view_but_not_change_fundings_at_austin(actor_for):
    sales = actor_for("sales@example.com")
    austin = _customer("Austin")
    before = _counts()
    with read_session() as s:
        _, cards = svc.customer_fundings(s, sales, austin.id)
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.create_funding(s, sales, austin.id, _form())
    assert _counts() == before
    assert isinstance(cards, list)


def test_nothing_of_another_location_can_be_read_or_changed_by_id(actor_for, funding_id):
    sales = actor_for("sales@example.com")  # Austin only; the funding is at Dallas
    with read_session() as s, pytest.raises(NotFound):
        svc.customer_fundings(s, sales, _customer("Dallas").id)
    for call in (
        lambda s: svc.update_funding(s, sales, funding_id, _form(status="COMPLETE")),
        lambda s: svc.delete_funding(s, sales, funding_id),
        lambda s: svc.add_transaction(s, sales, funding_id, _tx("1.00")),
    ):
        with write_session() as s, pytest.raises(NotFound):
            call(s)
    with read_session() as s:
        assert s.get(Funding, funding_id).status == "PENDING"


def test_create_modify_and_delete_are_separate_permissions(actor_for, funding_id):
    from stapp.db.models import GroupPermission
    from stapp.domain.permissions import Permission

    with write_session() as s:  # take Delete away from Accounting
        for row in s.exec(select(GroupPermission).where(GroupPermission.permission == Permission.FUNDING_DETAILS_DELETE.value)):
            s.delete(row)
    acct = actor_for("accounting@example.com")
    with write_session() as s:
        tx = svc.add_transaction(s, acct, funding_id, _tx("5.00"))
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.delete_transaction(s, acct, tx.id)
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.delete_funding(s, acct, funding_id)
    assert _net(funding_id) == (500, 299500)


def test_invalid_input_saves_nothing(actor_for, funding_id):
    acct = actor_for("accounting@example.com")
    before = _counts()
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.create_funding(s, acct, _customer("Austin").id, _form(amount_expected="1e9"))
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.add_transaction(s, acct, funding_id, _tx("0"))
    assert _counts() == before


def test_inactive_entries_stay_on_records_but_are_not_offered_for_new_ones(actor_for, funding_id):
    admin = actor_for("admin@example.com")
    capital = _entry(CatalogKind.FUNDER, "Monitoring Capital")
    with write_session() as s:
        catalogs.set_active(s, admin, capital.id, False)
    with read_session() as s:
        offered = [o["label"] for o in svc.form_options(s)["funders"]]
        editing = [o["label"] for o in svc.edit_options(s, admin, funding_id)["funders"]]
    assert "Monitoring Capital" not in offered
    assert "Monitoring Capital (inactive)" in editing
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.create_funding(s, admin, _customer("Austin").id, _form())
    with write_session() as s:  # the existing funding keeps it and can still be saved
        svc.update_funding(s, admin, funding_id, _form(status="READY"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["add", "edit", "delete"]), st.integers(-9_999_999, 9_999_999).filter(bool)),
                min_size=1, max_size=12))
def test_stored_totals_always_equal_the_sum_of_the_transactions(actor_for, funding_id, ops):
    acct = actor_for("accounting@example.com")
    with write_session() as s:  # start each example from an empty funding
        for tx in s.exec(select(FundingTransaction).where(FundingTransaction.funding_id == funding_id)):
            svc.delete_transaction(s, acct, tx.id)
    alive: list[int] = []
    for op, cents in ops:
        amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        with write_session() as s:
            if op == "add" or not alive:
                alive.append(svc.add_transaction(s, acct, funding_id, _tx(amount)).id)
            elif op == "edit":
                svc.update_transaction(s, acct, alive[-1], _tx(amount))
            else:
                svc.delete_transaction(s, acct, alive.pop())
    with read_session() as s:
        amounts = s.exec(select(FundingTransaction.amount_cents).where(FundingTransaction.funding_id == funding_id)).all()
    assert _net(funding_id) == (sum(amounts), 300000 - sum(amounts))


def test_a_holdback_is_stored_in_cents_with_its_release_date_and_shown_on_the_card(actor_for):
    from datetime import timedelta

    from stapp.db.types import utcnow

    acct = actor_for("accounting@example.com")
    customer = _customer("Dallas")
    with write_session() as s:
        fid = svc.create_funding(s, acct, customer.id, _form(date_expected="2026-03-31", holdback_amount="450.00",
                                                            guarantee_months="12")).id
    with read_session() as s:
        f = s.get(Funding, fid)
        assert (f.holdback_cents, f.guarantee_months, f.holdback_release_date.isoformat()) == (45000, 12, "2027-03-31")
        card = next(c for c in svc.customer_fundings(s, acct, customer.id)[1] if c["id"] == fid)
    released = utcnow().date() >= f.holdback_release_date
    assert card["holdback"] == "$450.00" and card["guarantee_months"] == "12"
    assert card["held_back"] == ("$0.00" if released else "$450.00")
    assert card["holdback_note"] == ("Released on 2027-03-31" if released else "Held back until 2027-03-31")
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    with write_session() as s:  # the release date is editable: an earlier one releases it now
        svc.update_funding(s, acct, fid, _form(date_expected="2026-03-31", holdback_amount="450.00",
                                               guarantee_months="12", holdback_release_date=past))
    with read_session() as s:
        card = next(c for c in svc.customer_fundings(s, acct, customer.id)[1] if c["id"] == fid)
    assert (card["held_back"], card["holdback_note"]) == ("$0.00", f"Released on {past}")


def test_a_bad_holdback_saves_nothing(actor_for, funding_id):
    acct = actor_for("accounting@example.com")
    before = _counts()
    with write_session() as s, pytest.raises(ValidationFailed) as exc:
        svc.update_funding(s, acct, funding_id, _form(holdback_amount="-1.00", guarantee_months="500"))
    assert set(exc.value.errors) == {"holdback_amount", "guarantee_months"}
    with read_session() as s:
        assert s.get(Funding, funding_id).holdback_cents is None
    assert _counts() == before


def test_a_customer_cancelled_inside_the_guarantee_period_flags_the_funding_as_a_chargeback_risk(actor_for):
    from stapp.services import customers as customer_svc
    from stapp.services import funding_entries

    admin, acct, sales = (actor_for(e) for e in ("admin@example.com", "accounting@example.com", "sales@example.com"))
    customer = _customer("Dallas")
    with write_session() as s:
        fid = svc.create_funding(s, acct, customer.id, _form(date_expected="2026-02-01", holdback_amount="300.00",
                                                            guarantee_months="12")).id
    cancel = {"service_status": "Cancelled", "cancelled_on": "2026-08-01"}
    with write_session() as s, pytest.raises(PermissionDenied):  # accounting may view customers, not modify them
        customer_svc.set_service_status(s, acct, customer.id, cancel)
    with write_session() as s, pytest.raises(NotFound):  # sales (Austin) cannot even see a Dallas customer
        customer_svc.set_service_status(s, sales, customer.id, cancel)
    with write_session() as s:
        customer_svc.set_service_status(s, admin, customer.id, {"service_status": "Cancelled", "cancelled_on": "2026-08-01"})
    with read_session() as s:
        card = next(c for c in svc.customer_fundings(s, acct, customer.id)[1] if c["id"] == fid)
        rows = funding_entries.list_entries(s, acct, funding_entries.parse_query({"holdbacks": "risk", "size": "100"})).rows
    assert card["chargeback_risk"] == ("Chargeback risk: the customer cancelled on 2026-08-01, inside the guarantee "
                                       "period (until 2027-02-01).")
    assert fid in {r["id"] for r in rows} and all(r["chargeback_risk"] for r in rows)
    with write_session() as s:  # back to Active: no risk
        customer_svc.set_service_status(s, admin, customer.id, {"service_status": "Active"})
    with read_session() as s:
        card = next(c for c in svc.customer_fundings(s, acct, customer.id)[1] if c["id"] == fid)
        rows = funding_entries.list_entries(s, acct, funding_entries.parse_query({"holdbacks": "risk", "size": "100"})).rows
    assert card["chargeback_risk"] == "" and fid not in {r["id"] for r in rows}
