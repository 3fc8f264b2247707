"""The maintained aggregate behind the company Financing summary: ``application_tally``.

Database triggers keep, for every (location, status, stage) and every UTC day and month of ``created_at``, the
count of applications and the sums of Amount Requested and Amount Financed. They run inside the transaction
that changes ``finance_application`` (ORM writes and bulk statements alike), so the tally is exactly as
current as the rows. The summary of a filtered list then adds up whole months plus the days at the edges of
a date range: a few thousand small rows instead of a million applications.

Stage NULL is stored as ``''``. Rows that fall to zero stay (harmless, and reused).
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

TABLE = "application_tally"
_COLUMNS = "grain, period, location_id, status, stage, n, requested_cents, financed_cents"
_CONFLICT = (
    "ON CONFLICT (grain, period, location_id, status, stage) DO UPDATE SET "
    f"n = {TABLE}.n + excluded.n, requested_cents = {TABLE}.requested_cents + excluded.requested_cents, "
    f"financed_cents = {TABLE}.financed_cents + excluded.financed_cents"
)


def _sqlite_upsert(row: str, sign: str) -> str:
    out = []
    for grain, period in (("d", f"substr({row}.created_at, 1, 10)"), ("m", f"substr({row}.created_at, 1, 7) || '-01'")):
        out.append(
            f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES ('{grain}', {period}, {row}.location_id, {row}.status, "
            f"coalesce({row}.stage, ''), {sign}1, {sign}{row}.amount_requested_cents, "
            f"{sign}coalesce({row}.amount_financed_cents, 0)) {_CONFLICT};"
        )
    return "\n".join(out)


SQLITE_DDL = [
    f"""CREATE TRIGGER IF NOT EXISTS finapp_tally_insert AFTER INSERT ON finance_application BEGIN
{_sqlite_upsert("NEW", "")}
END""",
    f"""CREATE TRIGGER IF NOT EXISTS finapp_tally_delete AFTER DELETE ON finance_application BEGIN
{_sqlite_upsert("OLD", "-")}
END""",
    f"""CREATE TRIGGER IF NOT EXISTS finapp_tally_update AFTER UPDATE OF created_at, location_id, status, stage,
amount_requested_cents, amount_financed_cents ON finance_application BEGIN
{_sqlite_upsert("OLD", "-")}
{_sqlite_upsert("NEW", "")}
END""",
]

POSTGRES_DDL = [
    f"""CREATE OR REPLACE FUNCTION finapp_tally_add(r finance_application, k integer) RETURNS void AS $$
BEGIN
  INSERT INTO {TABLE} ({_COLUMNS}) VALUES
    ('d', (r.created_at AT TIME ZONE 'UTC')::date, r.location_id, r.status, coalesce(r.stage, ''), k,
     k * r.amount_requested_cents, k * coalesce(r.amount_financed_cents, 0)),
    ('m', date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date, r.location_id, r.status,
     coalesce(r.stage, ''), k, k * r.amount_requested_cents, k * coalesce(r.amount_financed_cents, 0))
  {_CONFLICT};
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION finapp_tally() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM finapp_tally_add(OLD, -1); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM finapp_tally_add(NEW, 1); END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS finapp_tally_changes ON finance_application",
    """CREATE TRIGGER finapp_tally_changes AFTER INSERT OR DELETE OR UPDATE OF created_at, location_id, status,
stage, amount_requested_cents, amount_financed_cents ON finance_application
FOR EACH ROW EXECUTE FUNCTION finapp_tally()""",
]


def install(conn: Connection) -> None:
    """Create (or replace) the triggers on this connection's database."""
    for statement in POSTGRES_DDL if conn.dialect.name == "postgresql" else SQLITE_DDL:
        conn.execute(text(statement))


def uninstall(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER IF EXISTS finapp_tally_changes ON finance_application"))
        conn.execute(text("DROP FUNCTION IF EXISTS finapp_tally()"))
        conn.execute(text("DROP FUNCTION IF EXISTS finapp_tally_add(finance_application, integer)"))
    else:
        for name in ("insert", "delete", "update"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS finapp_tally_{name}"))


def rebuild(conn: Connection) -> None:
    """Recompute the whole tally from the applications (migration backfill, bulk loads, repair)."""
    if conn.dialect.name == "postgresql":
        day, month = "(created_at AT TIME ZONE 'UTC')::date", "date_trunc('month', created_at AT TIME ZONE 'UTC')::date"
    else:
        day, month = "substr(created_at, 1, 10)", "substr(created_at, 1, 7) || '-01'"
    conn.execute(text(f"DELETE FROM {TABLE}"))
    for grain, period in (("d", day), ("m", month)):
        conn.execute(text(
            f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT '{grain}', {period}, location_id, status, coalesce(stage, ''), "
            f"count(*), coalesce(sum(amount_requested_cents), 0), coalesce(sum(coalesce(amount_financed_cents, 0)), 0) "
            f"FROM finance_application GROUP BY {period}, location_id, status, coalesce(stage, '')"
        ))


def listen(metadata) -> None:  # noqa: ANN001
    """Install the triggers whenever ``metadata.create_all`` builds the tables (tests, the bench)."""

    @event.listens_for(metadata, "after_create")
    def _after_create(target, connection, **kw) -> None:  # noqa: ANN001, ARG001
        if TABLE in target.tables and "finance_application" in target.tables:
            install(connection)
