"""Deals (sales opportunities): add, edit, win, lose, list, and the forecast's sums.

Every change of a deal's stage is kept as a dated row (deal_stage_change).
Winning records the purchase; losing keeps the deal and sets a follow-up to
revisit it (seed 004: opportunities go back to nurturing, not to the bin).
Every write refreshes its customer's next-due date: open deals put customers
on the agenda (core/cadence.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from crmcli.core.vocabulary import OPEN_DEAL_STAGES
from crmcli.errors import CrmError
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row
from crmcli.store.due import refresh_next_due
from crmcli.store.log import add_follow_up_row

OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_DEAL_STAGES) + ")"
SELECT = (
    "SELECT d.id, d.customer_id, c.name AS customer, d.stakeholder_id AS contact_id, "
    "s.name AS contact, d.title, d.stage, d.intent, d.amount_cents, d.currency, d.close_on, "
    "d.closed_on, d.lost_reason, d.note, d.created_at, d.updated_at FROM deal d "
    "JOIN customer c ON c.id = d.customer_id LEFT JOIN stakeholder s ON s.id = d.stakeholder_id"
)


# -- finding a deal ----------------------------------------------------------

def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find(db: Database, ref: str) -> Row:
    """A deal by id, else by title: exact (case-insensitive), then unique prefix, then substring."""
    from crmcli.store.refs import MAX_CANDIDATES, _one

    text = " ".join(ref.split()).lower()
    if not text:
        raise CrmError("A deal reference must not be empty; give a deal id or title.")
    base = "SELECT d.id, d.title AS name, c.name AS customer FROM deal d JOIN customer c ON c.id = d.customer_id WHERE "
    found: list[Row] = []
    if text.isdigit():
        found = db.rows(base + "d.id = :id", {"id": int(text)})
    for cond, key in (("lower(d.title) = :k", text), ("lower(d.title) LIKE :k ESCAPE '\\'", _like(text) + "%"),
                      ("lower(d.title) LIKE :k ESCAPE '\\'", "%" + _like(text) + "%")):
        if found:
            break
        found = db.rows(base + cond + " ORDER BY d.id LIMIT :n", {"k": key, "n": MAX_CANDIDATES + 1})
    picked = _one(found, ref, "deal")
    row = get(db, picked["id"])
    assert row is not None
    return row


def get(db: Database, deal_id: int) -> Row | None:
    return db.row(f"{SELECT} WHERE d.id = :id", {"id": deal_id})


# -- writing -----------------------------------------------------------------

def _stage_change(db: Database, deal_id: int, stage: str, at: str, note: str | None) -> None:
    db.insert(
        "INSERT INTO deal_stage_change (deal_id, stage, at, note, created_at) VALUES (:d, :s, :at, :n, :t)",
        {"d": deal_id, "s": stage, "at": at, "n": note, "t": now_stamp()},
    )


def add(db: Database, customer_id: int, stakeholder_id: int | None, values: dict[str, Any],
        at: str, cadences: dict[str, int]) -> int:
    stamp = now_stamp()
    row = {"customer_id": customer_id, "stakeholder_id": stakeholder_id, "created_at": stamp,
           "updated_at": stamp, **values}
    with db.transaction():
        cols = ", ".join(row)
        did = db.insert(f"INSERT INTO deal ({cols}) VALUES ({', '.join(':' + c for c in row)})", row)
        _stage_change(db, did, row["stage"], at, "added")
        refresh_next_due(db, [customer_id], cadences)
    return did


def update(db: Database, deal: Row, values: dict[str, Any], at: str, cadences: dict[str, int]) -> None:
    """Change fields; a new stage is kept as a stage change. A lost deal may be reopened, a won one not."""
    values = dict(values)
    new_stage = values.get("stage")
    if new_stage == deal["stage"]:
        values.pop("stage")
        new_stage = None
    if new_stage and deal["stage"] == "won":
        raise CrmError(f"Deal #{deal['id']} '{deal['title']}' was won on {deal['closed_on']}; "
                       "a won deal stays won (add a new deal for a new sale).")
    if new_stage and deal["stage"] == "lost":
        values.update(closed_on=None, lost_reason=None)  # reopened: the lost reason stays in its stage history
    if not values:
        return
    values["updated_at"] = now_stamp()
    with db.transaction():
        sets = ", ".join(f"{c} = :{c}" for c in values)
        db.run(f"UPDATE deal SET {sets} WHERE id = :id", {**values, "id": deal["id"]})
        if new_stage:
            note = "reopened" if deal["stage"] == "lost" else "edited"
            _stage_change(db, deal["id"], new_stage, at, note)
        if new_stage and deal["stage"] == "lost":
            # Reopening is the revisit the lost deal's follow-up asked for.
            db.run("UPDATE follow_up SET done_at = :d, done_note = 'deal reopened' WHERE customer_id = :c "
                   "AND done_at IS NULL AND note = :n",
                   {"d": at, "c": deal["customer_id"], "n": revisit_note(deal["title"])})
        refresh_next_due(db, [deal["customer_id"]], cadences)


def win(db: Database, deal: Row, at: str, cents: int, currency: str | None,
        cadences: dict[str, int]) -> tuple[int, list[Row]]:
    """Mark a deal won and record its purchase; the purchase id and the customer stage changes."""
    from crmcli.core.pipeline import format_amount
    from crmcli.store import purchases

    if deal["stage"] == "lost":
        raise CrmError(f"Deal #{deal['id']} '{deal['title']}' was lost on {deal['closed_on']}; "
                       "reopen it first with `crm deal edit DEAL --stage negotiation`, then mark it won.")
    if deal["stage"] == "won":
        raise CrmError(f"Deal #{deal['id']} '{deal['title']}' was already won on {deal['closed_on']}.")
    with db.transaction():
        db.run(
            "UPDATE deal SET stage = 'won', closed_on = :at, amount_cents = :a, currency = :cur, "
            "updated_at = :t WHERE id = :id",
            {"at": at, "a": cents, "cur": currency, "t": now_stamp(), "id": deal["id"]},
        )
        _stage_change(db, deal["id"], "won", at, f"won: {format_amount(cents, currency)}")
        pid, changes = purchases.record(
            db, deal["customer_id"],
            {"date": at, "amount_cents": cents, "currency": currency, "product": deal["title"], "note": None},
            cadences, deal_id=deal["id"],
        )
    return pid, changes


def revisit_note(title: str) -> str:
    return f"revisit lost deal '{title}'"


def lose(db: Database, deal: Row, at: str, reason: str, revisit_on: str | None,
         cadences: dict[str, int]) -> int | None:
    """Mark a deal lost, keep why, and set the follow-up that revisits it; that follow-up's id."""
    if deal["stage"] == "won":
        raise CrmError(f"Deal #{deal['id']} '{deal['title']}' was won on {deal['closed_on']}; "
                       "a won deal cannot be lost (its purchase is recorded).")
    if deal["stage"] == "lost":
        raise CrmError(f"Deal #{deal['id']} '{deal['title']}' was already lost on {deal['closed_on']}.")
    with db.transaction():
        db.run(
            "UPDATE deal SET stage = 'lost', closed_on = :at, lost_reason = :r, updated_at = :t WHERE id = :id",
            {"at": at, "r": reason, "t": now_stamp(), "id": deal["id"]},
        )
        _stage_change(db, deal["id"], "lost", at, reason)
        fid = None
        if revisit_on:
            fid = add_follow_up_row(db, deal["customer_id"], deal.get("contact_id"), revisit_on,
                                    revisit_note(deal["title"]))
        refresh_next_due(db, [deal["customer_id"]], cadences)
    return fid


