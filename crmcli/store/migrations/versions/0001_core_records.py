"""Core records: customers, stakeholders, the contact log, follow-ups, stage and level history.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DATE = sa.String(10)  # ISO dates (YYYY-MM-DD); birthdays may be --MM-DD
STAMP = sa.String(32)  # ISO timestamps


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("name_key", sa.String, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="company"),
        sa.Column("tier", sa.String(16), nullable=False, server_default="iron"),
        sa.Column("stage", sa.String(16), nullable=False, server_default="prospect"),
        sa.Column("industry", sa.String),
        sa.Column("city", sa.String),
        sa.Column("phone", sa.String),
        sa.Column("email", sa.String),
        sa.Column("tags", sa.String, nullable=False, server_default=""),
        sa.Column("every_days", sa.Integer),
        sa.Column("since", DATE, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("owner", sa.String, nullable=False, server_default=""),
        sa.Column("last_contact", DATE),
        sa.Column("imported_last_contact", DATE),
        sa.Column("next_due", DATE),
        sa.Column("snoozed_until", DATE),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
    )
    op.create_index("ix_customer_name_key", "customer", ["name_key"])
    op.create_index("ix_customer_next_due", "customer", ["next_due"])
    op.create_index("ix_customer_last_contact", "customer", ["last_contact"])
    op.create_index("ix_customer_owner_next_due", "customer", ["owner", "next_due"])

    op.create_table(
        "stakeholder",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("name_key", sa.String, nullable=False),
        sa.Column("role", sa.String(16)),
        sa.Column("level", sa.String(16)),
        sa.Column("title", sa.String),
        sa.Column("department", sa.String),
        sa.Column("phone", sa.String),
        sa.Column("phone_digits", sa.String),
        sa.Column("email", sa.String),
        sa.Column("email_key", sa.String),
        sa.Column("im", sa.String),
        sa.Column("prefers", sa.String(16)),
        sa.Column("best_time", sa.String),
        sa.Column("birthday", DATE),
        sa.Column("every_days", sa.Integer),
        sa.Column("last_contact", DATE),
        sa.Column("note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
    )
    op.create_index("ix_stakeholder_customer", "stakeholder", ["customer_id"])
    op.create_index("ix_stakeholder_name_key", "stakeholder", ["name_key"])
    op.create_index("ix_stakeholder_email_key", "stakeholder", ["email_key"])
    op.create_index("ix_stakeholder_phone_digits", "stakeholder", ["phone_digits"])

    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stakeholder_id", sa.Integer, sa.ForeignKey("stakeholder.id", ondelete="SET NULL")),
        sa.Column("date", DATE, nullable=False),
        sa.Column("channel", sa.String(16)),
        sa.Column("purpose", sa.String(16)),
        sa.Column("note", sa.Text),
        sa.Column("feedback", sa.Text),
        sa.Column("score", sa.Integer),
        sa.Column("next_on", DATE),
        sa.Column("next_note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_interaction_customer_date", "interaction", ["customer_id", "date"])
    op.create_index("ix_interaction_stakeholder_date", "interaction", ["stakeholder_id", "date"])
    op.create_index("ix_interaction_date", "interaction", ["date"])

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stakeholder_id", sa.Integer, sa.ForeignKey("stakeholder.id", ondelete="SET NULL")),
        sa.Column("interaction_id", sa.Integer, sa.ForeignKey("interaction.id", ondelete="SET NULL")),
        sa.Column("due_on", DATE, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("done_at", DATE),
        sa.Column("done_note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_follow_up_customer_open", "follow_up", ["customer_id", "done_at", "due_on"])

    op.create_table(
        "stage_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("at", DATE, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_stage_change_customer_at", "stage_change", ["customer_id", "at"])
    op.create_index("ix_stage_change_stage_at", "stage_change", ["stage", "at"])

    op.create_table(
        "level_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stakeholder_id", sa.Integer, sa.ForeignKey("stakeholder.id", ondelete="CASCADE"), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("at", DATE, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_level_change_stakeholder_at", "level_change", ["stakeholder_id", "at"])


def downgrade() -> None:
    for table in ("level_change", "stage_change", "follow_up", "interaction", "stakeholder", "customer"):
        op.drop_table(table)
