"""Band tallies (``stapp/db/tally.py`` ``BANDS``) and the pages they place (``paging.by_bands``).

A page typed deep into a filter sorted by an amount, an id or Expected Date is placed in the band of the sort key that
holds it, from counts the database's triggers keep: the counts must equal counting the rows after any change, the
band expression must order as the key does on each database, and every page so placed must be the slice of the
list's order computed here.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import select

from stapp.db import tally
from stapp.db.engine import get_engine, read_session, write_session
from stapp.db.models import FinanceApplication, Funding
from stapp.services import application_lists, funding_entries, paging

KEYS = [0, 1, 4, 5, 9, 10, 14, 15, 99, 100, 149, 150, 999, 1000, 12_345, 99_999, 100_000, 250_000_00, 999_999_999,
        1_000_000_000, 9_223_372_036_854_775]
APP_STATUSES = ["Approved", "Declined", "In Review", "Not Submitted"]
FUNDING_STATUSES = ["PENDING", "READY", "COMPLETE", "REVIEW"]
OUTCOMES = ["PAID_IN_FULL", "REJECTED", None]


def _band_sql(expression: str, value: object) -> object:
    """``expression`` (over ``{r}``) evaluated by the database on one value of the column it names."""
    column = "date_expected" if "date_expected" in expression else "k"
    sql = f"SELECT {expression.format(r='x')} FROM (SELECT :v AS {column}) AS x"
    if get_engine().dialect.name == "postgresql":
        cast = "date" if column == "date_expected" else "bigint"
        sql = f"SELECT {expression.format(r='x')} FROM (SELECT CAST(:v AS {cast}) AS {column}) AS x"
    with get_engine().connect() as conn:
        return conn.execute(text(sql), {"v": value}).scalar()


def assert_band_expressions_order_as_their_keys() -> None:
    keys = sorted({*KEYS, *(-k for k in KEYS)})
    bands = []
    for key in keys:
        band = _band_sql(tally.number_band("{r}.k"), key)
        assert band == tally.band_of(key), key
        lo, hi = tally.number_range(band)
        assert lo <= key < hi, (key, band)
        bands.append(band)
    assert bands == sorted(bands)
    # neighbouring bands share no key, and leave none out
    for band in set(bands):
        lo, hi = tally.number_range(band)
        assert tally.band_of(lo) == band == tally.band_of(hi - 1) and tally.band_of(hi) != band
    dialect = get_engine().dialect.name
    expression = dict(tally.MONTH_BAND)[dialect]
    days = [date(2024, 1, 1), date(2024, 2, 29), date(2025, 12, 31), date(2026, 1, 1), date(2026, 11, 30)]
    months = []
    for day in days:
        band = _band_sql(expression, day)
        first, after = tally.month_range(band)
        assert first <= day < after and first.day == 1, (day, band)
        months.append(band)
    assert months == sorted(months)


def test_the_band_expressions_order_as_their_keys_and_python_agrees(db):  # noqa: ARG001
    assert_band_expressions_order_as_their_keys()


def spread(rng: random.Random, n: int = 300, *, in_order: bool = False) -> None:
    """Applications and fundings over five months (whole-month edges and ties), with amounts across many bands
    (negative, zero and NULL Amounts Expected, NULL Amounts Financed and Expected Dates), in several statuses.
    ``in_order``: created in the order of their moments, so ids follow creation (as they do in use)."""
    from stapp.db.models import CatalogEntry

    start = datetime(2025, 12, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=rng.randrange(60 * 24 * 150)) for _ in range(n)]
    moments[:12] = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)] * 6
    if in_order:
        moments.sort()
    with write_session() as s:
        apps = s.exec(FinanceApplication.__table__.select()).mappings().all()
        fundings = s.exec(Funding.__table__.select()).mappings().all()
        funders = [e.id for e in s.exec(select(CatalogEntry).where(CatalogEntry.kind == "funder")).all()]
        for i, moment in enumerate(moments):
            row = dict(apps[i % len(apps)])
            row.pop("id")
            status = rng.choice(APP_STATUSES)
            requested = rng.choice([rng.randrange(100_00, 9_999_99), 5_000_00, 12_345])
            row.update(reference=f"BAND-{i}", idempotency_key=f"band-{i}", created_at=moment, status=status,
                       stage=rng.choice(["funded", "decisioned", None]), amount_requested_cents=requested,
                       amount_financed_cents=rng.choice([None, requested, 0]) if status == "Approved" else None)
            s.add(FinanceApplication(**row))
            row = dict(fundings[i % len(fundings)])
            row.pop("id")
            row.update(created_at=moment, status=rng.choice(FUNDING_STATUSES), outcome=rng.choice(OUTCOMES),
                       funder_id=rng.choice([*funders, None]),
                       amount_expected_cents=rng.choice([None, 0, -25_00, rng.randrange(1, 99_999_99), 250_000_00]),
                       date_expected=rng.choice([None, (moment + timedelta(days=rng.randrange(90))).date()]))
            s.add(Funding(**row))


def change(rng: random.Random) -> None:
    """ORM and bulk updates of every tallied column, a move in time, and deletes."""
    with write_session() as s:
        apps = s.exec(select(FinanceApplication).order_by(FinanceApplication.id)).all()
        for app in apps[::5]:
            app.status, app.stage, app.amount_financed_cents = "Approved", "funded", app.amount_requested_cents + 1
            s.add(app)
        for app in apps[1::7]:  # an Amount Financed taken away (and the others', given above)
            app.amount_financed_cents = None
            s.add(app)
        apps[3].created_at = datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)
        s.add(apps[3])
        for funding in s.exec(select(Funding).order_by(Funding.id)).all()[::4]:
            funding.amount_expected_cents = rng.choice([None, -1, 7_777_77])
            funding.date_expected = rng.choice([None, date(2026, 2, 1)])
            funding.outcome = "PARTIALLY_PAID"
            s.add(funding)
    with write_session() as s:
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "Declined")
               .values(amount_requested_cents=FinanceApplication.amount_requested_cents * 10, stage=None))
        s.exec(update(Funding).where(Funding.status == "READY").values(status="COMPLETE", funder_id=None))
        s.exec(delete(FinanceApplication).where(FinanceApplication.reference.like("BAND-1%")))
        s.exec(delete(Funding).where(Funding.id % 7 == 0))


def _counted(spec: tally.Spec) -> Counter:
    """What ``spec``'s tally should hold, counted here from its source rows."""
    applications = spec.source == "finance_application"
    table = FinanceApplication if applications else Funding
    key = {"application_requested_bands": "amount_requested_cents", "application_financed_bands":
           "amount_financed_cents", "application_id_bands": "id", "funding_amount_bands": "amount_expected_cents",
           "funding_expected_bands": "date_expected", "funding_customer_bands": "customer_sort",
           "funding_id_bands": "id", "funding_amount_bands_by_expected": "amount_expected_cents",
           "funding_id_bands_by_expected": "id", "application_unfinanced_id_bands": "id"}[spec.table]
    counts: Counter = Counter()
    bounds = _bounds()
    with read_session() as s:
        for row in s.exec(table.__table__.select()).mappings().all():
            value = row[key]
            if value is None or spec.table == "application_unfinanced_id_bands" and row["amount_financed_cents"] is not None:
                continue
            if isinstance(value, str):  # how many bounds are at or below it (the test databases compare by code point)
                band = bisect_right(bounds, value)
            else:
                band = value.year * 12 + value.month if isinstance(value, date) else tally.band_of(value)
            dims = (row["status"], row["stage"] or "") if applications else (
                row["status"], row["outcome"] or "", row["funder_id"] or 0)
            moment = row[spec.time]  # creation, or Date Expected (rows without one are in no such tally)
            if moment is None:
                continue
            counts[("m", date(moment.year, moment.month, 1), band, *dims)] += 1
            counts[("y", date(moment.year, 1, 1), band, *dims)] += 1
    return counts


