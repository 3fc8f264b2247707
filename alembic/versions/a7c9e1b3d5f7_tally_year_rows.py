"""tallies keep yearly rows too

Revision ID: a7c9e1b3d5f7
Revises: e4a6c8d0f2b5
Create Date: 2026-12-02 07:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'a7c9e1b3d5f7'
down_revision: Union[str, Sequence[str], None] = 'e4a6c8d0f2b5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The triggers now also keep a row per UTC year: a summary without a date range (every list's first view)
    adds up a few years instead of every month. Replace the triggers and recount both tallies. On SQLite, drop
    the tallies' planner statistics, which the grains' skew made mislead (stapp/db/statistics.py)."""
    from stapp.db import statistics, tally

    for spec in (tally.APPLICATIONS, tally.FUNDINGS):  # the tallies of this revision (later ones add more)
        tally.uninstall(op.get_bind(), spec)
        tally.install(op.get_bind(), spec)
        tally.rebuild(op.get_bind(), spec)
    if op.get_bind().dialect.name == "sqlite":
        statistics.forget(op.get_bind())


def downgrade() -> None:
    """Back to daily and monthly rows: drop the yearly ones. The triggers of this version keep writing
    yearly rows, which older code never reads."""
    for table in ("application_tally", "funding_tally"):
        op.execute(f"DELETE FROM {table} WHERE grain = 'y'")
