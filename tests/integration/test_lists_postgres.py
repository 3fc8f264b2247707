"""Keyset pagination on PostgreSQL: the same walks as tests/unit/test_paging.py (NULL ordering and row-value
comparisons differ between databases, so the production database gets its own run)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from sqlmodel import select

from tests.integration.conftest import migrate
from tests.unit import test_paging as paging_tests


@pytest.fixture
def postgres_app(postgres_url: str) -> Iterator[None]:
    from stapp.db import engine as engine_mod
    from stapp.db.engine import write_session
    from stapp.services.demo import seed_demo
    from stapp.settings import get_settings

    migrate(postgres_url)
    previous = os.environ.get("STAPP_DATABASE_URL")
    os.environ["STAPP_DATABASE_URL"] = postgres_url
    get_settings.cache_clear()
    engine_mod.get_engine.cache_clear()
    try:
        with write_session() as session:
            seed_demo(session)
        yield
    finally:
        engine_mod.get_engine().dispose()
        engine_mod.get_engine.cache_clear()
        if previous is None:
            os.environ.pop("STAPP_DATABASE_URL", None)
        else:
            os.environ["STAPP_DATABASE_URL"] = previous
        get_settings.cache_clear()


def _actor(email: str):  # noqa: ANN202
    from stapp.db.engine import read_session
    from stapp.db.models import User
    from stapp.services.auth import Actor, load_grants

    with read_session() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return Actor(user_id=user.id, name=user.name, email=user.email, grants=load_grants(session, user.id))


def test_every_sort_walks_by_cursor_on_postgres(postgres_app: None) -> None:
    from stapp.db.engine import read_session
    from stapp.services import application_lists, funding_entries

    paging_tests._with_null_keys()
    paging_tests._more_applications()
    admin = _actor("admin@example.com")
    for sort in funding_entries.SORTS:
        for direction in ("asc", "desc"):
            def fetch(params, _a=admin):  # noqa: ANN001, ANN202
                with read_session() as s:
                    return funding_entries.list_entries(s, _a, funding_entries.parse_query(params))

            paging_tests.walk(fetch, {"sort": sort, "dir": direction, "size": "10"})
    for sort in application_lists.SORTS:
        for direction in ("asc", "desc"):
            def fetch_apps(params, _a=admin):  # noqa: ANN001, ANN202
                with read_session() as s:
                    return application_lists.company_applications(
                        s, _a, application_lists.parse_query(params, company=True))

            paging_tests.walk(fetch_apps, {"sort": sort, "dir": direction, "size": "10"})


def test_typed_pages_are_placed_by_the_tally_on_postgres(postgres_app: None) -> None:
    import random

    paging_tests._spread_over_months(random.Random(3))
    admin = _actor("admin@example.com")
    for params in ({}, {"statuses": "Approved,In Review"}, {"created_from": "2026-01-31", "created_to": "2026-03-02"}):
        for direction in ("desc", "asc"):
            paging_tests.assert_typed_pages_are_placed(admin, params, direction, busiest=paging_tests._busiest_month())


def _tally_rows() -> set[tuple]:
    from stapp.db.engine import read_session
    from stapp.db.models import ApplicationTally as T

    with read_session() as s:
        return {tuple(r) for r in s.exec(select(T.grain, T.period, T.location_id, T.status, T.stage, T.n,
                                                T.requested_cents, T.financed_cents).where(T.n != 0)).all()}


def test_the_tally_is_exact_on_postgres_and_a_rebuild_agrees(postgres_app: None) -> None:
    import random

    from stapp.db.engine import get_engine
    from stapp.db.tally import APPLICATIONS, rebuild
    from tests.unit import test_tally

    rng = random.Random(11)
    test_tally._spread_applications(rng)
    admin = _actor("admin@example.com")
    test_tally.assert_tally_matches(admin, rng)
    test_tally.change_everything(rng)
    test_tally.assert_tally_matches(admin, rng)
    maintained = _tally_rows()
    with get_engine().begin() as conn:
        rebuild(conn, APPLICATIONS)
    assert _tally_rows() == maintained


def test_the_funding_tally_is_exact_on_postgres_and_a_rebuild_agrees(postgres_app: None) -> None:
    import random

    from stapp.db.engine import get_engine
    from stapp.db.tally import FUNDINGS, rebuild
    from tests.unit import test_funding_tally

    rng = random.Random(11)
    test_funding_tally.spread_fundings(rng)
    admin = _actor("admin@example.com")
    test_funding_tally.assert_tally_matches(admin, rng)
    test_funding_tally.change_everything(admin, rng)
    test_funding_tally.assert_tally_matches(admin, rng)
    maintained = test_funding_tally.tally_rows()
    with get_engine().begin() as conn:
        rebuild(conn, FUNDINGS)
    assert test_funding_tally.tally_rows() == maintained and maintained
    # by Date Expected (a date column: its own period expressions on PostgreSQL; NULLs left out)
    from stapp.db.models import FundingExpectedTally
    from stapp.db.tally import FUNDINGS_BY_EXPECTED

    maintained = test_funding_tally.tally_rows(FundingExpectedTally)
    with get_engine().begin() as conn:
        rebuild(conn, FUNDINGS_BY_EXPECTED)
    assert test_funding_tally.tally_rows(FundingExpectedTally) == maintained and maintained


def test_the_dashboard_tallies_are_exact_on_postgres_and_a_rebuild_agrees(postgres_app: None) -> None:
    """Approval by rep and ageing from their trigger-kept tallies equal counting the rows, after the same
    changes as on SQLite (a removed user's applications moved to no rep by the foreign key's SET NULL)."""
    import random

    from tests.unit import test_dashboard_tallies as t

    rng = random.Random(12)
    admin = _actor("admin@example.com")
    t.spread_reps(rng)
    t.assert_reps_match(admin, rng)
    t.assert_weeks_match(admin, rng)
    t.change_reps(rng)
    t.assert_reps_match(admin, rng)
    t.assert_weeks_match(admin, rng)
    t.spread_ages(rng)
    t.assert_ages_match(admin)
    t.change_ages(admin, rng)
    t.assert_ages_match(admin)
    t.assert_rebuild_agrees()


def test_list_statements_are_planned_for_their_own_values_on_postgres(postgres_app: None) -> None:
    """psycopg prepares a statement from its fifth run and PostgreSQL would then move to one generic plan for any
    values, blind to a page's date range and depth (``engine.plan_for_values``): a list page's statements are sent
    unprepared, each planned for its values, with no statement more; other statements are still prepared."""
    from sqlalchemy import text

    from stapp.db.engine import PLAN_FOR_VALUES, read_session
    from stapp.services import application_lists
    from stapp.services import funding_entries as entries
    from tests.unit.test_paging import _listening

    acct = _actor("accounting@example.com")
    q = application_lists.parse_query({"created_from": "2000-01-01", "sort": "id", "size": "10", "page": "2"},
                                      company=True)
    prepared = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :like")
    with read_session() as s:
        for _ in range(6):  # not a list page: prepared from its fifth run, as psycopg does
            s.exec(text("SELECT count(*) FROM location WHERE id > :n"), params={"n": 0}).one()
        assert s.exec(prepared, params={"like": "%FROM location WHERE id >%"}).one()[0] == 1
        with _listening(lambda sql, _params: sql) as seen:
            application_lists.company_applications(s, acct, q)
        assert seen and all(sql.lstrip().startswith("SELECT") for sql in seen), "no statement more per page"
        for _ in range(14):
            application_lists.company_applications(s, acct, q)
        assert s.exec(prepared, params={"like": "%page_keys%"}).one()[0] == 0, "a page's statement was prepared"
        assert s.connection().get_execution_options().get(PLAN_FOR_VALUES)
    with read_session() as s:  # the next session's statements are prepared again
        assert not s.connection().get_execution_options().get(PLAN_FOR_VALUES)
    # summaries summed from the rows (filters no tally carries) are planned for their values too
    held = entries.parse_query({"holdbacks": "due"})
    by_rep = application_lists.parse_query({"reps": "1"}, company=True)
    for summary in (lambda s: entries.summary(s, acct, held), lambda s: application_lists._counted(
            s, application_lists._company_conds(acct, by_rep))):
        with read_session() as s:
            for _ in range(15):
                summary(s)
            assert s.exec(prepared, params={"like": "%sum(%"}).one()[0] == 0, "a summary's statement was prepared"


def test_a_read_session_on_postgres_opens_no_transaction_and_refuses_to_write(postgres_app: None) -> None:
    """A read session sends no BEGIN and no ROLLBACK (two round trips for every handler and poll): at READ COMMITTED
    every statement takes its own snapshot in a transaction too. With nothing to roll back, it refuses to write; the
    pool's connections go back to transactions for the write sessions."""
    import pytest
    from sqlalchemy import text

    from stapp.db.engine import read_session, write_session
    from stapp.db.models import Location
    from tests.unit.test_paging import _listening

    with read_session() as s:
        with _listening(lambda sql, _params: sql) as seen:
            names = s.exec(text("SELECT name FROM location ORDER BY id")).all()
            in_transaction = s.exec(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL OR "
                                         "now() <> statement_timestamp()")).one()[0]
        assert names and not in_transaction
        assert s.connection().connection.dbapi_connection.autocommit
        s.add(Location(name="Nowhere", state="TX"))
        with pytest.raises(RuntimeError, match="a read session does not write"):
            s.flush()
    assert not [sql for sql in seen if sql.split()[0].upper() in ("BEGIN", "ROLLBACK")]
    for _ in range(3):  # whichever pooled connection it gets, a write session is a transaction that commits
        with write_session() as s:
            assert not s.connection().connection.dbapi_connection.autocommit
            s.add(Location(name="Elsewhere", state="TX"))
            s.flush()
            assert s.exec(text("SELECT now() = statement_timestamp()")).one()[0] is False
            s.rollback()
    with read_session() as s:
        assert s.exec(text("SELECT count(*) FROM location WHERE name IN ('Nowhere', 'Elsewhere')")).one()[0] == 0


