"""The buyers by revenue in the value report's order, ties included.

`ix_customer_revenue` (0008) holds the buyers by (purchase_cents, purchase_count,
last_purchase, name); the value report lists them highest revenue first, and until now
broke ties by customer id, which the index does not hold in that place: SQLite sorted every
run of equal revenue (3,400 runs on the 100,000-customer book, an eighth of the statement).
The index now holds the id before the name, and the report breaks ties as it reads the
index backwards: more purchases first, then the latest purchase, then the newest customer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BUYERS = "purchase_count > 0"


def _revenue_index(columns: list[str]) -> None:
    op.drop_index("ix_customer_revenue", table_name="customer")
    op.create_index("ix_customer_revenue", "customer", columns,
                    sqlite_where=sa.text(BUYERS), postgresql_where=sa.text(BUYERS))


def upgrade() -> None:
    _revenue_index(["purchase_cents", "purchase_count", "last_purchase", "id", "name"])


def downgrade() -> None:
    _revenue_index(["purchase_cents", "purchase_count", "last_purchase", "name"])
