"""The contact log (`crm log` writes, `crm history` reads) and follow-ups."""

from __future__ import annotations

from typing import Any

from crmcli.store.clock import now_stamp
from crmcli.store.customers import on_the_book_by
from crmcli.store.db import Database, Row
from crmcli.store.due import refresh_customers, refresh_next_due, refresh_stakeholder_contact

HISTORY_SELECT = (
    "SELECT i.id, i.customer_id, c.name AS customer, i.stakeholder_id AS contact_id, "
    "s.name AS contact, i.date, i.channel, i.purpose, i.note, i.feedback, i.score, "
    "i.next_on AS next, i.next_note, i.created_at FROM interaction i "
    "JOIN customer c ON c.id = i.customer_id LEFT JOIN stakeholder s ON s.id = i.stakeholder_id"
)


def insert(db: Database, customer_id: int, stakeholder_id: int | None, values: dict[str, Any]) -> int:
    """Write one contact; close follow-ups it answers; open the one it asks for."""
    row = {"customer_id": customer_id, "stakeholder_id": stakeholder_id,
           "created_at": now_stamp(), **values}
    cols = ", ".join(row)
    iid = db.insert(f"INSERT INTO interaction ({cols}) VALUES ({', '.join(':' + c for c in row)})", row)
    # A contact on or after a follow-up's date answers it (agenda rule).
    db.run(
        "UPDATE follow_up SET done_at = :d, done_note = :n WHERE customer_id = :c "
        "AND done_at IS NULL AND due_on <= :d",
        {"d": row["date"], "n": f"contact logged (#{iid})", "c": customer_id},
    )
    if row.get("next_on"):
        add_follow_up_row(db, customer_id, stakeholder_id, row["next_on"], row.get("next_note"), iid)
    return iid


def log(db: Database, customer_id: int, stakeholder_id: int | None, values: dict[str, Any],
        cadences: dict[str, int]) -> int:
    with db.transaction():
        on_the_book_by(db, customer_id, values["date"])
        iid = insert(db, customer_id, stakeholder_id, values)
        if stakeholder_id:
            refresh_stakeholder_contact(db, [stakeholder_id])
        refresh_customers(db, [customer_id], cadences)
    return iid


def add_follow_up_row(db: Database, customer_id: int, stakeholder_id: int | None, due_on: str,
                      note: str | None, interaction_id: int | None = None) -> int:
    return db.insert(
        "INSERT INTO follow_up (customer_id, stakeholder_id, interaction_id, due_on, note, created_at) "
        "VALUES (:c, :s, :i, :d, :n, :t)",
        {"c": customer_id, "s": stakeholder_id, "i": interaction_id, "d": due_on, "n": note,
         "t": now_stamp()},
    )


def add_follow_up(db: Database, customer_id: int, stakeholder_id: int | None, due_on: str,
                  note: str | None, cadences: dict[str, int]) -> int:
    with db.transaction():
        fid = add_follow_up_row(db, customer_id, stakeholder_id, due_on, note)
        refresh_next_due(db, [customer_id], cadences)
    return fid


def follow_up(db: Database, follow_up_id: int) -> Row | None:
    return db.row("SELECT * FROM follow_up WHERE id = :f", {"f": follow_up_id})


def finish_follow_up(db: Database, row: Row, done_at: str, note: str | None,
                     cadences: dict[str, int]) -> None:
    with db.transaction():
        db.run("UPDATE follow_up SET done_at = :d, done_note = :n WHERE id = :f",
               {"d": done_at, "n": note or "marked done", "f": row["id"]})
        refresh_next_due(db, [row["customer_id"]], cadences)


def open_follow_ups(db: Database, owner: str | None = None) -> list[Row]:
    where = "f.done_at IS NULL" + (" AND c.owner = :o" if owner is not None else "")
    return db.rows(
        "SELECT f.id, f.customer_id, c.name AS customer, f.stakeholder_id AS contact_id, "
        "s.name AS contact, f.due_on, f.note FROM follow_up f JOIN customer c ON c.id = f.customer_id "
        f"LEFT JOIN stakeholder s ON s.id = f.stakeholder_id WHERE {where} ORDER BY f.due_on, f.id",
        {"o": owner},
    )


def history_filters(*, customer_id: int | None = None, since: str | None = None,
                    owner: str | None = None) -> tuple[str, dict[str, Any]]:
    where, params = ["1 = 1"], {}
    if customer_id is not None:
        where.append("i.customer_id = :cid")
        params["cid"] = customer_id
    if since:
        where.append("i.date >= :since")
        params["since"] = since
    if owner is not None:
        where.append("c.owner = :owner")
        params["owner"] = owner
    return " AND ".join(where), params


def history(db: Database, where: str, params: dict[str, Any], limit: int | None) -> list[Row]:
    sql = f"{HISTORY_SELECT} WHERE {where} ORDER BY i.date DESC, i.id DESC"
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    return db.rows(sql, params)
