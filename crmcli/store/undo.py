"""Import batches: the list of them, and undoing one (`crm import list|undo`).

Every import writes a row in `import_batch` (file, its sha256, kind, time,
counts) and one `import_item` per record it touched: `created`, or `updated`
with `before` = JSON of the fields it changed, as they were. Undoing a batch
deletes exactly the records it created and writes the `before` values back.

A record the batch created that was changed afterwards (edited, a contact
logged, a stakeholder or deal added, touched by a later import) is not
removed silently: `undo_plan` lists it, and `undo` refuses unless forced.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from crmcli.core.names import email_key, name_key, phone_digits
from crmcli.errors import CrmError
from crmcli.store import purchase_totals, stage_moves, stakeholder_coverage
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row
from crmcli.store.due import refresh_customers, refresh_stakeholder_contact

# Children before parents: what a created customer holds goes first.
DELETE_ORDER = ("follow_up", "interaction", "purchase", "fact", "stage_change", "level_change",
                "deal_stage_change", "deal", "stakeholder", "customer")
# Tables whose rows name their customer (the customers an undo must refresh).
WITH_CUSTOMER = {"customer", "stakeholder", "interaction", "follow_up", "purchase", "fact", "deal",
                 "stage_change"}
# table -> (one, many), as a rep says them
LABELS = {"customer": ("customer", "customers"), "stakeholder": ("contact", "contacts"),
          "interaction": ("contact logged", "contacts logged"), "follow_up": ("follow-up", "follow-ups"),
          "purchase": ("purchase", "purchases"), "deal": ("deal", "deals"), "fact": ("fact", "facts"),
          "stage_change": ("stage change", "stage changes"), "level_change": ("level change", "level changes"),
          "deal_stage_change": ("deal stage change", "deal stage changes")}
# Rows that hang on a created record: if one was added later, the record has been worked on.
DEPENDENTS = {
    "customer": (("stakeholder", "customer_id"), ("interaction", "customer_id"),
                 ("follow_up", "customer_id"), ("deal", "customer_id"),
                 ("purchase", "customer_id"), ("fact", "customer_id")),
    "stakeholder": (("interaction", "stakeholder_id"), ("follow_up", "stakeholder_id"),
                    ("deal", "stakeholder_id"), ("fact", "stakeholder_id")),
    "deal": (("purchase", "deal_id"),),
}
# History rows of a created record: the import's own first stage or level is noted 'imported'
# and stamped with the batch; any other (`crm stage`, `crm level`, a merge) is later work.
HISTORY_DEPENDENTS = {"customer": ("stage_change", "customer_id", "stage changes"),
                      "stakeholder": ("level_change", "stakeholder_id", "level changes")}
HAS_UPDATED_AT = {"customer", "stakeholder", "deal"}
# Keys stored beside a field, recomputed when the field is written back.
DERIVED = {"name": ("name_key", name_key), "phone": ("phone_digits", lambda v: phone_digits(v) or None),
           "email": ("email_key", lambda v: email_key(v) or None)}
SHOWN = 10

BATCH_COLUMNS = "id, file, sha256, kind, at, created, updated, skipped, rejected, undone_at"


def batches(db: Database) -> list[Row]:
    return db.rows(f"SELECT {BATCH_COLUMNS} FROM import_batch ORDER BY id")


def batch(db: Database, ref: str | int) -> Row:
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise CrmError(f"{ref!r} is not an import batch number; see `crm import list` for them.")
    row = db.row(f"SELECT {BATCH_COLUMNS} FROM import_batch WHERE id = :b", {"b": int(text)})
    if row is None:
        raise CrmError(f"There is no import batch #{text}; see `crm import list` for them.")
    return row


def earlier_batch(db: Database, sha256: str) -> Row | None:
    """The latest batch, not undone, that imported a file with this hash (same file twice)."""
    return db.row(
        f"SELECT {BATCH_COLUMNS} FROM import_batch WHERE sha256 = :h AND undone_at IS NULL "
        "ORDER BY id DESC LIMIT 1", {"h": sha256})


def _items(db: Database, batch_id: int) -> dict[str, dict[str, dict[int, Row]]]:
    """{action: {table: {row_id: item}}} of one batch."""
    out: dict[str, dict[str, dict[int, Row]]] = {"created": defaultdict(dict), "updated": defaultdict(dict)}
    for r in db.iter_rows(
        "SELECT table_name, row_id, action, before FROM import_item WHERE batch_id = :b ORDER BY id",
        {"b": batch_id},
    ):
        if r["action"] not in out:
            raise CrmError(f"Import batch #{batch_id} holds an unknown action {r['action']!r}; "
                           "it cannot be undone by this release.")
        if r["table_name"] not in LABELS:
            raise CrmError(f"Import batch #{batch_id} touched the table {r['table_name']!r}, "
                           "which this release cannot undo.")
        rows = out[r["action"]][r["table_name"]]
        first = rows.setdefault(r["row_id"], r)
        if first is not r and r["action"] == "updated":
            # One row updated twice by a batch (a purchase import moving a customer's `since`,
            # then its stage): every field goes back to its value before the first change.
            merged = {**json.loads(r["before"] or "{}"), **json.loads(first["before"] or "{}")}
            rows[r["row_id"]] = {**first, "before": json.dumps(merged, ensure_ascii=False)}
    return out


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _existing(db: Database, table: str, ids: list[int], columns: str = "id") -> list[Row]:
    out = []
    for chunk in _chunks(sorted(ids)):
        marks, params = db.in_list("r", chunk)
        out += db.rows(f"SELECT {columns} FROM {table} WHERE id IN {marks}", params)
    return out


def _batch_end(db: Database, batch_row: Row, created: dict[str, dict[int, Row]]) -> str:
    """When the batch finished writing: its latest created row (else its start)."""
    end = batch_row["at"] or ""
    for table, rows in created.items():
        for chunk in _chunks(sorted(rows)):
            marks, params = db.in_list("r", chunk)
            latest = db.value(f"SELECT max(created_at) FROM {table} WHERE id IN {marks}", params)
            if latest and latest > end:
                end = latest
    return end


def _describe(db: Database, table: str, row_id: int) -> str:
    if table in ("customer", "stakeholder"):
        name = db.value(f"SELECT name FROM {table} WHERE id = :i", {"i": row_id})
        return f"{LABELS[table][0]} #{row_id} {name}"
    return f"{LABELS[table][0]} #{row_id}"


def _import_stamps(db: Database, table: str, ids: list[int]) -> dict[int, set[str]]:
    """For each row, the times of the imports that wrote it (their rows carry that stamp)."""
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        marks, params = db.in_list("r", chunk)
        for r in db.rows(
            "SELECT i.row_id, b.at FROM import_item i JOIN import_batch b ON b.id = i.batch_id "
            f"WHERE i.table_name = :t AND i.row_id IN {marks}", {**params, "t": table},
        ):
            out[r["row_id"]].add(r["at"])
    return out


def _changed(db: Database, batch_row: Row, items: dict) -> list[dict[str, Any]]:
    """Records of the batch worked on afterwards, each with why."""
    created = items["created"]
    end = _batch_end(db, batch_row, created)
    why: dict[tuple[str, int], list[str]] = defaultdict(list)
    # Follow-ups opened by a contact this batch logged are the batch's own.
    own_follow_ups: set[int] = set()
    for chunk in _chunks(sorted(created.get("interaction", {}))):
        marks, params = db.in_list("r", chunk)
        own_follow_ups |= {r["id"] for r in db.rows(
            f"SELECT id FROM follow_up WHERE interaction_id IN {marks}", params)}
    for table, rows in created.items():
        ids = sorted(rows)
        if table in HAS_UPDATED_AT:
            stamps = _import_stamps(db, table, ids)
            for r in _existing(db, table, ids, "id, updated_at"):
                # Stamped by an import (a later one is caught below, an undone one no longer counts).
                if r["updated_at"] and r["updated_at"] > end and r["updated_at"] not in stamps[r["id"]]:
                    why[(table, r["id"])].append("edited after the import")
        for child, column in DEPENDENTS.get(table, ()):
            mine = set(created.get(child, {}))
            if child == "follow_up":
                mine |= own_follow_ups
            for chunk in _chunks(ids):
                marks, params = db.in_list("r", chunk)
                counts: dict[int, int] = defaultdict(int)
                for r in db.rows(f"SELECT id, {column} AS parent FROM {child} WHERE {column} IN {marks}", params):
                    if r["id"] not in mine:
                        counts[r["parent"]] += 1
                for parent, n in counts.items():
                    why[(table, parent)].append(f"{n} {LABELS[child][n > 1]} added since")
        if table in HISTORY_DEPENDENTS:
            history, column, label = HISTORY_DEPENDENTS[table]
            mine = set(created.get(history, {}))
            for chunk in _chunks(ids):
                marks, params = db.in_list("r", chunk)
                counts = defaultdict(int)
                for r in db.rows(f"SELECT id, {column} AS parent, note, created_at FROM {history} "
                                 f"WHERE {column} IN {marks}", params):
                    own = r["id"] in mine or (r["note"] == "imported" and r["created_at"] == batch_row["at"])
                    if not own:
                        counts[r["parent"]] += 1
                for parent, n in counts.items():
                    why[(table, parent)].append(f"{n} {label if n > 1 else label[:-1]} since")
    # Touched again by a later import that is still in place.
    for r in db.rows(
        "SELECT DISTINCT i.table_name, i.row_id, i.batch_id FROM import_item i "
        "JOIN import_batch b ON b.id = i.batch_id "
        "WHERE i.batch_id > :b AND b.undone_at IS NULL AND EXISTS (SELECT 1 FROM import_item m "
        "WHERE m.batch_id = :b AND m.table_name = i.table_name AND m.row_id = i.row_id)",
        {"b": batch_row["id"]},
    ):
        why[(r["table_name"], r["row_id"])].append(f"changed by the later import #{r['batch_id']}")
    parents_first = sorted(why.items(), key=lambda kv: (-DELETE_ORDER.index(kv[0][0]), kv[0][1]))
    return [{"table": t, "id": i, "record": _describe(db, t, i), "why": reasons}
            for (t, i), reasons in parents_first]


def undo_plan(db: Database, ref: str | int) -> dict[str, Any]:
    """What undoing a batch would remove and restore, and which records were worked on since."""
    b = batch(db, ref)
    if b["undone_at"]:
        raise CrmError(f"Import batch #{b['id']} ({b['file']}) was already undone on {b['undone_at']}.")
    items = _items(db, b["id"])
    remove = {t: len(_existing(db, t, list(rows))) for t, rows in items["created"].items()}
    restore = {t: len(_existing(db, t, list(rows))) for t, rows in items["updated"].items()
               if t not in items["created"] or set(rows) - set(items["created"][t])}
    return {
        "batch": b,
        "remove": {t: n for t, n in remove.items() if n},
        "restore": {t: n for t, n in restore.items() if n},
        "changed": _changed(db, b, items),
    }


def changed_sentence(changed: list[dict[str, Any]]) -> str:
    shown = "; ".join(f"{c['record']} ({', '.join(c['why'])})" for c in changed[:SHOWN])
    more = f"; and {len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
    return shown + more


def _columns(db: Database, table: str) -> set[str]:
    """The table's column names, to write back only real columns from a batch's JSON."""
    if db.dialect == "sqlite":
        return {r["name"] for r in db.rows(f"PRAGMA table_info({table})")}
    return {r["column_name"] for r in db.rows(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = :t AND table_schema = current_schema()", {"t": table})}


def _restore_row(db: Database, table: str, row_id: int, before_json: str | None, columns: set[str]) -> bool:
    before = json.loads(before_json or "{}")
    if not isinstance(before, dict):
        raise CrmError(f"An import record of {table} #{row_id} is unreadable; it cannot be undone.")
    values = {k: v for k, v in before.items() if k in columns and k != "id"}
    for field, (key, derive) in DERIVED.items():
        if field in values and key in columns and key not in values:
            values[key] = derive(values[field]) if values[field] is not None else None
    if not values:
        return False
    # updated_at stays the import's stamp: the row is back as it was, not edited anew.
    sets = ", ".join(f"{c} = :v_{c}" for c in values)
    return db.run(f"UPDATE {table} SET {sets} WHERE id = :id",
                  {**{f"v_{c}": v for c, v in values.items()}, "id": row_id}) > 0


# A stage or level an import changed was also written as history ("imported").
HISTORY = {"customer": ("stage", "stage_change", "customer_id"),
           "stakeholder": ("level", "level_change", "stakeholder_id")}


def _drop_history(db: Database, table: str, row_id: int, before_json: str | None, since: str) -> None:
    """Remove the history row an import's stage (or level) change added, before restoring it."""
    if table not in HISTORY:
        return
    column, history, key = HISTORY[table]
    before = json.loads(before_json or "{}")
    if not isinstance(before, dict) or column not in before:
        return
    current = db.value(f"SELECT {column} FROM {table} WHERE id = :i", {"i": row_id})
    db.run(f"DELETE FROM {history} WHERE {key} = :i AND {column} = :v AND note = 'imported' "
           "AND created_at >= :since", {"i": row_id, "v": current, "since": since})


