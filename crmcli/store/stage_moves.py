"""The stage each stage change ended, stored on the change (migration 0006).

A customer's stage history is a list of dated changes; the loyalty ladder
(`crm report ladder`) asks of every change of a period which stage it ended
and how many days that stage had lasted. Each change keeps both:
`from_stage` (the stage of the change before it, by (at, id); NULL for a
customer's first change) and `from_days` (the days from that change to this
one). With them the year's moves are one index scan (`ix_stage_change_moves`)
instead of one probe for the change before each of 130,000 changes.

They are derived, like customer.next_due: every writer of stage_change calls
`refresh` for the customers whose history it changed, inside its transaction
(a change inserted, backdated, moved to another customer by a merge, deleted
by an undo). `crm db check` recomputes them all and compares.
"""

from __future__ import annotations

from collections.abc import Iterable

from crmcli.store.db import Database, id_chunks


def days_between(dialect: str, start: str, end: str) -> str:
    """SQL: whole days from one ISO date expression to another (the ladder's days in a stage,
    the value report's recency)."""
    if dialect == "postgresql":
        return f"(CAST({end} AS date) - CAST({start} AS date))"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def update_sql(dialect: str, where: str) -> str:
    """The UPDATE that sets from_stage and from_days of the stage changes matching `where`
    (a condition on stage_change's own columns; the migration's backfill uses it too)."""
    days = days_between(dialect, "p.at", "stage_change.at")
    return (
        f"UPDATE stage_change SET (from_stage, from_days) = (SELECT p.stage, {days} FROM stage_change p "
        "WHERE p.customer_id = stage_change.customer_id AND p.at <= stage_change.at "
        "AND (p.at < stage_change.at OR p.id < stage_change.id) "
        f"ORDER BY p.at DESC, p.id DESC LIMIT 1) WHERE {where}"
    )


def refresh(db: Database, customer_ids: Iterable[int] | None = None) -> None:
    """Recompute from_stage and from_days of every stage change of these customers (None: of
    the whole book). Runs inside the caller's transaction."""
    if customer_ids is None:
        db.run(update_sql(db.dialect, "1 = 1"))
        return
    for ids in id_chunks(customer_ids):
        _refresh(db, ids)


def _refresh(db: Database, ids: list[int]) -> None:
    marks, params = db.in_list("c", ids)
    db.run(update_sql(db.dialect, f"customer_id IN {marks}"), params)


def after_insert(db: Database, customer_id: int, at: str) -> None:
    """Set the two columns after one stage change of a customer was written at `at`: the new
    change and any dated after it (a backdated change ends a different stage for them)."""
    db.run(update_sql(db.dialect, "customer_id = :c AND at >= :at"), {"c": customer_id, "at": at})
