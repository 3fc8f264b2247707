"""Every public event handler of stapp's states, and a hand-written registry of what each one needs.

Reflex lets the browser call any registered event handler by name with any JSON arguments (see
``/work/shared/guides/reflex.md`` §3). This module

* discovers every handler of every ``rx.State`` subclass defined in the ``stapp`` package,
* builds a test database (the demo seed plus a few users, groups and records the tests need), with a
  session token per user made once per test run,
* offers a harness that calls a handler in-process exactly as Reflex would (background handlers by
  their raw function), takes a snapshot of the business tables, and serialises what the browser would
  receive (every state var plus the handler's returned events), and
* holds ``REGISTRY``: for each ``"StateClass.handler"``, the permission it needs, whether it is
  location-scoped and on which record, valid sample arguments, and what a valid call changes.

``test_permission_matrix.py`` fails when a handler is missing from ``REGISTRY`` or ``REGISTRY`` names a
handler that no longer exists, so a new handler cannot be forgotten.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import update
from sqlmodel import SQLModel, select

import stapp.stapp  # noqa: F401  (the app module imports every page, so every state is registered)
from stapp.domain.permissions import LOCATION_SCOPED, Permission

# --------------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------------

# Handlers every Reflex state has. ``setvar(name, value)`` only dispatches to ``set_<name>`` attributes;
# ``test_setvar_reaches_only_registered_handlers`` checks those are registered handlers themselves.
REFLEX_BUILTIN_HANDLERS = frozenset({"setvar"})


def _walk(cls: type[rx.State]) -> Iterator[type[rx.State]]:
    for sub in cls.get_substates():
        yield sub
        yield from _walk(sub)


def stapp_states() -> list[type[rx.State]]:
    """Every state class defined in the ``stapp`` package (substates of the root state, at any depth)."""
    found = {cls for cls in _walk(rx.State) if cls.__module__.startswith("stapp.")}
    return sorted(found, key=lambda c: c.get_full_name())


def discover() -> dict[str, tuple[type[rx.State], str]]:
    """``{"StateClass.handler": (StateClass, "handler")}`` for every handler the browser can call."""
    out: dict[str, tuple[type[rx.State], str]] = {}
    for cls in stapp_states():
        for name in cls.event_handlers:
            if name.startswith("_") or name in REFLEX_BUILTIN_HANDLERS:
                continue
            key = f"{cls.__name__}.{name}"
            assert key not in out, f"two state classes are named {cls.__name__}"
            out[key] = (cls, name)
    return out


def is_background(cls: type[rx.State], name: str) -> bool:
    return bool(getattr(cls.event_handlers[name], "is_background", False))


# --------------------------------------------------------------------------------------------------
# The test database
# --------------------------------------------------------------------------------------------------

PASSWORDS = {
    "admin@example.com": "stapp-admin",
    "sales@example.com": "stapp-sales",
    "accounting@example.com": "stapp-accounting",
    "nobody@example.com": "nobody-pass-qx",  # in a group with no permission at all
    "austin@example.com": "austin-pass-qx",  # every location-scoped permission at Austin only (+ company view)
    "customers@example.com": "customers-pass-qx",  # Customers: View at every location, nothing else
}
ADMIN, SALES, ACCOUNTING, NOBODY, AUSTIN, CUSTOMERS_ONLY = PASSWORDS
# Tables a denied or refused call may still write: sessions (resolving a token touches it), the audit trail
# (denied attempts may be recorded), webhook receipts and scheduler leases.
UNWATCHED_TABLES = frozenset({"auth_session", "audit_event", "webhook_receipt", "lease", "alembic_version"})


@dataclass(frozen=True)
class Rec:
    """Demo records at one location. ``cust`` has a funding with a transaction; ``order_cust`` has a plain
    open order and an approved (Installment) application; ``fin_cust`` has a financed order with a pending
    authorization, a pending settlement and an F3 hold; ``app_cust`` has the approved application ``app``."""

    loc: int
    cust: int
    funding: int
    tx: int
    order_cust: int
    order: int
    line: int
    fin_cust: int
    fin_order: int
    fin_line: int
    authz: int
    settlement: int
    app_cust: int
    app: int


@dataclass(frozen=True)
class Demo:
    austin: int
    dallas: int
    recs: dict[int, Rec]  # by location id
    users: dict[str, int]
    groups: dict[str, int]
    tokens: dict[str, str]
    grants: dict[str, Any]  # email -> Grants, as the app loads them
    provider: int
    plan: int  # I36, Installment
    funder: int
    funding_type: int
    tx_type: int
    unused_entry: int  # a catalog entry no funding uses
    strings: dict[str, dict[int | None, frozenset[str]]]  # domain -> location (None: company-wide) -> strings
    secrets: frozenset[str]  # never in any state, for anyone

    def rec(self, loc: int) -> Rec:
        return self.recs[loc]

    def other(self, loc: int) -> int:
        return self.dallas if loc == self.austin else self.austin


def _app_state() -> type[rx.State]:
    from stapp.state.base import AppState

    return AppState


def use_database(path: Path) -> None:
    """Point the app's engine at ``path`` (as ``tests/conftest.py``'s ``db`` fixture does)."""
    from stapp.db import engine as engine_mod
    from stapp.settings import get_settings

    os.environ["STAPP_DATABASE_URL"] = f"sqlite:///{path}"
    get_settings.cache_clear()
    engine_mod.get_engine.cache_clear()


def release_database() -> None:
    from stapp.db import engine as engine_mod
    from stapp.settings import get_settings

    engine_mod.get_engine().dispose()
    engine_mod.get_engine.cache_clear()
    get_settings.cache_clear()


def _actor(session, email: str):  # noqa: ANN001, ANN202
    from stapp.db.models import User
    from stapp.services.auth import Actor, load_grants

    user = session.exec(select(User).where(User.email == email)).one()
    return Actor(user_id=user.id, name=user.name, email=user.email, grants=load_grants(session, user.id))


def build_template(seeded: Path, target: Path) -> Demo:
    """Copy the demo-seeded database and add what the security tests need; returns the ids and strings."""
    import secrets as pysecrets

    from stapp.db import crypto
    from stapp.db.engine import read_session, write_session
    from stapp.db.models import (
        CatalogEntry,
        Customer,
        FinanceApplication,
        FinanceAuthorization,
        FinancePlan,
        FinanceProvider,
        Funding,
        FundingTransaction,
        Group,
        Location,
        SalesOrder,
        SalesOrderLine,
        Settlement,
        User,
    )
    from stapp.services import admin as admin_svc
    from stapp.services import auth
    from stapp.services import catalogs as catalog_svc
    from stapp.services import funding as funding_svc
    from stapp.services.auth import load_grants

    shutil.copy(seeded, target)
    use_database(target)
    try:
        with write_session() as s:
            admin = _actor(s, ADMIN)
            locs = {loc.name: loc.id for loc in s.exec(select(Location))}
            austin, dallas = locs["Austin"], locs["Dallas"]
            nothing = admin_svc.save_group(s, admin, None, "Nothing QX", {})
            grants = {p.value: {"mode": "chosen", "locations": [austin]} for p in LOCATION_SCOPED}
            grants[Permission.COMPANY_ACCOUNTING_VIEW.value] = {"mode": "all", "locations": []}
            austin_group = admin_svc.save_group(s, admin, None, "Austin Everything QX", grants)
            viewers = admin_svc.save_group(s, admin, None, "Customers Viewers QX",
                                           {P.CUSTOMERS_VIEW.value: {"mode": "all", "locations": []}})
            for email, name, group in ((NOBODY, "Nobody QX", nothing), (AUSTIN, "Austin Only QX", austin_group),
                                       (CUSTOMERS_ONLY, "Customers Only QX", viewers)):
                admin_svc.save_user(s, admin, None, {"name": name, "email": email, "password": PASSWORDS[email],
                                                     "active": "on", "group_ids": [str(group.id)]})
            s.exec(update(FinanceProvider).values(name="Sandbox Lender QX"))
            catalog_svc.add_entry(s, admin, "funder", "Unused Funder QX")

            # An approved application at Austin too (the demo has them at Dallas only).
            customers = {c.id: c for c in s.exec(select(Customer).order_by(Customer.id))}
            template = s.exec(select(FinanceApplication).where(FinanceApplication.status == "Approved")
                              .order_by(FinanceApplication.id)).first()
            austin_plain = next(c for c in customers.values() if c.location_id == austin
                                and s.exec(select(SalesOrder).where(SalesOrder.customer_id == c.id)).first())
            clone = template.model_dump(exclude={"id"})
            clone.update(reference="stapp-sec-austin", idempotency_key="secaustin" + "0" * 23, fingerprint="sec-austin",
                         customer_id=austin_plain.id, location_id=austin, first_name=austin_plain.first_name,
                         last_name=austin_plain.last_name, email=austin_plain.email, phone=austin_plain.phone,
                         account_number="SHP-AUSTIN-QX")
            s.add(FinanceApplication(**clone))
            s.flush()

            # One financed order per location: plan, pending authorization, pending settlement, F3 hold.
            plan = s.exec(select(FinancePlan).where(FinancePlan.code == "I36")).one()
            approved = {a.customer_id: a for a in s.exec(select(FinanceApplication)
                                                         .where(FinanceApplication.status == "Approved"))}
            orders = list(s.exec(select(SalesOrder).order_by(SalesOrder.id)))
            plain: dict[int, SalesOrder] = {}
            financed: dict[int, SalesOrder] = {}
            for order in orders:
                if order.location_id not in plain and order.customer_id in approved:
                    plain[order.location_id] = order
                elif order.location_id not in financed:
                    financed[order.location_id] = order
            for order in plain.values():  # a discount, so a call that clears it is seen
                order.discount_cents = 1_000
                s.add(order)
            for order in financed.values():
                app = approved.get(order.customer_id)
                order.plan_id, order.application_id = plan.id, app.id if app else None
                order.finance_type, order.financed_cents = "installment", 10_000
                order.authorization_status, order.credit_hold = "approved", "F3"
                order.provider_auth_id, order.authorization_number = f"auth-qx-{order.id}", "AUTHQX"
                s.add(order)
                s.add(FinanceAuthorization(order_id=order.id, kind="authorization", amount_cents=10_000,
                                           idempotency_key=pysecrets.token_hex(16), request_json='{"order": {}}'))
                s.add(Settlement(order_id=order.id, location_id=order.location_id, provider_id=plan.provider_id,
                                 finance_type="installment", kind="partial", amount_cents=5_000,
                                 idempotency_key=pysecrets.token_hex(16)))
            s.flush()
            # A funding change per location, so each customer's History has something to show.
            for loc_id, loc_name in ((austin, "Austin"), (dallas, "Dallas")):
                funding = s.exec(select(Funding).join(FundingTransaction, FundingTransaction.funding_id == Funding.id)
                                 .where(Funding.location_id == loc_id).order_by(Funding.id)).first()
                tx_type = s.exec(select(CatalogEntry).where(CatalogEntry.kind == "transaction_type")).first()
                funding_svc.add_transaction(s, admin, funding.id, {
                    "type_id": str(tx_type.id), "transaction_date": "2026-02-02", "amount": "1.00",
                    "reference": f"HIST-QX-{loc_name}", "note": ""})
            tokens = {email: auth.sign_in(s, email, password) for email, password in PASSWORDS.items()}

        with read_session() as s:
            recs = {}
            for loc in (austin, dallas):
                funding, tx = s.exec(select(Funding, FundingTransaction)
                                     .join(FundingTransaction, FundingTransaction.funding_id == Funding.id)
                                     .where(Funding.location_id == loc).order_by(Funding.id)).first()
                fin = financed[loc]
                recs[loc] = Rec(
                    loc=loc, cust=funding.customer_id, funding=funding.id, tx=tx.id,
                    order_cust=plain[loc].customer_id, order=plain[loc].id,
                    line=s.exec(select(SalesOrderLine.id).where(SalesOrderLine.order_id == plain[loc].id)
                                .order_by(SalesOrderLine.id)).first(),
                    fin_cust=fin.customer_id, fin_order=fin.id,
                    fin_line=s.exec(select(SalesOrderLine.id).where(SalesOrderLine.order_id == fin.id)
                                    .order_by(SalesOrderLine.id)).first(),
                    authz=s.exec(select(FinanceAuthorization.id).where(FinanceAuthorization.order_id == fin.id)).one(),
                    settlement=s.exec(select(Settlement.id).where(Settlement.order_id == fin.id)).one(),
                    app_cust=approved[plain[loc].customer_id].customer_id, app=approved[plain[loc].customer_id].id,
                )
            entries = list(s.exec(select(CatalogEntry).order_by(CatalogEntry.id)))

            def first_entry(kind: str) -> int:
                return next(e.id for e in entries if e.kind == kind and e.active)

            strings: dict[str, dict[int | None, set[str]]] = {}

            def add(domain: str, loc: int | None, *values: str | None) -> None:
                strings.setdefault(domain, {}).setdefault(loc, set()).update(v for v in values if v)

            for c in s.exec(select(Customer)):
                add("customer", c.location_id, f"{c.first_name} {c.last_name}", c.email)
            for f, t in s.exec(select(Funding, FundingTransaction)
                               .join(FundingTransaction, FundingTransaction.funding_id == Funding.id)):
                add("funding", f.location_id, t.reference)
            secret_values = {"shp-sandbox-token", "$argon2"}
            for a in s.exec(select(FinanceApplication)):
                add("application", a.location_id, f"{a.first_name} {a.last_name}", a.account_number)
                secret_values.add(crypto.decrypt(a.ssn_ciphertext))
            for u in s.exec(select(User)):
                add("admin", None, u.email)
            for g in s.exec(select(Group)):
                if g.name not in ("Accounting",):  # "Accounting" is also a word of permission names
                    add("admin", None, g.name)
            add("catalog", None, *(e.name for e in entries))
            add("provider", None, "Sandbox Lender QX", *(p.description for p in s.exec(select(FinancePlan))))
            add("addon", None, "2026-01-02 16:00 UTC")
            # Words that are also static text of the app (a catalog entry named "Funding") prove nothing.
            static = browser_view(new_state(_app_state()))
            strings = {d: {loc: {v for v in values if v not in static} for loc, values in by_loc.items()}
                       for d, by_loc in strings.items()}
            demo = Demo(
                austin=austin, dallas=dallas, recs=recs,
                users={u.email: u.id for u in s.exec(select(User))},
                groups={g.name: g.id for g in s.exec(select(Group))},
                tokens=tokens, grants={e: load_grants(s, uid) for e, uid in
                                       s.exec(select(User.email, User.id)) if e in PASSWORDS},
                provider=s.exec(select(FinanceProvider.id)).first(), plan=plan.id,
                funder=first_entry("funder"), funding_type=first_entry("funding_type"),
                tx_type=first_entry("transaction_type"),
                unused_entry=next(e.id for e in entries if e.name == "Unused Funder QX"),
                strings={d: {loc: frozenset(v) for loc, v in by_loc.items()} for d, by_loc in strings.items()},
                secrets=frozenset(secret_values),
            )
    finally:
        release_database()
    install_write_counters(target)
    return demo


# --------------------------------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------------------------------


WRITES_TABLE = "sec_table_writes"


def install_write_counters(path: Path) -> None:
    """Count every INSERT, UPDATE and DELETE on each watched table, with SQLite triggers (test database only).

    A snapshot is then one small query instead of reading every row, and it is stricter than comparing
    contents: a write that stores the same values still counts."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"CREATE TABLE {WRITES_TABLE} (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)")
        for table in _watched_tables():
            conn.execute(f"INSERT INTO {WRITES_TABLE} (tbl) VALUES (?)", (table,))
            for op in ("INSERT", "UPDATE", "DELETE"):
                conn.execute(f'CREATE TRIGGER "sec_{table}_{op.lower()}" AFTER {op} ON "{table}" BEGIN '
                             f"UPDATE {WRITES_TABLE} SET n = n + 1 WHERE tbl = '{table}'; END")
        conn.commit()
    finally:
        conn.close()


