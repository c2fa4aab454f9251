"""Whose account a customer is: handing it to another rep, kept as history (owner_change).

`customer.owner` is the current rep; every hand-over adds an owner_change row
dated when it happened, so "who looked after Acme last spring" stays
answerable. On a personal SQLite book the owner is empty and nobody sees it.
"""

from __future__ import annotations

from typing import Any

from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row


def assign(db: Database, customer: Row, rep: str, at: str, note: str | None = None) -> bool:
    """Make `rep` the customer's owner from `at`; False when it already was theirs."""
    previous = customer.get("owner") or ""
    if previous == rep:
        return False
    stamp = now_stamp()
    with db.transaction():
        db.run("UPDATE customer SET owner = :o, updated_at = :t WHERE id = :c",
               {"o": rep, "t": stamp, "c": customer["id"]})
        db.insert(
            "INSERT INTO owner_change (customer_id, owner, at, note, created_at) "
            "VALUES (:c, :o, :at, :n, :t)",
            {"c": customer["id"], "o": rep, "at": at,
             "n": note or (f"from {previous}" if previous else "first owner"), "t": stamp},
        )
    return True


def history(db: Database, customer_id: int) -> list[Row]:
    """The customer's hand-overs, oldest first."""
    return db.rows(
        "SELECT owner, at, note FROM owner_change WHERE customer_id = :c ORDER BY at, id",
        {"c": customer_id},
    )


def reps(db: Database) -> list[dict[str, Any]]:
    """Every owner on the book with the number of customers they hold (reads the owner index)."""
    return db.rows("SELECT owner, count(*) AS customers FROM customer GROUP BY owner ORDER BY owner")
