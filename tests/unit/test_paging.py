"""Keyset pagination of the company lists: Next/Previous seek by cursor and never issue an OFFSET.

The walks compare, for every sort and direction (NULL keys included), the pages reached by cursors with
the pages reached by counting from the start: same rows, same order, no row twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import and_, event, select, update

from stapp.db.engine import get_engine, read_session, write_session
from stapp.db.models import FinanceApplication, Funding
from stapp.db.types import utcnow
from stapp.domain.listing import Cursor, read_cursor
from stapp.services import application_lists, funding_entries, paging


@contextmanager
def _listening(keep: Callable[[str, object], str | None]) -> Iterator[list[str]]:
    """The statements issued meanwhile for which ``keep(sql, params)`` returns a line to record."""
    seen: list[str] = []

    def spy(conn, cursor, sql, params, context, executemany):  # noqa: ANN001, ARG001
        line = keep(sql, params)
        if line:
            seen.append(line)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def statements() -> AbstractContextManager[list[str]]:
    """The statements issued meanwhile that skip rows (an OFFSET above 0; SQLite always renders OFFSET ?)."""

    def skipping(sql: str, params: object) -> str | None:
        if "OFFSET" not in sql.upper():
            return None
        skipped = params[-1] if isinstance(params, (tuple, list)) else max(
            (v for k, v in params.items() if "param" in k and isinstance(v, int)), default=1)
        return f"{sql} -- skipping {skipped}" if skipped else None

    return _listening(skipping)


def selects() -> AbstractContextManager[list[str]]:
    """Every SELECT issued meanwhile, on one line."""
    return _listening(lambda sql, _params: " ".join(sql.split()) if sql.lstrip().upper().startswith("SELECT") else None)


def _with_null_keys() -> None:
    """Thirty more fundings with ties on every key, and some without Amount Expected, Date Expected, Funder or
    Outcome: NULL sort keys."""
    with write_session() as s:
        demo = s.exec(Funding.__table__.select()).mappings().all()
        for n in range(30):
            row = dict(demo[n % len(demo)])
            row.pop("id")
            row["amount_expected_cents"] = (row["amount_expected_cents"] or 0) // 100_000 * 100_000
            s.add(Funding(**row))
    with write_session() as s:
        ids = sorted(s.exec(Funding.__table__.select().with_only_columns(Funding.id)).scalars().all())
        s.exec(update(Funding).where(Funding.id.in_(ids[::3])).values(amount_expected_cents=None, date_expected=None,
                                                                        funder_id=None, outcome=None))


def walk(fetch: Callable[[dict[str, str]], object], base: dict[str, str]) -> None:
    """Next from page 1 to the last page, then Previous back to page 1, against the counted pages."""
    counted = []
    first = fetch({**base, "page": "1"})
    for n in range(1, first.pages + 1):
        counted.append([r["id"] for r in fetch({**base, "page": str(n)}).rows])
    assert first.pages >= 3, "the walk needs several pages"
    assert len({i for page in counted for i in page}) == first.total == sum(map(len, counted))

    current, forward = first, [[r["id"] for r in first.rows]]
    for n in range(2, first.pages + 1):
        with statements() as sql:
            current = fetch({**base, "page": str(n), "after": current.last})
        assert current.page == n
        assert sql == [], f"page {n} was reached with an OFFSET"
        forward.append([r["id"] for r in current.rows])
    assert forward == counted

    backward = [[r["id"] for r in current.rows]]
    for n in range(first.pages - 1, 0, -1):
        with statements() as sql:
            current = fetch({**base, "page": str(n), "before": current.first})
        assert current.page == n
        assert sql == [], f"page {n} was reached with an OFFSET"
        backward.append([r["id"] for r in current.rows])
    assert list(reversed(backward)) == counted


@pytest.mark.parametrize("sort", list(funding_entries.SORTS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_funding_entries_walk_by_cursor_equals_counting(actor_for, sort, direction):
    _with_null_keys()
    acct = actor_for("accounting@example.com")

    def fetch(params):
        with read_session() as s:
            return funding_entries.list_entries(s, acct, funding_entries.parse_query(params))

    walk(fetch, {"sort": sort, "dir": direction, "size": "10"})


@pytest.mark.parametrize("sort", ["amount_expected", "date_expected", "funder", "outcome"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_cursor_across_null_keys_reads_ranges_that_seek_the_index(actor_for, sort, direction):
    """Past a cursor, the NULL keys and the others are read as two ranges of the sort's index, one after the other,
    never as one condition with OR, which neither database seeks on the index (a Next page sorted by Amount
    Financed took 0.6-1.1 s on PostgreSQL at a million applications); the pages are those counted from the start."""
    _with_null_keys()
    acct = actor_for("accounting@example.com")
    issued: list[str] = []

    def fetch(params):
        with read_session() as s, selects() as sql:
            found = funding_entries.list_entries(s, acct, funding_entries.parse_query(params))
        issued.extend(line for line in sql if " AS page_keys " in line)
        return found

    walk(fetch, {"sort": sort, "dir": direction, "size": "10"})
    finders = [_page_keys([line])[0] for line in issued]
    assert not any(" OR " in finder for finder in finders), [f for f in finders if " OR " in f]
    assert any("IS NULL" in finder for finder in finders)  # the NULLs' own range was read


def _more_applications() -> None:
    """Thirty more applications, copies of the demo ones: ties on every key, NULL Amount Financed and stage."""
    with write_session() as s:
        demo = s.exec(FinanceApplication.__table__.select()).mappings().all()
        for n in range(30):
            row = dict(demo[n % len(demo)])
            row.pop("id")
            row["reference"], row["idempotency_key"] = f"PAGING-{n}", f"paging-{n}"
            s.add(FinanceApplication(**row))


@pytest.mark.parametrize("sort", list(application_lists.SORTS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_company_financing_walk_by_cursor_equals_counting(actor_for, sort, direction):
    _more_applications()
    acct = actor_for("admin@example.com")

    def fetch(params):
        with read_session() as s:
            return application_lists.company_applications(s, acct, application_lists.parse_query(params, company=True))

    walk(fetch, {"sort": sort, "dir": direction, "size": "10"})


@pytest.mark.parametrize("token", [
    "", "garbage", "e30", "W10", "x" * 500,
    Cursor("id", "desc", 1, "not-an-int", 5).token(),  # wrong key type for the sort
    Cursor("created", "desc", 1, 5, 5).token(),  # another sort
    Cursor("id", "asc", 1, 5, 5).token(),  # another direction
    Cursor("id", "desc", 7, 5, 5).token(),  # another page
    Cursor("id", "desc", 1, 5, -3).token(),  # a bad id
])
def test_a_cursor_that_does_not_fit_is_ignored_and_the_page_is_counted(actor_for, token):
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        counted = funding_entries.list_entries(s, acct, funding_entries.parse_query({"size": "10", "page": "2"}))
        hostile = funding_entries.list_entries(s, acct, funding_entries.parse_query(
            {"size": "10", "page": "2", "after": token}))
    assert [r["id"] for r in hostile.rows] == [r["id"] for r in counted.rows]


def test_a_cursor_keeps_every_filter_and_location_rule(actor_for):
    """A token is a position, not a permission: a sales user's list stays their own."""
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        everything = funding_entries.list_entries(s, acct, funding_entries.parse_query({"size": "10"}))
        only_complete = funding_entries.parse_query({"size": "10", "page": "2", "statuses": "COMPLETE",
                                                     "after": everything.last})
        page = funding_entries.list_entries(s, acct, only_complete)
    assert page.rows and all(r["status"] == "COMPLETE" for r in page.rows)


@pytest.mark.parametrize("params", [{"page": "3"}, {"page": "2", "sort": "customer"}, {"sort": "funder", "dir": "asc"},
                                    {"page": "2", "sort": "id", "created_from": "2020-01-01"}])
def test_funding_entries_find_a_page_on_ids_and_keys_then_read_only_its_rows(actor_for, params):
    """A deferred join, in one statement: the subquery that orders, skips or seeks reads the id and the sort
    key, on ``funding`` alone (the Customer and Funder keys are kept on it: stapp/db/sortkeys.py), so it runs on an
    index; the joined rows are read for its ids alone."""
    acct = actor_for("accounting@example.com")
    with read_session() as s, selects() as sql:
        page = funding_entries.list_entries(s, acct, funding_entries.parse_query({**params, "size": "10"}))
    assert page.rows
    finder, reader = _page_keys(sql)
    assert finder.split(" FROM ")[0].count(",") == 1, finder  # the id and the sort key
    assert " JOIN " not in finder.upper(), finder
    assert reader.replace(finder, "").upper().count(" JOIN ") == 5, reader  # customer, location, funder, type, keys
    assert " WHERE " not in reader.replace(finder, "").upper(), reader  # the filter is in the keys alone


