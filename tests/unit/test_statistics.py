"""SQLite's planner statistics are taken when a large table has none or has doubled since, and never kept for
the tallies, whose skewed grains mislead the planner (stapp/db/statistics.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text
from sqlmodel import SQLModel

import stapp.db.models  # noqa: F401  (every table)
from stapp.db import statistics
from stapp.db.engine import make_engine
from stapp.db.models import ApplicationTally, Customer, Location


def _add_rows(engine, start: int, count: int) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        if start == 0:
            conn.execute(insert(Location), [{"id": 1, "name": "Austin", "state": "TX", "sales_tax_bps": 825}])
        conn.execute(insert(Customer), [
            {"first_name": f"F{i}", "last_name": "L", "address_line1": "1 Main", "city": "Austin", "state": "TX",
             "zip_code": "78701", "location_id": 1, "created_at": datetime(2026, 1, 1, tzinfo=UTC)}
            for i in range(start, start + count)])


def _recorded(engine, table: str = "customer") -> int:  # noqa: ANN001
    with engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar():
            return 0
        stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1", (table,)).scalar()
    return int(stat.split()[0]) if stat else 0


def test_a_large_table_without_statistics_is_analyzed_and_again_once_it_doubles(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    SQLModel.metadata.create_all(engine)
    _add_rows(engine, 0, statistics.SMALL - 1)
    assert statistics.refresh(engine) == []  # small tables plan well without statistics

    _add_rows(engine, statistics.SMALL, 1_200)
    assert statistics.refresh(engine) == ["customer"]
    assert _recorded(engine) == statistics.SMALL - 1 + 1_200
    assert statistics.refresh(engine) == []  # fresh: nothing to do

    _add_rows(engine, 5_000, 1_000)  # grown, but not doubled
    assert statistics.refresh(engine) == []
    _add_rows(engine, 10_000, 3_000)
    assert statistics.refresh(engine) == ["customer"]
    assert _recorded(engine) == statistics.SMALL - 1 + 5_200
    engine.dispose()


def test_a_table_with_an_index_added_since_its_statistics_is_analyzed(tmp_path):
    """A migration that adds an index leaves it out of the statistics until the table is analyzed again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    SQLModel.metadata.create_all(engine)
    _add_rows(engine, 0, statistics.SMALL + 200)
    assert statistics.refresh(engine) == ["customer"]
    assert statistics.refresh(engine) == []
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_customer_test_new ON customer (city, id)")
    assert statistics.refresh(engine) == ["customer"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'ix_customer_test_new'").scalar()
    assert statistics.refresh(engine) == []
    engine.dispose()


STATUSES = ("Approved", "Declined", "In Review", "Pre-Qualified", "Not Submitted")


def _tally(engine, days: int) -> None:  # noqa: ANN001
    """Many daily rows and few yearly ones, for every location and status, as a real tally has."""
    def row(grain: str, period: date, loc: int, status: str) -> dict:
        return {"grain": grain, "period": period, "location_id": loc, "status": status, "stage": "", "n": 1,
                "requested_cents": 100, "financed_cents": 0}

    rows = [row("d", date(2024, 1, 1) + timedelta(days=i), loc, status)
            for i in range(days) for loc in range(1, 31) for status in STATUSES]
    rows += [row("y", date(y, 1, 1), loc, status) for y in (2024, 2025) for loc in range(1, 31) for status in STATUSES]
    with engine.begin() as conn:
        conn.execute(insert(ApplicationTally), rows)


YEARLY = ("SELECT sum(n) FROM application_tally WHERE location_id IN (2) AND status IN ('Approved') "
          "AND grain = 'y' AND period >= '2025-01-01'")


def _plans(engine) -> list[str]:  # noqa: ANN001
    """The plan on two connections of the pool at once (two requests on two threads)."""
    with engine.connect() as one, engine.connect() as two:
        return [" ".join(row[3] for row in conn.execute(text("EXPLAIN QUERY PLAN " + YEARLY))) for conn in (one, two)]


def test_the_tallies_are_never_analyzed_and_statistics_a_whole_analyze_took_are_dropped(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'tally.db'}")
    SQLModel.metadata.create_all(engine)
    _tally(engine, 300)
    assert "application_tally" not in statistics.refresh(engine)
    assert _recorded(engine, "application_tally") == 0
    assert all("grain=? AND period>?" in p for p in _plans(engine))  # the key's own order: year rows only

    with engine.begin() as conn:  # someone runs a whole-database ANALYZE (the bench's generator does)
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    assert all("ANY(grain)" in p for p in _plans(engine)), "the skewed statistics make SQLite skip-scan the key"
    statistics.refresh(engine)
    assert _recorded(engine, "application_tally") == 0
    assert all("grain=? AND period>?" in p for p in _plans(engine)), "every pooled connection plans without them"
    engine.dispose()
