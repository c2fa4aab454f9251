"""The agenda ranks from one index: derived rank inputs on the customer, and covering indexes.

Two derived columns, kept right by store/due.py on every write like `next_due`:
`follow_up_on` (the earliest open follow-up) and `agenda_weight` (the tier and
stage part of the rank, core/agenda.py). With them, `ix_customer_agenda` holds
every column the agenda's WHERE and rank read, so finding, ranking and
counting the due customers never touches the customer rows or the follow-ups.
It starts with `next_due`, so it replaces `ix_customer_next_due`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from crmcli.core.agenda import STAGE_WEIGHT, TIER_WEIGHT

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _case(column: str, weights: dict[str, float]) -> str:
    return f"(CASE {column} " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in weights.items()) + " ELSE 0 END)"


def upgrade() -> None:
    op.add_column("customer", sa.Column("follow_up_on", sa.String(10)))
    op.add_column("customer", sa.Column("agenda_weight", sa.Float, nullable=False, server_default="0"))
    op.execute("UPDATE customer SET follow_up_on = (SELECT min(f.due_on) FROM follow_up f "
               "WHERE f.customer_id = customer.id AND f.done_at IS NULL), "
               f"agenda_weight = {_case('tier', TIER_WEIGHT)} + {_case('stage', STAGE_WEIGHT)}")
    op.drop_index("ix_customer_next_due", table_name="customer")
    op.create_index("ix_customer_agenda", "customer", ["next_due", "snoozed_until", "tier", "agenda_weight",
                                                       "every_days", "follow_up_on", "owner"])


def downgrade() -> None:
    op.drop_index("ix_customer_agenda", table_name="customer")
    op.create_index("ix_customer_next_due", "customer", ["next_due"])
    op.drop_column("customer", "agenda_weight")
    op.drop_column("customer", "follow_up_on")