# -- reading -----------------------------------------------------------------

def filters_sql(*, customer_id: int | None = None, stage: str | None = None, open_only: bool = False,
                close_from: str | None = None, close_to: str | None = None,
                owner: str | None = None) -> tuple[str, dict[str, Any]]:
    where, params = ["1 = 1"], {}
    if customer_id is not None:
        where.append("d.customer_id = :cid")
        params["cid"] = customer_id
    if stage:
        where.append("d.stage = :stage")
        params["stage"] = stage
    if open_only:
        where.append(f"d.stage IN {OPEN}")
    if close_from:
        where.append("d.close_on >= :close_from")
        params["close_from"] = close_from
    if close_to:
        where.append("d.close_on <= :close_to")
        params["close_to"] = close_to
    if owner is not None:
        where.append("c.owner = :owner")
        params["owner"] = owner
    return " AND ".join(where), params


def list_rows(db: Database, where: str, params: dict[str, Any], limit: int | None) -> list[Row]:
    # Soonest close first; deals without a close date last.
    sql = (f"{SELECT} WHERE {where} ORDER BY CASE WHEN d.close_on IS NULL THEN 1 ELSE 0 END, "
           "d.close_on, d.id")
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    return db.rows(sql, params)


def _from(where: str) -> str:
    """The deal table, joined to its customer only when the filter needs it (team mode's owner):
    the join costs a lookup per deal the forecast sums."""
    return "deal d JOIN customer c ON c.id = d.customer_id" if "c." in where else "deal d"