def _customers_of(db: Database, table: str, ids: list[int]) -> set[int]:
    if table == "customer":
        return set(ids)
    if table not in WITH_CUSTOMER:
        return set()
    out: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        marks, params = db.in_list("r", chunk)
        out |= {r["c"] for r in db.rows(f"SELECT customer_id AS c FROM {table} WHERE id IN {marks}", params)}
    return out


def undo(db: Database, ref: str | int, cadences: dict[str, int], force: bool = False) -> dict[str, Any]:
    """Undo a batch in one transaction; the plan carried out."""
    with db.transaction():
        plan = undo_plan(db, ref)
        b = plan["batch"]
        if plan["changed"] and not force:
            raise CrmError(
                f"Import batch #{b['id']} was worked on since: {changed_sentence(plan['changed'])}. "
                "Nothing was undone; pass --force to undo it anyway (those records go too)."
            )
        items = _items(db, b["id"])
        people_written = len(items["created"].get("stakeholder", {})) + len(items["updated"].get("stakeholder", {}))
        paused = stakeholder_coverage.pause(db) if people_written >= stakeholder_coverage.PAUSE_ROWS else []
        touched: set[int] = set()
        people: set[int] = set()
        for table, rows in items["updated"].items():
            columns = _columns(db, table)
            gone = set(items["created"].get(table, {}))
            for row_id, item in rows.items():
                if row_id not in gone:
                    _drop_history(db, table, row_id, item["before"], b["at"])
                    _restore_row(db, table, row_id, item["before"], columns)
            touched |= _customers_of(db, table, list(rows))
            if table == "stakeholder":
                people |= set(rows)
        for table in DELETE_ORDER:
            ids = sorted(items["created"].get(table, {}))
            if not ids:
                continue
            touched |= _customers_of(db, table, ids)
            for chunk in _chunks(ids):
                marks, params = db.in_list("r", chunk)
                if table == "interaction":
                    people |= {r["s"] for r in db.rows(
                        f"SELECT stakeholder_id AS s FROM interaction WHERE id IN {marks} "
                        "AND stakeholder_id IS NOT NULL", params)}
                    # Follow-ups these contacts answered are open again.
                    notes, note_params = db.in_list("n", [f"contact logged (#{i})" for i in chunk])
                    db.run(f"UPDATE follow_up SET done_at = NULL, done_note = NULL "
                           f"WHERE done_note IN {notes}", note_params)
                db.run(f"DELETE FROM {table} WHERE id IN {marks}", params)
        db.run("UPDATE import_batch SET undone_at = :t WHERE id = :b", {"t": now_stamp(), "b": b["id"]})
        survivors = [r["id"] for r in _existing(db, "customer", sorted(touched))]
        alive = [r["id"] for r in _existing(db, "stakeholder", sorted(people))]
        refresh_stakeholder_contact(db, alive)
        stage_moves.refresh(db, survivors)  # a deleted stage change ended no stage any more
        purchase_totals.refresh(db, survivors)  # purchases deleted or restored
        refresh_customers(db, survivors, cadences)
        stakeholder_coverage.resume(db, paused, survivors)
    return plan
