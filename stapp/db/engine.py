"""One engine per process; short sessions; SQLite with WAL, foreign keys and immediate write locks."""

from __future__ import annotations

import select
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine, Result, make_url
from sqlmodel import Session, create_engine

from stapp.settings import get_settings

# One writer at a time per SQLite engine, queued in the process. SQLite has one write lock per file; a writer that
# finds it taken polls it from its busy handler, sleeping 1, 2, 5, 10, 15, 20, 25... ms between tries, so it wakes
# long after the lock was freed: under fifty submissions at once a write transaction waited 40-54 ms on average
# for a lock held about 1 ms at a time. Queued on a lock of the process, the next writer starts the moment the
# last one commits. (Another process on the same file, which stapp does not run, still meets the busy handler.)
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; on SQLite turn on WAL and foreign keys and control BEGIN ourselves."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A file database keeps up to 20 connections open: with the default 5, fifty reps submitting at once
        # (more threads than 5 at a time) made the pool open and close a connection, PRAGMAs included, on most
        # checkouts (3% of the backend's CPU under ``make bench``). A connection costs a few hundred KiB.
        sizes = {"pool_size": 20, "max_overflow": 20} if parsed.database not in (None, "", ":memory:") else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **sizes)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # noqa: ANN001
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        _WRITERS[engine] = threading.RLock()
        event.listen(engine, "before_cursor_execute", _refuse_writes)
        return engine
    psycopg = _psycopg(parsed.get_dialect())
    # A pooled connection the server has closed (a restart, an idle timeout) is replaced at checkout, so no call
    # fails once the server is back. With psycopg that costs no round trip (``_drop_closed``); another driver pings.
    engine = create_engine(url, pool_pre_ping=not psycopg, pool_size=10, max_overflow=20)
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    if psycopg:
        event.listen(engine, "checkout", _drop_closed)

        @event.listens_for(engine, "do_execute")
        def _do_execute(cursor, statement, parameters, context):  # noqa: ANN001, ANN202
            if context.execution_options.get(PLAN_FOR_VALUES):  # see ``plan_for_values``
                cursor.execute(statement, parameters, prepare=False)
                return True
            return None

    return engine


# The execution option under which psycopg sends a statement unprepared (``plan_for_values``).
PLAN_FOR_VALUES = "stapp_plan_for_values"
_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


def _readable(fd: int) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def _drop_closed(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """``pool_pre_ping`` without its round trip (psycopg). An idle connection has nothing to read: PostgreSQL sends
    nothing between statements unless it is closing the connection (shutting down, restarting, terminating the
    backend: an error message and the socket's end), so a socket with something to read, or a connection psycopg
    found broken, is dropped and the pool opens another. ``pool_pre_ping`` sent ``SELECT 1`` on every checkout:
    80-100 us of CPU and a round trip (130 us) per session, a quarter of a poll that finds nothing changed. A server
    that vanished without closing (a cut network) is found by the first statement, as the ping would have found it."""
    if dbapi_conn.closed or dbapi_conn.broken or _readable(dbapi_conn.pgconn.socket):
        raise exc.DisconnectionError("the database closed this pooled connection")


def _psycopg(dialect: Any) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def plan_for_values(session: Session) -> None:
    """PostgreSQL: the rest of the session's statements are planned for their own values (SQLite plans every run for
    its values anyway). For the list pages and the summaries summed from rows: a generic plan cannot see a page's date
    range or how deep it is (company Financing, a quarter sorted by ID, page 400: 11-13 ms with its own plan, 35-59 ms
    with the generic one). Planning every statement each time instead cost the Funding tab 12 -> 18 ms.

    psycopg prepares a statement on the server from its fifth run on a connection, and PostgreSQL then moves to one
    generic plan after five custom ones. With psycopg the statements are sent unprepared (the protocol's unnamed
    statement, planned for the values bound to it every time), through ``make_engine``'s ``do_execute`` hook; another
    driver gets the same plans from ``SET LOCAL plan_cache_mode``, one statement more in the session's transaction."""
    connection = session.connection()
    if _psycopg(connection.dialect):
        connection.execution_options(**{PLAN_FOR_VALUES: True})  # this Connection only: it ends with the session
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_CUSTOM_PLANS)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process's engine for ``STAPP_DATABASE_URL``."""
    return make_engine(get_settings().database_url)


# The execution option of a read session's connection: ``_refuse_writes`` refuses an INSERT, UPDATE or DELETE on it.
READ_ONLY = "stapp_read_only"
_READING = {READ_ONLY: True}
# PostgreSQL (psycopg) reads outside a transaction: at its default isolation (READ COMMITTED) every statement takes its
# own snapshot in a transaction too, so a read sees the same rows either way, and the BEGIN and ROLLBACK psycopg would
# send around it are two round trips fewer for every handler and every poll. (Another driver keeps its transaction,
# which ``plan_for_values``' SET LOCAL needs.)
_POSTGRES_READING = {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}


@contextmanager
def read_session(engine: Engine | None = None, *, streaming: bool = False) -> Iterator[Session]:
    """A session for reading: it writes nothing (``READ_ONLY``), and on PostgreSQL (psycopg) opens no transaction, but
    with ``streaming``: a statement read in batches (``yield_per``, the CSV exports) is a server-side cursor there,
    which lives in a transaction.

    It never flushes either: a change made in it (the once-a-minute ``last_seen_at`` of ``auth.resolve``)
    would otherwise turn its deferred SQLite transaction into a writer mid-way, which fails with "database
    is locked" as soon as another connection has written since the read began (seen under 50 concurrent
    submissions in ``make bench``); it is dropped when the session closes."""
    eng = engine or get_engine()
    with Session(eng, expire_on_commit=False, autoflush=False) as session:
        outside = _psycopg(eng.dialect) and not streaming
        session.connection(execution_options=_POSTGRES_READING if outside else _READING)
        yield session


def _refuse_writes(conn, _cursor, _statement, _parameters, context, _executemany) -> None:  # noqa: ANN001
    """A read session writes nothing: on PostgreSQL it has no transaction to roll a write back, so one would stay."""
    if context is not None and (context.isinsert or context.isupdate or context.isdelete) and \
            conn.get_execution_options().get(READ_ONLY):
        raise RuntimeError("a read session does not write: use write_session")


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error (SQLite: BEGIN IMMEDIATE)."""
    eng = engine or get_engine()
    writer = _WRITERS.get(eng)
    if eng.dialect.name == "sqlite":
        eng = eng.execution_options(sqlite_begin="IMMEDIATE")
    with writer or nullcontext(), Session(eng, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def run(session: Session, statement: Any, params: Mapping[str, Any] | None = None, *,
        flush: bool = True) -> Result[Any]:
    """Execute a statement built once at import (with ``bindparam`` placeholders) on the session's connection,
    in its transaction, and return Core rows.

    For the small statements every handler runs (who is signed in, what they may do, whether financing is
    available), building the statement and going through the ORM's execution cost several times their SQL:
    signing in a handler took 0.8 ms of CPU against 0.1 ms this way. Pending ORM changes are flushed first,
    as ``session.execute`` would, so the read sees them; ``flush=False`` skips that for an insert that needs no
    pending change (an audit or history row of a record that already has its id), so the record's own pending
    changes still go out as one UPDATE at commit."""
    if flush and session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, dict(params or {}))
