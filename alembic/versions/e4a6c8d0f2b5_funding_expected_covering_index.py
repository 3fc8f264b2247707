"""funding: one index covers an Expected range's page keys and its summary

Revision ID: e4a6c8d0f2b5
Revises: d1f3a5c7e9b2
Create Date: 2026-11-29 16:30:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'e4a6c8d0f2b5'
down_revision: Union[str, Sequence[str], None] = 'd1f3a5c7e9b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WIDE = ['date_expected', 'created_at', 'id', 'location_id', 'status', 'outcome', 'funder_id',
        'amount_expected_cents', 'net_received_cents']


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.create_index('ix_funding_expected_wide', WIDE, unique=False)  # starts with the index it replaces
        batch_op.drop_index('ix_funding_expected_created')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.create_index('ix_funding_expected_created', ['date_expected', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_funding_expected_wide')
