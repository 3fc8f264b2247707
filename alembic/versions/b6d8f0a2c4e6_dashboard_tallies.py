"""tallies for the dashboard: applications by sales rep, fundings by the day they entered their status

Revision ID: b6d8f0a2c4e6
Revises: a7c9e1b3d5f7
Create Date: 2026-12-03 14:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'b6d8f0a2c4e6'
down_revision: Union[str, Sequence[str], None] = 'a7c9e1b3d5f7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The dashboard counted a year's applications by rep, and every funding for its ageing, on each view and each
    live refresh (about 100 ms each at a million applications): both now add up trigger-kept tally rows."""
    op.create_table('application_rep_tally',
    sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'period', 'location_id', 'rep_id', 'status')
    )
    op.create_table('funding_age_tally',
    sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'period', 'location_id', 'status')
    )
    from stapp.db import tally

    for spec in (tally.APPLICATIONS_BY_REP, tally.FUNDING_AGES):
        tally.install(op.get_bind(), spec)
        tally.rebuild(op.get_bind(), spec)


def downgrade() -> None:
    """Downgrade schema."""
    from stapp.db import tally

    for spec in (tally.APPLICATIONS_BY_REP, tally.FUNDING_AGES):
        tally.uninstall(op.get_bind(), spec)
    op.drop_table('funding_age_tally')
    op.drop_table('application_rep_tally')