def test_the_csv_exports_stream_their_rows_on_postgres(postgres_app: None) -> None:
    """The exports read their rows in batches, a server-side cursor on PostgreSQL, which needs the transaction a read
    session otherwise does without (``read_session(streaming=True)``): each export answers with every row."""
    from starlette.testclient import TestClient

    from stapp.api import build_api
    from stapp.db.engine import write_session
    from stapp.services import auth

    with write_session() as s:
        token = auth.sign_in(s, "admin@example.com", "stapp-admin")
    client = TestClient(build_api())
    client.cookies.set(auth.SESSION_COOKIE, token)
    for path in ("/api/export/financing.csv", "/api/export/funding-entries.csv", "/api/export/audit-log.csv"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        lines = response.text.strip().splitlines()
        assert len(lines) >= 2, (path, lines)  # the header and the rows (the audit log: this sign-in)


ONE_LOCATION = {"locations": "1"}  # as for a user whose permission covers one office


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("list_name,sort,extra", [
    ("entries", "outcome", {}), ("entries", "date_expected", {}), ("entries", "amount_expected", {}),
    ("applications", "stage", {}), ("applications", "amount_financed", {}),
    ("entries", "customer", {}), ("entries", "funder", {}),  # the names kept on the funding (stapp/db/sortkeys.py)
    # every sort within one location (models._sorted_within), and Approved applications by Stage
    *[("entries", sort, ONE_LOCATION) for sort in ("customer", "status", "funder", "outcome", "amount_expected",
                                                   "date_expected", "id", "created")],
    *[("applications", sort, {"locations": "2"}) for sort in ("amount_requested", "amount_financed", "stage", "id",
                                                              "created")],  # the demo's applications' office
    ("applications", "stage", {"statuses": "Approved"}),
])
def test_a_sort_on_a_column_that_may_be_null_reads_an_index_in_order_on_postgres(
        postgres_app: None, list_name: str, sort: str, extra: dict, direction: str) -> None:
    """The lists put NULLs first ascending and last descending; PostgreSQL's default index serves neither order and
    it sorted the whole table for page 1 (160 ms at a million applications). Its NULLS FIRST index gives the page in
    either direction without a sort: with sorting made prohibitively dear, the plan still has none."""
    from stapp.db.engine import write_session
    from tests.unit.test_sort_keys import page_keys_statement

    sql, bound = page_keys_statement(_actor("accounting@example.com"), list_name,
                                     {"sort": sort, "dir": direction, "size": "10", **extra})
    with write_session() as s:  # SET LOCAL needs a transaction; nothing is written
        raw = s.connection().connection.dbapi_connection.cursor()
        raw.execute("SET LOCAL enable_sort = off")
        if extra:
            # on these few rows the whole table's sort index, which carries the location too (INCLUDE), costs the same
            # as the location's own; at scale one office's rows are a fiftieth of it. Dropped for this question, in
            # this transaction only (rolled back)
            table = "funding" if list_name == "entries" else "finance_application"
            raw.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s", (table, "%_cover%"))
            for (name,) in raw.fetchall():
                raw.execute(f"DROP INDEX {name}")
        raw.execute("EXPLAIN " + sql, bound)
        plan = "\n".join(row[0] for row in raw.fetchall())
    # no Sort node (a Merge Append of one range per value of the key has a Sort Key of its own, and sorts nothing)
    assert not re.search(r"^\s*(->  )?(Incremental )?Sort  \(", plan, re.MULTILINE), plan
    if extra:  # within the filter: its rows are a range of the index, not tested on a walk of the whole sort order
        scope = "location_id" if "locations" in extra else "status"
        # the filter's column first in the index condition (with a NULL range: ``((location_id = 2) AND ...``), not a
        # join's key
        assert any(re.search(rf"Index Cond: \(+{scope} = ", line) for line in plan.splitlines()), plan


@pytest.mark.parametrize("list_name", ["entries", "applications"])
def test_statuses_at_some_offices_read_their_keys_from_one_index_range_on_postgres(
        postgres_app: None, list_name: str) -> None:
    """Statuses at some offices since a date, newest first: the keys are read from the index on the offices, the
    statuses and the creation date alone, ranges of its offices and dates (at a million applications PostgreSQL intersected
    the month's statuses with every entry of the three offices: 22-28 ms for page 400, 4 ms from this index). The
    few rows here would be read whole, so the plan is asked of index scans alone."""
    from stapp.db.engine import write_session
    from tests.unit.test_sort_keys import STATUSES_AT_OFFICES, page_keys_statement

    sql, bound = page_keys_statement(_actor("accounting@example.com"), list_name,
                                     {**STATUSES_AT_OFFICES[list_name], "size": "10"})
    table = "funding" if list_name == "entries" else "finapp"
    with write_session() as s:  # SET LOCAL needs a transaction; nothing is written
        raw = s.connection().connection.dbapi_connection.cursor()
        raw.execute("SET LOCAL enable_seqscan = off")
        raw.execute("SET LOCAL enable_bitmapscan = off")
        raw.execute("EXPLAIN " + sql, bound)
        plan = [row[0] for row in raw.fetchall()]
    # (the statuses too at scale; on these few rows the planner may test them on the entries instead)
    at = next(i for i, line in enumerate(plan) if f"Index Only Scan using ix_{table}_location_status_cover" in line)
    cond = plan[at + 1]
    assert "Index Cond:" in cond and "location_id" in cond and "created_at" in cond, "\n".join(plan)


def test_statuses_at_a_few_offices_are_read_as_a_range_per_office_and_status_on_postgres(postgres_app: None) -> None:
    """The same pages as on SQLite (tests/unit/test_paging.py) for statuses at two of three offices sorted by ID or an
    amount, each page's keys one arm per office and status, merged in order (a Merge Append of ordered index scans, no
    sort of the rows even with sorting made prohibitively dear)."""
    from stapp.db.engine import write_session
    from tests.unit.test_sort_keys import page_keys_statement

    chosen = paging_tests._over_three_offices()[1:]
    admin = _actor("admin@example.com")
    for list_name, sort in paging_tests.PAIRED:
        for direction in ("asc", "desc"):
            statuses = paging_tests.assert_statuses_at_offices_are_paired(admin, chosen, list_name, sort, direction)
            sql, bound = page_keys_statement(admin, list_name, {"sort": sort, "dir": direction, "size": "10",
                                                               "locations": ",".join(map(str, chosen)),
                                                               "statuses": ",".join(statuses),
                                                               "page": "3"})
            with write_session() as s:  # SET LOCAL needs a transaction; nothing is written
                raw = s.connection().connection.dbapi_connection.cursor()
                raw.execute("SET LOCAL enable_sort = off")
                raw.execute("EXPLAIN " + sql, bound)
                plan = "\n".join(row[0] for row in raw.fetchall())
            assert "Merge Append" in plan and "->  Sort " not in plan, (list_name, sort, direction, plan)


def test_fundings_with_no_outcome_yet_newest_first_read_their_own_index_on_postgres(postgres_app: None) -> None:
    """No outcome yet, newest first: PostgreSQL takes ``outcome IS NULL`` for no equality, so the outcome's index gave it
    no Created order and it walked the creation index testing each row's outcome (page 400 at 300,000 fundings: 9 ms
    of SQL). The partial index of those fundings (``ix_funding_created_no_outcome``) is read in order instead: asked
    of index scans alone and with sorting made prohibitively dear, the plan reads it and tests nothing on the rows."""
    from stapp.db.engine import write_session
    from tests.unit.test_sort_keys import page_keys_statement

    for direction in ("desc", "asc"):
        sql, bound = page_keys_statement(_actor("accounting@example.com"), "entries",
                                         {"outcomes": "none", "sort": "created", "dir": direction, "size": "10"})
        with write_session() as s:  # SET LOCAL needs a transaction; nothing is written
            raw = s.connection().connection.dbapi_connection.cursor()
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                raw.execute(f"SET LOCAL {setting} = off")
            raw.execute("EXPLAIN " + sql, bound)
            plan = "\n".join(row[0] for row in raw.fetchall())
        assert "ix_funding_created_no_outcome" in plan and "Filter: (outcome IS NULL)" not in plan, plan


def test_the_customer_and_funder_sort_keys_follow_every_change_on_postgres(postgres_app: None) -> None:
    """PostgreSQL's triggers (a BEFORE trigger on the funding, AFTER triggers on a rename), installed and backfilled by
    the migration: the same changes and checks as on SQLite (tests/unit/test_sort_keys.py)."""
    from tests.unit.test_sort_keys import keys_follow_every_change

    keys_follow_every_change(_actor)


def test_a_few_offices_are_read_as_their_ranges_merged_on_postgres(postgres_app: None) -> None:
    """The same pages as on SQLite (tests/unit/test_paging.py) for every sort of both lists at two of three offices, and
    the keys are each office's index range merged in order (a Merge Append of ordered index scans): no sort of the
    offices' rows, even with sorting made prohibitively dear (at three of fifty offices a page typed deep sorted 60,000
    rows: 14-40 ms)."""
    from stapp.db.engine import write_session
    from stapp.services import application_lists, funding_entries
    from tests.unit.test_sort_keys import page_keys_statement

    offices = paging_tests._over_three_offices()
    chosen = offices[1:]
    admin = _actor("admin@example.com")
    for list_name, sorts in (("applications", application_lists.SORTS), ("entries", funding_entries.SORTS)):
        for sort in sorts:
            for direction in ("asc", "desc"):
                issued: list[str] = []
                fetch = paging_tests._lister(list_name, admin, issued)
                base = {"sort": sort, "dir": direction, "size": "10", "locations": ",".join(map(str, chosen))}
                order = paging_tests._list_order(list_name, sort, direction, chosen)
                pages = fetch(base).pages
                typed = [r["id"] for n in range(1, pages + 1) for r in fetch({**base, "page": str(n)}).rows]
                if sort == "funder":  # a name sorts by the database's collation
                    assert sorted(typed) == sorted(order)
                else:
                    assert typed == order, (list_name, sort, direction)
                paging_tests.walk(fetch, base)
                sql, bound = page_keys_statement(admin, list_name, {**base, "page": "3"})
                with write_session() as s:  # SET LOCAL needs a transaction; nothing is written
                    raw = s.connection().connection.dbapi_connection.cursor()
                    raw.execute("SET LOCAL enable_sort = off")
                    raw.execute("EXPLAIN " + sql, bound)
                    plan = "\n".join(row[0] for row in raw.fetchall())
                # (a typed page sorted by Created reads past a day the tally gives; on these few rows the planner may
                # take another index on the date and order its ties: an Incremental Sort, never a Sort of the rows)
                assert "Merge Append" in plan and "->  Sort " not in plan, plan


@pytest.mark.parametrize("list_name,sort,index", [
    ("applications", "amount_requested", "ix_finapp_requested_cover"),
    ("applications", "amount_financed", "ix_finapp_financed_cover_nf"),
    ("applications", "stage", "ix_finapp_stage_cover_nf"),
    ("entries", "customer", "ix_funding_customer_sort_cover"),
    ("entries", "status", "ix_funding_status_cover"),
    ("entries", "outcome", "ix_funding_outcome_cover_nf"),
    ("entries", "amount_expected", "ix_funding_expected_amount_cover_nf"),
    ("entries", "funder", "ix_funding_funder_sort_cover_nf"),
])
def test_a_range_sorted_by_another_column_tests_it_on_the_sort_index_alone_on_postgres(
        postgres_app: None, list_name: str, sort: str, index: str) -> None:
    """A Created range sorted by another column: PostgreSQL walks the sort's index and tests the range on each entry.
    The index carries the list's filter columns (INCLUDE), so the walk reads no row (a quarter sorted by Amount
    Requested typed to page 400 read 200,000 rows: 0.48 s at a million applications; 17 ms from the index alone)."""
    from stapp.db.engine import write_session
    from tests.unit.test_sort_keys import page_keys_statement

    sql, bound = page_keys_statement(_actor("accounting@example.com"), list_name, {
        "sort": sort, "dir": "desc", "size": "10", "page": "2", "created_from": "2000-01-01"})
    with write_session() as s:  # SET LOCAL needs a transaction; nothing is written
        raw = s.connection().connection.dbapi_connection.cursor()
        raw.execute("SET LOCAL enable_sort = off")
        raw.execute("EXPLAIN " + sql, bound)
        plan = "\n".join(row[0] for row in raw.fetchall())
    assert re.search(rf"Index Only Scan (Backward )?using {index} ", plan), plan


@pytest.mark.parametrize("list_name,sort,filters", [
    ("entries", "status", {"funders": "1", "outcomes": "none,PAID_IN_FULL"}), ("entries", "outcome", {}),
    ("entries", "funder", {"statuses": "COMPLETE"}), ("applications", "stage", {"statuses": "Approved,Declined"}),
])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_key_of_few_values_reads_the_ranges_of_the_values_a_page_spans_on_postgres(
        postgres_app: None, list_name: str, sort: str, filters: dict, direction: str) -> None:
    """The same pages as on SQLite (tests/unit/test_paging.py): the values of the sort key and their counts from the
    tally, in PostgreSQL's own order of them (its collation), each value's rows a range merged in one statement."""
    paging_tests.test_a_key_of_few_values_reads_the_ranges_of_the_values_a_page_spans(
        _actor, list_name, sort, filters, direction)


def test_band_tallies_are_exact_and_place_typed_pages_on_postgres(postgres_app: None, monkeypatch) -> None:  # noqa: ANN001
    """The band expressions order as their keys on PostgreSQL (its own Expected Date months), the band tallies equal
    counting after every kind of change and a rebuild, and every page typed into the URL that they place is the
    slice of the list's order (tests/unit/test_bands.py)."""
    import random

    from tests.unit import test_bands

    test_bands.assert_band_expressions_order_as_their_keys()
    test_bands.assert_band_tallies_are_exact(random.Random(5))
    test_bands.assert_typed_pages_are_placed_by_bands(_actor("admin@example.com"), monkeypatch)
    test_bands.assert_pages_deep_in_one_value_are_placed_by_id_bands(_actor("admin@example.com"), monkeypatch)
    test_bands.assert_pages_deep_among_null_amounts_financed_are_placed_by_id_bands(_actor("admin@example.com"),
                                                                                    monkeypatch)
    test_bands.assert_created_range_by_expected_date_is_placed_from_its_first_page(_actor("admin@example.com"))


def test_a_range_by_id_is_placed_from_its_first_page_when_ids_follow_creation_on_postgres(postgres_app: None) -> None:
    """As on SQLite (tests/unit/test_bands.py): a quarter's first page by ID is read within the bands holding its first
    rows, not from the id index's edge past the other months' rows, and is the list's slice."""
    import random

    from tests.unit import test_bands

    test_bands.spread(random.Random(14), in_order=True)
    test_bands.assert_a_range_by_id_is_placed_from_its_first_page(_actor("admin@example.com"))
