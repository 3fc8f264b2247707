"""Planner statistics for SQLite.

SQLite chooses its indexes from the statistics ``ANALYZE`` stores in ``sqlite_stat1``, and never gathers
them by itself (PostgreSQL's autovacuum does). Without them, or with ones taken when the tables were a tenth
of their size, it guesses: at a million applications a combined filter took 1.3 s instead of 5 ms. So the
scheduler (one worker, see services/scheduler.py) re-analyzes when a large table has at least doubled since
the statistics were taken. ANALYZE of a million applications takes about 4 s; readers are not blocked (WAL),
writers wait for it as for any write.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

# the tables the company lists, the dashboard and the customer pages filter
TABLES = ("finance_application", "funding", "funding_transaction", "customer", "application_tally", "funding_tally")
SMALL = 1000  # below this many rows any plan is fast: no statistics needed


def stale_tables(engine: Engine) -> list[str]:
    """The large tables whose row count is more than twice the one the statistics recorded (or that have none)."""
    if engine.dialect.name != "sqlite":
        return []
    stale = []
    with engine.connect() as conn:
        has_stats = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar()
        for table in TABLES:
            # max(rowid) is read from the end of the table's b-tree: a row count estimate at no cost
            rows = conn.exec_driver_sql(f"SELECT max(rowid) FROM {table}").scalar() or 0  # noqa: S608 (fixed names)
            if rows < SMALL:
                continue
            stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1",
                                        (table,)).scalar() if has_stats else None
            seen = int(stat.split()[0]) if stat else 0
            if rows > 2 * seen:
                stale.append(table)
    return stale


def refresh(engine: Engine) -> list[str]:
    """ANALYZE the stale tables (SQLite); returns their names."""
    stale = stale_tables(engine)
    if stale:
        with engine.begin() as conn:
            for table in stale:
                conn.exec_driver_sql(f"ANALYZE {table}")
    return stale
