"""What the busiest handlers read: the statements behind one event are part of its speed (issue 7).

Fifty sales reps submitting at once, or fifty accountants changing filters, queue on the backend; every
statement a handler issues is paid by all of them. These tests pin what each hot handler reads, so a
change that reads the same thing twice, or reads what the page already has, fails here.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import select

import stapp.stapp  # noqa: F401  (registers every state)
from stapp.db.engine import read_session, write_session
from stapp.db.models import AuthSession, Customer, FinanceApplication, Location
from stapp.db.types import utcnow
from stapp.services import applications as applications_svc
from stapp.services import auth
from stapp.state.base import AppState
from stapp.state.company_financing import CompanyFinancingState
from stapp.state.financing import FinancingState
from tests.fake_provider import application_json
from tests.unit.test_paging import _listening, selects

SALES = ("sales@example.com", "stapp-sales")
ACCOUNTING = ("accounting@example.com", "stapp-accounting")
FORM = {"date_of_birth": "1980-05-17", "ssn": "123-45-6789", "annual_income": "85000.00", "employer": "Acme Alarm",
        "amount_requested": "4500.00", "consent": "on"}


def _token(email: str, password: str) -> str:
    with write_session() as s:
        return auth.sign_in(s, email, password)


def _austin_customer() -> int:
    with read_session() as s:
        austin = s.exec(select(Location.id).where(Location.name == "Austin")).one()
        return s.exec(select(Customer.id).where(Customer.location_id == austin).order_by(Customer.id)).first()


def _state(cls: type[rx.State], token: str, path: str, query: dict[str, str] | None = None) -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data({"pathname": path, "asPath": path, "query": query or {}})
    state = root.get_substate(cls.get_full_name().split("."))
    state.session_token = token
    return state


def _financing_tab(token: str, customer_id: int) -> FinancingState:
    return _state(FinancingState, token, f"/customers/{customer_id}/financing", {"id": str(customer_id)})


def _defaults(token: str, customer_id: int) -> dict[str, str]:
    with read_session() as s:
        return applications_svc.form_defaults(s, auth.resolve(s, token), customer_id)


def _list_reads(seen: list[str]) -> list[str]:
    """The statements that read rows of an application list."""
    return [sql for sql in seen if "FROM finance_application" in sql and "ORDER BY" in sql]


def _begins() -> object:
    return _listening(lambda sql, _params: sql.strip() if sql.strip().upper().startswith("BEGIN") else None)


def test_resolving_a_session_reads_the_session_its_user_and_the_grants_in_one_statement(db):
    token = _token(*SALES)
    with read_session() as s, selects() as seen:
        actor = auth.resolve(s, token)
    assert actor.email == SALES[0]
    assert len(seen) == 1, seen
    assert "JOIN app_user" in seen[0] and "group_permission" in seen[0]
    with read_session() as s:
        assert actor.grants == auth.load_grants(s, actor.user_id) and actor.grants.by_permission


def test_a_user_without_groups_or_whose_groups_grant_nothing_is_signed_in_with_no_grants(db):
    from stapp.db.models import Group, User, UserGroup

    token = _token(*SALES)
    with write_session() as s:
        user_id = auth.resolve(s, token).user_id
        for link in s.exec(select(UserGroup).where(UserGroup.user_id == user_id)).all():
            s.delete(link)
    with read_session() as s:
        alone = auth.resolve(s, token)  # no group: the one row has no permission
    assert alone.user_id == user_id and not alone.grants.by_permission
    with write_session() as s:
        empty = Group(name="Nothing granted")
        s.add(empty)
        s.flush()
        s.add(UserGroup(user_id=user_id, group_id=empty.id))
        assert s.get(User, user_id).active
    with read_session() as s:
        assert not auth.resolve(s, token).grants.by_permission


def test_resolving_still_refuses_a_deactivated_user(db):
    token = _token(*SALES)
    with write_session() as s:
        user = auth.resolve(s, token).user_id
        from stapp.db.models import User

        row = s.get(User, user)
        row.active = False
        s.add(row)
    with read_session() as s, pytest.raises(auth.NotSignedIn):
        auth.resolve(s, token)


def test_opening_the_financing_tab_reads_six_statements_and_no_whole_application(db):
    tab = _financing_tab(_token(*SALES), _austin_customer())
    with selects() as seen:
        tab.load()
    assert tab.customer and tab.can_apply
    # session with its user and grants, customer, availability, header (location and creator), list totals, rows
    assert len(seen) == 6, "\n".join(seen)
    assert not [sql for sql in seen if "ssn_ciphertext" in sql], "a list row needs no SSN ciphertext"


def _submitted(tab: FinancingState) -> int:
    tab.open_form()
    with selects() as seen:
        tab.submit({**tab.form, **FORM})
    assert tab.submitting_id, tab.errors
    assert not _list_reads(seen), "submit must not re-read the list: the decision does"
    assert not _whole_customer(seen), "submit takes the customer's location with its lock, not its whole record"
    assert len(seen) <= 6, "\n".join(seen)
    return tab.submitting_id


def _whole_customer(seen: list[str]) -> list[str]:
    """The reads of a customer's whole record (the ORM's ``session.get``), where its id and location would do."""
    return [sql for sql in seen if "customer.first_name, customer.last_name, customer.email" in sql]


def _approve(app_id: int) -> None:
    with read_session() as s:
        reference = s.get(FinanceApplication, app_id).reference
    result = applications_svc.ApplicationResult.from_json(application_json(
        id=f"shp_app_{app_id:016d}", reference=reference, status="approved", stage="decisioned",
        amount_financed="4500.00", finance_type="installment", account_number="SHP000000001"))
    applications_svc._finish(app_id, result=result)


def _run_submission(tab: FinancingState, app_id: int, monkeypatch, meanwhile=None) -> None:  # noqa: ANN001
    async def provider_answers(application_id: int, *, source: str = "user", claimed: bool = False) -> None:
        _approve(application_id)
        if meanwhile:
            meanwhile(tab)

    monkeypatch.setattr(applications_svc, "submit", provider_answers)
    asyncio.run(FinancingState.event_handlers["run_submission"].fn(tab, app_id))


def test_the_decision_arrives_with_the_list_that_shows_it(db, monkeypatch):
    tab = _financing_tab(_token(*SALES), _austin_customer())
    tab.load()
    before = tab.total
    app_id = _submitted(tab)
    with selects() as seen:
        _run_submission(tab, app_id, monkeypatch)
    assert tab.decision["status"] == "Approved" and tab.submitting_id == 0
    assert tab.total == before + 1 and tab.apps[0]["id"] == app_id and tab.apps[0]["status"] == "Approved"
    # session + user, grants, application, lender, customer, list totals, rows: the customer's header and the
    # add-on are not read again
    reads = [sql for sql in seen if "finance_application.reference = ?" not in sql]  # _approve's own lookup
    assert len(reads) <= 9, "\n".join(reads)
    assert not _whole_customer(reads), "the decision's list needs the customer's location, not its record"
    assert not [sql for sql in reads if "FROM addon" in sql or "FROM location" in sql]


def test_a_list_changed_while_the_provider_answered_is_read_as_it_is_now(db, monkeypatch):
    token, customer = _token(*SALES), _austin_customer()
    for n in range(2):  # earlier applications, so that the two orders differ
        with write_session() as s:
            applications_svc.prepare(s, auth.resolve(s, token), customer, {**_defaults(token, customer), **FORM,
                                     "amount_requested": f"{1000 + n}.00"}, f"earlier{n:020d}")
    tab = _financing_tab(token, customer)
    tab.load()
    app_id = _submitted(tab)

    def user_sorts_oldest_first(state: FinancingState) -> None:
        state.sort, state.direction = "id", "asc"

    _run_submission(tab, app_id, monkeypatch, meanwhile=user_sorts_oldest_first)
    assert tab.decision["status"] == "Approved"
    ids = [row["id"] for row in tab.apps]
    assert len(ids) == 3 and ids == sorted(ids) and ids[-1] == app_id


def test_poll_rereads_the_tab_only_when_one_of_its_applications_changed(db, monkeypatch):
    tab = _financing_tab(_token(*SALES), _austin_customer())
    tab.load()
    app_id = _submitted(tab)
    _run_submission(tab, app_id, monkeypatch)
    with selects() as seen:
        tab.poll()
    assert not _list_reads(seen), "nothing changed: the rows are not read"
    with write_session() as s:  # the provider moves it on, by webhook say
        app = s.get(FinanceApplication, app_id)
        app.stage, app.updated_at = "contract_sent", utcnow()
        s.add(app)
    with selects() as seen:
        tab.poll()
    assert _list_reads(seen)
    assert tab.apps[0]["stage"] == "Contract Sent"


def test_a_poll_that_finds_nothing_changed_builds_no_statement(db, monkeypatch):
    """Every open page polls every two seconds: the Financing tab's version and a list's change counters are
    statements built once (engine.run), not per poll."""
    from sqlalchemy.sql import Select

    from stapp.db import changes
    from stapp.services import application_lists

    tab = _financing_tab(_token(*SALES), _austin_customer())
    tab.load()
    lst = _state(CompanyFinancingState, _token(*ACCOUNTING), "/accounting/financing")
    lst.load()

    def built(*_a, **_k):
        pytest.fail("a statement was built by the poll")

    monkeypatch.setattr(application_lists, "select", built)
    monkeypatch.setattr(changes, "text", built)
    monkeypatch.setattr(Select, "where", built)  # deriving a filtered statement builds one too
    with selects() as seen:
        tab.poll()
        lst.poll()
    assert len(seen) == 5, seen  # each: the session with its grants; the tab its customer and version, the list its counters
    assert not _whole_customer(seen), "a poll needs the customer's location, not its record"


def test_a_funding_tab_poll_that_finds_nothing_changed_is_one_statement_built_once(db, monkeypatch):
    """Every open Funding tab polls every two seconds: the customer (its location, its service status) and its
    fundings' count and latest change are one statement built once, after the session with its grants."""
    from sqlalchemy.sql import Select

    from stapp.db.models import Funding
    from stapp.services import funding as funding_svc
    from stapp.state.funding import FundingState

    with read_session() as s:
        austin = s.exec(select(Location.id).where(Location.name == "Austin")).one()
        customer_id = s.exec(select(Funding.customer_id).where(Funding.location_id == austin)
                             .order_by(Funding.id)).first()
    tab = _state(FundingState, _token(*SALES), f"/customers/{customer_id}/funding", {"id": str(customer_id)})
    tab.load()
    assert tab.cards and tab.loaded

    def built(*_a, **_k):
        pytest.fail("a statement was built by the poll")

    with monkeypatch.context() as m:
        m.setattr(funding_svc, "select", built)
        m.setattr(Select, "where", built)
        with selects() as seen:
            tab.poll()
    assert len(seen) == 2, seen
    assert not _whole_customer(seen), "a poll needs the customer's location and service status, not its record"
    with write_session() as s:  # another user changes a transaction: its funding's updated_at moves
        changed = s.get(Funding, tab.cards[0]["id"])
        changed.updated_at = utcnow() + timedelta(seconds=1)
        s.add(changed)
    with selects() as seen:
        tab.poll()
    assert [sql for sql in seen if "FROM funding_transaction" in sql], "the changed funding's cards are read again"


