"""Each customer keeps who it rests on: how many stakeholders, its decision-makers, the closest one.

- `customer.stakeholder_count`, `customer.decision_makers` (how many of them are
  decision-makers), `customer.decision_maker_id` and `customer.decision_maker_level` (the
  decision-maker with the deepest relationship, ties to the name last in order, and that
  level), `customer.sole_stakeholder_id` (the stakeholder, when there is exactly one).
  The coverage report (single-threaded accounts) reads them instead of probing every
  account's stakeholders.
- Derived, and kept by the database itself: triggers on stakeholder recompute a customer's
  five columns whenever one of its stakeholders is added, deleted, moved to another customer,
  renamed, or changes role or level, whichever command, import, merge or undo does it.
  `crm db check` recomputes them (store/stakeholder_coverage.py) and compares.
- `customer (purchase_cents, purchase_count, last_purchase, name) WHERE purchase_count > 0`:
  the value report's RFM rows (every buyer, highest revenue first, with its name) from the
  index alone, read backwards, instead of sorting 67,000 customer rows on each report.
- `interaction (date, channel, purpose, id)` replaces `(date, id, channel, purpose)`: the
  activity report's contacts per day, channel and purpose are counted in index order (about
  155,000 contacts in twelve weeks of the benchmark book) instead of sorted; a listing in
  (date, id) order sorts only within each day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The level ladder and the role as they stand at this revision (core/vocabulary.py). SET is
# a frozen copy of store/stakeholder_coverage.py's: a migration must not change when that
# module does (an old book upgraded later gets the triggers of this revision).
_RANK = ("(CASE s.level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 "
         "WHEN 'ally' THEN 3 ELSE -1 END)")
_THEIRS = "FROM stakeholder s WHERE s.customer_id = customer.id"
_CLOSEST = f"{_THEIRS} AND s.role = 'decision-maker' ORDER BY {_RANK} DESC, s.name DESC, s.id DESC LIMIT 1"
SET = (
    "UPDATE customer SET "
    f"stakeholder_count = (SELECT count(*) {_THEIRS}), "
    f"decision_makers = (SELECT count(*) {_THEIRS} AND s.role = 'decision-maker'), "
    f"decision_maker_id = (SELECT s.id {_CLOSEST}), "
    f"decision_maker_level = (SELECT s.level {_CLOSEST}), "
    f"sole_stakeholder_id = (SELECT CASE WHEN count(*) = 1 THEN min(s.id) END {_THEIRS})"
)
WATCHED = "customer_id, name, role, level"
BUYERS = "purchase_count > 0"


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER stakeholder_coverage_added AFTER INSERT ON stakeholder "
        f"BEGIN {SET} WHERE id = NEW.customer_id; END",
        f"CREATE TRIGGER stakeholder_coverage_deleted AFTER DELETE ON stakeholder "
        f"BEGIN {SET} WHERE id = OLD.customer_id; END",
        f"CREATE TRIGGER stakeholder_coverage_changed AFTER UPDATE OF {WATCHED} ON stakeholder "
        f"BEGIN {SET} WHERE id = OLD.customer_id; "
        f"{SET} WHERE id = NEW.customer_id AND NEW.customer_id IS NOT OLD.customer_id; END",
    ]


def _postgresql_triggers() -> list[str]:
    return [
        "CREATE FUNCTION stakeholder_coverage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {SET} WHERE id = OLD.customer_id; END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) "
        f"THEN {SET} WHERE id = NEW.customer_id; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER stakeholder_coverage AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} "
        "ON stakeholder FOR EACH ROW EXECUTE FUNCTION stakeholder_coverage()",
    ]


def upgrade() -> None:
    op.add_column("customer", sa.Column("stakeholder_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("customer", sa.Column("decision_makers", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("customer", sa.Column("decision_maker_id", sa.Integer(), nullable=True))
    op.add_column("customer", sa.Column("decision_maker_level", sa.String(16), nullable=True))
    op.add_column("customer", sa.Column("sole_stakeholder_id", sa.Integer(), nullable=True))
    op.execute(f"{SET} WHERE id IN (SELECT customer_id FROM stakeholder)")
    op.drop_index("ix_interaction_date_channel_purpose", table_name="interaction")
    op.create_index("ix_interaction_date_channel_purpose", "interaction", ["date", "channel", "purpose", "id"])
    op.create_index("ix_customer_revenue", "customer",
                    ["purchase_cents", "purchase_count", "last_purchase", "name"],
                    sqlite_where=sa.text(BUYERS), postgresql_where=sa.text(BUYERS))
    postgresql = op.get_context().dialect.name == "postgresql"
    for statement in _postgresql_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_customer_revenue", table_name="customer")
    op.drop_index("ix_interaction_date_channel_purpose", table_name="interaction")
    op.create_index("ix_interaction_date_channel_purpose", "interaction", ["date", "id", "channel", "purpose"])
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER stakeholder_coverage ON stakeholder")
        op.execute("DROP FUNCTION stakeholder_coverage()")
    else:
        for name in ("added", "deleted", "changed"):
            op.execute(f"DROP TRIGGER stakeholder_coverage_{name}")
    with op.batch_alter_table("customer") as batch:
        for column in ("sole_stakeholder_id", "decision_maker_level", "decision_maker_id",
                       "decision_makers", "stakeholder_count"):
            batch.drop_column(column)