def count(db: Database, where: str, params: dict[str, Any]) -> int:
    return int(db.value(f"SELECT count(*) FROM {_from(where)} WHERE {where}", params))


def window_sums(db: Database, where: str, params: dict[str, Any], day: date, until: date) -> list[Row]:
    """Open deals closing from `day` to `until`, summed per close date, intent and currency.

    Reads the (stage, close_on) index; the forecast's windows are cut from these sums.
    """
    return db.rows(
        "SELECT d.close_on, d.intent, d.currency, count(*) AS n, sum(coalesce(d.amount_cents, 0)) AS amount_cents "
        f"FROM {_from(where)} WHERE {where} AND d.stage IN {OPEN} "
        "AND d.close_on >= :w_from AND d.close_on <= :w_to GROUP BY d.close_on, d.intent, d.currency",
        {**params, "w_from": day.isoformat(), "w_to": until.isoformat()},
    )


def slipped_count(db: Database, where: str, params: dict[str, Any], day: date) -> int:
    return int(db.value(
        f"SELECT count(*) FROM {_from(where)} WHERE {where} "
        f"AND d.stage IN {OPEN} AND d.close_on < :w_day", {**params, "w_day": day.isoformat()},
    ))


def stage_history(db: Database, deal_id: int) -> list[Row]:
    return db.rows("SELECT stage, at, note FROM deal_stage_change WHERE deal_id = :d ORDER BY at, id",
                   {"d": deal_id})


def purchases_of(db: Database, deal_id: int) -> list[Row]:
    return db.rows("SELECT id, date, amount_cents, currency, product FROM purchase WHERE deal_id = :d "
                   "ORDER BY date, id", {"d": deal_id})


def open_for_customer(db: Database, customer_id: int) -> list[Row]:
    return db.rows(f"{SELECT} WHERE d.customer_id = :c AND d.stage IN {OPEN} "
                   "ORDER BY CASE WHEN d.close_on IS NULL THEN 1 ELSE 0 END, d.close_on, d.id",
                   {"c": customer_id})


def for_agenda(db: Database, customer_ids: list[int], until: date) -> dict[int, list[Row]]:
    """Open deals of the shown customers closing by `until` (index on customer_id)."""
    out: dict[int, list[Row]] = defaultdict(list)
    if not customer_ids:
        return out
    marks, params = db.in_list("c", customer_ids)
    # Only customer_id in the WHERE, so the customer index is used whatever the book holds
    # (a stage or close-date condition lures SQLite onto the (stage, close_on) index).
    last = until.isoformat()
    for d in db.rows(
        "SELECT id, customer_id, stakeholder_id, title, stage, intent, amount_cents, currency, close_on "
        f"FROM deal WHERE customer_id IN {marks} ORDER BY close_on, id", params,
    ):
        if d["stage"] in OPEN_DEAL_STAGES and d["close_on"] and d["close_on"] <= last:
            out[d["customer_id"]].append(d)
    return out