def test_a_filter_change_reads_the_rows_but_not_the_filter_choices_again(db):
    lst = _state(CompanyFinancingState, _token(*ACCOUNTING), "/accounting/financing")
    with selects() as seen:
        lst.load()
    assert [sql for sql in seen if "FROM location" in sql], "opening the page reads the choices"
    choices = lst.options
    assert choices["locations"] and choices["reps"]
    with selects() as seen:
        lst.toggle("statuses", "Approved")
    assert lst.selected["statuses"] == ["Approved"] and lst.options == choices
    assert not [sql for sql in seen if "FROM location" in sql or "FROM app_user ORDER BY" in sql], "\n".join(seen)
    # session with its user and grants, change counters, availability, totals from the tally, and the page's rows
    # joined to its keys in one statement (paging.fetch)
    assert len(seen) == 5, "\n".join(seen)


def _last_seen_ago(token: str, minutes: int) -> None:
    with write_session() as s:
        row = s.exec(select(AuthSession).where(AuthSession.token_hash == auth._token_hash(token))).one()
        row.last_seen_at = utcnow() - timedelta(minutes=minutes)
        s.add(row)


def _last_seen(token: str):  # noqa: ANN202
    with read_session() as s:
        return s.exec(select(AuthSession.last_seen_at).where(AuthSession.token_hash == auth._token_hash(token))).one()


