"""submitted applications per day and location, for the dashboard's weeks

Revision ID: d2f4b6c8e0a1
Revises: c8e0a2b4d6f8
Create Date: 2026-12-03 15:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = 'd2f4b6c8e0a1'
down_revision: Union[str, Sequence[str], None] = 'c8e0a2b4d6f8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The dashboard's requested vs financed per week added up application_tally's daily rows (every location,
    status and stage: 22-34 ms for a year at a million applications): a tally per day and location only."""
    op.create_table('application_day_tally',
    sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('requested_cents', sa.BigInteger(), nullable=False),
    sa.Column('financed_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'period', 'location_id')
    )
    from stapp.db import tally

    tally.install(op.get_bind(), tally.SUBMITTED_BY_DAY)
    tally.rebuild(op.get_bind(), tally.SUBMITTED_BY_DAY)


def downgrade() -> None:
    """Downgrade schema."""
    from stapp.db import tally

    tally.uninstall(op.get_bind(), tally.SUBMITTED_BY_DAY)
    op.drop_table('application_day_tally')
