"""Handlers called directly, as a browser could call them: the server refuses and nothing changes."""

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import func
from sqlmodel import select

import stapp.stapp  # noqa: F401  (registers every state)
from stapp.db.engine import read_session, write_session
from stapp.db.models import Customer, Group, GroupPermission, Location, User
from stapp.services import auth
from stapp.state.admin import GroupsState, UsersState
from stapp.state.customers import CustomersState, CustomerState


def _token(email, password):
    with write_session() as s:
        return auth.sign_in(s, email, password)


@pytest.fixture
def state_as(db):
    def _make(state_cls, email=None, password=None, params=None):
        root = rx.State(_reflex_internal_init=True)
        if params is not None:
            root.router = RouterData.from_router_data({"query": params, "pathname": "/"})
        state = root.get_substate(state_cls.get_full_name().split("."))
        state.session_token = _token(email, password) if email else ""
        return state

    return _make


def _counts():
    with read_session() as s:
        return tuple(
            s.exec(select(func.count()).select_from(model)).one() for model in (Customer, User, Group, GroupPermission)
        )


def _loc(name):
    with read_session() as s:
        return s.exec(select(Location.id).where(Location.name == name)).one()


def _is_redirect_to_login(result):
    return "/login" in repr(result)


def test_handlers_without_a_session_redirect_to_sign_in(state_as):
    for cls in (CustomersState, UsersState, GroupsState):
        state = state_as(cls)
        assert _is_redirect_to_login(state.load())
    assert state_as(CustomersState).rows == []


def test_sales_cannot_save_users_or_groups_by_calling_the_handlers(state_as):
    before = _counts()
    users = state_as(UsersState, "sales@example.com", "stapp-sales")
    result = users.save({"name": "Mallory", "email": "mallory@example.com", "password": "password123", "active": "on"})
    assert "permission" in repr(result)
    groups = state_as(GroupsState, "sales@example.com", "stapp-sales")
    groups.save({"name": "Everything", "mode::Users and Groups: Manage": "all"})
    assert _counts() == before


def test_sales_users_page_load_says_denied_and_lists_nothing(state_as):
    users = state_as(UsersState, "sales@example.com", "stapp-sales")
    users.load()
    assert users.denied and users.users == []


def test_creating_a_customer_at_another_location_changes_nothing(state_as):
    before = _counts()
    state = state_as(CustomersState, "sales@example.com", "stapp-sales")
    state.create(
        {
            "first_name": "Eve",
            "last_name": "Dallas",
            "address_line1": "1 Main",
            "city": "Dallas",
            "state": "TX",
            "zip_code": "75201",
            "location_id": str(_loc("Dallas")),
        }
    )
    assert "location_id" in state.errors
    assert _counts() == before


@pytest.mark.parametrize("payload", [None, "text", 42, ["a"], {"first_name": {"$gt": ""}}, {"location_id": "1; DROP"}])
def test_hostile_customer_payloads_are_refused(state_as, payload):
    before = _counts()
    state = state_as(CustomersState, "admin@example.com", "stapp-admin")
    state.create(payload)
    assert state.errors
    assert _counts() == before


def test_a_dallas_customer_cannot_be_opened_by_typing_its_id(state_as):
    with read_session() as s:
        dallas_id = s.exec(select(Customer.id).where(Customer.location_id == _loc("Dallas"))).first()
    state = state_as(CustomerState, "sales@example.com", "stapp-sales", params={"id": str(dallas_id)})
    state.load_customer()
    assert state.customer == {}
    assert state.customer_error == "This customer does not exist or you do not have access to it."
    admin = state_as(CustomerState, "admin@example.com", "stapp-admin", params={"id": str(dallas_id)})
    admin.load_customer()
    assert admin.customer["location"] == "Dallas"


@pytest.mark.parametrize("value", [{"$ne": 1}, 10**9, "../../etc", None])
def test_filters_and_pages_ignore_hostile_values(state_as, value):
    state = state_as(CustomersState, "sales@example.com", "stapp-sales")
    state.load()
    state.set_location_filter(value)
    state.go_to_page(value)
    state.set_search(value)
    assert {row["location"] for row in state.rows} <= {"Austin"}
    assert state.location_filter == "all"


def _funding_counts():
    from stapp.db.models import Funding, FundingTransaction

    with read_session() as s:
        return (s.exec(select(func.count()).select_from(Funding)).one(),
                s.exec(select(func.count()).select_from(FundingTransaction)).one())


def test_funding_handlers_refuse_ids_the_user_may_not_see(state_as):
    from stapp.db.models import Funding
    from stapp.state.funding import FundingState

    with read_session() as s:
        dallas_funding = s.exec(select(Funding).where(Funding.location_id == _loc("Dallas"))).first()
        austin_funding = s.exec(select(Funding).where(Funding.location_id == _loc("Austin"))).first()
    before = _funding_counts()
    state = state_as(FundingState, "sales@example.com", "stapp-sales", params={"id": str(austin_funding.customer_id)})
    state.load()
    assert state.cards and not state.can_create and not state.can_delete
    for call in (
        lambda: state.open_add_transaction(dallas_funding.id),
        lambda: state.open_edit_funding(dallas_funding.id),
        lambda: state.ask_delete_funding(dallas_funding.id),
        lambda: state.ask_delete_transaction(10**9),
    ):
        assert "does not exist" in repr(call())
    # Even with an id it may see, sales has no Create/Delete: the service refuses.
    state.open_add_transaction(austin_funding.id)
    state.save_transaction({"type_id": "1", "transaction_date": "2026-01-01", "amount": "5.00"})
    state.ask_delete_funding(austin_funding.id)
    assert "permission" in repr(state.confirm_delete()).lower()
    assert _funding_counts() == before


def test_a_forged_customer_id_in_the_page_path_cannot_add_a_funding_elsewhere(state_as):
    from stapp.db.models import Customer
    from stapp.state.funding import FundingState

    with read_session() as s:
        dallas_customer = s.exec(select(Customer).where(Customer.location_id == _loc("Dallas"))).first()
    before = _funding_counts()
    state = state_as(FundingState, "sales@example.com", "stapp-sales", params={"id": str(dallas_customer.id)})
    state.open_add_funding()
    result = state.save_funding({"funder_id": "1", "funding_type_id": "4", "status": "PENDING"})
    assert "does not exist" in repr(result)
    assert _funding_counts() == before


@pytest.mark.parametrize("name,value", [("statuses", "x" * 10_000), ("nope", "1"), ("funders", {"$ne": 1})])
def test_funding_entries_filter_handlers_ignore_hostile_values(state_as, name, value):
    from stapp.state.funding_entries import FundingEntriesState

    state = state_as(FundingEntriesState, "accounting@example.com", "stapp-accounting", params={})
    state.load()
    total = state.total
    state.toggle(name, value)
    state.set_date("created_from", "'; DROP TABLE funding; --")
    state.set_sort(value)
    state.go_to_page(value)
    assert state.total in (total, 0)
    assert state.sort == "created"  # the default: newest first
