"""Dated facts (`crm fact`): every value kept with its date, never overwritten.

A fact is (customer, key, value, date), optionally learned from a stakeholder.
The latest value of a key is the one with the latest date (the latest entry
on a tie); older values stay, so a rep sees a trend (income up, mileage
climbing) and segments can ask what was true on a past day.
"""

from __future__ import annotations

from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row

_SELECT = (
    "SELECT f.id, f.customer_id, c.name AS customer, f.key, f.value, f.number, f.at, "
    "f.stakeholder_id AS contact_id, s.name AS contact FROM fact f "
    "JOIN customer c ON c.id = f.customer_id LEFT JOIN stakeholder s ON s.id = f.stakeholder_id"
)


def latest_value(db: Database, customer_id: int, key: str) -> Row | None:
    return db.row(
        "SELECT id, value, number, at FROM fact WHERE customer_id = :c AND key = :k "
        "ORDER BY at DESC, id DESC LIMIT 1",
        {"c": customer_id, "k": key},
    )


def record(db: Database, customer_id: int, stakeholder_id: int | None, key: str, value: str,
           number: float | None, at: str) -> tuple[int | None, Row | None]:
    """Add a value; (its id, the latest value before it). An identical entry (same key,
    value and date) is not written twice: id None."""
    with db.transaction():
        before = latest_value(db, customer_id, key)
        same = db.value(
            "SELECT id FROM fact WHERE customer_id = :c AND key = :k AND at = :at AND value = :v LIMIT 1",
            {"c": customer_id, "k": key, "at": at, "v": value},
        )
        if same is not None:
            return None, before
        fid = db.insert(
            "INSERT INTO fact (customer_id, stakeholder_id, key, value, number, at, created_at) "
            "VALUES (:c, :s, :k, :v, :n, :at, :t)",
            {"c": customer_id, "s": stakeholder_id, "k": key, "v": value, "n": number, "at": at,
             "t": now_stamp()},
        )
    return fid, before


def history(db: Database, customer_id: int, key: str | None = None) -> list[Row]:
    """Every value of the customer's facts (or of one key), by key, oldest first."""
    where = "f.customer_id = :c" + (" AND f.key = :k" if key else "")
    return db.rows(f"{_SELECT} WHERE {where} ORDER BY f.key, f.at, f.id", {"c": customer_id, "k": key})


def latest(db: Database, customer_id: int) -> list[Row]:
    """The latest value of each of the customer's facts, by key (what `customer show` lists)."""
    return db.rows(
        f"{_SELECT} WHERE f.customer_id = :c AND f.id = (SELECT f2.id FROM fact f2 "
        "WHERE f2.customer_id = f.customer_id AND f2.key = f.key ORDER BY f2.at DESC, f2.id DESC LIMIT 1) "
        "ORDER BY f.key",
        {"c": customer_id},
    )


def keys_of(db: Database, customer_id: int) -> list[str]:
    return [r["key"] for r in db.rows(
        "SELECT DISTINCT key FROM fact WHERE customer_id = :c ORDER BY key", {"c": customer_id})]


def get(db: Database, fact_id: int) -> Row | None:
    return db.row(f"{_SELECT} WHERE f.id = :f", {"f": fact_id})


def delete(db: Database, fact_id: int) -> None:
    """Remove one mistaken entry (the other values of the key stay)."""
    with db.transaction():
        db.run("DELETE FROM fact WHERE id = :f", {"f": fact_id})
