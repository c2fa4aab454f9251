"""Each customer keeps its purchases in three numbers: revenue, how many, the latest date.

- `customer.purchase_cents`, `customer.purchase_count` (0 for a customer who never bought)
  and `customer.last_purchase`: derived, kept by every writer of purchase
  (store/purchase_totals.py), verified by `crm db check`, backfilled here with the same
  UPDATE. The value report's RFM scores, the win-back bands and coverage's ranking by value
  read them instead of summing every purchase of the book on each report.
- `customer (purchase_count, purchase_cents, last_purchase) WHERE purchase_count > 0`: the
  buying customers and their three numbers from the index alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = ["purchase_count", "purchase_cents", "last_purchase"]
# Partial: the buyers only, and only for a query that asks for them (a plain index here would
# cover `SELECT id FROM customer` and change the order in which other commands read the book).
BUYERS = "purchase_count > 0"


def upgrade() -> None:
    op.add_column("customer", sa.Column("purchase_cents", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("customer", sa.Column("purchase_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("customer", sa.Column("last_purchase", sa.String(10), nullable=True))
    op.execute(
        "UPDATE customer SET (purchase_cents, purchase_count, last_purchase) = "
        "(SELECT coalesce(sum(p.amount_cents), 0), count(*), max(p.date) FROM purchase p "
        "WHERE p.customer_id = customer.id) "
        "WHERE id IN (SELECT customer_id FROM purchase)"
    )
    op.create_index("ix_customer_purchases", "customer", COLUMNS,
                    sqlite_where=sa.text(BUYERS), postgresql_where=sa.text(BUYERS))


def downgrade() -> None:
    op.drop_index("ix_customer_purchases", table_name="customer")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("last_purchase")
        batch.drop_column("purchase_count")
        batch.drop_column("purchase_cents")
