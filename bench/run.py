"""``make bench``: generate a dealer group's data and measure the company lists as the pages query them.

Measured now: the Funding Entries and company Financing queries (each filter alone and combined, the
first page and a deep page, and the summary totals), against two references in the same run: the same
SQL through the bare database driver (stapp's overhead as a ratio) and the "load every row into
memory, filter and sort in Python" approach of the Reflex templates, at 10,000 and 100,000 rows.
Through the whole app (bench/ws.py): real Socket.IO clients change filters on the company Financing page
with 1, 10 and 50 sessions, the backend's memory per session, and submissions with the simulator answering
in 200 ms, 1 and 50 at a time (counted at the simulator and in the database). Prints a table and writes
bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"\r  {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)", end="", flush=True)


def generate(url: str, *, locations: int, customers: int, applications: int, fundings: int, transactions: int) -> None:
    """Bulk-insert a realistic dataset (statuses, stages and dates spread like real ones)."""
    from sqlalchemy import insert, inspect
    from sqlmodel import SQLModel

    import stapp.db.models as m
    from stapp.db import changes, sortkeys, tally
    from stapp.db import statistics as planner_statistics
    from stapp.db.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:  # PostgreSQL: the tally functions take the row types drop_all removes
        for spec in tally.ALL:
            if inspect(conn).has_table(spec.source):
                tally.uninstall(conn, spec)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:  # bulk load first, then build the aggregate once and arm its triggers
        for spec in tally.ALL:
            tally.uninstall(conn, spec)
        changes.uninstall(conn)
        sortkeys.uninstall(conn)
    rng = random.Random(42)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    batch = 20_000
    with engine.begin() as conn:
        conn.execute(insert(m.Location), [{"id": i, "name": f"Office {i:02d}", "state": "TX", "sales_tax_bps": 825}
                                          for i in range(1, locations + 1)])
        conn.execute(insert(m.User), [{"id": 1, "name": "Bench", "email": "bench@example.com", "password_hash": "x",
                                       "active": True, "created_at": now}])
        conn.execute(insert(m.FinanceProvider), [{"id": 1, "kind": "smart_home_pay_los", "name": "Smart Home Pay LOS",
                                                  "environment": "Development", "token_ciphertext": "x",
                                                  "active": True, "created_at": now, "updated_at": now}])
        catalog = [{"id": i + 1, "kind": k, "name": n, "active": True} for i, (k, n) in enumerate([
            ("funder", "Alarm Funding Co"), ("funder", "Monitoring Capital"), ("funder", "Central Station Partners"),
            ("funding_type", "Contract Sale"), ("funding_type", "Bulk Portfolio"),
            ("transaction_type", "Funding"), ("transaction_type", "Charge back")])]
        conn.execute(insert(m.CatalogEntry), catalog)

    def chunks(total, make, table, label):
        started = time.perf_counter()
        for start in range(0, total, batch):
            rows = [make(i) for i in range(start + 1, min(total, start + batch) + 1)]
            with engine.begin() as conn:
                conn.execute(insert(table), rows)
            _progress(label, min(total, start + batch), total, started)
        print()

    chunks(customers, lambda i: {
        "id": i, "first_name": f"First{i}", "last_name": f"Last{i % 5000}", "email": f"c{i}@example.net",
        "phone": "5125550100", "address_line1": "1 Main St", "address_line2": "", "city": "Austin", "state": "TX",
        "zip_code": "78701", "location_id": 1 + i % locations, "created_by_id": 1,
        "created_at": now - timedelta(days=i % 900)}, m.Customer, "customers")
    statuses = ["Approved"] * 50 + ["Declined"] * 20 + ["Pre-Qualified"] * 10 + ["In Review"] * 10 + \
        ["Not Submitted"] * 7 + ["Outcome Unknown"] * 3
    stages = {"Approved": ["decisioned", "contract_sent", "contract_signed", "funded"], "Declined": ["decisioned"],
              "Pre-Qualified": ["decisioned"], "In Review": ["underwriting"], "Not Submitted": [None],
              "Outcome Unknown": [None]}

    def app_row(i):
        customer = 1 + rng.randrange(customers)
        status = statuses[rng.randrange(100)]
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 900))
        requested = rng.randrange(10, 1000) * 1000
        return {"id": i, "reference": f"b-{i}", "idempotency_key": f"k{i:030d}", "fingerprint": f"f{i}",
                "customer_id": customer, "location_id": 1 + customer % locations, "provider_id": 1, "created_by_id": 1,
                "first_name": "A", "last_name": f"Last{customer % 5000}", "email": "a@example.net",
                "phone": "5125550100", "date_of_birth": date(1980, 1, 1), "ssn_ciphertext": "x", "ssn_last4": "1234",
                "address_line1": "1 Main", "city": "Austin", "state": "TX", "zip_code": "78701",
                "annual_income_cents": 8_000_000, "employer": "Acme", "co_first_name": "", "co_last_name": "",
                "co_email": "", "co_phone": "", "co_ssn_ciphertext": "", "co_ssn_last4": "",
                "amount_requested_cents": requested, "consent_at": created, "status": status,
                "stage": rng.choice(stages[status]), "provider_version": 1,
                # what the provider answered with (the webhook handler looks applications up by it)
                "provider_app_id": None if status in ("Not Submitted", "Outcome Unknown") else f"shp-b{i}",
                "amount_financed_cents": min(requested, 2_500_000) if status == "Approved" else None,
                "finance_type": "installment" if status == "Approved" else None, "plans_json": "[]", "last_error": "",
                "submit_attempts": 1, "created_at": created, "updated_at": created}

    chunks(applications, app_row, m.FinanceApplication, "applications")
    fstates = [("PENDING", None), ("READY", None), ("SUBMITTED", None), ("REVIEW", None),
               ("COMPLETE", "PAID_IN_FULL"), ("COMPLETE", "PARTIALLY_PAID"), ("COMPLETE", "REJECTED"),
               ("REVIEW", "NON_FUNDABLE")]
    per_funding = max(1, transactions // max(fundings, 1))

    def funding_row(i):
        customer = 1 + rng.randrange(customers)
        status, outcome = fstates[rng.randrange(len(fstates))]
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 900))
        expected = rng.randrange(100, 500) * 1000
        return {"id": i, "customer_id": customer, "location_id": 1 + customer % locations,
                "funder_id": 1 + rng.randrange(3), "funding_type_id": 4 + rng.randrange(2), "status": status,
                "outcome": outcome, "amount_expected_cents": expected, "net_received_cents": per_funding * 10000,
                "date_expected": (created + timedelta(days=30)).date(), "grade_info": "A", "notes": "",
                "created_by_id": 1, "created_at": created, "updated_at": created,
                "status_since": created + timedelta(days=rng.randrange(60))}

    chunks(fundings, funding_row, m.Funding, "fundings")
    chunks(transactions, lambda i: {
        "id": i, "funding_id": 1 + (i - 1) // per_funding if (i - 1) // per_funding < fundings else fundings,
        "type_id": 6, "transaction_date": date(2026, 1, 1), "amount_cents": 10000, "reference": "", "note": "",
        "created_by_id": 1, "created_at": now}, m.FundingTransaction, "transactions")
    _advance_sequences(engine)  # PostgreSQL: ids were given explicitly, the app's own inserts come next
    # the customer with 1,000 transactions (customer 1, on a funding of its own)
    big = fundings + 1
    with engine.begin() as conn:
        conn.execute(insert(m.Funding), [{**funding_row(big), "customer_id": 1, "location_id": 1 + 1 % locations,
                                          "net_received_cents": 1000 * 2500}])
        conn.execute(insert(m.FundingTransaction), [{
            "funding_id": big, "type_id": 6 + (n % 7 == 0), "transaction_date": date(2025, 1, 1) + timedelta(days=n % 600),
            "amount_cents": 2500, "reference": f"CHK-{n:05d}", "note": "monthly payout" if n % 3 else "",
            "created_by_id": 1, "created_at": now} for n in range(1000)])
    started = time.perf_counter()
    with engine.begin() as conn:
        sortkeys.rebuild(conn)  # first: the Customer bands are chosen from its keys
        for spec in tally.ALL:
            tally.rebuild(conn, spec)
            tally.install(conn, spec)
        changes.install(conn)
        sortkeys.install(conn)
    print(f"  tallies and sort keys built in {time.perf_counter() - started:,.1f} s")
    # fresh statistics (the app's scheduler keeps them on SQLite, autovacuum on PostgreSQL), and on PostgreSQL
    # the visibility map autovacuum keeps, without which an index-only scan of bulk-loaded rows reads the table
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            planner_statistics.forget(conn)  # the tallies plan best without (stapp/db/statistics.py)
    engine.dispose()


def _advance_sequences(engine) -> None:  # noqa: ANN001
    """After bulk inserts with explicit ids, move each PostgreSQL id sequence past the largest id."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text
    from sqlmodel import SQLModel

    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def _timed(fn, repeat: int) -> dict[str, float]:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2)}


