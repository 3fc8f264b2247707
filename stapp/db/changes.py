"""Change counters: one number per kind of record, raised by database triggers in the changing transaction.

Open lists and the dashboard poll them every two seconds (one primary-key read) and re-read their figures
only when a number moved: a change made by any user, on any backend worker, by the provider's webhook or by
the reconciler reaches every open page. The counter is raised inside the writing transaction, so a poller
never sees the new number before the data it stands for.

``funding`` moves with every funding or funding transaction, and with a customer's service status (it
changes chargeback-risk flags); ``application`` with every consumer-financing application.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from stapp.db.engine import run

TABLE = "change_counter"
WATCHED = {"funding": "funding", "funding_transaction": "funding", "finance_application": "application"}
KINDS = ("funding", "application")


def _bump(kind: str) -> str:
    return f"UPDATE {TABLE} SET n = n + 1 WHERE name = '{kind}';"


def _sqlite_ddl() -> list[str]:
    out = []
    for table, kind in WATCHED.items():
        for op in ("INSERT", "UPDATE", "DELETE"):
            out.append(f"CREATE TRIGGER IF NOT EXISTS changes_{table}_{op.lower()} AFTER {op} ON {table} "
                       f"BEGIN {_bump(kind)} END")
    out.append(f"CREATE TRIGGER IF NOT EXISTS changes_customer_service AFTER UPDATE OF service_status, cancelled_on "
               f"ON customer BEGIN {_bump('funding')} END")
    return out


def _postgres_ddl() -> list[str]:
    out = [f"""CREATE OR REPLACE FUNCTION changes_bump() RETURNS trigger AS $$
BEGIN
  UPDATE {TABLE} SET n = n + 1 WHERE name = TG_ARGV[0];
  RETURN NULL;
END $$ LANGUAGE plpgsql"""]
    for table, kind in WATCHED.items():
        out.append(f"DROP TRIGGER IF EXISTS changes_{table} ON {table}")
        out.append(f"CREATE TRIGGER changes_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION changes_bump('{kind}')")
    out.append("DROP TRIGGER IF EXISTS changes_customer_service ON customer")
    out.append("CREATE TRIGGER changes_customer_service AFTER UPDATE OF service_status, cancelled_on ON customer "
               "FOR EACH STATEMENT EXECUTE FUNCTION changes_bump('funding')")
    return out


def install(conn: Connection) -> None:
    """Create the counters (when missing) and (re)create the triggers on this connection's database."""
    present = {name for (name,) in conn.execute(text(f"SELECT name FROM {TABLE}"))}
    for kind in KINDS:
        if kind not in present:
            conn.execute(text(f"INSERT INTO {TABLE} (name, n) VALUES (:k, 0)"), {"k": kind})
    for statement in _postgres_ddl() if conn.dialect.name == "postgresql" else _sqlite_ddl():
        conn.execute(text(statement))


def uninstall(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for table in (*WATCHED, "customer"):
            name = "changes_customer_service" if table == "customer" else f"changes_{table}"
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
        conn.execute(text("DROP FUNCTION IF EXISTS changes_bump()"))
    else:
        for table in WATCHED:
            for op in ("insert", "update", "delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS changes_{table}_{op}"))
        conn.execute(text("DROP TRIGGER IF EXISTS changes_customer_service"))


_READ = text(f"SELECT name, n FROM {TABLE}")


def read(conn_or_session, *kinds: str) -> str:  # noqa: ANN001
    """The counters of ``kinds`` as one token (compare it with the one a page last saw)."""
    if isinstance(conn_or_session, Session):  # every list page's poll asks, every two seconds: built once
        rows = run(conn_or_session, _READ).all()
    else:
        rows = conn_or_session.execute(_READ).all()
    values = dict(rows)
    return ":".join(str(values.get(kind, 0)) for kind in kinds)


def listen(metadata) -> None:  # noqa: ANN001
    """Install the counters and triggers whenever ``metadata.create_all`` builds the tables (tests, the bench)."""

    @event.listens_for(metadata, "after_create")
    def _after_create(target, connection, **kw) -> None:  # noqa: ANN001, ARG001
        if TABLE in target.tables and all(t in target.tables for t in (*WATCHED, "customer")):
            install(connection)
