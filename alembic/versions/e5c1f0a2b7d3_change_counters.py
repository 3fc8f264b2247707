"""change counters kept by triggers, polled by open lists and the dashboard

Revision ID: e5c1f0a2b7d3
Revises: d7a3b2c91e04
Create Date: 2026-11-29 11:50:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'e5c1f0a2b7d3'
down_revision: Union[str, Sequence[str], None] = 'd7a3b2c91e04'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('change_counter',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    # Reviewed: the counters and the triggers that raise them (stapp/db/changes.py).
    from stapp.db import changes

    changes.install(op.get_bind())


def downgrade() -> None:
    """Downgrade schema."""
    from stapp.db import changes

    changes.uninstall(op.get_bind())
    op.drop_table('change_counter')