def _replay(engine, session, call):  # noqa: ANN001, ANN202
    """The floor of ``call``: the very statements it issues (captured once, with their parameters), run again
    straight through the database driver on the session's own connection, with nothing built or formatted."""
    from sqlalchemy import event

    issued: list[tuple[str, object]] = []

    def spy(conn, cursor, sql, params, context, executemany):  # noqa: ANN001, ARG001
        issued.append((sql, params))

    event.listen(engine, "before_cursor_execute", spy)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    raw = session.connection().connection.dbapi_connection

    def driver() -> None:
        cur = raw.cursor()
        for sql, params in issued:
            cur.execute(sql, params)
            if cur.description is not None:  # a SET (PostgreSQL list pages) returns no rows
                cur.fetchall()
        cur.close()

    return driver


def measure(url: str, repeat: int) -> list[dict]:
    from sqlmodel import Session

    from stapp.db.engine import make_engine
    from stapp.domain.permissions import Grants, Permission
    from stapp.services import application_lists, funding_entries
    from stapp.services.auth import Actor

    engine = make_engine(url)
    actor = Actor(user_id=1, name="Bench", email="bench@example.com",
                  grants=Grants({p: None for p in Permission}))
    cases = []
    entry_filters = {
        "none": {}, "status": {"statuses": "COMPLETE"}, "outcome": {"outcomes": "none"}, "funder": {"funders": "2"},
        "location": {"locations": "7"}, "created range": {"created_from": "2026-01-01", "created_to": "2026-03-31"},
        "expected range": {"expected_from": "2026-04-01", "expected_to": "2026-06-30"},
        "combined": {"statuses": "COMPLETE", "funders": "1,2", "locations": "3,4,5", "created_from": "2025-06-01"},
    }
    def deep_by_next(s, parse, run, params, deep):  # noqa: ANN001, ANN202
        """The deep page as the pager reaches it: Next from the page before, with its cursor (no OFFSET)."""
        before = run(s, actor, parse({**params, "page": str(deep - 1)}))
        return parse({**params, "page": str(deep), "after": before.last})

    entry_filters["created range, by ID"] = {**entry_filters["created range"], "sort": "id"}
    # a filter sorted by another column (SQLite walks the sort's wide index, testing the filter on its entries)
    entry_filters["created range, by Customer"] = {**entry_filters["created range"], "sort": "customer"}
    entry_filters["funder+outcome, by Amount Exp."] = {"funders": "1", "outcomes": "PAID_IN_FULL",
                                                        "sort": "amount_expected"}
    entry_filters["expected range, by Expected"] = {**entry_filters["expected range"], "sort": "date_expected"}
    # a key of few values, read one value at a time (the values and their counts from the tally)
    entry_filters["funder+outcome, by Status"] = {"funders": "1", "outcomes": "PAID_IN_FULL", "sort": "status"}
    # every other order the pages offer, over every row (descending, the default direction)
    entry_filters |= {f"by {label}": {"sort": key} for key, label in funding_entries.SORTS.items() if key != "created"}
    app_filters = {
        "none": {}, "status": {"statuses": "Approved"}, "stage": {"stages": "funded"}, "location": {"locations": "7"},
        "created range": {"created_from": "2026-01-01", "created_to": "2026-03-31"},
        "created range, by ID": {"created_from": "2026-01-01", "created_to": "2026-03-31", "sort": "id"},
        "combined": {"statuses": "Approved,In Review", "locations": "3,4,5", "created_from": "2025-06-01"},
    }
    app_filters |= {f"by {label}": {"sort": key} for key, label in application_lists.SORTS.items() if key != "created"}
    # each of them within one office (as every page of a user whose permission covers one office), and Approved
    # applications by Stage (statuses and stages go together)
    entry_filters |= {f"location, by {label}": {"locations": "7", "sort": key}
                      for key, label in funding_entries.SORTS.items() if key not in ("created", "id")}
    app_filters |= {f"location, by {label}": {"locations": "7", "sort": key}
                    for key, label in application_lists.SORTS.items() if key not in ("created", "id")}
    app_filters["status, by Stage"] = {"statuses": "Approved", "sort": "stage"}
    # a filter sorted by an amount (SQLite walks the amount's wide index, testing the filter on its entries)
    app_filters["status+range, by Amount Financed"] = {"statuses": "Approved", "created_from": "2026-01-01",
                                                          "created_to": "2026-03-31", "sort": "amount_financed"}
    app_filters["status+offices, by Amount Req."] = {"statuses": "Approved", "locations": "3,4,5",
                                                          "sort": "amount_requested"}
    # a few offices, read as one index range per office merged in order
    app_filters["offices, by Amount Req."] = {"locations": "3,4,5", "sort": "amount_requested"}
    def entry_rows(s, q, count, pages):  # noqa: ANN001, ANN202
        """The page's rows as Funding Entries finds them, given its summary's ``count`` (from which it decides to walk,
        to read the values of its sort key apart, or the offices)."""
        return funding_entries.entries_window(s, actor, q, count, pages, datetime.now(UTC).date())

    def app_rows(s, q, count, pages):  # noqa: ANN001, ANN202
        """The same for company Financing (``company_window``)."""
        return application_lists.company_window(s, actor, q, count, pages)

    lists = {
        "Funding Entries": (funding_entries.parse_query, funding_entries.list_entries, entry_filters, "25",
                            entry_rows,
                            lambda s, q: funding_entries.summary(s, actor, q),
                            lambda s, q: funding_entries.summary(s, actor, q)["count"]),
        "Company Financing": (lambda p: application_lists.parse_query(p, company=True),
                              application_lists.company_applications, app_filters, "50",
                              app_rows,
                              lambda s, q: application_lists.tallied(s, actor, q),
                              lambda s, q: application_lists.tallied(s, actor, q)[0]),
    }
    for list_name, (parse, run, filters, size, rows_query, summary, counted) in lists.items():
        for name, params in filters.items():
            with Session(engine) as s:  # page 400, or the last page of a filter with fewer
                pages = run(s, actor, parse({**params, "size": size})).pages
            deep = min(400, pages)
            for page in ("1", f"{deep}", f"{deep} next"):
                with Session(engine) as s:
                    if page.endswith("next"):
                        q = deep_by_next(s, parse, run, {**params, "size": size}, deep)
                    else:
                        q = parse({**params, "page": page, "size": size})

                    count = counted(s, q)  # the summary's count, from which the page decides to walk (not timed here)

                    def rows(q=q, s=s, rows_query=rows_query, pages=pages, count=count):  # noqa: ANN202
                        return rows_query(s, q, count, pages)

                    whole = lambda q=q, s=s, f=run: f(s, actor, q)  # noqa: E731
                    timed = _timed(whole, repeat)
                    floor = _timed(_replay(engine, s, whole), repeat)
                    cases.append({"list": list_name, "filter": name, "page": page,
                                  "rows": _timed(rows, repeat), "summary": _timed(lambda q=q, s=s, f=summary: f(s, q), repeat),
                                  **timed, "driver": floor,
                                  "overhead": round(timed["p50_ms"] / max(floor["p50_ms"], 1e-6), 2)})
    from stapp.services import funding as funding_svc

    def funding_tab():  # noqa: ANN202
        with Session(engine) as s:
            _, cards = funding_svc.customer_fundings(s, actor, 1)
        return cards

    from stapp.domain.dashboard import resolve_period
    from stapp.services import dashboard

    for period_key in ("30d", "quarter", "year"):
        def dashboard_figures(period_key=period_key):  # noqa: ANN202
            today = date(2026, 11, 1)
            period = resolve_period({"period": period_key}, today)
            with Session(engine) as s:
                return dashboard.financing(s, actor, period, []), dashboard.funding(s, actor, period, [], today=today)

        cases.append({"list": "Dashboard", "filter": f"period {period_key}", "page": "-",
                      **_timed(dashboard_figures, max(3, repeat // 2))})
    cards = funding_tab()
    payload = len(json.dumps(cards, default=str).encode())
    cases.append({"list": "Funding tab", "filter": f"{sum(len(c['transactions']) for c in cards)} tx", "page": "-",
                  "bytes": payload, **_timed(funding_tab, repeat)})
    engine.dispose()
    return cases


def floor_and_common(url: str, repeat: int) -> list[dict]:
    """The bare driver running the first-page query, and load-everything at 10k and 100k rows."""
    from sqlmodel import Session, select

    from stapp.db.engine import make_engine
    from stapp.db.models import Funding
    from stapp.domain.permissions import Grants, Permission
    from stapp.services import funding_entries
    from stapp.services.auth import Actor

    engine = make_engine(url)
    actor = Actor(user_id=1, name="Bench", email="bench@example.com", grants=Grants({p: None for p in Permission}))
    q = funding_entries.parse_query({"statuses": "COMPLETE", "size": "25"})
    stmt = funding_entries._select_rows(actor, q).limit(25)
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    raw = engine.raw_connection()
    out = []
    with Session(engine) as s:  # the page's row query through SQLModel and stapp's row mapping
        app_time = _timed(lambda: [funding_entries._row(r) for r in s.exec(stmt).all()], repeat)
        page_time = _timed(lambda: funding_entries.list_entries(s, actor, q), repeat)

    def driver():
        cur = raw.cursor()
        cur.execute(str(compiled))
        cur.fetchall()
        cur.close()

    floor = _timed(driver, repeat)
    out.append({"reference": "bare driver, same first-page SQL", **floor,
                "stapp_p50_ms": app_time["p50_ms"], "ratio": round(app_time["p50_ms"] / max(floor["p50_ms"], 1e-6), 2)})
    app_time = page_time  # the load-everything comparison is against the whole page: rows and summary
    for n in (10_000, 100_000):
        with Session(engine) as s:
            def load_everything(n=n, s=s):
                rows = s.exec(select(Funding).limit(n)).all()
                picked = [r for r in rows if r.status == "COMPLETE"]
                picked.sort(key=lambda r: r.id, reverse=True)
                return picked[:25], len(picked), sum(r.amount_expected_cents or 0 for r in picked)

            common = _timed(load_everything, max(3, repeat // 4))
        out.append({"reference": f"load everything, {n:,} rows", **common, "stapp_p50_ms": app_time["p50_ms"],
                    "ratio": round(common["p50_ms"] / max(app_time["p50_ms"], 1e-6), 1)})
    raw.close()
    engine.dispose()
    return out


def _add_missing_tallies(url: str) -> None:
    """A reused bench database gets the indexes and tallies the models gained since it was generated: created (the
    tallies armed and counted from its rows), as their migrations do, instead of generating everything again."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import stapp.db.models  # noqa: F401  (the tables)
    from stapp.db import tally
    from stapp.db.engine import make_engine

    engine = make_engine(url)
    try:
        found = inspect(engine)
        for table in SQLModel.metadata.sorted_tables:  # and the indexes (each database's own: ``ddl_if``)
            if not found.has_table(table.name):
                continue
            there = {index["name"] for index in found.get_indexes(table.name)}
            for index in sorted(table.indexes, key=lambda index: index.name):
                if index.name not in there:
                    started = time.perf_counter()
                    with engine.begin() as conn:
                        index.create(conn, checkfirst=True)
                    if index.name in {i["name"] for i in inspect(engine).get_indexes(table.name)}:
                        print(f"  added {index.name} in {time.perf_counter() - started:,.1f} s")
        for spec in tally.ALL:
            if found.has_table(spec.source) and not found.has_table(spec.table):
                started = time.perf_counter()
                with engine.begin() as conn:
                    if spec.bounds is not None and not found.has_table(spec.bounds.table):
                        SQLModel.metadata.tables[spec.bounds.table].create(conn)
                    SQLModel.metadata.tables[spec.table].create(conn)
                    tally.install(conn, spec)
                    tally.rebuild(conn, spec)
                if engine.dialect.name == "postgresql":  # SQLite's tallies plan best without (stapp/db/statistics.py)
                    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                        conn.exec_driver_sql(f"VACUUM ANALYZE {spec.table}")
                print(f"  added {spec.table} in {time.perf_counter() - started:,.1f} s")
    finally:
        engine.dispose()


def _has_data(url: str) -> bool:
    """A bench database with every table and column the models have (a missing column: generate it again)."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import stapp.db.models  # noqa: F401  (the tables)
    from stapp.db.engine import make_engine

    engine = make_engine(url)
    try:
        found = inspect(engine)
        for table in SQLModel.metadata.sorted_tables:
            if not found.has_table(table.name) or \
                    {c.name for c in table.columns} - {c["name"] for c in found.get_columns(table.name)}:
                return False
        return True
    finally:
        engine.dispose()


def _add_missing_indexes(url: str) -> None:
    """A reused bench database gets the indexes the models gained since it was generated, and loses those they
    dropped (as the migrations do)."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import stapp.db.models  # noqa: F401  (the tables and their indexes)
    from stapp.db import statistics as planner_statistics
    from stapp.db.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            present = {i["name"] for i in inspect(conn).get_indexes(table.name)}
            def here(index) -> bool:  # noqa: ANN001  (an index may be for one database only: stapp/db/models.py)
                only = getattr(index, "_ddl_if", None)
                return only is None or only.dialect in (None, conn.dialect.name)

            for name in sorted(present - {index.name for index in table.indexes if here(index)}):
                if name.startswith("ix_"):
                    conn.exec_driver_sql(f"DROP INDEX {name}")
                    print(f"  dropped {name}")
            for index in table.indexes:
                if index.name not in present and here(index):
                    started = time.perf_counter()
                    index.create(conn)
                    print(f"  added {index.name} in {time.perf_counter() - started:,.1f} s")
    analyzed = planner_statistics.refresh(engine)  # as the app's scheduler does: the new indexes' statistics (SQLite)
    if analyzed:
        print(f"  analyzed {', '.join(analyzed)}")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default dataset (1.0 = 1M applications)")
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (a database the bench may overwrite)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the existing bench database without regenerating")
    parser.add_argument("--sqlite", default=str(ROOT / "var" / "bench" / "bench.db"), help="the SQLite bench file")
    parser.add_argument("--redis", help="with --postgres: run the app on it as in production (Redis state, 3 workers)")
    parser.add_argument("--no-app", action="store_true", help="skip the measurements through the running app")
    args = parser.parse_args()
    from stapp.settings import ensure_local_secrets

    ensure_local_secrets()  # a fresh checkout: the app's key (var/secret.key) before any setting is read
    sizes = {k: max(1, int(v * args.scale)) for k, v in {"locations": 50, "customers": 200_000,
             "applications": 1_000_000, "fundings": 300_000, "transactions": 1_500_000}.items()}
    sizes["locations"] = 50
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    targets = [("sqlite", f"sqlite:///{Path(args.sqlite).resolve()}")]
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    results = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
               "sizes": sizes, "runs": {}}
    for name, url in targets:
        print(f"== {name}")
        if args.reuse:
            _add_missing_tallies(url)
        if not args.reuse or not _has_data(url):
            started = time.perf_counter()
            generate(url, **sizes)
            print(f"  generated in {time.perf_counter() - started:,.1f} s")
        else:
            _add_missing_indexes(url)
        cases = measure(url, args.repeat)
        refs = floor_and_common(url, args.repeat)
        results["runs"][name] = {"queries": cases, "references": refs}
        print(f"  {'list':18} {'filter':32} {'page':>8} {'rows p50/p95 ms':>16} {'summary p50/p95':>16} "
              f"{'page p50/p95 ms':>16}")
        for c in cases:
            extra = f"  {c['bytes']:,} bytes of state" if "bytes" in c else ""
            rows = f"{c['rows']['p50_ms']}/{c['rows']['p95_ms']}" if "rows" in c else "-"
            summ = f"{c['summary']['p50_ms']}/{c['summary']['p95_ms']}" if "summary" in c else "-"
            over = f"  {c['overhead']}x the driver" if "overhead" in c else ""
            print(f"  {c['list']:18} {c['filter']:32} {c['page']:>8} {rows:>16} {summ:>16} "
                  f"{str(c['p50_ms']) + '/' + str(c['p95_ms']):>16}{extra}{over}")
        for r in refs:
            print(f"  {r['reference']:40} p50 {r['p50_ms']:>8} ms  (stapp {r['stapp_p50_ms']} ms, ratio {r['ratio']})")
        overheads = sorted(c["overhead"] for c in cases if "overhead" in c)
        results["runs"][name]["page_overhead"] = {"min": overheads[0], "median": statistics.median(overheads),
                                                  "max": overheads[-1]}
        print(f"  a whole page through stapp against the driver running the same statements: "
              f"{overheads[0]}x to {overheads[-1]}x (median {statistics.median(overheads)}x)")
        if not args.no_app:
            import ws

            print("  through the app: filter change on company Financing until the new rows arrive (websocket)")
            results["runs"][name]["app"] = ws.measure(url, redis_url=args.redis if name == "postgresql" else None)
    out = ROOT / "bench" / "results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
