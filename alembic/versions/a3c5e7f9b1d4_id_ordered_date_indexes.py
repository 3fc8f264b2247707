"""ids in order with their dates: a date range sorted by ID is walked on a narrow index

Revision ID: a3c5e7f9b1d4
Revises: d2f4b6c8e0a1
Create Date: 2026-12-05 21:45:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'a3c5e7f9b1d4'
down_revision: Union[str, Sequence[str], None] = 'd2f4b6c8e0a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """A Created range sorted by ID (and on Funding Entries an Expected range) walked the rows themselves on SQLite
    to find a page: these indexes hold the id and the dates alone, a fraction of a row to pass (services/paging.py
    Walk)."""
    op.create_index('ix_finapp_id_created', 'finance_application', ['id', 'created_at'], unique=False)
    op.create_index('ix_funding_id_dates', 'funding', ['id', 'created_at', 'date_expected'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_funding_id_dates', table_name='funding')
    op.drop_index('ix_finapp_id_created', table_name='finance_application')