def _page_keys(sql: list[str]) -> tuple[str, str]:
    """The page's keys subquery and the one statement reading the page's rows joined to it."""
    readers = [x for x in sql if " AS page_keys " in x]
    assert len(readers) == 1, sql
    found = re.search(r"JOIN \((SELECT .*)\) AS page_keys ", readers[0])
    assert found is not None, readers[0]
    return found.group(1), readers[0]


def test_company_financing_finds_a_page_on_ids_and_keys_then_reads_only_its_rows(actor_for):
    _more_applications()
    acct = actor_for("admin@example.com")
    with read_session() as s, selects() as sql:
        page = application_lists.company_applications(
            s, acct, application_lists.parse_query({"page": "2", "size": "10", "sort": "id"}, company=True))
    assert len(page.rows) == 10
    finder, reader = _page_keys(sql)
    assert finder.split(" FROM ")[0].count(",") == 1 and " JOIN " not in finder.upper(), finder
    assert " WHERE " not in reader.replace(finder, "").upper(), reader
    assert [r["id"] for r in page.rows] == sorted((r["id"] for r in page.rows), reverse=True)


@pytest.mark.parametrize("value,kind", [(5, "int"), ("Smith John", "str"), (date(2026, 11, 22), "date"),
                                        (datetime(2026, 11, 22, 7, 30, 1, 5, tzinfo=UTC), "datetime"),
                                        (None, "int")])
def test_cursor_tokens_round_trip(value, kind):
    cur = Cursor("k", "asc", 3, value, 42)
    assert read_cursor(cur.token(), sort="k", direction="asc", page=3, kind=kind) == cur
    assert read_cursor(cur.token(), sort="k", direction="asc", page=4, kind=kind) is None


def test_a_list_rewrites_the_address_bar_only_while_the_user_is_still_on_it():
    """A slow answer arriving after the user navigated away must not rewrite the next page's URL."""
    from stapp.state.listing import replace_url_script

    script = replace_url_script("/accounting/funding-entries", "/accounting/funding-entries?page=2")
    assert script.startswith("if ((window.location.pathname.replace(/\\/+$/, '') || '/') === "
                             "\"/accounting/funding-entries\")")
    assert script.endswith("window.history.replaceState(null, '', \"/accounting/funding-entries?page=2\")")


def _spread_over_months(rng) -> None:  # noqa: ANN001
    """Two hundred more applications over three months, several at the same instant (ties), some at the edges
    of UTC days and months."""
    from datetime import timedelta

    with write_session() as s:
        demo = s.exec(FinanceApplication.__table__.select()).mappings().all()
        moments = [datetime(2026, 1, 30, tzinfo=UTC) + timedelta(hours=rng.randrange(24 * 70)) for _ in range(120)]
        moments += [datetime(2026, 2, 1, tzinfo=UTC) - timedelta(microseconds=1)] * 20 + \
            [datetime(2026, 3, 1, tzinfo=UTC)] * 20 + [moments[0]] * 40
        for n, moment in enumerate(moments):
            row = dict(demo[n % len(demo)])
            row.pop("id")
            row.update(reference=f"JUMP-{n}", idempotency_key=f"jump-{n}", created_at=moment,
                       status=rng.choice(["Approved", "Declined", "In Review"]))
            s.add(FinanceApplication(**row))


def skipped_rows() -> AbstractContextManager[list[str]]:
    """How many rows each statement issued meanwhile skipped (OFFSET), as numbers in strings."""

    def offset(sql: str, params: object) -> str | None:
        if "OFFSET" not in sql.upper():
            return None
        if isinstance(params, (tuple, list)):  # SQLite: OFFSET ? comes last
            return str(params[-1])
        named = re.search(r"OFFSET %\((\w+)\)s", sql)  # PostgreSQL: OFFSET %(param_n)s
        return str(params[named.group(1)]) if named else "0"

    return _listening(offset)


@pytest.mark.parametrize("direction", ["desc", "asc"])
@pytest.mark.parametrize("params", [{}, {"statuses": "Approved,In Review"}, {"created_from": "2026-01-31",
                                    "created_to": "2026-03-02"}, {"created_from": "2026-02-01", "statuses": "Declined"}])
def test_a_typed_page_is_placed_by_the_tally_and_skips_only_rows_of_its_period(actor_for, params, direction):
    """A page typed into the URL (no cursor) of a list sorted by creation: the tally's counts find the year,
    month (and day) holding it, so the page skips only rows of that period, and it is exactly the page counting
    from the start gives."""
    import random

    _spread_over_months(random.Random(3))
    assert_typed_pages_are_placed(actor_for("admin@example.com"), params, direction, busiest=_busiest_month())


def _busiest_month() -> int:
    from collections import Counter

    with read_session() as s:
        created = s.exec(FinanceApplication.__table__.select().with_only_columns(FinanceApplication.created_at)).all()
    return max(Counter((c.year, c.month) for (c,) in created).values())


