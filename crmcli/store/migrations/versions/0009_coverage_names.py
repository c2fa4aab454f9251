"""Each customer also keeps the names its coverage advice quotes, and SQLite an index in rank order.

- `customer.sole_stakeholder_name` and `sole_stakeholder_role` (the one stakeholder of an
  account that has exactly one: "only Zhang Min (executor) — widen") and
  `customer.decision_maker_name` (the decision-maker with the deepest relationship: "deepen
  Li Wei (decision-maker, engaged) to partner"). Derived like the five columns of 0008 and
  kept by the same triggers, re-created here to compute all eight in two subqueries (a row
  value each) instead of five. The coverage report then reads no stakeholder row: on the
  100,000-customer book the names' lookups were a third of `report coverage --json`.
- SQLite: `ix_customer_coverage`, the single-threaded company accounts (the report's
  condition, as a partial index) in the report's order (tier, value, name, id), holding
  every column the report reads: the report is one walk of it, with no sort and no table
  read. An expression index, so SQLite only (SQLAlchemy cannot reflect it to compare with
  store/schema.py); a server sorts the accounts as before.
- `customer (last_purchase, purchase_count) WHERE purchase_count > 0`: the value report's
  buyers counted per last-purchase day (the recency quintiles) in index order instead of
  sorting 67,000 customers on each report.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen copies of store/stakeholder_coverage.py's SET and store/coverage.py's order and
# condition at this revision (core/vocabulary.py's ladder and tiers): a migration must not
# change when those modules do.
_RANK = ("(CASE s.level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 "
         "WHEN 'ally' THEN 3 ELSE -1 END)")
_THEIRS = "FROM stakeholder s WHERE s.customer_id = customer.id"
SET = (
    "UPDATE customer SET "
    "(stakeholder_count, decision_makers, sole_stakeholder_id, sole_stakeholder_name, sole_stakeholder_role) = "
    "(SELECT count(*), count(CASE WHEN s.role = 'decision-maker' THEN 1 END), "
    "CASE WHEN count(*) = 1 THEN min(s.id) END, CASE WHEN count(*) = 1 THEN min(s.name) END, "
    f"CASE WHEN count(*) = 1 THEN min(s.role) END {_THEIRS}), "
    "(decision_maker_id, decision_maker_level, decision_maker_name) = "
    f"(SELECT s.id, s.level, s.name {_THEIRS} AND s.role = 'decision-maker' "
    f"ORDER BY {_RANK} DESC, s.name DESC, s.id DESC LIMIT 1)"
)
WATCHED = "customer_id, name, role, level"
_TIER_RANK = "(CASE tier WHEN 'gold' THEN 0 WHEN 'silver' THEN 1 WHEN 'iron' THEN 2 WHEN 'lead' THEN 3 ELSE -1 END)"
_DM_RANK = ("(CASE decision_maker_level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 "
            "WHEN 'partner' THEN 2 WHEN 'ally' THEN 3 ELSE -1 END)")
COVERAGE_INDEX = (
    f"CREATE INDEX ix_customer_coverage ON customer ({_TIER_RANK}, purchase_cents DESC, name_key, id, "
    "name, tier, kind, stage, since, owner, stakeholder_count, decision_makers, decision_maker_level, "
    "decision_maker_name, sole_stakeholder_name, sole_stakeholder_role) "
    f"WHERE kind = 'company' AND stage <> 'lost' "
    f"AND (stakeholder_count <= 1 OR decision_makers = 0 OR {_DM_RANK} < 2)"
)

# 0008's triggers, for a downgrade.
_CLOSEST_0008 = f"{_THEIRS} AND s.role = 'decision-maker' ORDER BY {_RANK} DESC, s.name DESC, s.id DESC LIMIT 1"
SET_0008 = (
    "UPDATE customer SET "
    f"stakeholder_count = (SELECT count(*) {_THEIRS}), "
    f"decision_makers = (SELECT count(*) {_THEIRS} AND s.role = 'decision-maker'), "
    f"decision_maker_id = (SELECT s.id {_CLOSEST_0008}), "
    f"decision_maker_level = (SELECT s.level {_CLOSEST_0008}), "
    f"sole_stakeholder_id = (SELECT CASE WHEN count(*) = 1 THEN min(s.id) END {_THEIRS})"
)
NAMES = ("sole_stakeholder_name", "sole_stakeholder_role", "decision_maker_name")
BUYERS = "purchase_count > 0"


_SQLITE_DROP = [f"DROP TRIGGER stakeholder_coverage_{name}" for name in ("added", "deleted", "changed")]


def _sqlite_triggers(update: str) -> list[str]:
    return [
        f"CREATE TRIGGER stakeholder_coverage_added AFTER INSERT ON stakeholder "
        f"BEGIN {update} WHERE id = NEW.customer_id; END",
        f"CREATE TRIGGER stakeholder_coverage_deleted AFTER DELETE ON stakeholder "
        f"BEGIN {update} WHERE id = OLD.customer_id; END",
        f"CREATE TRIGGER stakeholder_coverage_changed AFTER UPDATE OF {WATCHED} ON stakeholder "
        f"BEGIN {update} WHERE id = OLD.customer_id; "
        f"{update} WHERE id = NEW.customer_id AND NEW.customer_id IS NOT OLD.customer_id; END",
    ]


def _postgresql_function(update: str) -> list[str]:
    """The trigger's function, replaced in place (the trigger of 0008 calls it by name)."""
    return [
        "CREATE OR REPLACE FUNCTION stakeholder_coverage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {update} WHERE id = OLD.customer_id; END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) "
        f"THEN {update} WHERE id = NEW.customer_id; END IF; "
        "RETURN NULL; END $$",
    ]


def upgrade() -> None:
    op.add_column("customer", sa.Column("sole_stakeholder_name", sa.String(), nullable=True))
    op.add_column("customer", sa.Column("sole_stakeholder_role", sa.String(16), nullable=True))
    op.add_column("customer", sa.Column("decision_maker_name", sa.String(), nullable=True))
    postgresql = op.get_context().dialect.name == "postgresql"
    for statement in _postgresql_function(SET) if postgresql else [*_SQLITE_DROP, *_sqlite_triggers(SET)]:
        op.execute(statement)
    op.execute(f"{SET} WHERE id IN (SELECT customer_id FROM stakeholder)")
    if not postgresql:
        op.execute(COVERAGE_INDEX)
    op.create_index("ix_customer_last_purchase", "customer", ["last_purchase", "purchase_count"],
                    sqlite_where=sa.text(BUYERS), postgresql_where=sa.text(BUYERS))


def downgrade() -> None:
    op.drop_index("ix_customer_last_purchase", table_name="customer")
    postgresql = op.get_context().dialect.name == "postgresql"
    # SQLite rebuilds the table to drop columns: no trigger may name it meanwhile.
    for statement in _postgresql_function(SET_0008) if postgresql else ["DROP INDEX ix_customer_coverage", *_SQLITE_DROP]:
        op.execute(statement)
    with op.batch_alter_table("customer") as batch:
        for column in reversed(NAMES):
            batch.drop_column(column)
    if not postgresql:
        for statement in _sqlite_triggers(SET_0008):
            op.execute(statement)
