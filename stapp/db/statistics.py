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

from stapp.db import tally

# the tables the company lists, the dashboard and the customer pages filter
TABLES = ("finance_application", "funding", "funding_transaction", "customer")
# Never analyzed: every read of a tally names its grain and period, the first columns of its primary key, which
# SQLite seeks without statistics. With them it averages the grains (366,000 daily rows, 1,400 yearly) and
# skip-scanned the key instead: a yearly summary took 7 ms where the seek takes 0.1 ms.
UNANALYZED = tuple(spec.table for spec in tally.ALL)
SMALL = 1000  # below this many rows any plan is fast: no statistics needed


def stale_tables(engine: Engine) -> list[str]:
    """The large tables whose row count is more than twice the one the statistics recorded (or that have none), or
    with an index the statistics do not cover."""
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
            if rows > 2 * seen or (has_stats and _unmeasured_index(conn, table)):
                stale.append(table)
    return stale


def _unmeasured_index(conn, table: str) -> bool:  # noqa: ANN001
    """An index of ``table`` that its statistics do not cover: a migration added it after the last ANALYZE, and
    SQLite would weigh it blind against the measured ones."""
    return bool(conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE tbl = ? AND idx IS NOT NULL)", (table, table)).scalar())


def refresh(engine: Engine) -> list[str]:
    """ANALYZE the stale tables (SQLite), and drop statistics of the tables that must have none (a whole-database
    ANALYZE takes them); returns the names of the tables analyzed."""
    stale = stale_tables(engine)
    if engine.dialect.name != "sqlite":
        return stale
    with engine.connect() as conn:
        taken = bool(conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar()) \
            and bool(conn.exec_driver_sql(f"SELECT count(*) FROM sqlite_stat1 WHERE tbl IN {UNANALYZED}")  # noqa: S608
                     .scalar())
    if stale or taken:
        with engine.begin() as conn:
            for table in stale:
                conn.exec_driver_sql(f"ANALYZE {table}")
            if taken:
                forget(conn)
        # A SQLite connection reads the statistics when it opens (or runs ANALYZE): the pool's connections
        # are replaced, so every later statement is planned with the new ones.
        engine.dispose()
    return stale


def forget(conn) -> None:  # noqa: ANN001
    """Drop the SQLite statistics of ``UNANALYZED`` (connections opened from now on plan without them)."""
    if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar():
        conn.exec_driver_sql(f"DELETE FROM sqlite_stat1 WHERE tbl IN {UNANALYZED}")  # noqa: S608 (fixed names)
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # and this connection: reload what is left
