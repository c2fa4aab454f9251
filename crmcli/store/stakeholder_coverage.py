"""Who each customer rests on, stored on the customer (migrations 0008 and 0009).

`customer.stakeholder_count`, `decision_makers`, `decision_maker_id`,
`decision_maker_level` and `decision_maker_name` (the decision-maker with the
deepest relationship, ties to the name last in order) and `sole_stakeholder_id`,
`sole_stakeholder_name` and `sole_stakeholder_role` (the one stakeholder of an
account that has exactly one) are what the coverage report needs of every
company account, the names its advice quotes included. Probing each account's
stakeholders for them costs more than the rest of the report; stored, they are
read with the customer row (on SQLite from one index in the report's order).

Unlike the other derived columns they are kept by the database: triggers on
stakeholder (created by migration 0008, re-created by 0009) recompute a
customer's eight columns whenever one of its stakeholders is added, deleted,
moved, renamed or changes role or level. This module holds the same
computation for `crm db check`, which recomputes them all and compares, and
for a large import or its undo, which pause the triggers (a row-by-row recount
costs ~50 µs per stakeholder written) and recount the customers they touched
in one statement per thousand. The columns hold today's levels: a report for
an earlier day reads the level history instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from crmcli.core.vocabulary import LEVEL_ORDER
from crmcli.store.db import Database, id_chunks

# Stakeholders written at once from which pausing the triggers pays (an import, an undo).
PAUSE_ROWS = 200


def level_rank(level: str) -> str:
    """SQL: the rank of a level column in the ladder (-1: no level)."""
    whens = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(LEVEL_ORDER))
    return f"(CASE {level} {whens} ELSE -1 END)"


_THEIRS = "FROM stakeholder s WHERE s.customer_id = customer.id"
COLUMNS = ("stakeholder_count", "decision_makers", "decision_maker_id", "decision_maker_level",
           "decision_maker_name", "sole_stakeholder_id", "sole_stakeholder_name", "sole_stakeholder_role")
# The statement the triggers of migration 0009 run for one customer: the counts and the sole
# stakeholder in one pass over its stakeholders, the closest decision-maker in one probe (a
# row value each: no row found sets them NULL).
SET = (
    "UPDATE customer SET "
    "(stakeholder_count, decision_makers, sole_stakeholder_id, sole_stakeholder_name, sole_stakeholder_role) = "
    "(SELECT count(*), count(CASE WHEN s.role = 'decision-maker' THEN 1 END), "
    "CASE WHEN count(*) = 1 THEN min(s.id) END, CASE WHEN count(*) = 1 THEN min(s.name) END, "
    f"CASE WHEN count(*) = 1 THEN min(s.role) END {_THEIRS}), "
    "(decision_maker_id, decision_maker_level, decision_maker_name) = "
    f"(SELECT s.id, s.level, s.name {_THEIRS} AND s.role = 'decision-maker' "
    f"ORDER BY {level_rank('s.level')} DESC, s.name DESC, s.id DESC LIMIT 1)"
)


def pause(db: Database) -> list[str]:
    """Drop the triggers (SQLite, inside the caller's transaction) for a write of many
    stakeholders at once; the statements that re-create them. On a server nothing is dropped
    (that would lock the table for every rep): []. Pair with `resume`."""
    if db.dialect != "sqlite":
        return []
    found = db.rows("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stakeholder' "
                    "AND name LIKE 'stakeholder_coverage%'")
    for trigger in found:
        db.run(f'DROP TRIGGER "{trigger["name"]}"')
    return [trigger["sql"] for trigger in found]


def resume(db: Database, triggers: list[str], customer_ids: Iterable[int]) -> None:
    """Recompute the columns of the customers whose stakeholders were written while paused,
    then re-create the triggers (all in the caller's transaction: a rollback restores both)."""
    if not triggers:
        return
    refresh(db, customer_ids)
    for sql in triggers:
        db.run(sql)


def refresh(db: Database, customer_ids: Iterable[int] | None = None) -> None:
    """Recompute the eight columns of these customers (None: of the whole book)."""
    if customer_ids is None:
        db.run(SET)
        return
    for ids in id_chunks(customer_ids):
        marks, params = db.in_list("c", ids)
        db.run(f"{SET} WHERE id IN {marks}", params)