def snapshot() -> dict[str, Any]:
    """How many writes each watched table has seen, its row count, plus a few sums for readable diffs.

    Read with the plain sqlite3 module from the test's SQLite file (a snapshot is taken around every call)."""
    url = os.environ["STAPP_DATABASE_URL"]
    assert url.startswith("sqlite:///"), url
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        out: dict[str, Any] = {tbl: n for tbl, n in conn.execute(f"SELECT tbl, n FROM {WRITES_TABLE}")}
        total_rows = " + ".join(f'(SELECT count(*) FROM "{t}")' for t in _watched_tables())
        out["rows"] = conn.execute(f"SELECT {total_rows}").fetchone()[0]  # noqa: S608  (names from the metadata)
        out["funding.sum(net_received_cents)"] = conn.execute(
            "SELECT coalesce(sum(net_received_cents), 0) FROM funding").fetchone()[0]
        out["addon.enabled"] = conn.execute("SELECT group_concat(key || '=' || enabled) FROM addon").fetchone()[0]
    finally:
        conn.close()
    return out


def _watched_tables() -> list[str]:
    return [t.name for t in SQLModel.metadata.sorted_tables if t.name not in UNWATCHED_TABLES]


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def new_state(cls: type[rx.State], token: object = "", params: dict[str, Any] | None = None) -> rx.State:
    """A fresh state tree as a new browser tab gets it, signed in with ``token``, at a URL with ``params``."""
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data({"query": params or {}, "pathname": "/"})
    state = root.get_substate(cls.get_full_name().split("."))
    state.session_token = token
    return state


