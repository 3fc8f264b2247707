"""The PostgreSQL engine's pool (stapp/db/engine.py): a connection the server closed is replaced at checkout,
without a ``SELECT 1`` round trip on every checkout."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text


def _backend_pid(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def test_a_pooled_connection_the_server_closed_is_replaced_without_a_ping(postgres_url, monkeypatch):
    from stapp.db import engine as engine_mod

    engine = engine_mod.make_engine(postgres_url)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        def no_ping(*_a, **_k):
            pytest.fail("a checkout sent a ping: a round trip per session")

        monkeypatch.setattr(engine.dialect, "do_ping", no_ping)
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first, "the pool kept one healthy connection"
        with admin.connect() as conn:  # the server ends that backend, as a restart or an idle timeout would
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
            deadline = time.monotonic() + 10
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": first}).scalar():
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.02)
        # The next session works, on a new connection: the closed one was dropped at checkout.
        second = _backend_pid(engine)
        assert second != first
        assert _backend_pid(engine) == second
    finally:
        engine.dispose()
        admin.dispose()


def test_the_check_drops_a_closed_or_broken_connection_and_keeps_a_healthy_one(postgres_url):
    import psycopg
    from sqlalchemy import exc

    from stapp.db.engine import _drop_closed

    conn = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        _drop_closed(conn, None, None)  # healthy and idle: kept
        conn.close()
        with pytest.raises(exc.DisconnectionError):
            _drop_closed(conn, None, None)
    finally:
        conn.close()