def _bounds() -> list[str]:
    with get_engine().connect() as conn:
        return list(conn.execute(text("SELECT bound FROM funding_customer_bounds ORDER BY position")).scalars())


def _kept(spec: tally.Spec) -> Counter:
    dims = ", ".join(c for c, _ in spec.dims if c != "band")
    with get_engine().connect() as conn:
        rows = conn.execute(text(f"SELECT grain, period, band, {dims}, n FROM {spec.table} WHERE n <> 0")).all()
    return Counter({(r[0], r[1] if isinstance(r[1], date) else date.fromisoformat(str(r[1])), *r[2:-1]): r[-1]
                    for r in rows})


def assert_band_tallies_are_exact(rng: random.Random) -> None:
    """The band tallies equal counting after rows are added and changed in every tallied column; Customer's after its
    bounds are first chosen (a new database has none: one band) and after its keys change with a customer's name."""
    from stapp.db.models import Customer

    spread(rng)
    assert not _bounds() and {key[2] for key in _kept(tally.BANDS[("fundings", "customer")])} == {0}
    assert tally.rebalance(get_engine()) == ["funding_customer_bands"]
    assert len(_bounds()) > 8 and tally.rebalance(get_engine()) == []  # chosen once, until the rows double
    for spec in tally.BANDS.values():
        assert _kept(spec) == _counted(spec) and _kept(spec), spec.table
    change(rng)
    with write_session() as s:  # the fundings' Customer keys follow (stapp/db/sortkeys.py), and so their bands
        for customer in s.exec(select(Customer).order_by(Customer.id)).all()[::2]:
            customer.last_name = "Aaron" if customer.id % 4 else "Zuniga"
            s.add(customer)
    for spec in tally.BANDS.values():
        maintained = _kept(spec)
        assert maintained == _counted(spec), spec.table
        with get_engine().begin() as conn:
            tally.rebuild(conn, spec)
        # a rebuild chooses Customer's bounds again (here the same rows' even steps, other keys since the renames)
        assert _kept(spec) == (_counted(spec) if spec.bounds else maintained), spec.table