def test_opening_a_page_writes_only_when_the_session_is_due_to_be_marked_seen(db):
    token = _token(*SALES)
    app = _state(AppState, token, "/")
    with _begins() as begins:
        app.check_session()
    assert app.user_email == SALES[0]
    assert begins == ["BEGIN DEFERRED"], "a session seen within the minute is only read"

    _last_seen_ago(token, 5)
    with _begins() as begins:
        app.check_session()
    assert "BEGIN IMMEDIATE" in begins
    assert utcnow() - _last_seen(token) < timedelta(minutes=1), "the idle clock restarts"


def test_a_page_load_between_submit_and_sending_does_not_stop_the_submission(db, monkeypatch):
    """A reconnect re-runs the page's on_load: seen in the production-stack bench, where the load of a tab that
    had just connected ran after its submit and the application stayed Submitting with no decision."""
    tab = _financing_tab(_token(*SALES), _austin_customer())
    tab.load()
    app_id = _submitted(tab)
    tab.load()  # clears what the page shows, not the submission on its way
    _run_submission(tab, app_id, monkeypatch)
    assert tab.decision["status"] == "Approved"
    assert tab.apps[0]["id"] == app_id and tab.apps[0]["status"] == "Approved"


def test_running_a_submission_twice_sends_it_once(db, monkeypatch):
    tab = _financing_tab(_token(*SALES), _austin_customer())
    tab.load()
    app_id = _submitted(tab)
    sent: list[int] = []

    async def provider_answers(application_id: int, *, source: str = "user", claimed: bool = False) -> None:
        sent.append((application_id, claimed))
        _approve(application_id)

    monkeypatch.setattr(applications_svc, "submit", provider_answers)
    for _ in range(2):
        asyncio.run(FinancingState.event_handlers["run_submission"].fn(tab, app_id))
    # once, as the first send of what submit has just saved (its save counted the attempt: no claim to write)
    assert sent == [(app_id, True)]


