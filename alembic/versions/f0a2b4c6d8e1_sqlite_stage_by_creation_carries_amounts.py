"""SQLite: the index of a stage by creation carries the amounts

Revision ID: f0a2b4c6d8e1
Revises: e9f1a3b5c7d0
Create Date: 2026-12-06 07:10:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'f0a2b4c6d8e1'
down_revision: Union[str, Sequence[str], None] = 'e9f1a3b5c7d0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """A stage in a date range sorted by an amount, typed deep, read each of the range's rows for its amount (30 ms for
    underwriting in a quarter, page 200, at a million applications); from the index alone, 8.5 ms. PostgreSQL
    walks its Amount indexes, which carry the stage (d8e0f2a4b6c9), and keeps the plain one."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.drop_index('ix_finapp_stage_created', table_name='finance_application')
    op.create_index('ix_finapp_stage_created_wide', 'finance_application',
                    ['stage', 'created_at', 'id', 'amount_requested_cents', 'amount_financed_cents'])


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.drop_index('ix_finapp_stage_created_wide', table_name='finance_application')
    op.create_index('ix_finapp_stage_created', 'finance_application', ['stage', 'created_at', 'id'])