def test_a_dense_month_is_placed_to_its_day(actor_for):
    """When a month holds more rows than its daily tally rows, the jump goes down to the day."""
    from datetime import timedelta

    with write_session() as s:
        demo = dict(s.exec(FinanceApplication.__table__.select()).mappings().first())
        demo.pop("id")
        for n in range(200):  # five days of forty, all of one location, status and stage
            s.add(FinanceApplication(**{**demo, "reference": f"DENSE-{n}", "idempotency_key": f"dense-{n}",
                                        "status": "Approved", "stage": "funded", "location_id": demo["location_id"],
                                        "created_at": datetime(2026, 4, 6 + n // 40, 9, tzinfo=UTC)
                                        + timedelta(seconds=n % 7)}))
    params = {"statuses": "Approved", "stages": "funded", "locations": str(demo["location_id"])}
    for direction in ("desc", "asc"):
        assert_typed_pages_are_placed(actor_for("admin@example.com"), params, direction, busiest=40)


@pytest.mark.parametrize("descending", [True, False])
def test_a_typed_page_reads_the_tally_only_up_to_its_period_from_the_nearer_end(db, monkeypatch, descending):  # noqa: ARG001
    """``tally.locate`` adds up the periods of the list in its order and stops at the one holding the row; inside a
    year (a month) it reads the months (days) from whichever end is nearer the row. Every offset's period holds the
    row, with exactly the period's rows before it counted, and no read passes more than two periods beyond it."""
    from datetime import timedelta

    from stapp.db import tally
    from stapp.db.models import ApplicationTally

    with write_session() as s:  # ten a month through 2025 (one late in each month), five in 2024
        demo = dict(s.exec(FinanceApplication.__table__.select()).mappings().first())
        demo.pop("id")
        moments = [datetime(2025, m, 3 + 2 * k, 9, tzinfo=UTC) for m in range(1, 13) for k in range(10)]
        moments += [datetime(2024, 5, 1, tzinfo=UTC) + timedelta(days=9 * k) for k in range(5)]
        for n, moment in enumerate(moments):
            s.add(FinanceApplication(**{**demo, "reference": f"NEAR-{n}", "idempotency_key": f"near-{n}",
                                        "created_at": moment}))
    with read_session() as s:
        created = sorted(s.exec(select(FinanceApplication.created_at)).scalars(), reverse=descending)

    read: list[list[object]] = []
    real = tally._buckets

    class Counting:  # the buckets a read hands out
        def __init__(self, result):  # noqa: ANN001
            self.result, self.seen = result, []
            read.append(self.seen)

        def __iter__(self):  # noqa: ANN204
            for row in self.result:
                self.seen.append(row[0])
                yield row

        def close(self) -> None:
            self.result.close()

    monkeypatch.setattr(tally, "_buckets", lambda *a: Counting(real(*a)))
    conds = [tally.period_clause(ApplicationTally, None, None)]
    with read_session() as s:
        for offset in range(len(created)):
            read.clear()
            found = tally.locate(s, ApplicationTally, conds, offset, descending=descending)
            assert found is not None, offset
            first, after, skip = found
            inside = [c for c in created if datetime(first.year, first.month, first.day, tzinfo=UTC) <= c
                      < datetime(after.year, after.month, after.day, tzinfo=UTC)]
            row = created[offset]
            assert row in inside and skip == created.index(row) - created.index(inside[0]), (offset, found)
            # each read stops at the period holding the row: the year, then its month (then the month's day)
            assert [seen[-1] for seen in read] == [date(row.year, 1, 1), date(row.year, row.month, 1),
                                                   row.date()][:len(read)] and read[-1][-1] == first, (offset, read)
            # and a year's months (a month's days) are read from the end nearer the row
            for parent, seen in zip((_year_months, _month_days), read[1:], strict=False):
                assert len(seen) <= len(parent(created, row)) // 2 + 1, (offset, read)
        assert tally.locate(s, ApplicationTally, conds, len(created), descending=descending) is None


def _year_months(created: list[datetime], row: datetime) -> set[tuple[int, int]]:
    return {(c.year, c.month) for c in created if c.year == row.year}


def _month_days(created: list[datetime], row: datetime) -> set[date]:
    return {c.date() for c in created if (c.year, c.month) == (row.year, row.month)}


def test_an_expected_range_starts_its_walk_from_one_probe_a_day(db):  # noqa: ARG001
    """``paging.day_extremes``, one index probe per day of an Expected range, finds the least and greatest creation
    of the range's fundings exactly as the aggregate over the range does (days without fundings, fundings without a
    Date Expected, ties and the range's edges included), and Funding Entries takes it for a range of fewer days than
    its rows make worth probing (``PROBE_PER_DAY``)."""
    import random
    from datetime import timedelta

    rng = random.Random(11)
    _with_null_keys()
    with write_session() as s:
        ids = s.exec(Funding.__table__.select().with_only_columns(Funding.id)).scalars().all()
        for ident in ids:
            if rng.random() < 0.8:
                s.exec(update(Funding).where(Funding.id == ident).values(
                    date_expected=date(2026, 3, 1) + timedelta(days=rng.randrange(60)),
                    created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(90 * 24 * 60))))
        # just outside March 10th, the newest and the oldest funding of all: a day too many would find them
        for ident, day, created in ((ids[0], date(2026, 3, 11), datetime(2027, 1, 1, tzinfo=UTC)),
                                    (ids[1], date(2026, 3, 9), datetime(2025, 1, 1, tzinfo=UTC))):
            s.exec(update(Funding).where(Funding.id == ident).values(date_expected=day, created_at=created))
    ranges = [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 10), date(2026, 3, 10)),
              (date(2026, 2, 20), date(2026, 3, 5)), (date(2026, 4, 25), date(2026, 5, 10)),
              (date(2025, 1, 1), date(2025, 1, 31))]
    with read_session() as s:
        for first, last in ranges:
            within = and_(Funding.date_expected >= first, Funding.date_expected <= last)
            probed = paging.day_extremes(s, Funding.created_at, Funding.date_expected, first, last)
            aggregated = paging.extreme(s, Funding.created_at, within)
            for ascending in (True, False):
                assert probed(ascending) == aggregated(ascending), (first, last, ascending)
        assert aggregated(True) is None  # a range without fundings
        q = funding_entries.parse_query({"expected_from": "2026-03-01", "expected_to": "2026-03-31"})
        with _listening(lambda sql, _params: sql) as issued:
            start = funding_entries._start(s, q, Funding.created_at, 31 * paging.PROBE_PER_DAY + 1)
            assert start(False) == paging.extreme(s, Funding.created_at, and_(
                Funding.date_expected >= date(2026, 3, 1), Funding.date_expected <= date(2026, 3, 31)))(False)
        assert "WITH RECURSIVE" in issued[0]
        with _listening(lambda sql, _params: sql) as issued:
            funding_entries._start(s, q, Funding.created_at, 31 * paging.PROBE_PER_DAY)(False)  # too few rows
        assert "WITH RECURSIVE" not in issued[0]


def assert_typed_pages_are_placed(acct, params: dict[str, str], direction: str, *, busiest: int) -> None:  # noqa: ANN001
    """Every typed page of company Financing equals its plain OFFSET page and skips no more than ``busiest``
    rows (those of the busiest period the jump may stop at), fewer than counting from the start would."""
    base = {**params, "sort": "created", "dir": direction, "size": "10"}

    def page(n: int, *, jump: bool = True):  # noqa: ANN202
        q = application_lists.parse_query({**base, "page": str(n)}, company=True)
        with read_session() as s:
            if jump:
                return application_lists.company_applications(s, acct, q)
            conds = application_lists._company_conds(acct, q)  # the same page with plain OFFSET, the reference
            return application_lists._page(s, conds, q)

    first = page(1)
    assert first.pages >= 5
    for n in range(2, first.pages + 1):
        with skipped_rows() as skipped:
            placed = page(n)
        assert [r["id"] for r in placed.rows] == [r["id"] for r in page(n, jump=False).rows], (n, params)
        assert skipped and all(int(k) <= min(busiest, (n - 1) * 10) for k in skipped), (n, skipped)
    assert page(first.pages + 3).page == first.pages  # past the end: the last page


@pytest.mark.parametrize("direction", ["desc", "asc"])
def test_a_typed_funding_entries_page_is_placed_by_the_tally(actor_for, direction):
    from datetime import timedelta

    _with_null_keys()
    with write_session() as s:  # over two months, three a day
        ids = sorted(s.exec(Funding.__table__.select().with_only_columns(Funding.id)).scalars().all())
        for n, ident in enumerate(ids):
            s.exec(update(Funding).where(Funding.id == ident).values(
                created_at=datetime(2026, 1, 20, 12, tzinfo=UTC) + timedelta(hours=8 * n)))
    acct = actor_for("accounting@example.com")
    base = {"sort": "created", "dir": direction, "size": "5"}
    with read_session() as s:
        pages = funding_entries.list_entries(s, acct, funding_entries.parse_query(base)).pages
        assert pages >= 2
        for n in range(2, pages + 1):
            q = funding_entries.parse_query({**base, "page": str(n)})
            placed = funding_entries.list_entries(s, acct, q)
            query, sort, keys = funding_entries._parts(acct, q, utcnow().date())
            counted = paging.fetch(s, query, sort, Funding.id, q, pages, keys=keys)
            assert [r["id"] for r in placed.rows] == [r[0] for r in counted.rows], n


def _created_days() -> list[date]:
    with read_session() as s:
        return sorted(d.date() for d in s.exec(FinanceApplication.__table__.select()
                                                .with_only_columns(FinanceApplication.created_at)).scalars())


# A walk's budget for the tests: every entry (the walk never falls short), none (it always falls back to sorting),
# and a few dozen entries (some pages walked, some sorted).
BUDGETS = [10**9, 1, 40]


def _same_pages_walking(monkeypatch, module, fetch, base, unindexed, budget, bounded=True):  # noqa: ANN001
    """Every page of ``base`` counted with no walk and walked within ``budget`` entries is the same, the walk tests
    the range on each row (``unindexed`` in its SQL), and Next / Previous by cursor agree with the counted pages.
    ``bounded``: a walk from the list's edge has a bound (not one among NULL keys first, ``spread_bound``)."""
    def pages() -> list[list[int]]:
        return [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in range(1, fetch(base).pages + 1)]

    monkeypatch.setattr(module, "walk_budget", lambda *_a: None)
    with selects() as sql:
        sought = pages()
    assert not any(unindexed in line for line in sql)
    monkeypatch.setattr(module, "walk_budget",
                        lambda s, _q, _count, last_id, *_per: (budget, s.connection().execute(last_id).scalar() or 0))
    with selects() as sql:
        walked = pages()
    assert walked == sought and len(sought) >= 3
    assert any(unindexed in line for line in sql), "the walk tests the range on each row"
    if budget == 1 and bounded:  # every page falls short of its budget and is found again by sorting
        assert any(unindexed not in line and "page_keys" in line for line in sql)
    walk(fetch, base)


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("share", [1.0, 0.5])
def test_a_created_range_sorted_by_id_finds_the_same_pages_walking_the_ids(actor_for, monkeypatch, direction, share,
                                                                           budget):
    """A Created range sorted by ID walks the ids in order and tests each row's date (SQLite,
    ``application_lists._walk``): every page, by cursor and counted, is the one the range's index finds, whether
    the walk finds it within its budget or falls back to sorting."""
    _more_applications()
    acct = actor_for("admin@example.com")
    days = _created_days()
    base = {"sort": "id", "dir": direction, "size": "10", "created_from": days[int((len(days) - 1) * (1 - share))]
            .isoformat(), "created_to": days[-1].isoformat()}

    def fetch(params):
        with read_session() as s:
            return application_lists.company_applications(s, acct, application_lists.parse_query(params, company=True))

    _same_pages_walking(monkeypatch, application_lists, fetch, base, "+ finance_application.created_at", budget)