def test_the_app_imports_at_start_what_the_first_form_event_would_import_mid_session():
    """Reflex imports ``reflex.model`` (and alembic with it) when it first transforms a dict argument, on the
    event loop: a submission's form would stall every session of a fresh worker. The app imports it at start."""
    import subprocess
    import sys

    probe = "import sys, stapp.stapp; print('reflex.model' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"


def test_a_second_tab_submitting_the_same_application_sends_it_as_a_resend(db, monkeypatch):
    """The same content from a second tab is the same application (``prepare``'s twin check): its save counted
    no attempt for that tab, so its send claims one as any resend does."""
    first = _financing_tab(_token(*SALES), _austin_customer())
    first.load()
    app_id = _submitted(first)
    second = _financing_tab(_token(*SALES), _austin_customer())
    second.load()
    assert _submitted(second) == app_id
    sent: list[tuple[int, bool]] = []

    async def provider_answers(application_id: int, *, source: str = "user", claimed: bool = False) -> None:
        sent.append((application_id, claimed))
        _approve(application_id)

    monkeypatch.setattr(applications_svc, "submit", provider_answers)
    asyncio.run(FinancingState.event_handlers["run_submission"].fn(second, app_id))
    asyncio.run(FinancingState.event_handlers["run_submission"].fn(first, app_id))
    assert sent == [(app_id, False), (app_id, True)]


def test_a_first_page_builds_the_tally_conditions_once_and_a_typed_page_again_to_place_it(db, monkeypatch):
    """The tally's conditions give the summary, and place a page typed deep (``paging.by_tally``): the first page,
    which most views are, reads from the list's edge and does not build them a second time."""
    from stapp.services import application_lists, funding_entries

    built: list[str] = []
    for module in (application_lists, funding_entries):
        real = module.tally_where
        monkeypatch.setattr(module, "tally_where", lambda *a, _real=real, _name=module.__name__, **k: (
            built.append(_name), _real(*a, **k))[1])
    lst = _state(CompanyFinancingState, _token(*ACCOUNTING), "/accounting/financing")
    lst.load()
    built.clear()
    lst.set_size("10")
    assert lst.rows and lst.pages >= 2 and built == ["stapp.services.application_lists"]
    built.clear()
    lst.go_to_page(2)  # Next: past the cursor, nothing to place
    assert lst.page == 2 and built == ["stapp.services.application_lists"]
    built.clear()
    lst._change(page="2")  # the same page typed: placed from the tally
    assert lst.page == 2 and built == ["stapp.services.application_lists"] * 2
