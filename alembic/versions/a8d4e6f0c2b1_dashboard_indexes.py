"""dashboard indexes; status_since is never NULL

Revision ID: a8d4e6f0c2b1
Revises: f2b8c4d6e1a9
Create Date: 2026-11-29 12:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import stapp.db.types


# revision identifiers, used by Alembic.
revision: str = 'a8d4e6f0c2b1'
down_revision: Union[str, Sequence[str], None] = 'f2b8c4d6e1a9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("UPDATE funding SET status_since = updated_at WHERE status_since IS NULL")
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.alter_column('status_since', existing_type=stapp.db.types.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_index('ix_funding_status_expected', ['status', 'date_expected', 'location_id'], unique=False)
        batch_op.create_index('ix_funding_status_since', ['status', 'status_since', 'location_id'], unique=False)
    with op.batch_alter_table('finance_application', schema=None) as batch_op:
        batch_op.create_index('ix_finapp_created_rep', ['created_at', 'created_by_id', 'status', 'location_id'],
                              unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('finance_application', schema=None) as batch_op:
        batch_op.drop_index('ix_finapp_created_rep')
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_index('ix_funding_status_since')
        batch_op.drop_index('ix_funding_status_expected')
        batch_op.alter_column('status_since', existing_type=stapp.db.types.UTCDateTime(timezone=True),
                              nullable=True)
