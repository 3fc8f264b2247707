"""Integration fixtures: fresh databases migrated by the same command ``make run`` uses."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def migrate(url: str) -> None:
    env = dict(os.environ, STAPP_DATABASE_URL=url)
    result = subprocess.run(
        [sys.executable, "-m", "stapp.cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database on the server named by ``STAPP_TEST_POSTGRES_URL``; dropped afterwards."""
    base = os.environ.get("STAPP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("STAPP_TEST_POSTGRES_URL is not set: no PostgreSQL to test against on this machine")
    name = f"stapp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at STAPP_TEST_POSTGRES_URL is not reachable: {exc.__class__.__name__}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
