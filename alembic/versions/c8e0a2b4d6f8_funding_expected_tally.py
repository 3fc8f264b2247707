"""funding tally by Date Expected

Revision ID: c8e0a2b4d6f8
Revises: b6d8f0a2c4e6
Create Date: 2026-12-03 14:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'c8e0a2b4d6f8'
down_revision: Union[str, Sequence[str], None] = 'b6d8f0a2c4e6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Funding Entries' summary with an Expected range, and the dashboard's overdue count, summed every matching
    funding (10-18 ms at 300,000): they now add up tally rows by Date Expected."""
    op.create_table('funding_expected_tally',
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
    from stapp.db import tally

    tally.install(op.get_bind(), tally.FUNDINGS_BY_EXPECTED)
    tally.rebuild(op.get_bind(), tally.FUNDINGS_BY_EXPECTED)


def downgrade() -> None:
    """Downgrade schema."""
    from stapp.db import tally

    tally.uninstall(op.get_bind(), tally.FUNDINGS_BY_EXPECTED)
    op.drop_table('funding_expected_tally')
