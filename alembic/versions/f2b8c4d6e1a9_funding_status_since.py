"""funding status_since, for the dashboard's ageing

Revision ID: f2b8c4d6e1a9
Revises: e5c1f0a2b7d3
Create Date: 2026-11-29 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import stapp.db.types


# revision identifiers, used by Alembic.
revision: str = 'f2b8c4d6e1a9'
down_revision: Union[str, Sequence[str], None] = 'e5c1f0a2b7d3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_since', stapp.db.types.UTCDateTime(timezone=True), nullable=True))
    # Reviewed: existing fundings never recorded when their status changed; their last change is the best
    # estimate (documented in docs/decisions.md).
    op.execute("UPDATE funding SET status_since = updated_at WHERE status_since IS NULL")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_column('status_since')
