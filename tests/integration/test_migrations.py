"""The committed migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

import stapp.db.models  # noqa: F401
from stapp.db.engine import make_engine, read_session, write_session
from stapp.db.models import Customer, Location
from stapp.services import auth
from stapp.services.demo import seed_demo
from tests.integration.conftest import migrate


def _for_this_database(dialect: str):  # noqa: ANN202
    """Leave out the model's indexes made for another database only (``Index.ddl_if``, stapp/db/models.py)."""
    def include(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN202, ARG001
        condition = getattr(obj, "_ddl_if", None)
        return reflected or type_ != "index" or condition is None or condition.dialect in (None, dialect)

    return include


def _assert_schema_matches_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _for_this_database(conn.dialect.name)})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def _round_trip(engine):
    with write_session(engine) as s:
        seed_demo(s, customers=4)
    created = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    with write_session(engine) as s:
        austin = s.exec(select(Location).where(Location.name == "Austin")).one()
        s.add(
            Customer(
                first_name="Round",
                last_name="Trip",
                address_line1="1 Main",
                city="Austin",
                state="TX",
                zip_code="78701",
                location_id=austin.id,
                created_at=created,
            )
        )
    with read_session(engine) as s:
        row = s.exec(select(Customer).where(Customer.last_name == "Trip")).one()
        assert row.created_at == created and row.created_at.tzinfo == UTC
        austin = s.get(Location, row.location_id)
        assert austin.sales_tax_bps == 825
    with write_session(engine) as s:
        token = auth.sign_in(s, "sales@example.com", "stapp-sales")
    with read_session(engine) as s:
        assert auth.resolve(s, token).email == "sales@example.com"


def _triggers(engine) -> set[tuple[str, str]]:
    """(table, trigger) of every trigger the database holds."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                        "WHERE NOT t.tgisinternal").all()
        else:
            rows = conn.exec_driver_sql("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'").all()
    return {tuple(r) for r in rows}


def _assert_triggers_match_models(migrated: set, built: set) -> None:
    """The migrated database holds the triggers (tallies, change counters, sort keys) that the models' own schema
    gets, ``built`` (``metadata.create_all``): on SQLite, a migration that copies a table loses its triggers."""
    assert migrated and migrated == built, (sorted(built - migrated), sorted(migrated - built))


def test_migrations_on_sqlite_build_the_models_schema_and_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    migrate(url)
    engine = make_engine(url)
    _assert_schema_matches_models(engine)
    models = make_engine(f"sqlite:///{tmp_path / 'models.db'}")
    SQLModel.metadata.create_all(models)
    _assert_triggers_match_models(_triggers(engine), _triggers(models))
    models.dispose()
    _round_trip(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_migrations_on_postgres_build_the_models_schema_and_round_trip(postgres_url):
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    _assert_schema_matches_models(engine)
    migrated = _triggers(engine)
    _round_trip(engine)
    with engine.begin() as conn:  # the models' own schema, in the same (throwaway) database
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    SQLModel.metadata.create_all(engine)
    _assert_triggers_match_models(migrated, _triggers(engine))
    engine.dispose()


def test_migrating_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    migrate(url)
    migrate(url)
