"""funding tally maintained by triggers

Revision ID: c5d9e2f4a6b8
Revises: b3e7f1a9c5d2
Create Date: 2026-11-29 15:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'c5d9e2f4a6b8'
down_revision: Union[str, Sequence[str], None] = 'b3e7f1a9c5d2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('funding_tally',
    sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('funder_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('expected_cents', sa.BigInteger(), nullable=False),
    sa.Column('net_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'period', 'location_id', 'status', 'outcome', 'funder_id')
    )
    # the triggers that keep the tally exact, then the tally of the fundings already there
    from stapp.db import tally

    tally.install(op.get_bind(), tally.FUNDINGS)
    tally.rebuild(op.get_bind(), tally.FUNDINGS)


def downgrade() -> None:
    """Downgrade schema."""
    from stapp.db import tally

    tally.uninstall(op.get_bind(), tally.FUNDINGS)
    op.drop_table('funding_tally')