def test_the_band_tallies_equal_counting_after_any_change_and_a_rebuild_agrees(db):  # noqa: ARG001
    assert_band_tallies_are_exact(random.Random(5))


_COLUMN = {"amount_requested": "amount_requested_cents", "amount_financed": "amount_financed_cents", "id": "id",
           "amount_expected": "amount_expected_cents", "date_expected": "date_expected", "customer": "customer_sort"}


def _order(list_name: str, sort: str, direction: str, keep) -> list[int]:  # noqa: ANN001
    """The ids of the rows ``keep`` accepts in the list's order, computed here (NULL keys first ascending)."""
    table = FinanceApplication if list_name == "applications" else Funding
    key = _COLUMN[sort]
    with read_session() as s:
        rows = [r for r in s.exec(table.__table__.select()).mappings().all() if keep(r)]
    ascending = sorted((r for r in rows if r[key] is None), key=lambda r: r["id"]) + sorted(
        (r for r in rows if r[key] is not None), key=lambda r: (r[key], r["id"]))
    return [r["id"] for r in (ascending if direction == "asc" else reversed(ascending))]


def _in_quarter(r) -> bool:  # noqa: ANN001
    return datetime(2026, 1, 1, tzinfo=UTC) <= r["created_at"].replace(tzinfo=UTC) < datetime(2026, 4, 1, tzinfo=UTC)


QUARTER = {"created_from": "2026-01-01", "created_to": "2026-03-31"}
EXPECTED = {"expected_from": "2026-01-01", "expected_to": "2026-03-31"}


def _expected_in_quarter(r) -> bool:  # noqa: ANN001
    return r["date_expected"] is not None and date(2026, 1, 1) <= r["date_expected"] <= date(2026, 3, 31)
CASES = [
    ("applications", "amount_requested", QUARTER, _in_quarter),
    ("applications", "amount_requested", {"statuses": "Approved,Declined"}, lambda r: r["status"] in ("Approved", "Declined")),
    ("applications", "amount_financed", {"stages": "funded", **QUARTER}, lambda r: r["stage"] == "funded" and _in_quarter(r)),
    ("applications", "amount_financed", {"statuses": "Approved"}, lambda r: r["status"] == "Approved"),
    ("applications", "id", QUARTER, _in_quarter),
    ("entries", "amount_expected", {"outcomes": "none,REJECTED"}, lambda r: r["outcome"] in (None, "REJECTED")),
    ("entries", "amount_expected", {"statuses": "COMPLETE", **QUARTER}, lambda r: r["status"] == "COMPLETE" and _in_quarter(r)),
    ("entries", "date_expected", QUARTER, _in_quarter),
    ("entries", "date_expected", {"funders": "0"}, lambda r: r["funder_id"] is None),
    ("entries", "customer", {"statuses": "COMPLETE,READY"}, lambda r: r["status"] in ("COMPLETE", "READY")),
    ("entries", "customer", QUARTER, _in_quarter),
    ("entries", "amount_expected", EXPECTED, _expected_in_quarter),
    ("entries", "id", QUARTER, _in_quarter),
    ("entries", "id", EXPECTED, _expected_in_quarter),
]


