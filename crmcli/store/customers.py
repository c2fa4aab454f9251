"""Customers (accounts): add, edit, list, the profile page, delete, lifecycle stage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crmcli.store import stage_moves
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row, id_chunks
from crmcli.store.due import lock, refresh_customers, refresh_next_due

# What `customer list`, `--json` and export show of a customer, in order.
LIST_COLUMNS = (
    "id", "name", "kind", "tier", "stage", "industry", "city", "phone", "email", "tags",
    "every_days", "since", "last_contact", "next_due", "snoozed_until", "owner", "note",
    "created_at", "updated_at",
)


def insert(db: Database, values: dict[str, Any], owner: str = "") -> int:
    """A new customer; its starting stage is dated at `since`."""
    stamp = now_stamp()
    row = {"owner": owner, "tags": "", "created_at": stamp, "updated_at": stamp, **values}
    cols = ", ".join(row)
    marks = ", ".join(":" + c for c in row)
    cid = db.insert(f"INSERT INTO customer ({cols}) VALUES ({marks})", row)
    db.insert(
        "INSERT INTO stage_change (customer_id, stage, at, note, created_at) "
        "VALUES (:c, :s, :at, :n, :t)",
        {"c": cid, "s": row["stage"], "at": row["since"], "n": "added", "t": stamp},
    )
    return cid


def add(db: Database, values: dict[str, Any], cadences: dict[str, int], owner: str = "") -> int:
    with db.transaction():
        cid = insert(db, values, owner)
        refresh_customers(db, [cid], cadences)
    return cid


def update(db: Database, customer: Row, values: dict[str, Any], cadences: dict[str, int],
           *, at: str | None = None) -> None:
    """Change fields; a new stage is recorded as a stage change (history, not overwrite)."""
    values = dict(values)
    new_stage = values.pop("stage", None)
    with db.transaction():
        if values:
            values["updated_at"] = now_stamp()
            sets = ", ".join(f"{c} = :{c}" for c in values)
            db.run(f"UPDATE customer SET {sets} WHERE id = :id", {**values, "id": customer["id"]})
        if new_stage and new_stage != customer["stage"]:
            change_stage(db, customer["id"], new_stage, at or values.get("since") or _today(), "edited")
        refresh_customers(db, [customer["id"]], cadences)


def _today() -> str:
    from crmcli.store.clock import today

    return today().isoformat()


def change_stage(db: Database, customer_id: int, stage: str, at: str, note: str | None) -> str:
    """Record a stage change; the current stage becomes the latest by date. Returns it."""
    # On a server, the customer's row first: two reps changing its stage at once would otherwise
    # each update the other's stage changes (stage_moves) in opposite orders and deadlock, or
    # derive from_stage without the other's change. The second now waits, then reads both.
    lock(db, "customer", "(:c)", {"c": customer_id})
    on_the_book_by(db, customer_id, at)
    db.insert(
        "INSERT INTO stage_change (customer_id, stage, at, note, created_at) "
        "VALUES (:c, :s, :at, :n, :t)",
        {"c": customer_id, "s": stage, "at": at, "n": note, "t": now_stamp()},
    )
    stage_moves.after_insert(db, customer_id, at)
    current = db.value(
        "SELECT stage FROM stage_change WHERE customer_id = :c ORDER BY at DESC, id DESC LIMIT 1",
        {"c": customer_id},
    )
    db.run(
        "UPDATE customer SET stage = :s, updated_at = :t WHERE id = :c",
        {"s": current, "t": now_stamp(), "c": customer_id},
    )
    return current


def on_the_book_by(db: Database, customer_id: int, day: str) -> None:
    """Something dated `day` happened with the customer (a stage change, a contact, a purchase):
    it was on the book by then. If its `since` is later, `since` and the starting stage (dated at `since`
    when the customer was added) move back to that day. Otherwise a customer added today could
    not be recorded as lost last month (its starting stage, often the default nobody chose,
    would outrank the change), nor show in a report asked about last month."""
    since = db.value("SELECT since FROM customer WHERE id = :c", {"c": customer_id})
    if since is not None and day < str(since)[:10]:
        _move_back(db, [(customer_id, str(since)[:10], day)])


def first_records_before_since(db: Database, customer_ids: Iterable[int]) -> list[tuple[int, str, str, int | None]]:
    """on_the_book_by for many customers at once (after an import of dated records): those whose
    earliest contact logged or purchase is dated before their `since` move back to that day.
    What moved, as (customer_id, since before, day, id of the starting stage change moved or
    None), for the import to record (its undo puts them back)."""
    moves = []
    for ids in id_chunks(customer_ids):
        marks, params = db.in_list("c", ids)
        for cid, since, contact, purchase in db.tuples(
            "SELECT c.id, c.since, (SELECT min(i.date) FROM interaction i WHERE i.customer_id = c.id), "
            "(SELECT min(p.date) FROM purchase p WHERE p.customer_id = c.id) "
            f"FROM customer c WHERE c.id IN {marks}", params,
        ):
            day = min(str(d)[:10] for d in (contact, purchase, since) if d is not None)
            if since is not None and day < str(since)[:10]:
                moves.append((cid, str(since)[:10], day))
    starting = _move_back(db, moves)
    return [(cid, since, day, starting.get(cid)) for cid, since, day in moves]


def _move_back(db: Database, moves: list[tuple[int, str, str]]) -> dict[int, int]:
    """Move each (customer id, since, day)'s `since` back to the day, with its starting stage
    (its first stage change, when dated at `since`); the ids of the stage changes moved."""
    if not moves:
        return {}
    since_of = {cid: since for cid, since, _ in moves}
    moved: dict[int, int] = {}
    for ids in id_chunks(since_of):
        marks, params = db.in_list("c", ids)
        for cid, sid, at in db.tuples(
            "SELECT s.customer_id, s.id, s.at FROM stage_change s WHERE s.id IN (SELECT min(f.id) "
            f"FROM stage_change f WHERE f.customer_id IN {marks} GROUP BY f.customer_id)", params,
        ):
            if str(at)[:10] == since_of[cid]:
                moved[cid] = sid
    db.run_many("UPDATE stage_change SET at = :day WHERE id = :s",
                [{"day": day, "s": moved[cid]} for cid, _, day in moves if cid in moved])
    # `since > :day` again: on a server another writer may have moved it meanwhile. updated_at
    # stays: the move follows from the dated record (which carries its own time), it is not an
    # edit of the customer (`crm import undo` would otherwise call it "edited after the import").
    db.run_many("UPDATE customer SET since = :day WHERE id = :c AND since > :day",
                [{"day": day, "c": cid} for cid, _, day in moves])
    stage_moves.refresh(db, sorted(moved))
    return moved


def set_stage(db: Database, customer_id: int, stage: str, at: str, note: str | None,
              cadences: dict[str, int]) -> str:
    with db.transaction():
        current = change_stage(db, customer_id, stage, at, note)
        refresh_next_due(db, [customer_id], cadences)
    return current


def set_snooze(db: Database, customer_id: int, until: str | None) -> None:
    with db.transaction():
        db.run("UPDATE customer SET snoozed_until = :u, updated_at = :t WHERE id = :c",
               {"u": until, "t": now_stamp(), "c": customer_id})


def delete(db: Database, customer_id: int) -> None:
    """Delete a customer with its stakeholders, log, follow-ups and history (cascade)."""
    with db.transaction():
        db.run("DELETE FROM customer WHERE id = :c", {"c": customer_id})


def filters_sql(*, tier: str | None = None, stage: str | None = None, tag: str | None = None,
                city: str | None = None, search: str | None = None,
                owner: str | None = None) -> tuple[str, dict[str, Any]]:
    """WHERE clause shared by `customer list` and `export customers`."""
    where, params = ["1 = 1"], {}
    if tier:
        where.append("tier = :tier")
        params["tier"] = tier
    if stage:
        where.append("stage = :stage")
        params["stage"] = stage
    if tag:
        where.append("lower(';' || tags || ';') LIKE :tag")
        params["tag"] = f"%;{tag.strip().lower()};%"
    if city:
        where.append("lower(city) = :city")
        params["city"] = city.strip().lower()
    if search:
        from crmcli.core.names import name_key

        where.append("(name_key LIKE :q OR lower(coalesce(note, '')) LIKE :q "
                     "OR lower(coalesce(industry, '')) LIKE :q OR lower(coalesce(email, '')) LIKE :q)")
        params["q"] = f"%{name_key(search)}%"
    if owner is not None:
        where.append("owner = :owner")
        params["owner"] = owner
    return " AND ".join(where), params


def list_rows(db: Database, where: str, params: dict[str, Any], limit: int | None) -> list[Row]:
    sql = f"SELECT {', '.join(LIST_COLUMNS)} FROM customer WHERE {where} ORDER BY name_key, id"
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    return db.rows(sql, params)


def count(db: Database, where: str, params: dict[str, Any]) -> int:
    return int(db.value(f"SELECT count(*) FROM customer WHERE {where}", params))


def page(db: Database, customer_id: int, recent: int = 10) -> dict[str, Any]:
    """Everything a rep reads before a call (`customer show`)."""
    c = db.row(f"SELECT {', '.join(LIST_COLUMNS)} FROM customer WHERE id = :c", {"c": customer_id})
    assert c is not None
    c["stage_since"] = db.value(
        "SELECT at FROM stage_change WHERE customer_id = :c ORDER BY at DESC, id DESC LIMIT 1",
        {"c": customer_id},
    )
    c["stakeholders"] = db.rows(
        "SELECT id, name, role, level, title, department, phone, email, im, prefers, best_time, "
        "birthday, every_days, last_contact, note FROM stakeholder WHERE customer_id = :c "
        "ORDER BY CASE role WHEN 'decision-maker' THEN 0 WHEN 'influencer' THEN 1 "
        "WHEN 'executor' THEN 2 WHEN 'supervisor' THEN 3 ELSE 4 END, name_key, id",
        {"c": customer_id},
    )
    c["history"] = db.rows(
        "SELECT i.id, i.date, i.stakeholder_id AS contact_id, s.name AS contact, i.channel, i.purpose, i.note, i.feedback, "
        "i.score, i.next_on AS next, i.next_note FROM interaction i "
        "LEFT JOIN stakeholder s ON s.id = i.stakeholder_id WHERE i.customer_id = :c "
        "ORDER BY i.date DESC, i.id DESC LIMIT :n",
        {"c": customer_id, "n": recent},
    )
    c["contacts_logged"] = int(db.value(
        "SELECT count(*) FROM interaction WHERE customer_id = :c", {"c": customer_id}))
    c["follow_ups"] = db.rows(
        "SELECT f.id, f.due_on, f.note, s.name AS contact FROM follow_up f "
        "LEFT JOIN stakeholder s ON s.id = f.stakeholder_id "
        "WHERE f.customer_id = :c AND f.done_at IS NULL ORDER BY f.due_on, f.id",
        {"c": customer_id},
    )
    c["stage_history"] = db.rows(
        "SELECT stage, at, note FROM stage_change WHERE customer_id = :c ORDER BY at, id",
        {"c": customer_id},
    )
    # Pipeline and purchases (issue 5): what was bought, and what is expected.
    from crmcli import porcelain
    from crmcli.store import deals, purchases

    c["purchases"] = porcelain.purchase_summary(purchases.summary_rows(db, customer_id))
    c["deals"] = [porcelain.deal(d) for d in deals.open_for_customer(db, customer_id)]
    # Dated facts (issue 6): the latest value of each; `crm fact history` has them all.
    from crmcli.core.facts import fact_json
    from crmcli.store import facts

    c["facts"] = [{k: v for k, v in fact_json(f).items() if k not in ("customer_id", "customer")}
                  for f in facts.latest(db, customer_id)]
    return c
