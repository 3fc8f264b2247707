"""PostgreSQL: each company-list sort index carries the columns the list filters on (INCLUDE)

Revision ID: d8e0f2a4b6c9
Revises: c7d9e1f3a5b8
Create Date: 2026-12-06 06:40:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'd8e0f2a4b6c9'
down_revision: Union[str, Sequence[str], None] = 'c7d9e1f3a5b8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APPLICATIONS = ['location_id', 'status', 'stage', 'created_at']
FUNDINGS = ['location_id', 'status', 'outcome', 'funder_id', 'created_at', 'date_expected']
# (table, narrow index, covering index, sort column, NULLs first, the filter's columns)
INDEXES = [
    ('finance_application', 'ix_finapp_requested_id', 'ix_finapp_requested_cover', 'amount_requested_cents', False,
     APPLICATIONS),
    ('finance_application', 'ix_finapp_financed_id_nf', 'ix_finapp_financed_cover_nf', 'amount_financed_cents', True,
     APPLICATIONS),
    ('finance_application', 'ix_finapp_stage_id_nf', 'ix_finapp_stage_cover_nf', 'stage', True, APPLICATIONS),
    ('funding', 'ix_funding_customer_sort', 'ix_funding_customer_sort_cover', 'customer_sort', False, FUNDINGS),
    ('funding', 'ix_funding_status_id', 'ix_funding_status_cover', 'status', False, FUNDINGS),
    ('funding', 'ix_funding_outcome_id_nf', 'ix_funding_outcome_cover_nf', 'outcome', True, FUNDINGS),
    ('funding', 'ix_funding_date_expected_nf', 'ix_funding_date_expected_cover_nf', 'date_expected', True, FUNDINGS),
    ('funding', 'ix_funding_expected_amount_id_nf', 'ix_funding_expected_amount_cover_nf', 'amount_expected_cents', True,
     FUNDINGS),
    ('funding', 'ix_funding_funder_sort_nf', 'ix_funding_funder_sort_cover_nf', 'funder_sort', True, FUNDINGS),
]


def _create(name: str, table: str, column: str, nulls_first: bool, include: list) -> None:
    key = f'{column} ASC NULLS FIRST' if nulls_first else column
    covered = f' INCLUDE ({", ".join(include)})' if include else ''
    op.execute(f'CREATE INDEX {name} ON {table} ({key}, id){covered}')


def upgrade() -> None:
    """A filter sorted by another column (a quarter sorted by Amount Requested, page 400 typed into the URL): PostgreSQL
    walks the sort's index and tested the filter on each row it points to, 0.2 million rows read for 20,000 kept (0.48
    s at a million applications). With the filter's columns in the index (INCLUDE) the walk reads the index alone (17
    ms). SQLite's indexes carry them already (b6c8d0e2f4a7)."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, narrow, cover, column, nulls_first, filtered in INDEXES:
        op.drop_index(narrow, table_name=table)
        _create(cover, table, column, nulls_first, [c for c in filtered if c != column])


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, narrow, cover, column, nulls_first, _ in INDEXES:
        op.drop_index(cover, table_name=table)
        _create(narrow, table, column, nulls_first, [])
