"""The loyalty ladder reads stored moves: each stage change keeps the stage it ended.

- `stage_change.from_stage` and `stage_change.from_days`: the stage of the change before it
  (by (at, id); NULL for a customer's first change) and the days from that change to this
  one. Derived, kept by every writer of stage_change (store/stage_moves.py) and verified by
  `crm db check`; backfilled here with the same UPDATE.
- `stage_change (from_stage, stage, from_days, at, customer_id)`: the ladder's moves of a
  period (who moved from which stage to which, after how many days) are one scan of this
  index in group order, instead of one probe for the change before each change of the year.
- `customer (stage, since) WHERE stage IS NOT NULL`: customers per stage on a day are counted
  from the index alone (partial, so that no other query reads the book in stage order).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MOVES = ["from_stage", "stage", "from_days", "at", "customer_id"]
# Partial, so only a query that says so reads customers in stage order: a plain index on
# (stage, since) covers every query that needs no more than since, such as the segment grid's
# scan of the book, which then probes the purchase and fact indexes in a random customer order
# (twice as slow as in id order). stage is never NULL: every row is in the index.
COUNTED = "stage IS NOT NULL"


def _backfill(dialect: str) -> str:
    """Each change's previous change, by (at, id), as store/stage_moves.py computes it."""
    if dialect == "postgresql":
        days = "(CAST(stage_change.at AS date) - CAST(p.at AS date))"
    else:
        days = "CAST(julianday(stage_change.at) - julianday(p.at) AS INTEGER)"
    return (
        f"UPDATE stage_change SET (from_stage, from_days) = (SELECT p.stage, {days} FROM stage_change p "
        "WHERE p.customer_id = stage_change.customer_id AND p.at <= stage_change.at "
        "AND (p.at < stage_change.at OR p.id < stage_change.id) "
        "ORDER BY p.at DESC, p.id DESC LIMIT 1)"
    )


def upgrade() -> None:
    op.add_column("stage_change", sa.Column("from_stage", sa.String(16), nullable=True))
    op.add_column("stage_change", sa.Column("from_days", sa.Integer(), nullable=True))
    op.execute(_backfill(op.get_context().dialect.name))
    op.create_index("ix_stage_change_moves", "stage_change", MOVES)
    op.create_index("ix_customer_stage_since", "customer", ["stage", "since"],
                    sqlite_where=sa.text(COUNTED), postgresql_where=sa.text(COUNTED))


def downgrade() -> None:
    op.drop_index("ix_customer_stage_since", table_name="customer")
    op.drop_index("ix_stage_change_moves", table_name="stage_change")
    with op.batch_alter_table("stage_change") as batch:
        batch.drop_column("from_days")
        batch.drop_column("from_stage")