def call(state: rx.State, name: str, *args: Any) -> Any:
    """Run one handler as Reflex would; a background handler through its raw function (``async with self``
    is a no-op on a plain state). Generators are drained; their yielded events are returned as a list."""
    result = type(state).event_handlers[name].fn(state, *args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    if inspect.isgenerator(result):
        result = list(result)
    return result


def browser_view(state: rx.State, result: Any = None, *, whole_tree: bool = True) -> str:
    """What the browser would receive: the vars of the whole state tree (or, faster, of ``state`` and its
    parents: a handler changes no other state), and the events the handler returned."""
    if whole_tree:
        root = state
        while root.parent_state is not None:
            root = root.parent_state
        shown: Any = root.dict()
    else:
        shown, st = [], state
        while st is not None:
            shown.append({name: getattr(st, name) for name in st.base_vars})
            st = st.parent_state
    return json.dumps(shown, default=str, ensure_ascii=False) + "\n" + repr(result)


DENIAL_VARS = ("denied", "customer_error", "error", "errors", "add_errors", "rename_error", "funding_errors",
               "tx_errors", "line_errors", "finance_errors", "plan_errors", "settings_errors")


def denial(result: Any, state: rx.State) -> str | None:
    """How the handler said no: a redirect to /login, an error toast, or a denied/error message in the state."""
    shown = repr(result)
    if "/login" in shown:
        return "redirect to /login"
    if "__toast" in shown and '"error"' in shown:
        return "error toast"
    for name in DENIAL_VARS:
        if getattr(state, name, None):
            return f"{name} set"
    return None


class ReflexErrors(logging.Handler):
    """Collects what the ``reflex`` logger records at ERROR, per call."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def reflex_errors() -> Iterator[ReflexErrors]:
    catcher = ReflexErrors()
    logger = logging.getLogger("reflex")
    logger.addHandler(catcher)
    try:
        yield catcher
    finally:
        logger.removeHandler(catcher)


# The functions background handlers use to reach the provider. Tests replace them with recorders, so no
# network is touched and a test can see whether a guard let a call through.
PROVIDER_CALLS = {
    "applications.submit": ("stapp.services.applications", "submit"),
    "applications.reconcile": ("stapp.services.applications", "reconcile"),
    "order_finance.send_authorization": ("stapp.services.order_finance", "send_authorization"),
    "order_finance.send_settlement": ("stapp.services.order_finance", "send_settlement"),
    "order_finance.refresh_order_authorization": ("stapp.services.order_finance", "refresh_order_authorization"),
    "order_finance.transmit_pending": ("stapp.services.order_finance", "transmit_pending"),
    "financing_setup.test_connection": ("stapp.services.financing_setup", "test_connection"),
}


def install_provider_recorders(monkeypatch) -> list[tuple[str, tuple]]:  # noqa: ANN001
    """Replace every provider-reaching service function with a recorder; returns the list of calls."""
    import importlib

    calls: list[tuple[str, tuple]] = []

    def recorder(label: str) -> Callable[..., Any]:
        async def fake(*args: Any, **kwargs: Any) -> Any:
            calls.append((label, args))
            if label == "order_finance.transmit_pending":
                return 0, 0
            if label == "financing_setup.test_connection":
                return True, "Connection successful."
            if label == "order_finance.send_settlement":
                return False
            return None

        return fake

    for label, (module, attr) in PROVIDER_CALLS.items():
        monkeypatch.setattr(importlib.import_module(module), attr, recorder(label))
    return calls


# --------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------

PUBLIC = "public"  # reads and changes nothing of the business data (dialog toggles, sign-in itself)
SIGNED_IN = "signed in"  # any signed-in user; what it shows is already filtered per user

Args = Callable[[SimpleNamespace], tuple]


def no_args(c: SimpleNamespace) -> tuple:
    return ()


@dataclass(frozen=True)
class Spec:
    """What one handler needs, and how to call it validly.

    needs:   the Permission checked for the action (or PUBLIC / SIGNED_IN).
    scope:   None for company-level; else the record whose location decides ("customer" for the page's
             customer, "form" when the location is a form field, "list" for lists filtered per location).
    page:    the ``Rec`` field holding the customer id of the page URL (``/customers/[id]/...``).
    args:    valid arguments, from ``c.r`` (the records at the location under test), ``c.d`` (the Demo)
             and ``c.state``.
    setup:   handlers the same browser calls first (the page's on_load, opening a dialog...).
    view:    permissions needed to SEE the data this handler puts in the state (default: ``needs``).
    leaks:   domains of ``Demo.strings`` that must not reach a user lacking ``view`` at the record location.
    writes:  tables a valid call by an allowed user changes (the positive control checks this).
    reaches: provider functions a valid call of a background handler reaches.
    kinds:   the argument kinds, to choose hostile values: int, str, bool, any, form, enum:<a|b>, date.
    form:    field kinds of the form argument: text, text_req, email, phone, state, zip, money, money_req,
             date, date_req, enum, enum_opt, id, id_opt, int_str, percent, time, checkbox (any value is a valid
             "unchecked"), ignored (read only in some configurations; see test_account_number_is_validated).
    quiet:   True when a denied call may legitimately just do nothing (it only reads what an earlier,
             authorised call put in the state, and there is nothing).
    positive: "writes" (default when ``writes``), "leaks", "reaches", "none" with ``note`` saying why.
    """

    needs: Permission | str
    scope: str | None = None
    page: str | None = None
    args: Args = no_args
    setup: tuple[tuple[str, Args], ...] = ()
    view: tuple[Permission, ...] | None = None
    leaks: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    reaches: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    form: dict[str, str] = field(default_factory=dict)
    extra_forms: Callable[[SimpleNamespace], list[tuple[str, dict]]] | None = None
    quiet: bool = False
    positive: str = ""
    note: str = ""

    @property
    def reads_or_changes(self) -> bool:
        return self.needs != PUBLIC

    @property
    def viewers(self) -> tuple[Permission, ...]:
        if self.view is not None:
            return self.view
        return (self.needs,) if isinstance(self.needs, Permission) else ()

    @property
    def location_scoped(self) -> bool:
        return self.scope is not None and (
            (isinstance(self.needs, Permission) and self.needs.location_scoped)
            or any(p.location_scoped for p in self.viewers)
        )

    @property
    def positive_kind(self) -> str:
        if self.positive:
            return self.positive
        if self.writes:
            return "writes"
        if self.reaches:
            return "reaches"
        if self.leaks:
            return "leaks"
        return "none"


def _s(name: str, args: Args = no_args) -> tuple[str, Args]:
    return (name, args)


P = Permission
LOAD = (_s("load"),)
CUSTOMER_FORM = {
    "first_name": "text_req", "last_name": "text_req", "email": "email", "phone": "phone",
    "address_line1": "text_req", "address_line2": "text", "city": "text_req", "state": "state", "zip_code": "zip",
    "location_id": "id",
}
FUNDING_FORM = {
    "funder_id": "id", "funding_type_id": "id", "reason_id": "id_opt", "status": "enum", "outcome": "enum_opt",
    "amount_expected": "money", "date_expected": "date", "grade_info": "text", "notes": "text",
    "holdback_amount": "money", "guarantee_months": "months_opt", "holdback_release_date": "date",
}
SERVICE_FORM = {"service_status": "enum", "cancelled_on": "date"}
TX_FORM = {"type_id": "id", "transaction_date": "date_req", "amount": "money_req", "reference": "text", "note": "text"}
APP_FORM = {
    "first_name": "text_req", "last_name": "text_req", "email": "email", "phone": "phone", "date_of_birth": "date_req",
    "ssn": "text_req", "address_line1": "text_req", "city": "text_req", "state": "state", "zip_code": "zip",
    "annual_income": "money_req", "employer": "text_req", "amount_requested": "money_req", "consent": "checkbox",
}
LINE_FORM = {"kind": "enum", "item": "text_req", "quantity": "int_str", "unit_price": "money_req"}
LIST_PAGE = dict(needs=P.COMPANY_ACCOUNTING_VIEW, scope="list", view=(P.COMPANY_ACCOUNTING_VIEW, P.FUNDING_DETAILS_VIEW),
                 leaks=("customer",))


def _customer_form(c: SimpleNamespace) -> dict:
    return {"first_name": "Eve", "last_name": "Newcomer QX", "email": "eve.qx@example.net", "phone": "214-555-0199",
            "address_line1": "1 Main St", "address_line2": "", "city": "Dallas", "state": "TX", "zip_code": "75201",
            "location_id": str(c.r.loc)}


def _funding_form(c: SimpleNamespace) -> dict:
    return {"funder_id": str(c.d.funder), "funding_type_id": str(c.d.funding_type), "reason_id": "",
            "status": "PENDING", "outcome": "", "amount_expected": "1000.00", "date_expected": "2026-03-01",
            "grade_info": "A", "notes": "security test", "holdback_amount": "100.00", "guarantee_months": "12",
            "holdback_release_date": ""}


def _tx_form(c: SimpleNamespace) -> dict:
    return {"type_id": str(c.d.tx_type), "transaction_date": "2026-02-01", "amount": "5.00", "reference": "SEC-QX",
            "note": ""}


def _app_form(c: SimpleNamespace) -> dict:
    return {"first_name": "Eve", "last_name": "Applicant", "email": "eve.app@example.net", "phone": "214-555-0188",
            "date_of_birth": "1980-05-05", "ssn": "123-45-6789", "address_line1": "1 Main St", "city": "Dallas",
            "state": "TX", "zip_code": "75201", "annual_income": "85000.00", "employer": "Acme",
            "amount_requested": "5000.00", "consent": "on"}


def _line_form(c: SimpleNamespace) -> dict:
    return {"kind": "equipment", "item": "Glass break sensor", "quantity": "2", "unit_price": "39.00"}


def _user_form(c: SimpleNamespace) -> dict:
    return {"name": "Sam Renamed", "email": SALES, "password": "", "active": "on",
            f"group_{c.d.groups['Sales Austin']}": "on"}


def _group_form(c: SimpleNamespace) -> dict:
    return {"name": "Austin Everything QX renamed", "mode::Customers: View": "chosen",
            f"loc::Customers: View::{c.d.austin}": "on", "mode::Funding Catalogs: Manage": "all"}


def _group_hostile(c: SimpleNamespace) -> list[tuple[str, dict]]:
    base = {"name": "Hostile QX", "mode::Customers: View": "chosen"}
    return [(f"location key {k!r}", {**base, f"loc::Customers: View::{k}": "on"})
            for k in ("abc", "-1", "0", "1000000000", "1 OR 1=1", "x" * 1000)]


def _user_hostile(c: SimpleNamespace) -> list[tuple[str, dict]]:
    base = {"name": "Mallory QX", "email": "mallory.qx@example.net", "password": "long-enough-1", "active": "on"}
    return [(f"group key {k!r}", {**base, f"group_{k}": "on"}) for k in ("abc", "-1", "0", "1000000000", "x" * 1000)]


def _list_valid(attr: str) -> Args:
    def args(c: SimpleNamespace) -> tuple:
        cls = c.state  # the class attributes read through an instance (on the class Reflex makes them Vars)
        if attr == "toggle":
            return ("locations", str(c.r.loc))
        if attr == "set_date":
            return (cls.DATES[0], "2026-01-01")
        if attr == "set_sort":
            return (next(iter(cls.SORTS)),)
        if attr == "set_size":
            return (str(cls.PAGE_SIZES[0]),)
        if attr == "set_direction":
            return ("asc",)
        if attr == "go_to_page":
            return (1,)
        return ()

    return args


def _list_specs(cls_name: str, extra: dict) -> dict[str, Spec]:
    opts = {**LIST_PAGE, **extra}
    return {
        f"{cls_name}.load": Spec(**opts),
        f"{cls_name}.toggle": Spec(**opts, setup=LOAD, args=_list_valid("toggle"), kinds=("str", "str")),
        f"{cls_name}.set_date": Spec(**opts, setup=LOAD, args=_list_valid("set_date"), kinds=("str", "date")),
        f"{cls_name}.set_sort": Spec(**opts, setup=LOAD, args=_list_valid("set_sort"), kinds=("str",)),
        f"{cls_name}.set_direction": Spec(**opts, setup=LOAD, args=_list_valid("set_direction"), kinds=("str",)),
        f"{cls_name}.set_size": Spec(**opts, setup=LOAD, args=_list_valid("set_size"), kinds=("str",)),
        f"{cls_name}.go_to_page": Spec(**opts, setup=LOAD, args=_list_valid("go_to_page"), kinds=("int",),
                                       quiet=True, note="page 1 of an empty list is no change: nothing to refuse"),
        f"{cls_name}.clear_filters": Spec(**opts, setup=LOAD),
        f"{cls_name}.poll": Spec(**opts, setup=LOAD, args=lambda c: (None,), kinds=("any",), quiet=True,
                                 positive="none", note="re-reads only when a record changed: no-op here"),
    }


FIN = dict(needs=P.CONSUMER_FINANCING_MANAGE, scope="customer", page="app_cust", leaks=("customer", "application"))
FUND = dict(scope="customer", page="cust", view=(P.FUNDING_DETAILS_VIEW,), leaks=("customer", "funding"))
ORD = dict(scope="customer", page="order_cust", view=(P.CUSTOMERS_VIEW,), leaks=("customer",))
FIN_ORD = {**ORD, "page": "fin_cust"}
ADMIN_USERS = dict(needs=P.USERS_AND_GROUPS_MANAGE, leaks=("admin",))
CATALOGS = dict(needs=P.FUNDING_CATALOGS_MANAGE, leaks=("catalog",))
INTEGRATIONS = dict(view=(P.INTEGRATIONS_VIEW,), leaks=("provider",))

REGISTRY: dict[str, Spec] = {
    # --- session ----------------------------------------------------------------------------------
    "AppState.check_session": Spec(SIGNED_IN, note="loads the signed-in user's own name and menu flags"),
    "AppState.sign_out": Spec(PUBLIC, note="ends the caller's own session only"),
    "LoginState.load": Spec(PUBLIC),
    "LoginState.sign_in": Spec(PUBLIC, args=lambda c: ({"email": SALES, "password": PASSWORDS[SALES]},),
                               kinds=("form",), form={"email": "text_req", "password": "text_req"}),
    "DashboardState.load": Spec(SIGNED_IN, scope="list", view=(P.FUNDING_DETAILS_VIEW,), leaks=("customer",),
                                note="counts per location the user may view; names only of overdue fundings"),
    "DashboardState.poll": Spec(SIGNED_IN, scope="list", view=(P.FUNDING_DETAILS_VIEW,), leaks=("customer",),
                                setup=LOAD, args=lambda c: (None,), kinds=("any",), quiet=True, positive="none",
                                note="recomputes only when a funding or application changed: no-op here"),
    "DashboardState.open_chart": Spec(PUBLIC, setup=LOAD, args=lambda c: (c.state.funnel[0]["href"] if c.state.funnel else "/accounting/financing",),
                                      kinds=("str",),
                                      note="follows only a link the dashboard's own figures already hold"),
    "DashboardState.set_period": Spec(SIGNED_IN, scope="list", view=(P.FUNDING_DETAILS_VIEW,), leaks=("customer",),
                                      setup=LOAD, args=lambda c: ("year",), kinds=("str",),
                                      note="the same figures for another period"),
    "DashboardState.set_location": Spec(SIGNED_IN, scope="list", view=(P.FUNDING_DETAILS_VIEW,), leaks=("customer",),
                                        setup=LOAD, args=lambda c: (str(c.r.loc),), kinds=("str",),
                                        note="a location the user may not see is ignored"),
    "DashboardState.set_custom": Spec(SIGNED_IN, scope="list", view=(P.FUNDING_DETAILS_VIEW,), leaks=("customer",),
                                      setup=LOAD, args=lambda c: ("from", "2026-01-01"), kinds=("str", "date"),
                                      note="the same figures for a custom period"),
    # --- customers --------------------------------------------------------------------------------
    "CustomersState.load": Spec(P.CUSTOMERS_VIEW, scope="list", leaks=("customer",)),
    "CustomersState.set_search": Spec(P.CUSTOMERS_VIEW, scope="list", leaks=("customer",), setup=LOAD,
                                      args=lambda c: ("",), kinds=("str",)),
    "CustomersState.set_location_filter": Spec(P.CUSTOMERS_VIEW, scope="list", leaks=("customer",), setup=LOAD,
                                               args=lambda c: (str(c.r.loc),), kinds=("str",)),
    "CustomersState.go_to_page": Spec(P.CUSTOMERS_VIEW, scope="list", leaks=("customer",), setup=LOAD,
                                      args=lambda c: (2,), kinds=("int",)),
    "CustomersState.open_form": Spec(PUBLIC),
    "CustomersState.set_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "CustomersState.create": Spec(P.CUSTOMERS_CREATE, scope="form", view=(P.CUSTOMERS_VIEW,), leaks=("customer",),
                                  args=lambda c: (_customer_form(c),), kinds=("form",), form=CUSTOMER_FORM,
                                  writes=("customer",)),
    "CustomerState.load_customer": Spec(P.CUSTOMERS_VIEW, scope="customer", page="cust", leaks=("customer",)),
    "CustomerState.show_service_dialog": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "CustomerState.save_service_status": Spec(
        P.CUSTOMERS_MODIFY, scope="customer", page="cust", view=(P.CUSTOMERS_VIEW,), leaks=("customer",),
        args=lambda c: ({"service_status": "Cancelled", "cancelled_on": "2026-08-01"},), kinds=("form",),
        form=SERVICE_FORM, writes=("customer",)),
    "CustomerHistoryState.load_history": Spec(
        P.CUSTOMERS_VIEW, scope="customer", page="cust", leaks=("customer", "funding"), quiet=True,
        note="an empty History on any failure; the page's load_customer says why"),
    # --- funding ----------------------------------------------------------------------------------
    "FundingState.load": Spec(P.FUNDING_DETAILS_VIEW, **FUND),
    "FundingState.poll": Spec(P.FUNDING_DETAILS_VIEW, **FUND, setup=LOAD, args=lambda c: (None,), kinds=("any",),
                              quiet=True, positive="none", note="re-reads only when a funding changed: no-op here"),
    "FundingState.open_add_funding": Spec(PUBLIC),
    "FundingState.open_edit_funding": Spec(P.FUNDING_DETAILS_MODIFY, **FUND, setup=LOAD,
                                           args=lambda c: (c.r.funding,), kinds=("int",)),
    "FundingState.set_funding_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "FundingState.save_funding": Spec(P.FUNDING_DETAILS_CREATE, **FUND, setup=(*LOAD, _s("open_add_funding")),
                                      args=lambda c: (_funding_form(c),), kinds=("form",), form=FUNDING_FORM,
                                      writes=("funding",),
                                      note="the create path; the edit path needs an id the page loaded"),
    "FundingState.open_add_transaction": Spec(P.FUNDING_DETAILS_CREATE, **FUND, setup=LOAD,
                                              args=lambda c: (c.r.funding,), kinds=("int",)),
    "FundingState.open_edit_transaction": Spec(P.FUNDING_DETAILS_MODIFY, **FUND, setup=LOAD,
                                               args=lambda c: (c.r.funding, c.r.tx), kinds=("int", "int")),
    "FundingState.set_tx_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "FundingState.save_transaction": Spec(
        P.FUNDING_DETAILS_CREATE, **FUND, setup=(*LOAD, _s("open_add_transaction", lambda c: (c.r.funding,))),
        args=lambda c: (_tx_form(c),), kinds=("form",), form=TX_FORM, writes=("funding_transaction", "funding")),
    "FundingState.ask_delete_funding": Spec(P.FUNDING_DETAILS_DELETE, **FUND, setup=LOAD,
                                            args=lambda c: (c.r.funding,), kinds=("int",)),
    "FundingState.ask_delete_transaction": Spec(P.FUNDING_DETAILS_DELETE, **FUND, setup=LOAD,
                                                args=lambda c: (c.r.tx,), kinds=("int",)),
    "FundingState.set_confirm_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "FundingState.confirm_delete": Spec(
        P.FUNDING_DETAILS_DELETE, **FUND, setup=(*LOAD, _s("ask_delete_funding", lambda c: (c.r.funding,))),
        writes=("funding", "funding_transaction"), quiet=True,
        note="with nothing asked first it deletes nothing and says nothing"),
    "FundingEntriesState.load": None,  # filled in below by _list_specs
    # --- consumer financing -----------------------------------------------------------------------
    "FinancingState.load": Spec(**FIN),
    "FinancingState.poll": Spec(**FIN, setup=LOAD, args=lambda c: (None,), kinds=("any",), quiet=True,
                                positive="none", note="re-reads only when an application changed: no-op here"),
    "FinancingState.set_filter": Spec(**FIN, setup=LOAD, args=lambda c: ("created_from", "2026-01-01"),
                                      kinds=("str", "date")),
    "FinancingState.go_to_page": Spec(**FIN, setup=LOAD, args=lambda c: (1,), kinds=("int",), quiet=True),
    "FinancingState.open_form": Spec(**FIN, setup=LOAD),
    "FinancingState.set_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "FinancingState.submit": Spec(**FIN, setup=(*LOAD, _s("open_form")), args=lambda c: (_app_form(c),),
                                  kinds=("form",), form=APP_FORM, writes=("finance_application", "application_event")),
    "FinancingState.run_submission": Spec(
        **FIN, setup=(*LOAD, _s("open_form"), _s("submit", lambda c: (_app_form(c),))),
        args=lambda c: (c.state.submitting_id or c.r.app,), kinds=("int",), reaches=("applications.submit",),
        quiet=True, note="guarded by the id submit() stored; nothing to refuse out loud"),
    "FinancingState.check_status": Spec(**FIN, setup=LOAD, args=lambda c: (c.r.app,), kinds=("int",),
                                        positive="none", note="returns run_check; covered there"),
    "FinancingState.run_check": Spec(**FIN, setup=LOAD, args=lambda c: (c.r.app,), kinds=("int",),
                                     reaches=("applications.reconcile",), quiet=True,
                                     note="guarded by the applications the page loaded"),
    "FinancingState.view": Spec(**FIN, setup=LOAD, args=lambda c: (c.r.app,), kinds=("int",)),
    "FinancingState.set_detail_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    # --- orders -----------------------------------------------------------------------------------
    "OrdersState.load": Spec(P.CUSTOMERS_VIEW, **ORD),
    "OrdersState.poll": Spec(P.CUSTOMERS_VIEW, **FIN_ORD, setup=LOAD, args=lambda c: (None,), kinds=("any",),
                             quiet=True, note="re-reads only while something is pending"),
    "OrdersState.select": Spec(P.CUSTOMERS_VIEW, **ORD, setup=LOAD, args=lambda c: (c.r.order,), kinds=("int",)),
    "OrdersState.new_order": Spec(P.CUSTOMERS_MODIFY, **ORD, writes=("sales_order",)),
    "OrdersState.add_line": Spec(P.CUSTOMERS_MODIFY, **ORD, setup=LOAD, args=lambda c: (_line_form(c),),
                                 kinds=("form",), form=LINE_FORM, writes=("sales_order_line",)),
    "OrdersState.remove_line": Spec(P.CUSTOMERS_MODIFY, **ORD, setup=LOAD, args=lambda c: (c.r.line,),
                                    kinds=("int",), writes=("sales_order_line",)),
    "OrdersState.complete_line": Spec(P.CUSTOMERS_MODIFY, **ORD, setup=LOAD, args=lambda c: (c.r.line,),
                                      kinds=("int",), writes=("sales_order_line",)),
    "OrdersState.set_discount": Spec(P.CUSTOMERS_MODIFY, **ORD, setup=LOAD, args=lambda c: ({"discount": "12.00"},),
                                     kinds=("form",), form={"discount": "money"}, writes=("sales_order",)),
    "OrdersState.add_payment": Spec(P.CUSTOMERS_MODIFY, **ORD, setup=LOAD, args=lambda c: ({"payment": "10.00"},),
                                    kinds=("form",), form={"payment": "money_req"}, writes=("sales_order",)),
    "OrdersState.open_exchange": Spec(P.CUSTOMERS_MODIFY, **FIN_ORD, setup=LOAD, args=lambda c: (c.r.fin_line,),
                                      kinds=("int",), quiet=True,
                                      note="opens the dialog for a line the page showed; exchange() checks Modify"),
    "OrdersState.set_exchange_open": Spec(PUBLIC, args=lambda c: (False,), kinds=("bool",)),
    "OrdersState.exchange": Spec(
        P.CUSTOMERS_MODIFY, **FIN_ORD, setup=(*LOAD, _s("open_exchange", lambda c: (c.r.fin_line,))),
        args=lambda c: (_line_form(c),), kinds=("form",), form=LINE_FORM, writes=("sales_order_line",),
        quiet=True, note="with no line opened first it changes nothing"),
    "OrdersState.cancel_order": Spec(P.CUSTOMERS_MODIFY, **ORD, setup=LOAD, writes=("sales_order",)),
    "OrdersState.open_finance": Spec(P.CONSUMER_FINANCING_MANAGE, **ORD, setup=LOAD, positive="none",
                                     note="plan options are company-wide catalog data"),
    "OrdersState.set_finance_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "OrdersState.add_finance_plan": Spec(
        P.CONSUMER_FINANCING_MANAGE, **ORD, setup=(*LOAD, _s("open_finance")),
        args=lambda c: ({"plan_id": str(c.d.plan), "amount": "100.00", "as_deposit": "", "account_number": ""},),
        kinds=("form",), form={"plan_id": "id", "amount": "money_req", "account_number": "ignored"},
        writes=("sales_order", "finance_authorization")),
    "OrdersState.send_authorization": Spec(P.CUSTOMERS_VIEW, **FIN_ORD, setup=LOAD, args=lambda c: (c.r.authz,),
                                           kinds=("int",), reaches=("order_finance.send_authorization",), quiet=True,
                                           note="guarded by the authorizations the page loaded"),
    "OrdersState.send_settlement": Spec(P.CUSTOMERS_VIEW, **FIN_ORD, setup=LOAD, args=lambda c: (c.r.settlement,),
                                        kinds=("int",), reaches=("order_finance.send_settlement",), quiet=True,
                                        note="guarded by the settlements the page loaded"),
    "OrdersState.refresh_authorization": Spec(P.CUSTOMERS_VIEW, **FIN_ORD, setup=LOAD,
                                              reaches=("order_finance.refresh_order_authorization",), quiet=True,
                                              note="guarded by the F3 hold of the order the page loaded"),
    # --- company accounting lists -----------------------------------------------------------------
    "SettlementState.transmit": Spec(**{**LIST_PAGE, "scope": None}, reaches=("order_finance.transmit_pending",),
                                     note="transmits every pending settlement (company-wide by design)"),
    # --- administration ---------------------------------------------------------------------------
    "UsersState.load": Spec(**ADMIN_USERS),
    "UsersState.open_new": Spec(PUBLIC),
    "UsersState.open_edit": Spec(**ADMIN_USERS, setup=LOAD, args=lambda c: (c.d.users[SALES],), kinds=("int",)),
    "UsersState.set_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "UsersState.save": Spec(**ADMIN_USERS, setup=(*LOAD, _s("open_edit", lambda c: (c.d.users[SALES],))),
                            args=lambda c: (_user_form(c),), kinds=("form",),
                            form={"name": "text_req", "email": "email", "password": "text", "active": "checkbox"},
                            extra_forms=_user_hostile, writes=("app_user",),
                            note="the edit path (a new user when nothing was opened)"),
    "GroupsState.load": Spec(**ADMIN_USERS),
    "GroupsState.open_new": Spec(PUBLIC),
    "GroupsState.open_edit": Spec(**ADMIN_USERS, args=lambda c: (c.d.groups["Austin Everything QX"],),
                                  kinds=("int",)),
    "GroupsState.set_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "GroupsState.save": Spec(**ADMIN_USERS, setup=(_s("open_edit", lambda c: (c.d.groups["Austin Everything QX"],)),),
                             args=lambda c: (_group_form(c),), kinds=("form",),
                             form={"name": "text_req", "mode::Customers: View": "enum_opt",
                                   "mode::Funding Catalogs: Manage": "checkbox"},
                             extra_forms=_group_hostile, writes=("app_group", "group_permission"),
                             note="a company-level permission's mode is a checkbox: any value grants it"),
    "CatalogsState.load": Spec(**CATALOGS),
    "CatalogsState.add": Spec(**CATALOGS, args=lambda c: ({"kind": "funder", "name": "New Funder QX"},),
                              kinds=("form",), form={"kind": "enum", "name": "text_req"}, writes=("catalog_entry",)),
    "CatalogsState.open_rename": Spec(**CATALOGS, setup=LOAD, args=lambda c: (c.d.unused_entry,), kinds=("int",)),
    "CatalogsState.set_rename_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "CatalogsState.save_rename": Spec(**CATALOGS, setup=(*LOAD, _s("open_rename", lambda c: (c.d.unused_entry,))),
                                      args=lambda c: ({"name": "Renamed Funder QX"},), kinds=("form",),
                                      form={"name": "text_req"}, writes=("catalog_entry",)),
    "CatalogsState.set_active": Spec(**CATALOGS, setup=LOAD, args=lambda c: (c.d.unused_entry, False),
                                     kinds=("int", "bool"), writes=("catalog_entry",)),
    "CatalogsState.ask_delete": Spec(**CATALOGS, setup=LOAD, args=lambda c: (c.d.unused_entry,), kinds=("int",)),
    "CatalogsState.set_delete_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "CatalogsState.confirm_delete": Spec(**CATALOGS, setup=(*LOAD, _s("ask_delete", lambda c: (c.d.unused_entry,))),
                                         writes=("catalog_entry",)),
    "AddOnsState.load": Spec(P.ACCOUNT_MANAGEMENT_VIEW, leaks=("addon",)),
    "AddOnsState.ask": Spec(PUBLIC, args=lambda c: ("disable",), kinds=("str",)),
    "AddOnsState.set_confirm_open": Spec(PUBLIC, args=lambda c: (False,), kinds=("bool",)),
    "AddOnsState.confirm_change": Spec(P.ACCOUNT_MANAGEMENT_MODIFY, setup=(_s("ask", lambda c: ("disable",)),),
                                       view=(P.ACCOUNT_MANAGEMENT_VIEW,), leaks=("addon",), writes=("addon",)),
    "IntegrationsState.load": Spec(P.INTEGRATIONS_VIEW, **INTEGRATIONS),
    "IntegrationsState.open_new": Spec(PUBLIC),
    "IntegrationsState.open_edit": Spec(P.INTEGRATIONS_MODIFY, **INTEGRATIONS, setup=LOAD,
                                        args=lambda c: (c.d.provider,), kinds=("int",)),
    "IntegrationsState.set_form_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "IntegrationsState.save": Spec(
        P.INTEGRATIONS_MODIFY, **INTEGRATIONS, setup=(*LOAD, _s("open_edit", lambda c: (c.d.provider,))),
        args=lambda c: ({"name": "Lender Renamed QX", "environment": "Development", "bearer_token": "", "active": "on"},),
        kinds=("form",), form={"name": "text_req", "environment": "enum", "bearer_token": "text", "active": "checkbox"},
        writes=("finance_provider",)),
    "IntegrationsState.test_connection": Spec(P.INTEGRATIONS_MODIFY, **INTEGRATIONS, args=lambda c: (c.d.provider,),
                                              kinds=("int",), reaches=("financing_setup.test_connection",)),
    "PlansState.open_provider": Spec(P.INTEGRATIONS_VIEW, **INTEGRATIONS, args=lambda c: (c.d.provider, "Lender"),
                                     kinds=("int", "str")),
    "PlansState.open_plan": Spec(PUBLIC, setup=(_s("open_provider", lambda c: (c.d.provider, "Lender")),),
                                 args=lambda c: (c.d.plan,), kinds=("int",),
                                 note="fills the dialog from plans the page already loaded"),
    "PlansState.set_plan_open": Spec(PUBLIC, args=lambda c: (True,), kinds=("bool",)),
    "PlansState.save_plan": Spec(
        P.INTEGRATIONS_MODIFY, **INTEGRATIONS,
        setup=(_s("open_provider", lambda c: (c.d.provider, "Lender")), _s("open_plan", lambda c: (0,))),
        args=lambda c: ({"code": "QX1", "description": "Security plan", "finance_type": "revolving",
                         "max_deposit_pct": "10.00", "active": "on"},),
        kinds=("form",), form={"code": "text_req", "description": "text_req", "finance_type": "enum",
                               "max_deposit_pct": "percent", "active": "checkbox"},
        writes=("finance_plan",)),
    "PlansState.save_settings": Spec(
        P.INTEGRATIONS_MODIFY, **INTEGRATIONS, setup=(_s("open_provider", lambda c: (c.d.provider, "Lender")),),
        args=lambda c: ({"require_account_number": "", "revolving_settlement": "end_of_day",
                         "settlement_time": "22:00"},),
        kinds=("form",), form={"revolving_settlement": "enum", "settlement_time": "time",
                               "require_account_number": "checkbox"},
        writes=("finance_provider",)),
}
del REGISTRY["FundingEntriesState.load"]
REGISTRY.update(_list_specs("FundingEntriesState", {}))
REGISTRY.update(_list_specs("CompanyFinancingState", {"leaks": ("customer", "application")}))
REGISTRY.update(_list_specs("SettlementState", {}))
REGISTRY.update(_list_specs("SalesTaxState", {}))
REGISTRY.update(_list_specs("AuditLogState", {"needs": P.USERS_AND_GROUPS_MANAGE, "scope": None,
                                              "view": (P.USERS_AND_GROUPS_MANAGE,), "leaks": ("admin",)}))


def context(state: rx.State, demo: Demo, loc: int) -> SimpleNamespace:
    return SimpleNamespace(state=state, d=demo, r=demo.rec(loc))


def page_params(spec: Spec, demo: Demo, loc: int) -> dict[str, str]:
    return {"id": str(getattr(demo.rec(loc), spec.page))} if spec.page else {}


def prepare(key: str, demo: Demo, token: object, loc: int, params: dict[str, Any] | None = None) -> rx.State:
    """A fresh state for ``key``'s class at the URL of its page (records at ``loc``), after its setup calls."""
    cls, _ = discover_cached()[key]
    spec = REGISTRY[key]
    state = new_state(cls, token, page_params(spec, demo, loc) if params is None else params)
    for name, args in spec.setup:
        call(state, name, *args(context(state, demo, loc)))
    return state


_DISCOVERED: dict[str, tuple[type[rx.State], str]] = {}


def discover_cached() -> dict[str, tuple[type[rx.State], str]]:
    if not _DISCOVERED:
        _DISCOVERED.update(discover())
    return _DISCOVERED


def forbidden_strings(demo: Demo, spec: Spec, grants) -> set[str]:  # noqa: ANN001
    """What a user with ``grants`` must not see from this handler (``grants`` None: not signed in)."""
    out = set(demo.secrets)
    for domain in (spec.leaks if grants is not None else demo.strings):
        for loc, values in demo.strings.get(domain, {}).items():
            if grants is None:
                out |= values
                continue
            viewers = spec.viewers
            if loc is None:
                allowed = all(grants.allows(p) for p in viewers)
            else:
                allowed = all(grants.allows(p, loc) for p in viewers)
            if not allowed:
                out |= values
    return out


def found_in(view: str, strings: set[str]) -> list[str]:
    return sorted(s for s in strings if s in view)
