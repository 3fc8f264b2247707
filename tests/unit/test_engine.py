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
