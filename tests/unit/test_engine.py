"""The engine's connection handling (stapp/db/engine.py)."""

import threading

from sqlalchemy import event, text

from stapp.db.engine import make_engine


def test_a_sqlite_file_keeps_its_connections_open_under_twenty_threads_at_once(tmp_path):
    """With SQLAlchemy's default pool of 5, more than five threads at once (fifty reps submitting) made the pool
    open a new connection, PRAGMAs included, and close it again on most checkouts."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    barrier = threading.Barrier(20)

    def hold():
        with engine.connect() as conn:
            conn.execute(text("select 1"))
            barrier.wait(timeout=10)

    try:
        for _ in range(3):  # three waves of twenty at once: the connections of the first serve the others
            threads = [threading.Thread(target=hold) for _ in range(20)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert len(opened) == 20
        with engine.connect() as conn:  # and every pooled connection has the app's settings
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_writers_of_one_process_queue_for_sqlites_write_lock_instead_of_polling_it(tmp_path):
    """SQLite's busy handler polls a taken write lock with growing sleeps (40-54 ms of waiting per write under fifty
    submissions at once). The process queues its writers instead, so none of them ever finds the lock taken: with
    the busy timeout set to zero, a writer that did would fail at once with "database is locked"."""
    import time

    from stapp.db.engine import write_session

    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    event.listen(engine, "connect", lambda conn, _record: conn.execute("PRAGMA busy_timeout=0"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, writer INTEGER)")
    failures: list[BaseException] = []
    start = threading.Barrier(16)

    def write(n: int) -> None:
        start.wait(timeout=10)
        for _ in range(10):
            try:
                with write_session(engine) as s:
                    s.connection().execute(text("INSERT INTO t (writer) VALUES (:n)"), {"n": n})
                    time.sleep(0.001)  # hold the lock while the others arrive
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)

    try:
        threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 160
    finally:
        engine.dispose()


def test_a_read_session_refuses_to_write_and_a_write_session_writes(tmp_path):
    """A read session writes nothing: on PostgreSQL it runs outside a transaction, so a write would stay instead of
    being rolled back at its close. The ORM's flush and a Core statement are both refused; reading works."""
    import pytest
    from sqlalchemy import insert, select

    from stapp.db.engine import read_session, run, write_session
    from stapp.db.models import Location
    from stapp.db.models import SQLModel as Models

    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    try:
        Models.metadata.create_all(engine)
        with write_session(engine) as s:
            s.add(Location(name="Austin", state="TX"))
        with read_session(engine) as s:
            assert s.exec(select(Location.name)).all() == [("Austin",)]
            s.add(Location(name="Dallas", state="TX"))
            with pytest.raises(RuntimeError, match="a read session does not write"):
                s.flush()
        with read_session(engine) as s, pytest.raises(RuntimeError, match="a read session does not write"):
            run(s, insert(Location).values(name="Houston", state="TX"))
        with read_session(engine) as s:
            assert [n for (n,) in s.exec(select(Location.name)).all()] == ["Austin"]
        with write_session(engine) as s:  # the pool's connection, back from a read session, writes again
            s.add(Location(name="Dallas", state="TX"))
        with read_session(engine) as s:
            assert sorted(n for (n,) in s.exec(select(Location.name)).all()) == ["Austin", "Dallas"]
    finally:
        engine.dispose()