@pytest.mark.parametrize("statuses", ["", "Approved", "Declined,In Review", "Approved,Declined"])
@pytest.mark.parametrize("sort", ["amount_financed", "stage"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_sort_whose_nulls_are_counted_gives_every_page_in_the_lists_order(actor_for, sort, direction, statuses):
    """Sorted by Amount Financed or Stage, a page counted from the start reads the NULLs and the values as two ranges
    of the sizes the tallies give (``application_lists.null_keys``): every page typed into the URL, and every page by
    Next and Previous, is the slice of the list's order (NULLs first ascending, last descending, ties by id), for
    filters whose rows all have the key, none has it (Declined: no Amount Financed), or some have it."""
    _more_applications()
    acct = actor_for("admin@example.com")
    base = {"sort": sort, "dir": direction, "size": "10", **({"statuses": statuses} if statuses else {})}
    column = {"amount_financed": FinanceApplication.amount_financed_cents, "stage": FinanceApplication.stage}[sort]
    with read_session() as s:
        query = FinanceApplication.__table__.select().with_only_columns(FinanceApplication.id, column)
        if statuses:
            query = query.where(FinanceApplication.status.in_(statuses.split(",")))
        rows = s.exec(query).all()
    values = sorted((r for r in rows if r[1] is not None), key=lambda r: (r[1], r[0]))
    nulls = sorted((r for r in rows if r[1] is None), key=lambda r: r[0])
    order = [r[0] for r in (nulls + values if direction == "asc" else list(reversed(values)) + list(reversed(nulls)))]

    def fetch(params):
        with read_session() as s:
            return application_lists.company_applications(s, acct, application_lists.parse_query(params, company=True))

    first = fetch(base)
    assert first.total == len(order) and first.total > 0
    typed = [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in range(1, first.pages + 1)]
    assert typed == [order[i:i + 10] for i in range(0, len(order), 10)]
    if first.pages >= 3:
        walk(fetch, base)


def test_a_typed_page_of_a_filter_whose_rows_all_have_the_key_seeks_past_the_null_keys(actor_for):
    """Approved applications all have an Amount Financed: a page typed deep, ascending, reads the amounts' side as
    ``IS NOT NULL``, which seeks past the other statuses' NULL keys at the start of the index (without it, SQLite
    passed 500,000 of them: 30-37 ms at a million applications). Only the NULL side of a filter whose rows all sit on
    it is sorted instead."""
    _more_applications()
    with write_session() as s:
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "Approved")
               .values(amount_financed_cents=FinanceApplication.amount_requested_cents))
    with read_session() as s, selects() as sql:
        application_lists.company_applications(s, actor_for("admin@example.com"), application_lists.parse_query(
            {"statuses": "Approved", "sort": "amount_financed", "dir": "asc", "size": "10", "page": "2"}, company=True))
    finder = _page_keys(sql)[0]
    assert "finance_application.amount_financed_cents IS NOT NULL" in finder, finder


@pytest.mark.parametrize("filters", [{}, {"statuses": "COMPLETE"}, {"funders": "0"}, {"outcomes": "none,PAID_IN_FULL"},
                                     {"expected_from": "2000-01-01"}])
