"""The agenda's covering index holds the customer id on PostgreSQL too.

SQLite keeps the rowid (`customer.id`) in every index entry, so the agenda ranks
from `ix_customer_agenda` alone. A PostgreSQL index holds only the columns it
names, so the agenda query (which returns and orders by `c.id`) read the table:
the planner chose a parallel scan of all customers for `crm due --all`, ~90 ms on
100,000 customers, where the index alone takes ~20 ms. `INCLUDE (id)` makes it an
index-only scan. Nothing changes on SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ["next_due", "snoozed_until", "tier", "agenda_weight", "every_days", "follow_up_on", "owner"]


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.drop_index("ix_customer_agenda", table_name="customer")
    op.create_index("ix_customer_agenda", "customer", COLUMNS, postgresql_include=["id"])


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.drop_index("ix_customer_agenda", table_name="customer")
    op.create_index("ix_customer_agenda", "customer", COLUMNS)
