"""Purchases: what each customer bought, when and for how much, and the stage it earns.

A purchase is recorded by `crm purchase add`, by winning a deal, or by an
import. Each write lets the loyalty ladder follow (core/pipeline.py): a first
purchase makes a suspect or prospect first-time, a second makes it repeat,
each as a normal, dated stage change whose note says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from crmcli.core.pipeline import purchase_note, stages_after_purchases
from crmcli.store import purchase_totals
from crmcli.store.clock import now_stamp
from crmcli.store.customers import change_stage, on_the_book_by
from crmcli.store.db import Database, Row, id_chunks
from crmcli.store.due import refresh_next_due

SELECT = (
    "SELECT p.id, p.customer_id, c.name AS customer, p.date, p.amount_cents, p.currency, "
    "p.product, p.deal_id, d.title AS deal, p.note, p.created_at FROM purchase p "
    "JOIN customer c ON c.id = p.customer_id LEFT JOIN deal d ON d.id = p.deal_id"
)
# Stages a purchase can move (the rule itself is core.pipeline.stages_after_purchases).
_MOVABLE = "('suspect', 'prospect', 'first-time')"


def insert_row(db: Database, customer_id: int, values: dict[str, Any], deal_id: int | None = None) -> int:
    row = {"customer_id": customer_id, "deal_id": deal_id, "created_at": now_stamp(), **values}
    cols = ", ".join(row)
    pid = db.insert(f"INSERT INTO purchase ({cols}) VALUES ({', '.join(':' + c for c in row)})", row)
    purchase_totals.refresh(db, [customer_id])
    return pid


def follow_stage(db: Database, customer_ids: Iterable[int]) -> list[Row]:
    """Move customers up the ladder as their purchases call for; the changes made.

    Runs inside the caller's transaction. A change is dated at the purchase
    that earned it, or at the current stage's date if that is later (so the
    change takes effect and history stays in order).
    """
    changes: list[Row] = []
    for ids in id_chunks(customer_ids):
        marks, params = db.in_list("c", ids)
        eligible = db.rows(
            f"SELECT id, name, stage FROM customer WHERE id IN {marks} AND stage IN {_MOVABLE}", params
        )
        if not eligible:
            continue
        marks, params = db.in_list("e", [r["id"] for r in eligible])
        firsts: dict[int, list[Row]] = defaultdict(list)
        for p in db.rows(
            "SELECT customer_id, date, amount_cents, currency, product FROM purchase "
            f"WHERE customer_id IN {marks} ORDER BY customer_id, date, id", params,
        ):
            if len(firsts[p["customer_id"]]) < 2:
                firsts[p["customer_id"]].append(p)
        for c in eligible:
            stage = c["stage"]
            for new_stage, purchase, why in stages_after_purchases(stage, firsts.get(c["id"], [])):
                since = db.value(
                    "SELECT max(at) FROM stage_change WHERE customer_id = :c", {"c": c["id"]}
                ) or purchase["date"]
                at = max(str(purchase["date"]), since)
                note = purchase_note(why, purchase)
                change_stage(db, c["id"], new_stage, at, note)
                change_id = db.value("SELECT max(id) FROM stage_change WHERE customer_id = :c", {"c": c["id"]})
                changes.append({"customer_id": c["id"], "customer": c["name"], "from": stage,
                                "to": new_stage, "at": at, "note": note, "stage_change_id": change_id})
                stage = new_stage
    return changes


def record(db: Database, customer_id: int, values: dict[str, Any], cadences: dict[str, int],
           deal_id: int | None = None) -> tuple[int, list[Row]]:
    """One purchase, in its own transaction (or the caller's); its id and the stage changes it made."""
    with db.transaction():
        on_the_book_by(db, customer_id, str(values["date"]))
        pid = insert_row(db, customer_id, values, deal_id)
        changes = follow_stage(db, [customer_id])
        refresh_next_due(db, [customer_id], cadences)
    return pid, changes


def filters_sql(*, customer_id: int | None = None, since: str | None = None,
                owner: str | None = None) -> tuple[str, dict[str, Any]]:
    where, params = ["1 = 1"], {}
    if customer_id is not None:
        where.append("p.customer_id = :cid")
        params["cid"] = customer_id
    if since:
        where.append("p.date >= :since")
        params["since"] = since
    if owner is not None:
        where.append("c.owner = :owner")
        params["owner"] = owner
    return " AND ".join(where), params


def list_rows(db: Database, where: str, params: dict[str, Any], limit: int | None) -> list[Row]:
    sql = f"{SELECT} WHERE {where} ORDER BY p.date DESC, p.id DESC"
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    return db.rows(sql, params)


def iter_rows(db: Database, where: str = "1 = 1", params: dict[str, Any] | None = None):
    """Every matching purchase, oldest first, streamed (exports)."""
    return db.iter_rows(f"{SELECT} WHERE {where} ORDER BY p.date, p.id", params or {})


def count(db: Database, where: str, params: dict[str, Any]) -> int:
    return int(db.value(f"SELECT count(*) FROM purchase p JOIN customer c ON c.id = p.customer_id WHERE {where}", params))


def summary_rows(db: Database, customer_id: int) -> dict[str, Any]:
    """For the customer page: totals per currency, and the first and last purchase."""
    totals = db.rows(
        "SELECT currency, count(*) AS n, sum(amount_cents) AS cents FROM purchase "
        "WHERE customer_id = :c GROUP BY currency ORDER BY currency", {"c": customer_id},
    )
    first = last = None
    if totals:
        pick = "SELECT date, amount_cents, currency, product FROM purchase WHERE customer_id = :c ORDER BY "
        first = db.row(pick + "date, id LIMIT 1", {"c": customer_id})
        last = db.row(pick + "date DESC, id DESC LIMIT 1", {"c": customer_id})
    return {"totals": totals, "first": first, "last": last}