@pytest.mark.parametrize("sort", ["funder", "outcome"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_funding_sort_whose_nulls_are_counted_gives_every_page_in_the_lists_order(actor_for, sort, direction,
                                                                                    filters):
    """Funding Entries sorted by Funder or Outcome counts the fundings without one from its tally
    (``funding_entries.null_keys``, the Expected tally with an Expected range): every page typed into the URL, and
    every page by Next and Previous, is the slice of the list's order (NULLs first ascending, last descending)."""
    from stapp.db.models import CatalogEntry

    _with_null_keys()
    acct = actor_for("accounting@example.com")
    base = {"sort": sort, "dir": direction, "size": "10", **filters}
    with read_session() as s:
        names = dict(s.exec(CatalogEntry.__table__.select().with_only_columns(CatalogEntry.id, CatalogEntry.name)).all())
        rows = s.exec(Funding.__table__.select().with_only_columns(
            Funding.id, Funding.funder_id, Funding.outcome, Funding.status, Funding.date_expected)).all()
    keep = [r for r in rows
            if (not filters.get("statuses") or r[3] in filters["statuses"].split(","))
            and (not filters.get("funders") or r[1] is None)
            and (not filters.get("outcomes") or (r[2] or "none") in filters["outcomes"].split(","))
            and (not filters.get("expected_from") or r[4] is not None)]
    key = (lambda r: names[r[1]].lower() if r[1] is not None else None) if sort == "funder" else (lambda r: r[2])
    values = sorted((r for r in keep if key(r) is not None), key=lambda r: (key(r), r[0]))
    nulls = sorted((r for r in keep if key(r) is None), key=lambda r: r[0])
    order = [r[0] for r in (nulls + values if direction == "asc" else list(reversed(values)) + list(reversed(nulls)))]

    def fetch(params):
        with read_session() as s:
            return funding_entries.list_entries(s, acct, funding_entries.parse_query(params))

    first = fetch(base)
    assert first.total == len(order) and first.total > 0
    with read_session() as s:
        assert funding_entries.null_keys(s, acct, funding_entries.parse_query(base)) == len(nulls)
    typed = [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in range(1, first.pages + 1)]
    if sort == "outcome":  # the names of outcomes sort as stored; a funder's name as SQL compares it (lower case here)
        assert typed == [order[i:i + 10] for i in range(0, len(order), 10)]
    else:
        assert sorted(sum(typed, [])) == sorted(order) and [len(p) for p in typed] == [
            len(order[i:i + 10]) for i in range(0, len(order), 10)]
    if first.pages >= 3:
        walk(fetch, base)


@pytest.mark.parametrize("list_name,params", [
    ("applications", {"sort": "stage", "stages": "decisioned"}),
    ("entries", {"sort": "status", "statuses": "COMPLETE"}),
    ("entries", {"sort": "outcome", "outcomes": "PAID_IN_FULL"}),
])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_filter_that_pins_the_sort_key_pages_by_id(actor_for, list_name, params, direction):
    """A filter allowing one value of the sort key (one stage sorted by Stage): past a cursor are the rows past its
    id, a condition PostgreSQL seeks (it read a million rows for ``(key, id) < cursor``); the pages are the same."""
    for _ in range(3):  # enough rows of one value for three pages
        _with_null_keys()
    _more_applications()
    acct = actor_for("admin@example.com")
    issued: list[str] = []

    def fetch(q):
        with read_session() as s, selects() as sql:
            if list_name == "entries":
                found = funding_entries.list_entries(s, acct, funding_entries.parse_query(q))
            else:
                found = application_lists.company_applications(s, acct, application_lists.parse_query(q, company=True))
        issued.extend(line for line in sql if " AS page_keys " in line)
        return found

    if params.get("outcomes"):  # enough fundings of one outcome for three pages
        with write_session() as s:
            s.exec(update(Funding).where(Funding.outcome.is_not(None)).values(outcome="PAID_IN_FULL"))
        params = {**params, "outcomes": "PAID_IN_FULL"}
    base = {**params, "dir": direction, "size": "10"}
    walk(fetch, base)
    assert not any(".id) <" in f or ".id) >" in f for f in (_page_keys([line])[0] for line in issued))


def _all_but_the_rarest_status() -> str:
    with read_session() as s:
        statuses = [st for (st,) in s.exec(FinanceApplication.__table__.select()
                                           .with_only_columns(FinanceApplication.status))]
    ranked = sorted(set(statuses), key=lambda st: (statuses.count(st), st))
    return ",".join(ranked[1:])


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("sort,direction", [("amount_requested", "asc"), ("amount_requested", "desc"),
                                            ("amount_financed", "asc"), ("amount_financed", "desc")])
def test_a_filter_sorted_by_an_amount_finds_the_same_pages_walking_its_index(actor_for, monkeypatch, sort, direction,
                                                                             budget):
    """A filtered company Financing page sorted by an amount walks the amount's index and tests the filter on its
    entries (SQLite, ``application_lists._walk``): every page, by cursor and counted, is the one the filter's own
    indexes find, whether the walk finds it within its budget or falls back to sorting. Amount Financed is NULL for
    most statuses, so its walks cross the NULLs (first ascending, last descending)."""
    _more_applications()
    acct = actor_for("admin@example.com")
    base = {"sort": sort, "dir": direction, "size": "10", "statuses": _all_but_the_rarest_status()}

    def fetch(params):
        with read_session() as s:
            return application_lists.company_applications(s, acct, application_lists.parse_query(params, company=True))

    with read_session() as s:
        nulls = s.exec(FinanceApplication.__table__.select().with_only_columns(FinanceApplication.id)
                       .where(FinanceApplication.amount_financed_cents.is_(None))).all()
    assert len(nulls) >= 10, "the walk must reach a page of NULL amounts"
    _same_pages_walking(monkeypatch, application_lists, fetch, base, "+ finance_application.status", budget,
                        bounded=(sort, direction) != ("amount_financed", "asc"))


def test_the_walk_is_taken_for_a_filter_sorted_by_an_amount_and_reads_only_the_amount_index(actor_for, monkeypatch):
    """Which filtered pages sorted by an amount walk, and how: the amount's wide index read in order (no other
    index, no sort), with every filter column tested on its entries (no row read for them)."""
    acct = actor_for("admin@example.com")
    approved = {"sort": "amount_financed", "statuses": "Approved", "locations": "1,2",
                "created_from": "2000-01-01", "stages": "funded,none", "size": "10"}

    def decided(params, count):  # noqa: ANN001, ANN202
        with read_session() as s:
            return application_lists._walk(s, acct, application_lists.parse_query(params, company=True), count)

    with read_session() as s:
        n = len(s.exec(FinanceApplication.__table__.select().with_only_columns(FinanceApplication.id)).all())
    assert decided(approved, n).budget == paging.READ_PER_WALK * n  # sorting them would read each matching row
    assert decided({**approved, "sort": "amount_requested", "dir": "asc"}, n)
    assert decided({**approved, "dir": "asc"}, n)  # Amount Financed's NULLs first: walked, unbounded among them
    assert not decided({"sort": "amount_requested", "size": "10"}, n)  # no filter: the index alone is the page
    assert not decided({**approved, "sort": "stage"}, n)  # no wide index

    # the demo's few rows would be sorted: the plan of the walk, as at a million applications
    monkeypatch.setattr(application_lists, "walk_budget",
                        lambda s, _q, _count, last_id, *_per: (10**9, s.connection().execute(last_id).scalar()))
    with read_session() as s, selects() as sql:
        application_lists.company_applications(s, acct, application_lists.parse_query(approved, company=True))
    finder, _reader = _page_keys(sql)
    for column in ("status", "location_id", "created_at", "stage"):
        assert f"+ finance_application.{column}" in finder, finder
    with read_session() as s:
        plan = [str(r[-1]) for r in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + finder.replace("?", "NULL")).all()]
    # (a range of it: the amounts, the NULLs being counted apart, ``application_lists.null_keys``)
    assert len(plan) == 1 and "finance_application USING COVERING INDEX ix_finapp_financed_wide" in plan[0], plan


def test_the_walk_is_taken_for_a_wide_range_sorted_by_id_and_seeks_no_date_index(actor_for):
    from sqlalchemy import text

    acct = actor_for("admin@example.com")
    wide = {"sort": "id", "created_from": "2000-01-01", "created_to": "2100-12-31", "size": "10"}

    def decided(params, count):  # noqa: ANN001, ANN202
        with read_session() as s:
            return application_lists._walk(s, acct, application_lists.parse_query(params, company=True), count)

    with read_session() as s:
        everything = s.exec(FinanceApplication.__table__.select().with_only_columns(FinanceApplication.id)).all()
    n = len(everything)  # the demo's applications (more than ten), ids from 1
    assert decided(wide, n).budget == paging.SORT_PER_WALK * n  # every row in the range: what sorting n keys costs
    assert not decided(wide, 1)  # one row in the range: the walk would read every id to find it
    assert not decided({**wide, "page": str(n)}, n)  # typed that deep: sorting the range's n keys costs less
    after = Cursor("id", "desc", n - 1, 5, 5).token()
    assert decided({**wide, "page": str(n), "after": after}, n)  # Next seeks past its cursor: ten rows ahead
    assert not decided({**wide, "sort": "created"}, n)  # the range's own order: its index
    assert not decided({"sort": "id", "size": "10"}, n)  # no range

    with read_session() as s, selects() as sql:
        application_lists.company_applications(s, acct, application_lists.parse_query(wide, company=True))
    finder, _reader = _page_keys(sql)
    with read_session() as s:
        plan = " ".join(str(r[-1]) for r in s.connection().execute(
            text("EXPLAIN QUERY PLAN " + finder.replace("?", "'2000-01-01'", 2).replace("?", "10", 1)
                 .replace("?", "0", 1))))
    assert "ix_finapp_created" not in plan and "TEMP B-TREE" not in plan, plan


def test_a_range_by_id_is_placed_from_its_edge_only_when_other_rows_lie_ahead_of_it():
    """Ids follow creation: read newest first, a range that ends before today has newer rows ahead of it (none is
    created in the future); oldest first, a range with a start has older ones. Only then is its first page placed."""
    def ahead(params, start="created_from", end="created_to", today=date(2026, 6, 1)):  # noqa: ANN001, ANN202
        return paging.range_ahead(application_lists.parse_query(params, company=True), start, end, today)

    quarter = {"created_from": "2026-01-01", "created_to": "2026-03-31", "sort": "id"}
    assert ahead(quarter) and ahead({**quarter, "dir": "asc"})
    assert not ahead({**quarter, "sort": "created"}) and not ahead({**quarter, "sort": "amount_requested"})
    assert not ahead({"created_from": "2026-01-01", "sort": "id"})  # newest first: the newest rows are in it
    assert ahead({"created_from": "2026-01-01", "sort": "id", "dir": "asc"})
    assert not ahead({"created_to": "2026-03-31", "sort": "id", "dir": "asc"})  # oldest first: the oldest are in it
    assert not ahead({**quarter, "created_to": "2026-06-01"})  # ends today: nothing newer yet
    assert ahead({**quarter, "created_to": "2026-05-31"})
    entries = funding_entries.parse_query({"expected_to": "2027-03-31", "sort": "id"})
    assert paging.range_ahead(entries, "expected_from", "expected_to")  # expected dates lie ahead of today too


def test_an_id_walk_stops_after_its_budget_from_where_it_starts():
    bound = paging.id_bound(FinanceApplication.id, 1000)

    def sql(cond) -> str:  # noqa: ANN001
        return str(cond.compile(compile_kwargs={"literal_binds": True}))

    cur = Cursor("id", "desc", 3, 500, 500)
    assert sql(bound(None, False, 100)) == "finance_application.id >= 901"  # newest first: from the largest id
    assert sql(bound(cur, False, 100)) == "finance_application.id >= 400"  # past a cursor: from its id
    assert sql(bound(None, True, 100)) == "finance_application.id <= 100"
    assert sql(bound(cur, True, 100)) == "finance_application.id <= 600"
    assert bound(cur, False, 499) is None and bound(cur, True, 500) is None  # the rest of the ids is within


def test_a_creation_walk_stops_where_an_even_spread_puts_its_budget():
    """``spread_bound``: with a table's rows taken as spread evenly between its oldest and newest creation, the
    walk stops the budget's share of that time from where it starts; a budget of the whole table reads nothing."""
    import operator

    with read_session() as s:
        created = sorted(s.exec(Funding.__table__.select().with_only_columns(Funding.created_at)).scalars())
        oldest, newest = created[0], created[-1]
        quarter = (newest - oldest) / 4
        with selects() as sql:
            bound = paging.spread_bound(s, Funding.created_at, funding_entries._CREATED_ENDS, 100)
            assert bound(None, False, 100) is None and not sql  # the whole table is within: no bound, no query
            newest_first = bound(None, False, 25)
            from_third = bound(Cursor("created", "asc", 1, created[2], 1), True, 25)
            bound(None, True, 50)
        assert len(sql) == 1  # the two ends, read once
    assert newest_first.operator is operator.ge and newest_first.right.value == newest - quarter
    assert from_third.operator is operator.le and from_third.right.value == created[2] + quarter


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("sort,dates,unindexed", [
    ("created", "expected", "+ funding.date_expected"),
    ("id", "expected", "+ funding.date_expected"),
    ("id", "created", "+ funding.created_at"),
])
def test_a_date_range_sorted_by_another_column_finds_the_same_pages_walking_its_index(
        actor_for, monkeypatch, direction, sort, dates, unindexed, budget):
    """Funding Entries' Expected range sorted by Created, and a Created or Expected range sorted by ID (SQLite,
    ``funding_entries._walk``), walk the sort key's index and test the dates on its entries: every page, by cursor
    and counted, is the one the range finds, whether the walk finds it within its budget or falls back to sorting."""
    _with_null_keys()
    acct = actor_for("accounting@example.com")
    column = Funding.date_expected if dates == "expected" else Funding.created_at
    with read_session() as s:
        values = sorted(d for d in s.exec(Funding.__table__.select().with_only_columns(column)).scalars()
                        if d is not None)
    day = (lambda v: v) if dates == "expected" else (lambda v: v.date())
    base = {"sort": sort, "dir": direction, "size": "10", f"{dates}_from": day(values[len(values) // 4]).isoformat(),
            f"{dates}_to": day(values[-1]).isoformat()}

    def fetch(params):
        with read_session() as s:
            return funding_entries.list_entries(s, acct, funding_entries.parse_query(params))

    _same_pages_walking(monkeypatch, funding_entries, fetch, base, unindexed, budget)


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["customer", "amount_expected", "date_expected", "funder", "status", "outcome"])
def test_a_filter_sorted_by_any_funding_column_finds_the_same_pages_walking_its_wide_index(
        actor_for, monkeypatch, direction, sort, budget):
    """Funding Entries filtered (here by a Created range) and sorted by any other column walks that column's wide
    index, testing the filter on its entries (SQLite, ``funding_entries._walk``): every page, by cursor and counted,
    is the one the filter's own indexes find, whether the walk finds it within its budget or falls back to sorting,
    across NULL keys first (ascending) and last (descending)."""
    _with_null_keys()
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        values = sorted(s.exec(Funding.__table__.select().with_only_columns(Funding.created_at)).scalars())
    base = {"sort": sort, "dir": direction, "size": "10", "created_from": values[len(values) // 4].date().isoformat()}

    def fetch(params):
        with read_session() as s:
            return funding_entries.list_entries(s, acct, funding_entries.parse_query(params))

    text_key = sort in ("customer", "funder", "status", "outcome")  # walked unbounded (``funding_entries._unbounded``)
    nulls_first = direction == "asc" and sort not in ("customer", "status")
    _same_pages_walking(monkeypatch, funding_entries, fetch, base, "+ funding.created_at", budget,
                        bounded=not text_key and not nulls_first)


def test_funding_entries_walk_only_a_range_sorted_by_another_column(actor_for):
    acct = actor_for("accounting@example.com")

    def decided(params, count):  # noqa: ANN001, ANN202
        with read_session() as s:
            return funding_entries._walk(s, acct, funding_entries.parse_query(params), count, utcnow().date())

    with read_session() as s:
        n = len(s.exec(Funding.__table__.select().with_only_columns(Funding.id)).all())
    ranged = {"expected_from": "2000-01-01", "size": "10"}
    created = {"created_from": "2000-01-01", "size": "10"}
    assert decided(ranged, n)  # sorted by Created, the default
    assert decided({**ranged, "sort": "id"}, n) and decided({**created, "sort": "id"}, n)
    assert not decided({**ranged, "sort": "date_expected"}, n)  # the range's own order: its index
    assert not decided(created, n)  # a Created range sorted by Created seeks its own index
    assert decided({**created, "sort": "customer"}, n)  # another sort: its wide index, testing the range (SQLite)
    assert decided({"statuses": "COMPLETE", "size": "10", "sort": "amount_expected", "dir": "asc"}, n)
    assert not decided({"statuses": "COMPLETE", "size": "10", "sort": "status"}, n)  # only the key's own filter
    assert not decided({"ages": "0-30", "size": "10", "sort": "customer"}, n)  # a filter no wide index holds
    assert not decided({"size": "10", "sort": "customer"}, n)  # no filter: the index alone is the page
    assert not decided(ranged, 1)  # one funding in the range: the walk would read them all


def _over_three_offices() -> list[int]:
    """A third office, and the applications and fundings (with the extra ones: ties, NULL keys) spread over the
    three by id: the ids of the offices."""
    from stapp.db.models import Location

    _more_applications()
    _with_null_keys()
    with write_session() as s:
        s.add(Location(name="Houston", state="TX", sales_tax_bps=825))
    with write_session() as s:
        offices = sorted(s.exec(Location.__table__.select().with_only_columns(Location.id)).scalars().all())
        for table in (FinanceApplication, Funding):
            for n, office in enumerate(offices):
                s.exec(update(table).where(table.id % 3 == n).values(location_id=office))
    return offices


def _list_order(list_name: str, sort: str, direction: str, offices: list[int],
                statuses: list[str] | None = None) -> list[int]:
    """The ids of the rows at ``offices`` (and of ``statuses``) in the list's order, computed here: NULL keys first
    ascending and last descending, ties by id."""
    if list_name == "applications":
        table, key = FinanceApplication, application_lists.SORT_KEYS[sort].expr
    else:
        table, key = Funding, funding_entries._shape(sort, utcnow().date())[1].expr
    with read_session() as s:
        rows = s.exec(table.__table__.select().with_only_columns(table.id, key)
                      .where(table.location_id.in_(offices), *([table.status.in_(statuses)] if statuses else []))).all()
    ascending = sorted((r for r in rows if r[1] is None), key=lambda r: r[0]) + sorted(
        (r for r in rows if r[1] is not None), key=lambda r: (r[1], r[0]))
    return [r[0] for r in (ascending if direction == "asc" else reversed(ascending))]


def _lister(list_name: str, actor, issued: list[str]) -> Callable[[dict[str, str]], object]:  # noqa: ANN001
    def fetch(params):  # noqa: ANN001, ANN202
        with read_session() as s, selects() as sql:
            if list_name == "entries":
                found = funding_entries.list_entries(s, actor, funding_entries.parse_query(params))
            else:
                found = application_lists.company_applications(s, actor, application_lists.parse_query(params,
                                                                                                        company=True))
        issued.extend(line for line in sql if " AS page_keys " in line)
        return found

    return fetch


@pytest.mark.parametrize("list_name,sort", [*[("applications", sort) for sort in application_lists.SORTS],
                                            *[("entries", sort) for sort in funding_entries.SORTS]])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_few_offices_are_read_as_their_ranges_merged_in_the_lists_order(actor_for, list_name, sort, direction):
    """Filtered on a few offices and sorted by any column, a page's keys are each office's index range merged in
    order (``paging.office_arms``: a UNION ALL of one range per office), never every row of the offices sorted (20-45
    ms for a page typed deep at three of fifty offices on SQLite): every page typed into the URL, and every page by
    Next and Previous, is the slice of the list's order; rows of other offices never show."""
    offices = _over_three_offices()
    chosen = offices[1:]
    issued: list[str] = []
    fetch = _lister(list_name, actor_for("admin@example.com"), issued)
    base = {"sort": sort, "dir": direction, "size": "10", "locations": ",".join(map(str, chosen))}
    order = _list_order(list_name, sort, direction, chosen)
    first = fetch(base)
    assert first.total == len(order) and first.pages >= 3
    typed = [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in range(1, first.pages + 1)]
    if sort == "funder":  # a funder's name sorts as SQL compares it: the same rows, and each page as full
        assert sorted(sum(typed, [])) == sorted(order)
    else:
        assert typed == [order[i:i + 10] for i in range(0, len(order), 10)]
    walk(fetch, base)
    finders = [_page_keys([line])[0] for line in issued]
    assert finders and all(finder.count(" UNION ALL ") == len(chosen) - 1 for finder in finders), finders[0]


@pytest.mark.parametrize("list_name,sort", [("applications", "id"), ("applications", "amount_requested"),
                                            ("applications", "amount_financed"), ("entries", "id")])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_statuses_at_a_few_offices_are_read_as_a_range_per_office_and_status(actor_for, list_name, sort, direction):
    """Statuses at a few offices, sorted by a key whose office index has the status next (``ix_finapp_location_status_*``,
    ``ix_funding_location_status``), are read as one range per office and status merged in order (``office_arms``'
    pairs), not walked or sorted (Approved at three offices by Amount Requested, page 400: 42-46 -> 5 ms on SQLite):
    every typed page and every page by Next and Previous is the list's slice, and no other status or office shows."""
    assert_statuses_at_offices_are_paired(actor_for("admin@example.com"), _over_three_offices()[1:], list_name, sort,
                                          direction)


PAIRED = [("applications", "id"), ("applications", "amount_requested"), ("applications", "amount_financed"),
          ("entries", "id")]


def assert_statuses_at_offices_are_paired(actor, chosen: list[int], list_name: str, sort: str,  # noqa: ANN001
                                          direction: str) -> list[str]:
    """The pages of the three commonest statuses at ``chosen`` offices, typed and by Next and Previous, against the
    list's order; each page's keys a UNION ALL of one arm per office and status. The statuses."""
    table = FinanceApplication if list_name == "applications" else Funding
    with read_session() as s:
        counts = Counter(s.exec(table.__table__.select().with_only_columns(table.status)
                                .where(table.location_id.in_(chosen))).scalars().all())
    statuses = sorted(status for status, _ in counts.most_common(3))
    issued: list[str] = []
    fetch = _lister(list_name, actor, issued)
    base = {"sort": sort, "dir": direction, "size": "10", "locations": ",".join(map(str, chosen)),
            "statuses": ",".join(statuses)}
    order = _list_order(list_name, sort, direction, chosen, statuses)
    first = fetch(base)
    assert first.total == len(order) and first.pages >= 3
    typed = [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in range(1, first.pages + 1)]
    assert typed == [order[i:i + 10] for i in range(0, len(order), 10)]
    walk(fetch, base)
    finders = [_page_keys([line])[0] for line in issued]
    arms = len(chosen) * len(statuses)
    assert finders and all(finder.count(" UNION ALL ") == arms - 1 for finder in finders), finders[0]
    return statuses


@pytest.mark.parametrize("list_name", ["applications", "entries"])
def test_a_user_whose_permission_covers_a_few_offices_reads_their_ranges_merged(actor_for, list_name):
    """Without a filter, the offices where the user may see the money are the list's (``location_clause``): each is a
    range merged in order, and a chosen office outside them adds none."""
    from stapp.domain.permissions import Grants, Permission
    from stapp.services.auth import Actor

    offices = _over_three_offices()
    scope = frozenset(offices[:2])
    regional = Actor(user_id=1, name="Regional", email="regional@example.com",
                     grants=Grants({Permission.COMPANY_ACCOUNTING_VIEW: None, Permission.FUNDING_DETAILS_VIEW: scope}))
    issued: list[str] = []
    fetch = _lister(list_name, regional, issued)
    base = {"sort": "id", "dir": "asc", "size": "10"}
    order = _list_order(list_name, "id", "asc", sorted(scope))
    assert [r["id"] for r in fetch({**base, "page": "2"}).rows] == order[10:20]
    assert _page_keys(issued[-1:])[0].count(" UNION ALL ") == 1
    chosen = {**base, "locations": ",".join(map(str, offices))}  # the third office is not the user's
    assert [r["id"] for r in fetch({**chosen, "page": "2"}).rows] == order[10:20]
    walk(fetch, base)


def test_office_arms_only_for_a_few_offices_and_no_other_filter():
    from stapp.domain.listing import ListQuery
    from stapp.domain.permissions import Grants, Permission
    from stapp.services.auth import Actor

    def arms(filters: dict, scope: frozenset | None = None, sought: frozenset = frozenset(),
             paired: str | None = None) -> list[tuple[int, object]] | None:
        grants = Grants({Permission.FUNDING_DETAILS_VIEW: scope})
        actor = Actor(user_id=1, name="A", email="a@example.com", grants=grants)
        return paging.office_arms(actor, ListQuery(filters=filters), Permission.FUNDING_DETAILS_VIEW, sought, paired)

    assert arms({"locations": [3, 1, 2]}) == [(1, None), (2, None), (3, None)]
    assert arms({"locations": [1]}) is None  # one office: its own index is the page
    assert arms({}) is None  # every office: the sort's own index is the page
    assert arms({"locations": list(range(1, paging.MAX_ARMS + 2))}) is None
    assert arms({"locations": list(range(1, paging.MAX_ARMS + 1))}) == [(o, None) for o in range(1, paging.MAX_ARMS + 1)]
    assert arms({}, frozenset({4, 5})) == [(4, None), (5, None)]
    assert arms({"locations": [1, 4, 5]}, frozenset({4, 5, 6})) == [(4, None), (5, None)]  # only the user's offices
    assert arms({"locations": [1, 2]}, frozenset({4, 5})) is None  # none of them: no rows, no arms
    assert arms({"locations": [1, 2], "statuses": ["Approved"]}) is None  # another filter: not the offices' order
    assert arms({"locations": [1, 2], "created_from": date(2026, 1, 1)}) is None
    assert arms({"locations": [1, 2], "created_from": date(2026, 1, 1)}, sought=frozenset({"created_from"})) == [
        (1, None), (2, None)]
    # a filter paired with the offices (their index has its column next): one arm per office and value
    assert arms({"locations": [2, 1], "statuses": ["Declined", "Approved"]}, paired="statuses") == [
        (1, "Approved"), (1, "Declined"), (2, "Approved"), (2, "Declined")]
    assert arms({"locations": [1, 2]}, paired="statuses") == [(1, None), (2, None)]
    assert arms({"statuses": ["Approved"]}, frozenset({4, 5}), paired="statuses") == [
        (4, "Approved"), (5, "Approved")]  # a user's offices, with a status chosen
    assert arms({"locations": [1], "statuses": ["Approved", "Declined"]}, paired="statuses") is None  # one office
    assert arms({"locations": [1, 2, 3], "statuses": ["Approved", "Declined", "In Review"]}, paired="statuses") is None
    assert arms({"locations": [1, 2], "statuses": ["Approved"], "stages": ["funded"]}, paired="statuses") is None
    assert arms({"locations": [1, 2], "statuses": []}) == [(1, None), (2, None)]  # an empty filter is no filter


@pytest.mark.parametrize("list_name,sort,filters", [
    ("entries", "status", {}), ("entries", "status", {"funders": "1", "outcomes": "none,PAID_IN_FULL"}),
    ("entries", "outcome", {"statuses": "COMPLETE,REVIEW"}), ("entries", "funder", {"expected_from": "2000-01-01"}),
    ("entries", "funder", {"statuses": "COMPLETE"}),
    ("applications", "stage", {}), ("applications", "stage", {"statuses": "Approved,Declined"}),
])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_key_of_few_values_reads_the_ranges_of_the_values_a_page_spans(actor_for, list_name, sort, filters,
                                                                       direction):
    """Sorted by Status, Outcome, Funder or Stage, a page reads the rows of each value it spans as a range ordered by
    id, the values found in the tally (``groups``): the values a filter has no rows of are never walked through (a
    funder with one outcome sorted by Status: 16-23 ms for page 1 at 300,000 fundings), and past a cursor no row
    comparison is asked. Every page typed and every page by Next and Previous is the slice of the list's order."""
    offices = _over_three_offices()
    assert offices
    issued: list[str] = []
    fetch = _lister(list_name, actor_for("admin@example.com"), issued)
    base = {"sort": sort, "dir": direction, "size": "10", **filters}
    first = fetch(base)
    with read_session() as s:
        groups = (funding_entries.key_groups(s, actor_for("admin@example.com"), funding_entries.parse_query(base))
                  if list_name == "entries" else
                  application_lists.stage_groups(s, actor_for("admin@example.com"),
                                                 application_lists.parse_query(base, company=True)))
    assert groups is not None and sum(n for _, n in groups) == first.total
    assert [v for v, _ in groups][:1] == [None] or all(v is not None for v, _ in groups)  # NULL first
    order = [r["id"] for n in range(1, first.pages + 1) for r in fetch({**base, "page": str(n)}).rows]
    assert len(order) == len(set(order)) == first.total
    if sort != "funder":  # (a funder's name sorts as the database compares it)
        assert order == _filtered_order(list_name, sort, direction, filters)
    if first.pages >= 3:
        walk(fetch, base)
    finders = [_page_keys([line])[0] for line in issued]
    assert not any(".id) <" in f or ".id) >" in f for f in finders), finders  # no row comparison
    assert any(" UNION ALL " in f for f in finders) or len(groups) < 2  # a page across values reads them merged


def _filtered_order(list_name: str, sort: str, direction: str, filters: dict[str, str]) -> list[int]:
    """The list's order computed here for the filters of the test above."""
    if list_name == "applications":
        table, key = FinanceApplication, FinanceApplication.stage
    else:
        table, key = Funding, {"status": Funding.status, "outcome": Funding.outcome}[sort]
    with read_session() as s:
        query = table.__table__.select().with_only_columns(table.id, key)
        if filters.get("statuses"):
            query = query.where(table.status.in_(filters["statuses"].split(",")))
        if filters.get("funders"):
            query = query.where(Funding.funder_id.in_([int(f) for f in filters["funders"].split(",")]))
        if filters.get("outcomes"):
            chosen = filters["outcomes"].split(",")
            query = query.where(paging.in_or_null(Funding.outcome, chosen, "none"))
        rows = s.exec(query).all()
    ascending = sorted((r for r in rows if r[1] is None), key=lambda r: r[0]) + sorted(
        (r for r in rows if r[1] is not None), key=lambda r: (r[1], r[0]))
    return [r[0] for r in (ascending if direction == "asc" else reversed(ascending))]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_cursor_whose_value_left_the_filter_still_finds_the_next_page(actor_for, direction):
    """Past a cursor whose value no row holds any more (the last funding of an outcome changed meanwhile), the page is
    the rows past it in the list's order all the same."""
    _with_null_keys()
    acct = actor_for("accounting@example.com")
    issued: list[str] = []
    fetch = _lister("entries", acct, issued)
    base = {"sort": "outcome", "dir": direction, "size": "10"}
    current = fetch(base)
    edge = read_cursor(current.last, sort="outcome", direction=direction, page=1, kind="str")
    while edge.value is None:  # a page ending on an outcome (ascending, the fundings without one come first)
        current = fetch({**base, "page": str(current.page + 1), "after": current.last})
        edge = read_cursor(current.last, sort="outcome", direction=direction, page=current.page, kind="str")
    moved = "PAID_IN_FULL" if edge.value != "PAID_IN_FULL" else "REJECTED"
    with write_session() as s:
        s.exec(update(Funding).where(Funding.outcome == edge.value).values(outcome=moved))
    with read_session() as s:  # the cursor's value is no longer among the filter's (the tally's) values
        assert edge.value not in [v for v, _ in funding_entries.key_groups(s, acct, funding_entries.parse_query(base))]
    after = fetch({**base, "page": str(current.page + 1), "after": current.last})
    with read_session() as s:
        rows = s.exec(Funding.__table__.select().with_only_columns(Funding.id, Funding.outcome)).all()
    cursor = (edge.value, edge.ident)
    ascending = sorted(rows, key=lambda r: (r[1] is not None, r[1] or "", r[0]))
    past = [r[0] for r in ascending if (r[1] is not None, r[1] or "", r[0]) > (cursor[0] is not None, cursor[0] or "",
                                                                               cursor[1])]
    if direction == "desc":
        past = [r[0] for r in reversed(ascending) if (r[1] is not None, r[1] or "", r[0]) < (
            cursor[0] is not None, cursor[0] or "", cursor[1])]
    assert [r["id"] for r in after.rows] == past[:10]


@pytest.mark.parametrize("sort,column", [("date_expected", "funding.date_expected"),
                                         ("amount_expected", "funding.amount_expected_cents")])
def test_page_one_from_among_uncounted_nulls_reads_them_then_walks_the_keys_bounded(actor_for, monkeypatch, sort,
                                                                                      column):
    """Ascending, a key that may be NULL starts with its NULLs, whose number no tally gives (Expected Date, Amount
    Expected): a walk from there could not be bounded and passed every key up to the filter's rows (a quarter by
    Expected Date, page 1: 15 ms at 300,000 fundings). Page 1 reads the NULLs' own range, then walks the keys from
    their start with a bound, and is the page the filter's own indexes find."""
    _with_null_keys()
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        values = sorted(s.exec(Funding.__table__.select().with_only_columns(Funding.created_at)).scalars())
    # a page longer than the NULLs, so that it goes on to the keys
    base = {"sort": sort, "dir": "asc", "size": "50", "created_from": values[len(values) // 4].date().isoformat()}

    def fetch(params):
        with read_session() as s:
            return funding_entries.list_entries(s, acct, funding_entries.parse_query(params))

    monkeypatch.setattr(funding_entries, "walk_budget", lambda *_a: None)
    sought = [r["id"] for r in fetch(base).rows]
    with read_session() as s:
        keyed = s.exec(Funding.__table__.select().with_only_columns(Funding.id).where(
            Funding.id.in_(sought), getattr(Funding, {"date_expected": "date_expected"}.get(sort, "amount_expected_cents"))
            .is_not(None))).all()
    assert keyed and len(keyed) < len(sought)  # the page holds NULLs and keys
    monkeypatch.setattr(funding_entries, "walk_budget",
                        lambda s, _q, _count, last_id, *_per: (1, s.connection().execute(last_id).scalar() or 0))
    with selects() as sql:
        walked = [r["id"] for r in fetch(base).rows]
    assert walked == sought
    finders = [_page_keys([line])[0] for line in sql if " AS page_keys " in line]
    assert f"{column} IS NULL" in finders[0] and "+ funding.created_at" in finders[0]
    assert f"{column} IS NOT NULL" in finders[1] and f"{column} <= ?" in finders[1]  # the keys' walk, bounded


def test_a_walk_passes_at_most_a_few_times_what_an_even_spread_would():
    """``walk_budget``: the walk may pass ``WALK_MARGIN`` times the entries an even spread of the filter's rows puts
    before the page's end (never fewer than ``WALK_FLOOR``), and no more than what sorting them costs."""
    from sqlalchemy import literal

    from stapp.domain.listing import ListQuery

    top = 1_000_000
    with read_session() as s:
        def budget(count: int, page: int, per_walk: int = paging.SORT_PER_WALK, rows: int = top) -> int | None:
            found = paging.walk_budget(s, ListQuery(page=page, size=50), count, select(literal(rows)), per_walk)
            return None if found is None else found[0]

        assert budget(1_000, 1) is None  # an even spread passes 50,000 entries: over half of sorting's 8,000
        assert budget(100_000, 1) == paging.WALK_FLOOR  # 4 x 500 entries: under the floor
        assert budget(100_000, 100) == paging.WALK_MARGIN * 100 * 50 * top // 100_000  # 200,000
        assert budget(50_000, 400) is None  # an even spread passes 400,000 entries: more than half of sorting's 400,000
        assert budget(100_000, 400) == paging.SORT_PER_WALK * 100_000  # 4 x 200,000: what sorting costs, 800,000
        assert budget(20_000, 1, paging.READ_PER_WALK) == paging.WALK_MARGIN * 50 * top // 20_000  # 10,000


@pytest.mark.parametrize("sort,dates,key,direction", [
    ("created", "expected", "funding.created_at", "desc"), ("created", "expected", "funding.created_at", "asc"),
    ("date_expected", "created", "funding.date_expected", "desc"),
    ("date_expected", "created", "funding.date_expected", "asc"),
])
def test_a_walk_from_the_edge_starts_where_the_ranges_own_keys_begin(actor_for, monkeypatch, sort, dates, key,
                                                                       direction):
    """A range of one date sorted by the other walks from the least or greatest key of the range's own rows (one
    aggregate over the range's index, which carries the other date), not from the list's edge: the two dates go
    together, so the range's rows sit together far from either end (an Expected range by Created, page 1: 10-18 ms
    walking from the edge at 300,000 fundings, 4-6 ms from there). The pages are those sorting finds."""
    _with_null_keys()
    acct = actor_for("accounting@example.com")
    column = Funding.date_expected if dates == "expected" else Funding.created_at
    with read_session() as s:
        values = sorted(d for d in s.exec(Funding.__table__.select().with_only_columns(column)).scalars() if d)
    day = (lambda v: v) if dates == "expected" else (lambda v: v.date())
    middle = {f"{dates}_from": day(values[len(values) // 4]).isoformat(),
              f"{dates}_to": day(values[3 * len(values) // 4]).isoformat()}
    base = {"sort": sort, "dir": direction, "size": "10", **middle}

    def fetch(params):
        with read_session() as s:
            return funding_entries.list_entries(s, acct, funding_entries.parse_query(params))

    monkeypatch.setattr(funding_entries, "walk_budget", lambda *_a: None)
    sought = [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in (1, 2)]
    monkeypatch.setattr(funding_entries, "walk_budget",
                        lambda s, _q, _count, last_id, *_per: (10**6, s.connection().execute(last_id).scalar() or 0))
    with selects() as sql:
        walked = [[r["id"] for r in fetch({**base, "page": str(n)}).rows] for n in (1, 2)]
    assert walked == sought and sought[0]
    extreme = "min" if direction == "asc" else "max"
    assert any(line.startswith(f"SELECT {extreme}({key})") for line in sql), sql
    finders = [_page_keys([line])[0] for line in sql if " AS page_keys " in line]
    start = f"{key} >= ?" if direction == "asc" else f"{key} <= ?"
    # the walks from the edge: ascending by Expected Date, page 1 reads its NULLs first and then walks the keys from
    # their start; page 2, placed past NULLs it cannot count, walks from the edge as before
    walks = [finder for finder in finders if "(+ funding." in finder and "IS NULL" not in finder
             and (sort, direction) != ("date_expected", "asc") or "IS NOT NULL" in finder]
    assert walks and all(start in finder for finder in walks), finders
