"""Stakeholders (what `crm contact` manages): the people at a customer, and their level history."""

from __future__ import annotations

from typing import Any

from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row
from crmcli.store.due import refresh_next_due

# The notes of the level a stakeholder came onto the book with (`contact add --level`, an
# imported contact's level), written with the stakeholder's own created_at stamp: what a report
# for a day before any dated level takes as the stakeholder's level (store/coverage.py).
ADDED, IMPORTED = "added", "imported"

LIST_COLUMNS = (
    "id", "customer_id", "customer", "name", "role", "level", "title", "department", "phone",
    "email", "im", "prefers", "best_time", "birthday", "every_days", "last_contact", "note",
    "created_at", "updated_at",
)
_SELECT = (
    "SELECT s.id, s.customer_id, c.name AS customer, s.name, s.role, s.level, s.title, "
    "s.department, s.phone, s.email, s.im, s.prefers, s.best_time, s.birthday, s.every_days, "
    "s.last_contact, s.note, s.created_at, s.updated_at "
    "FROM stakeholder s JOIN customer c ON c.id = s.customer_id"
)


def insert(db: Database, customer_id: int, values: dict[str, Any], at: str) -> int:
    stamp = now_stamp()
    row = {"customer_id": customer_id, "created_at": stamp, "updated_at": stamp, **values}
    cols = ", ".join(row)
    sid = db.insert(f"INSERT INTO stakeholder ({cols}) VALUES ({', '.join(':' + c for c in row)})", row)
    if row.get("level"):
        record_level(db, sid, row["level"], at, ADDED, stamp)
    return sid


def add(db: Database, customer_id: int, values: dict[str, Any], at: str,
        cadences: dict[str, int]) -> int:
    with db.transaction():
        sid = insert(db, customer_id, values, at)
        refresh_next_due(db, [customer_id], cadences)
    return sid


def update(db: Database, person: Row, values: dict[str, Any], at: str,
           cadences: dict[str, int]) -> None:
    values = dict(values)
    new_level = values.pop("level", None)
    with db.transaction():
        if values:
            values["updated_at"] = now_stamp()
            sets = ", ".join(f"{c} = :{c}" for c in values)
            db.run(f"UPDATE stakeholder SET {sets} WHERE id = :id", {**values, "id": person["id"]})
        if new_level and new_level != person["level"]:
            change_level(db, person["id"], new_level, at, "edited")
        refresh_next_due(db, [person["customer_id"]], cadences)


def record_level(db: Database, stakeholder_id: int, level: str, at: str, note: str | None,
                 stamp: str | None = None) -> None:
    db.insert(
        "INSERT INTO level_change (stakeholder_id, level, at, note, created_at) "
        "VALUES (:s, :l, :at, :n, :t)",
        {"s": stakeholder_id, "l": level, "at": at, "n": note, "t": stamp or now_stamp()},
    )


def change_level(db: Database, stakeholder_id: int, level: str, at: str, note: str | None) -> str:
    """Record a level change; the current level becomes the latest by date."""
    record_level(db, stakeholder_id, level, at, note)
    current = db.value(
        "SELECT level FROM level_change WHERE stakeholder_id = :s ORDER BY at DESC, id DESC LIMIT 1",
        {"s": stakeholder_id},
    )
    db.run("UPDATE stakeholder SET level = :l, updated_at = :t WHERE id = :s",
           {"l": current, "t": now_stamp(), "s": stakeholder_id})
    return current


def set_level(db: Database, stakeholder_id: int, level: str, at: str, note: str | None) -> str:
    with db.transaction():
        return change_level(db, stakeholder_id, level, at, note)


def delete(db: Database, person: Row, cadences: dict[str, int]) -> None:
    with db.transaction():
        db.run("DELETE FROM stakeholder WHERE id = :s", {"s": person["id"]})
        refresh_next_due(db, [person["customer_id"]], cadences)


def filters_sql(*, customer_id: int | None = None, role: str | None = None,
                owner: str | None = None) -> tuple[str, dict[str, Any]]:
    where, params = ["1 = 1"], {}
    if customer_id is not None:
        where.append("s.customer_id = :cid")
        params["cid"] = customer_id
    if role:
        where.append("s.role = :role")
        params["role"] = role
    if owner is not None:
        where.append("c.owner = :owner")
        params["owner"] = owner
    return " AND ".join(where), params


def list_rows(db: Database, where: str, params: dict[str, Any], limit: int | None) -> list[Row]:
    sql = f"{_SELECT} WHERE {where} ORDER BY c.name_key, s.customer_id, s.name_key, s.id"
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    return db.rows(sql, params)


def page(db: Database, stakeholder_id: int, recent: int = 10) -> dict[str, Any]:
    person = db.row(f"{_SELECT} WHERE s.id = :s", {"s": stakeholder_id})
    assert person is not None
    person["level_history"] = db.rows(
        "SELECT level, at, note FROM level_change WHERE stakeholder_id = :s ORDER BY at, id",
        {"s": stakeholder_id},
    )
    person["history"] = db.rows(
        "SELECT id, date, channel, purpose, note, feedback, score FROM interaction "
        "WHERE stakeholder_id = :s ORDER BY date DESC, id DESC LIMIT :n",
        {"s": stakeholder_id, "n": recent},
    )
    return person
