"""PostgreSQL: the indexes of the sorts on columns that may be NULL order NULLs first

Revision ID: b4d6f8a0c2e5
Revises: a3c5e7f9b1d4
Create Date: 2026-12-05 22:30:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'b4d6f8a0c2e5'
down_revision: Union[str, Sequence[str], None] = 'a3c5e7f9b1d4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (table, plain index, its NULLS FIRST replacement, column)
SORTS = [
    ('funding', 'ix_funding_outcome_id', 'ix_funding_outcome_id_nf', 'outcome'),
    ('funding', 'ix_funding_date_expected', 'ix_funding_date_expected_nf', 'date_expected'),
    ('funding', 'ix_funding_expected_amount_id', 'ix_funding_expected_amount_id_nf', 'amount_expected_cents'),
    ('finance_application', 'ix_finapp_stage_id', 'ix_finapp_stage_id_nf', 'stage'),
    ('finance_application', 'ix_finapp_financed_id', 'ix_finapp_financed_id_nf', 'amount_financed_cents'),
]


def upgrade() -> None:
    """The lists order NULLs first ascending and last descending; PostgreSQL's default index (NULLs last ascending)
    serves neither, so it sorted the whole table for page 1 of such a sort. SQLite orders NULLs so natively and
    keeps its indexes (stapp/db/models.py ``_nulls_first``)."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, plain, nulls_first, column in SORTS:
        op.execute(f'CREATE INDEX {nulls_first} ON {table} ({column} ASC NULLS FIRST, id)')
        op.drop_index(plain, table_name=table)


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, plain, nulls_first, column in SORTS:
        op.create_index(plain, table, [column, 'id'], unique=False)
        op.drop_index(nulls_first, table_name=table)
