"""indexes for statuses at some offices, newest first, on applications and fundings

Revision ID: f3c5e7a9b1d4
Revises: e1a3c5e7f9b2
Create Date: 2026-12-06 03:40:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'f3c5e7a9b1d4'
down_revision: Union[str, Sequence[str], None] = 'e1a3c5e7f9b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = [('ix_finapp_location_status_created', 'finance_application'),
           ('ix_funding_location_status_created', 'funding')]


def upgrade() -> None:
    """Statuses at some offices sorted by creation, accounting's everyday filter: a typed page is placed in a month
    by the tally and its keys are then read from this index alone. Without it PostgreSQL intersected the month's
    statuses with every entry of the offices (company Financing page 400: 22-28 ms) and SQLite read a month of
    the status and each row for its office (Funding Entries: 7.5 ms); see stapp/db/models.py."""
    for index, table in INDEXES:
        op.create_index(index, table, ['location_id', 'status', 'created_at', 'id'])


def downgrade() -> None:
    """Downgrade schema."""
    for index, table in INDEXES:
        op.drop_index(index, table_name=table)
