"""indexes for the Amount sorts of the company lists

Revision ID: d1f3a5c7e9b2
Revises: c5d9e2f4a6b8
Create Date: 2026-11-29 16:20:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'd1f3a5c7e9b2'
down_revision: Union[str, Sequence[str], None] = 'c5d9e2f4a6b8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('finance_application', schema=None) as batch_op:
        batch_op.create_index('ix_finapp_requested_id', ['amount_requested_cents', 'id'], unique=False)
        batch_op.create_index('ix_finapp_financed_id', ['amount_financed_cents', 'id'], unique=False)
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.create_index('ix_funding_expected_amount_id', ['amount_expected_cents', 'id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_index('ix_funding_expected_amount_id')
    with op.batch_alter_table('finance_application', schema=None) as batch_op:
        batch_op.drop_index('ix_finapp_financed_id')
        batch_op.drop_index('ix_finapp_requested_id')
