"""funding holdbacks (amount, guarantee months, release date) and the customer's service status

Revision ID: d7a3b2c91e04
Revises: c41525e88d99
Create Date: 2026-11-29 11:25:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import stapp.db.types  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision: str = 'd7a3b2c91e04'
down_revision: Union[str, Sequence[str], None] = 'c41525e88d99'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holdback_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('guarantee_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('holdback_release_date', sa.Date(), nullable=True))
        batch_op.create_index('ix_funding_holdback_release', ['holdback_release_date', 'id'], unique=False)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_status', sa.String(length=20), nullable=False, server_default='Active'))
        batch_op.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('cancelled_on')
        batch_op.drop_column('service_status')
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_index('ix_funding_holdback_release')
        batch_op.drop_column('holdback_release_date')
        batch_op.drop_column('guarantee_months')
        batch_op.drop_column('holdback_cents')
