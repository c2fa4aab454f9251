"""Reports read indexes: covering indexes for revenue, stage history and weekly activity,
and partial indexes that lead straight to survey scores and complaints.

- `purchase (customer_id, date, amount_cents)` replaces `(customer_id, date)`: revenue per
  customer (value, win-back, coverage) is an index-only scan in customer order, no sort.
- `stage_change (customer_id, at, id, stage)` replaces `(customer_id, at)`: "the stage on a
  day" and "the change before this one" are answered from the index alone, in (at, id) order.
- `interaction (date, id, channel, purpose)` replaces `(date)`: contacts per day, channel and
  purpose (the activity report) read the index only; (date, id) keeps history's order.
- partial `interaction (customer_id, date, id, score) WHERE score IS NOT NULL` and
  `interaction (customer_id, date, id, purpose) WHERE purpose IN ('complaint', 'resolved')`:
  a customer's latest survey score and open complaint are one small index probe, where
  before every contact was read. Both engines support partial indexes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCORED = "score IS NOT NULL"
COMPLAINTS = "purpose IN ('complaint', 'resolved')"


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(name, table, columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    op.create_index("ix_purchase_customer_date_amount", "purchase", ["customer_id", "date", "amount_cents"])
    op.drop_index("ix_purchase_customer_date", table_name="purchase")
    op.create_index("ix_stage_change_customer_at_stage", "stage_change", ["customer_id", "at", "id", "stage"])
    op.drop_index("ix_stage_change_customer_at", table_name="stage_change")
    op.create_index("ix_interaction_date_channel_purpose", "interaction", ["date", "id", "channel", "purpose"])
    op.drop_index("ix_interaction_date", table_name="interaction")
    _partial("ix_interaction_customer_score", "interaction", ["customer_id", "date", "id", "score"], SCORED)
    _partial("ix_interaction_customer_complaint", "interaction", ["customer_id", "date", "id", "purpose"],
             COMPLAINTS)


def downgrade() -> None:
    op.drop_index("ix_interaction_customer_complaint", table_name="interaction")
    op.drop_index("ix_interaction_customer_score", table_name="interaction")
    op.create_index("ix_interaction_date", "interaction", ["date"])
    op.drop_index("ix_interaction_date_channel_purpose", table_name="interaction")
    op.create_index("ix_stage_change_customer_at", "stage_change", ["customer_id", "at"])
    op.drop_index("ix_stage_change_customer_at_stage", table_name="stage_change")
    op.create_index("ix_purchase_customer_date", "purchase", ["customer_id", "date"])
    op.drop_index("ix_purchase_customer_date_amount", table_name="purchase")
