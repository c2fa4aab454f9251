"""Pipeline and purchases, dated facts, saved segments, import batches, ownership history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DATE = sa.String(10)
STAMP = sa.String(32)


def _customer_fk() -> sa.Column:
    return sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "deal",
        sa.Column("id", sa.Integer, primary_key=True),
        _customer_fk(),
        sa.Column("stakeholder_id", sa.Integer, sa.ForeignKey("stakeholder.id", ondelete="SET NULL")),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("amount_cents", sa.BigInteger),  # exact: amounts are decimals, never floats
        sa.Column("currency", sa.String(8)),
        sa.Column("close_on", DATE),
        sa.Column("stage", sa.String(16), nullable=False, server_default="lead"),
        sa.Column("intent", sa.String(8)),
        sa.Column("note", sa.Text),
        sa.Column("closed_on", DATE),
        sa.Column("lost_reason", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
    )
    op.create_index("ix_deal_customer", "deal", ["customer_id"])
    op.create_index("ix_deal_stage_close", "deal", ["stage", "close_on"])

    op.create_table(
        "deal_stage_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("deal_id", sa.Integer, sa.ForeignKey("deal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("at", DATE, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_deal_stage_change_deal", "deal_stage_change", ["deal_id", "at"])

    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer, primary_key=True),
        _customer_fk(),
        sa.Column("deal_id", sa.Integer, sa.ForeignKey("deal.id", ondelete="SET NULL")),
        sa.Column("date", DATE, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(8)),
        sa.Column("product", sa.String),
        sa.Column("note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_purchase_customer_date", "purchase", ["customer_id", "date"])
    op.create_index("ix_purchase_date", "purchase", ["date"])

    op.create_table(
        "fact",
        sa.Column("id", sa.Integer, primary_key=True),
        _customer_fk(),
        sa.Column("stakeholder_id", sa.Integer, sa.ForeignKey("stakeholder.id", ondelete="SET NULL")),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("number", sa.Float),  # the value as a number when it reads as one, for filtering
        sa.Column("at", DATE, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_fact_customer_key_at", "fact", ["customer_id", "key", "at"])
    op.create_index("ix_fact_key_at", "fact", ["key", "at"])

    op.create_table(
        "segment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("definition", sa.Text, nullable=False),  # JSON: the --by and --where expressions
        sa.Column("created_at", STAMP, nullable=False),
    )

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file", sa.String, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("created", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("undone_at", STAMP),
    )
    op.create_index("ix_import_batch_sha256", "import_batch", ["sha256"])

    op.create_table(
        "import_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batch.id", ondelete="CASCADE"), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),  # created | updated
        sa.Column("before", sa.Text),  # JSON of the fields an update changed, as they were
    )
    op.create_index("ix_import_item_batch", "import_item", ["batch_id"])
    op.create_index("ix_import_item_row", "import_item", ["table_name", "row_id"])

    op.create_table(
        "owner_change",
        sa.Column("id", sa.Integer, primary_key=True),
        _customer_fk(),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("at", DATE, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_owner_change_customer", "owner_change", ["customer_id", "at"])

    op.create_table(
        "not_duplicate",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),  # customer | contact
        sa.Column("a_id", sa.Integer, nullable=False),
        sa.Column("b_id", sa.Integer, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.UniqueConstraint("kind", "a_id", "b_id", name="uq_not_duplicate_pair"),
    )


def downgrade() -> None:
    for table in ("not_duplicate", "owner_change", "import_item", "import_batch", "segment",
                  "fact", "purchase", "deal_stage_change", "deal"):
        op.drop_table(table)
