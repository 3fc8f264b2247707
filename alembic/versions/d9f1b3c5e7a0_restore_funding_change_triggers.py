"""SQLite: restore the funding change counters' triggers that a8d4e6f0c2b1's table copy dropped

Revision ID: d9f1b3c5e7a0
Revises: c7e9a1b3d5f8
Create Date: 2026-12-06 01:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'd9f1b3c5e7a0'
down_revision: Union[str, Sequence[str], None] = 'c7e9a1b3d5f8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """a8d4e6f0c2b1 made ``funding.status_since`` NOT NULL; SQLite cannot alter a column, so the batch copied the
    table, and a copy keeps no triggers. The change counters' triggers on ``funding`` (e5c1f0a2b7d3) were lost on
    every migrated SQLite database: a funding added or edited did not move the ``funding`` counter, so open Funding
    Entries lists and dashboards did not re-read it (a transaction still did). ``changes.install`` creates only what
    is missing. PostgreSQL keeps triggers through ALTER TABLE and had lost nothing."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        from stapp.db import changes

        changes.install(bind)


def downgrade() -> None:
    """Nothing to undo: the triggers belong to e5c1f0a2b7d3."""
