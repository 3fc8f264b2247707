"""SQLite's planner statistics are taken when a large table has none or has doubled since (stapp/db/statistics.py)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import SQLModel

import stapp.db.models  # noqa: F401  (every table)
from stapp.db import statistics
from stapp.db.engine import make_engine
from stapp.db.models import FundingTally


def _add_rows(engine, start: int, count: int) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        conn.execute(insert(FundingTally), [
            {"grain": "d", "period": date(2020, 1, 1) + timedelta(days=i), "location_id": 1, "status": "PENDING",
             "outcome": "", "funder_id": 0, "n": 1, "expected_cents": 0, "net_cents": 0}
            for i in range(start, start + count)])


def _recorded(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'funding_tally' LIMIT 1").scalar()
    return int(stat.split()[0])


def test_a_large_table_without_statistics_is_analyzed_and_again_once_it_doubles(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    SQLModel.metadata.create_all(engine)
    _add_rows(engine, 0, statistics.SMALL - 1)
    assert statistics.refresh(engine) == []  # small tables plan well without statistics

    _add_rows(engine, statistics.SMALL, 1_200)
    assert statistics.refresh(engine) == ["funding_tally"]
    assert _recorded(engine) == statistics.SMALL - 1 + 1_200
    assert statistics.refresh(engine) == []  # fresh: nothing to do

    _add_rows(engine, 5_000, 1_000)  # grown, but not doubled
    assert statistics.refresh(engine) == []
    _add_rows(engine, 10_000, 3_000)
    assert statistics.refresh(engine) == ["funding_tally"]
    assert _recorded(engine) == statistics.SMALL - 1 + 5_200
    engine.dispose()

