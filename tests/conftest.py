"""Shared fixtures. Tests use their own databases under a temp dir, never the demo one."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="stapp-tests-"))
# Settings are read once per process: point them at a throwaway database before anything imports them.
os.environ["STAPP_DATABASE_URL"] = f"sqlite:///{_TMP / 'unit.db'}"
os.environ["STAPP_SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ["STAPP_WEBHOOK_SECRET"] = "test-webhook-secret"
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "0")


class _ErrorCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_reflex_errors() -> Iterator[None]:
    """A test fails if the ``reflex`` logger records an error during it (as Reflex's own suite does)."""
    catcher = _ErrorCatcher()
    logger = logging.getLogger("reflex")
    logger.addHandler(catcher)
    try:
        yield
    finally:
        logger.removeHandler(catcher)
    assert not catcher.records, "reflex logged errors: " + "; ".join(r.getMessage() for r in catcher.records)


def pytest_sessionfinish(session, exitstatus) -> None:  # noqa: ANN001
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def seeded_template() -> Path:
    """A demo-seeded SQLite file made once; each test gets a copy."""
    from sqlmodel import SQLModel

    import stapp.db.models  # noqa: F401
    from stapp.db.engine import make_engine, write_session
    from stapp.services.demo import seed_demo

    path = _TMP / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with write_session(engine) as session:
        seed_demo(session)
    engine.dispose()
    return path


@pytest.fixture
def db(seeded_template: Path, tmp_path: Path) -> Iterator[None]:
    """Point the app's engine at a fresh copy of the seeded database."""
    from stapp.db import engine as engine_mod
    from stapp.settings import get_settings

    target = tmp_path / "test.db"
    shutil.copy(seeded_template, target)
    os.environ["STAPP_DATABASE_URL"] = f"sqlite:///{target}"
    get_settings.cache_clear()
    engine_mod.get_engine.cache_clear()
    yield
    engine_mod.get_engine().dispose()
    engine_mod.get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def actor_for(db):  # noqa: ANN001, ANN201
    """``actor_for("sales@example.com")`` -> the Actor the app would build for that user."""
    from sqlmodel import select

    from stapp.db.engine import read_session
    from stapp.db.models import User
    from stapp.services.auth import Actor, load_grants

    def _make(email: str) -> Actor:
        with read_session() as session:
            user = session.exec(select(User).where(User.email == email)).one()
            return Actor(user_id=user.id, name=user.name, email=user.email, grants=load_grants(session, user.id))

    return _make
