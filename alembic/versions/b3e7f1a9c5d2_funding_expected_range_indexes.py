"""funding indexes for an Expected range in the Created order

Revision ID: b3e7f1a9c5d2
Revises: a8d4e6f0c2b1
Create Date: 2026-11-29 15:05:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'b3e7f1a9c5d2'
down_revision: Union[str, Sequence[str], None] = 'a8d4e6f0c2b1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        # (created_at, id) with Date Expected after it: the same order, and covering for an Expected range
        batch_op.create_index('ix_funding_created_expected', ['created_at', 'id', 'date_expected'], unique=False)
        batch_op.drop_index('ix_funding_created')
        batch_op.create_index('ix_funding_expected_created', ['date_expected', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_index('ix_funding_expected_created')
        batch_op.create_index('ix_funding_created', ['created_at', 'id'], unique=False)
        batch_op.drop_index('ix_funding_created_expected')