def _fetch(list_name: str, actor, params: dict[str, str]):  # noqa: ANN001, ANN202
    with read_session() as s:
        if list_name == "entries":
            return funding_entries.list_entries(s, actor, funding_entries.parse_query(params))
        return application_lists.company_applications(s, actor, application_lists.parse_query(params, company=True))


def _placed(sql: list[str], list_name: str, sort: str) -> bool:
    """Whether the page's keys were read within bands of the sort (its first and last band of Customer are open)."""
    column = f"{'finance_application' if list_name == 'applications' else 'funding'}.{_COLUMN[sort]}"
    return any(" AS page_keys " in line and (f"{column} >= " in line or f"{column} < " in line) for line in sql)


def _band_reads(sql: list[str]) -> int:
    return sum(1 for line in sql if "_bands" in line)


def assert_typed_pages_are_placed_by_bands(actor, monkeypatch) -> None:  # noqa: ANN001
    """Every page typed into the URL of each case, in both directions, placed by the bands (any depth counts here:
    ``BAND_WALK`` 0), is the slice of the list's order; pages among or reaching the NULL keys are read as before."""
    from tests.unit.test_paging import selects

    monkeypatch.setattr(paging, "BAND_WALK", 0)
    for list_name, sort, filters, keep in CASES:
        for direction in ("asc", "desc"):
            base = {**filters, "sort": sort, "dir": direction, "size": "10"}
            order = _order(list_name, sort, direction, keep)
            pages = -(-len(order) // 10)
            assert pages >= 4, (list_name, sort, filters)
            nulls = len(_order(list_name, sort, direction, lambda r, k=keep, c=_COLUMN[sort]: k(r) and r[c] is None))
            for n in range(1, pages + 1):
                with selects() as sql:
                    page = _fetch(list_name, actor, {**base, "page": str(n)})
                case = (list_name, sort, filters, direction, n)
                assert [r["id"] for r in page.rows] == order[(n - 1) * 10:n * 10], case
                start, end = (n - 1) * 10, min(n * 10, len(order))
                among_keys = start >= nulls if direction == "asc" else end <= len(order) - nulls
                # a date range by ID places its first page too, and a Created range by Expected Date on PostgreSQL
                # (``from_start``)
                first_too = (sort == "id" and any(k in filters for k in ("created_from", "expected_from"))) or (
                    sort == "date_expected" and "created_from" in filters and get_engine().dialect.name == "postgresql")
                assert _placed(sql, list_name, sort) == ((n > 1 or first_too) and among_keys), case


def test_a_page_typed_deep_is_placed_by_its_band_and_is_the_lists_slice(actor_for, monkeypatch):
    spread(random.Random(9))
    tally.rebalance(get_engine())  # Customer's bounds
    assert_typed_pages_are_placed_by_bands(actor_for("admin@example.com"), monkeypatch)


def assert_pages_deep_in_one_value_are_placed_by_id_bands(actor, monkeypatch) -> None:  # noqa: ANN001
    """Sorted by Status, Outcome or Funder (Funding Entries) or Stage (company Financing), a value's rows are ordered by
    id: a page typed deep inside one value reads that value from the band of ids holding its first row
    (``funding_id_bands``, ``application_id_bands``), and every page is the list's slice."""
    from tests.unit.test_paging import selects

    monkeypatch.setattr(paging, "BAND_WALK", 0)
    some = {"entries": [({"statuses": "COMPLETE,PENDING"}, lambda r: r["status"] in ("COMPLETE", "PENDING")),
                        (EXPECTED, _expected_in_quarter)],
            "applications": [({"statuses": "Approved,Declined"}, lambda r: r["status"] in ("Approved", "Declined"))]}
    for list_name, sort, column in (("entries", "status", "status"), ("entries", "outcome", "outcome"),
                                    ("entries", "funder", "funder_sort"), ("applications", "stage", "stage")):
        table = Funding if list_name == "entries" else FinanceApplication
        for filters, keep in ((QUARTER, _in_quarter), *some[list_name]):
            for direction in ("asc", "desc"):
                with read_session() as s:
                    rows = [r for r in s.exec(table.__table__.select()).mappings().all() if keep(r)]
                ascending = sorted(rows, key=lambda r, c=column: (r[c] is not None, r[c] or "", r["id"]))
                ordered = ascending if direction == "asc" else ascending[::-1]
                base = {**filters, "sort": sort, "dir": direction, "size": "10"}
                placed = 0
                for n in range(1, -(-len(ordered) // 10) + 1):
                    with selects() as sql:
                        page = _fetch(list_name, actor, {**base, "page": str(n)})
                    case = (list_name, sort, filters, direction, n)
                    assert [r["id"] for r in page.rows] == [r["id"] for r in ordered[(n - 1) * 10:n * 10]], case
                    first = ordered[(n - 1) * 10][column]
                    inside = (n - 1) * 10 - next(i for i, r in enumerate(ordered) if r[column] == first)
                    assert _placed(sql, list_name, "id") == (inside > 0), case
                    placed += inside > 0
                assert placed, (sort, filters, direction)


def test_a_page_deep_in_one_value_of_a_status_outcome_funder_or_stage_sort_is_placed_by_id_bands(actor_for, monkeypatch):
    spread(random.Random(10))
    assert_pages_deep_in_one_value_are_placed_by_id_bands(actor_for("admin@example.com"), monkeypatch)


def test_bands_are_not_read_for_offices_a_scoped_user_or_a_range_of_days(actor_for, monkeypatch):
    """The band tallies have no location and no days: a list filtered or scoped to offices, or a Created range that
    is not whole months, is placed as before, and its pages are still the list's."""
    from stapp.domain.permissions import Grants, Permission
    from stapp.services.auth import Actor
    from tests.unit.test_paging import selects

    spread(random.Random(4))
    monkeypatch.setattr(paging, "BAND_WALK", 0)
    admin = actor_for("admin@example.com")
    scoped = Actor(user_id=1, name="Scoped", email="s@example.com", grants=Grants({
        Permission.COMPANY_ACCOUNTING_VIEW: None, Permission.FUNDING_DETAILS_VIEW: frozenset({1})}))
    for actor, params, keep in [
        (admin, {"locations": "1"}, lambda r: r["location_id"] == 1),
        (scoped, {}, lambda r: r["location_id"] == 1),
        (admin, {"created_from": "2026-01-02", "created_to": "2026-03-31"},
         lambda r: datetime(2026, 1, 2, tzinfo=UTC) <= r["created_at"].replace(tzinfo=UTC) < datetime(2026, 4, 1, tzinfo=UTC)),
    ]:
        for list_name, sort in (("applications", "amount_requested"), ("entries", "amount_expected")):
            base = {**params, "sort": sort, "dir": "asc", "size": "10", "page": "3"}
            with selects() as sql:
                page = _fetch(list_name, actor, base)
            assert _band_reads(sql) == 0, (list_name, params)
            assert [r["id"] for r in page.rows] == _order(list_name, sort, "asc", keep)[20:30], (list_name, params)


def assert_pages_deep_among_null_amounts_financed_are_placed_by_id_bands(actor, monkeypatch) -> None:  # noqa: ANN001
    """Sorted by Amount Financed, the applications without one come first ascending (last descending), ordered by id: a
    page typed deep among them reads them from the band of ids holding its first row
    (``application_unfinanced_id_bands``), and every page, there or across into the amounts, is the list's slice."""
    from tests.unit.test_paging import selects

    monkeypatch.setattr(paging, "BAND_WALK", 0)
    for filters, keep in ((QUARTER, _in_quarter), ({"statuses": "Approved,Declined"},
                                                   lambda r: r["status"] in ("Approved", "Declined")),
                          ({"stages": "funded,decisioned", **QUARTER},
                           lambda r: r["stage"] in ("funded", "decisioned") and _in_quarter(r))):
        for direction in ("asc", "desc"):
            order = _order("applications", "amount_financed", direction, keep)
            nulls = len([i for i in _order("applications", "amount_financed", "asc",
                                          lambda r, k=keep: k(r) and r["amount_financed_cents"] is None)])
            assert nulls > 30 and len(order) - nulls > 10, (filters, nulls)
            first_null = 0 if direction == "asc" else len(order) - nulls
            placed = 0
            for n in range(1, -(-len(order) // 10) + 1):
                with selects() as sql:
                    page = _fetch("applications", actor, {**filters, "sort": "amount_financed", "dir": direction,
                                                          "size": "10", "page": str(n)})
                case = (filters, direction, n)
                assert [r["id"] for r in page.rows] == order[(n - 1) * 10:n * 10], case
                deep_among_nulls = first_null < (n - 1) * 10 < first_null + nulls
                assert _placed(sql, "applications", "id") == deep_among_nulls, case
                placed += deep_among_nulls
            assert placed, (filters, direction)


def test_a_page_deep_among_null_amounts_financed_is_placed_by_id_bands(actor_for, monkeypatch):
    spread(random.Random(12))
    assert_pages_deep_among_null_amounts_financed_are_placed_by_id_bands(actor_for("admin@example.com"), monkeypatch)


def test_an_id_band_page_seeks_a_status_outcome_or_funder_on_its_own_index(actor_for, monkeypatch):
    """Funding Entries sorted by ID with a status, an outcome or a funder and a Created range, placed by the ID bands:
    on SQLite that column stays indexed (``ix_funding_*_wide``, ``ix_funding_funder_id`` give its rows by id) and only
    the dates are tested on the entries (half a year of COMPLETE by ID, page 400: 19-31 -> 8-13 ms); the pages are the
    list's."""
    from tests.unit.test_paging import _page_keys, selects

    spread(random.Random(11))
    monkeypatch.setattr(paging, "BAND_WALK", 0)
    admin = actor_for("admin@example.com")
    for filters, keep, column in (
            ({"statuses": "COMPLETE", **QUARTER}, lambda r: r["status"] == "COMPLETE" and _in_quarter(r), "status"),
            ({"outcomes": "none", **QUARTER}, lambda r: r["outcome"] is None and _in_quarter(r), "outcome"),
            ({"funders": "0", **QUARTER}, lambda r: r["funder_id"] is None and _in_quarter(r), "funder_id")):
        order = _order("entries", "id", "desc", keep)
        assert len(order) > 20, filters
        with selects() as sql:
            page = _fetch("entries", admin, {**filters, "sort": "id", "dir": "desc", "size": "10", "page": "3"})
        assert [r["id"] for r in page.rows] == order[20:30], filters
        assert _placed(sql, "entries", "id"), filters
        finder = _page_keys(sql)[0]
        assert "+ funding.created_at" in finder and f"+ funding.{column}" not in finder, finder


def assert_created_range_by_expected_date_is_placed_from_its_first_page(actor) -> None:  # noqa: ANN001
    """A Created range sorted by Expected Date (Funding Entries): on PostgreSQL every typed page, the first included and
    however near the start (no ``BAND_WALK``), is read from the bands holding it (``by_bands``' ``from_start``), as the
    range's rows begin far along the Expected Date index; on SQLite only pages deep enough are (its walk starts where
    the range's keys begin). Every page is the list's slice."""
    from stapp.db.engine import get_engine
    from tests.unit.test_paging import selects

    postgres = get_engine().dialect.name == "postgresql"
    for direction in ("asc", "desc"):
        order = _order("entries", "date_expected", direction, _in_quarter)
        nulls = len(_order("entries", "date_expected", direction, lambda r: _in_quarter(r) and r["date_expected"] is None))
        pages = -(-len(order) // 10)
        for n in range(1, pages + 1):
            with selects() as sql:
                page = _fetch("entries", actor, {**QUARTER, "sort": "date_expected", "dir": direction, "size": "10",
                                                 "page": str(n)})
            case = (direction, n)
            assert [r["id"] for r in page.rows] == order[(n - 1) * 10:n * 10], case
            start, end = (n - 1) * 10, min(n * 10, len(order))
            among_keys = start >= nulls if direction == "asc" else end <= len(order) - nulls
            if postgres:
                assert _placed(sql, "entries", "date_expected") == among_keys, case
            elif n == 1:
                assert _band_reads(sql) == 0, case


def test_a_created_range_by_expected_date_is_placed_from_its_first_page_on_postgres_only(actor_for):
    spread(random.Random(13))
    assert_created_range_by_expected_date_is_placed_from_its_first_page(actor_for("admin@example.com"))


def assert_a_range_by_id_is_placed_from_its_first_page(actor) -> None:  # noqa: ANN001
    """Ids follow creation (``spread(in_order=True)``): a quarter's rows sit together along the id index, with the
    rows of the months after it above them and those before below. Its first page by ID, either way, is read
    within the bands holding the quarter's first rows (``from_start``), not walked from the index's edge past the
    other months' rows, and every page is the list's slice: company Financing and Funding Entries by a Created range,
    Funding Entries by an Expected range."""
    from tests.unit.test_paging import selects

    for list_name, filters, keep in (("applications", QUARTER, _in_quarter), ("entries", QUARTER, _in_quarter),
                                     ("entries", EXPECTED, _expected_in_quarter)):
        for direction in ("asc", "desc"):
            order = _order(list_name, "id", direction, keep)
            assert len(order) > 20, (list_name, filters)
            for n in (1, 2):
                with selects() as sql:
                    page = _fetch(list_name, actor, {**filters, "sort": "id", "dir": direction, "size": "10",
                                                     "page": str(n)})
                case = (list_name, filters, direction, n)
                assert [r["id"] for r in page.rows] == order[(n - 1) * 10:n * 10], case
                assert _placed(sql, list_name, "id"), case


def test_a_range_by_id_is_placed_from_its_first_page_when_ids_follow_creation(actor_for):
    spread(random.Random(14), in_order=True)
    assert_a_range_by_id_is_placed_from_its_first_page(actor_for("admin@example.com"))


def test_a_page_near_the_start_is_not_placed_by_bands(actor_for):
    """Placing costs a read of the tally: a page whose walk passes fewer than ``BAND_WALK`` entries reads none."""
    from tests.unit.test_paging import selects

    spread(random.Random(6))
    with selects() as sql:
        _fetch("applications", actor_for("admin@example.com"), {**QUARTER, "sort": "amount_requested", "page": "3"})
    assert _band_reads(sql) == 0


@pytest.mark.parametrize("sort", ["amount_requested", "id"])
def test_a_band_page_reads_its_keys_between_two_keys_of_the_sort(actor_for, monkeypatch, sort):
    """The page's keys are read within the bands holding its first and last row (a range of the sort's index), with
    only the rows of its first band before it skipped."""
    from tests.unit.test_paging import _page_keys, selects

    spread(random.Random(8))
    monkeypatch.setattr(paging, "BAND_WALK", 0)
    with selects() as sql:
        _fetch("applications", actor_for("admin@example.com"), {**QUARTER, "sort": sort, "page": "6", "size": "10"})
    finder = _page_keys(sql)[0]
    column = "amount_requested_cents" if sort == "amount_requested" else "id"
    assert f"finance_application.{column} >= " in finder and f"finance_application.{column} < " in finder, finder
    skipped = [line for line in sql if " AS page_keys " in line]
    assert skipped and "OFFSET" in skipped[0].upper()


def test_bounds_are_chosen_again_only_when_the_fundings_have_doubled(db):  # noqa: ARG001
    """``tally.rebalance`` compares the largest funding id with the one recorded when the bounds were chosen: rows
    deleted since (ids never reused) do not make every pass of the scheduler rebuild the tally."""
    spread(random.Random(12))
    spec = tally.BANDS[("fundings", "customer")]
    assert tally.rebalance(get_engine()) == [spec.table]
    with write_session() as s:
        top = max(s.exec(select(Funding.id)).all())
        s.exec(delete(Funding).where(Funding.id < top - 20))
    with get_engine().begin() as conn:  # chosen again from the twenty-odd fundings left
        tally.rebuild(conn, spec)
    assert tally.rebalance(get_engine()) == []
    assert _kept(spec) == _counted(spec)
    with write_session() as s:  # until the fundings' ids have doubled
        row = dict(s.exec(Funding.__table__.select().limit(1)).mappings().one())
        for _ in range(top + 1):
            s.add(Funding(**{**row, "id": None}))
    assert tally.rebalance(get_engine()) == [spec.table]
    assert _kept(spec) == _counted(spec)
