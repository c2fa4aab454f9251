"""Merging two records of one customer (or one person) into one, in one transaction.

`customer_plan` / `contact_plan` say what a merge would do (the `--dry-run`
answer and the list of differing fields); `merge_customers` / `merge_contacts`
do it. Everything OTHER owns moves to KEEP: stakeholders (the same person on
both sides becomes one), the contact log, follow-ups, deals, purchases, dated
facts, stage, level and owner history, tags. A field set only on OTHER fills
KEEP's empty one; where both are set and differ, KEEP's value stays unless the
field is named in `take`. The merge is written into KEEP's history, OTHER is
deleted, and the derived dates are recomputed.
"""

from __future__ import annotations

from typing import Any

from crmcli.core import matching
from crmcli.core.names import email_key, name_key, phone_digits
from crmcli.core.records import parse_tags
from crmcli.errors import CrmError
from crmcli.store import purchase_totals, stage_moves
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row
from crmcli.store.due import refresh_customers, refresh_stakeholder_contact
from crmcli.store.duplicates import forget

# Fields compared field by field (column, name a rep types in --take).
CUSTOMER_FIELDS = (
    ("name", "name"), ("kind", "kind"), ("tier", "tier"), ("stage", "stage"),
    ("industry", "industry"), ("city", "city"), ("phone", "phone"), ("email", "email"),
    ("every_days", "every"), ("since", "since"), ("note", "note"), ("owner", "owner"),
)
CONTACT_FIELDS = (
    ("name", "name"), ("role", "role"), ("level", "level"), ("title", "title"),
    ("department", "department"), ("phone", "phone"), ("email", "email"), ("im", "im"),
    ("prefers", "prefers"), ("best_time", "best_time"), ("birthday", "birthday"),
    ("every_days", "every"), ("note", "note"),
)
# What moves with a customer: table -> its customer column. Stakeholders are handled apart.
CUSTOMER_CHILDREN = (
    ("interaction", "interactions"), ("follow_up", "follow_ups"), ("deal", "deals"),
    ("purchase", "purchases"), ("fact", "facts"), ("stage_change", "stage_changes"),
    ("owner_change", "owner_changes"),
)
# What points at a stakeholder and moves with the person.
CONTACT_CHILDREN = (
    ("interaction", "interactions"), ("follow_up", "follow_ups"), ("deal", "deals"),
    ("fact", "facts"), ("level_change", "level_changes"),
)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same_value(col: str, a: Any, b: Any) -> bool:
    """Two spellings of one phone number or email address are not a difference."""
    if col == "phone":
        return bool(matching.phone_key(a)) and matching.phone_key(a) == matching.phone_key(b)
    if col == "email":
        return bool(matching.email_key(a)) and matching.email_key(a) == matching.email_key(b)
    return False


def _takes(take: list[str] | None, fields: tuple[tuple[str, str], ...], what: str) -> set[str]:
    """--take names -> columns; an unknown name is refused with the accepted list."""
    by_name = {name: col for col, name in fields}
    by_name.update({col: col for col, _ in fields})
    out = set()
    for raw in take or []:
        for name in str(raw).replace(",", " ").split():
            key = name.strip().lower().replace("-", "_")
            if key not in by_name:
                accepted = ", ".join(n for _, n in fields)
                raise CrmError(f"--take {name!r} is not a {what} field; give one of: {accepted}.")
            out.add(by_name[key])
    return out


def _compare(keep: Row, other: Row, fields: tuple[tuple[str, str], ...], taken: set[str],
             automatic: dict[str, Any]) -> tuple[dict[str, Any], list[dict], list[dict]]:
    """(new values for KEEP, fields filled from OTHER, fields that differ)."""
    values: dict[str, Any] = {}
    filled: list[dict] = []
    differ: list[dict] = []
    for col, name in fields:
        mine, theirs = keep.get(col), other.get(col)
        if col in automatic and col not in taken:
            if automatic[col] != mine:
                values[col] = automatic[col]
                filled.append({"field": name, "value": automatic[col]})
            continue
        if _empty(theirs) or mine == theirs or _same_value(col, mine, theirs):
            continue
        if _empty(mine):
            values[col] = theirs
            filled.append({"field": name, "value": theirs})
            continue
        took = col in taken
        differ.append({"field": name, "keep": mine, "other": theirs, "taken": "other" if took else "keep"})
        if took:
            values[col] = theirs
    return values, filled, differ


def _count(db: Database, table: str, column: str, record_id: int) -> int:
    return int(db.value(f"SELECT count(*) FROM {table} WHERE {column} = :i", {"i": record_id}))


def _customer(db: Database, customer_id: int) -> Row:
    row = db.row("SELECT * FROM customer WHERE id = :i", {"i": customer_id})
    if row is None:
        raise CrmError(f"No customer #{customer_id}; see `crm customer list`.")
    return row


def _stakeholder(db: Database, stakeholder_id: int) -> Row:
    row = db.row(
        "SELECT s.*, c.name AS customer FROM stakeholder s JOIN customer c ON c.id = s.customer_id "
        "WHERE s.id = :i", {"i": stakeholder_id})
    if row is None:
        raise CrmError(f"No contact #{stakeholder_id}; see `crm contact list`.")
    return row


def _person_keys(r: Row) -> dict:
    return matching.contact_keys(r["id"], r["customer_id"], r["name"], r.get("phone"), r.get("email"))


def same_people(db: Database, keep_id: int, other_id: int) -> list[tuple[Row, Row]]:
    """(KEEP's stakeholder, OTHER's stakeholder) pairs that are one person (name, email or phone)."""
    cols = "id, customer_id, name, phone, email"
    mine = db.rows(f"SELECT {cols} FROM stakeholder WHERE customer_id = :c ORDER BY id", {"c": keep_id})
    theirs = db.rows(f"SELECT {cols} FROM stakeholder WHERE customer_id = :c ORDER BY id", {"c": other_id})
    keyed = [(m, _person_keys(m)) for m in mine]
    pairs = []
    for o in theirs:
        ok = _person_keys(o)
        for m, mk in keyed:
            if matching.same_person(mk, ok):
                pairs.append((m, o))
                break
    return pairs


# -- customers ---------------------------------------------------------------
def customer_plan(db: Database, keep_id: int, other_id: int, take: list[str] | None = None) -> dict[str, Any]:
    """What merging OTHER into KEEP would do; nothing is written."""
    if keep_id == other_id:
        raise CrmError("KEEP and OTHER are the same customer; give two different customers.")
    keep, other = _customer(db, keep_id), _customer(db, other_id)
    taken = _takes(take, CUSTOMER_FIELDS, "customer")
    earliest = min(keep["since"], other["since"])
    values, filled, differ = _compare(keep, other, CUSTOMER_FIELDS, taken, {"since": earliest})
    tags = parse_tags([keep["tags"] or "", other["tags"] or ""])
    if tags != (keep["tags"] or ""):
        values["tags"] = tags
    added_tags = [t for t in tags.split(";") if t and t not in (keep["tags"] or "").split(";")]
    for col in ("imported_last_contact", "snoozed_until"):  # the later date holds
        later = max((d for d in (keep[col], other[col]) if d), default=None)
        if later != keep[col]:
            values[col] = later
    people = same_people(db, keep_id, other_id)
    moved = {label: _count(db, table, "customer_id", other_id) for table, label in CUSTOMER_CHILDREN}
    moved["contacts"] = _count(db, "stakeholder", "customer_id", other_id) - len(people)
    return {
        "keep": {"id": keep["id"], "name": keep["name"]},
        "other": {"id": other["id"], "name": other["name"]},
        "values": values,
        "filled": filled,
        "differ": differ,
        "tags_added": added_tags,
        "moved": moved,
        "people_merged": [
            {"keep": m["id"], "keep_name": m["name"], "other": o["id"], "other_name": o["name"]}
            for m, o in people
        ],
    }


def _merge_note(other: Row, today: str) -> str:
    return f"merged {other['name']!r} (#{other['id']}) on {today}"


def merge_customers(db: Database, keep_id: int, other_id: int, cadences: dict[str, int], today: str,
                    take: list[str] | None = None) -> dict[str, Any]:
    """Merge OTHER into KEEP (one transaction); the plan that was carried out."""
    with db.transaction():
        plan = customer_plan(db, keep_id, other_id, take)
        other = _customer(db, other_id)
        keep = _customer(db, keep_id)
        params = {"k": keep_id, "o": other_id}
        for m, o in [(p["keep"], p["other"]) for p in plan["people_merged"]]:
            _absorb_person(db, m, o, set(), today)
        db.run("UPDATE stakeholder SET customer_id = :k WHERE customer_id = :o", params)
        for table, _ in CUSTOMER_CHILDREN:
            db.run(f"UPDATE {table} SET customer_id = :k WHERE customer_id = :o", params)
        values = dict(plan["values"])
        stage = values.pop("stage", keep["stage"])
        if "name" in values:
            values["name_key"] = name_key(values["name"])
        values["updated_at"] = now_stamp()
        sets = ", ".join(f"{c} = :{c}" for c in values)
        db.run(f"UPDATE customer SET {sets} WHERE id = :id", {**values, "id": keep_id})
        _record_stage(db, keep_id, stage, _merge_note(other, today), today)
        stage_moves.refresh(db, [keep_id])  # the two histories interleave: each change's previous one
        purchase_totals.refresh(db, [keep_id])
        forget(db, "customer", other_id)
        db.run("DELETE FROM customer WHERE id = :o", params)
        people = [r["id"] for r in db.rows("SELECT id FROM stakeholder WHERE customer_id = :k", params)]
        refresh_stakeholder_contact(db, people)
        refresh_customers(db, [keep_id], cadences)
    return plan


def _record_stage(db: Database, customer_id: int, stage: str, note: str, today: str) -> None:
    """Write the merge into the stage history, so that `stage` is the current one.

    The current stage is the latest dated change. When the merged history
    already ends on `stage`, the note is dated with that change (the stage's
    "since" stays true); otherwise the merge itself changes it, today.
    """
    latest = db.row(
        "SELECT stage, at FROM stage_change WHERE customer_id = :c ORDER BY at DESC, id DESC LIMIT 1",
        {"c": customer_id},
    )
    at = latest["at"] if latest and latest["stage"] == stage and latest["at"] <= today else today
    db.insert(
        "INSERT INTO stage_change (customer_id, stage, at, note, created_at) VALUES (:c, :s, :at, :n, :t)",
        {"c": customer_id, "s": stage, "at": at, "n": note, "t": now_stamp()},
    )
    db.run("UPDATE customer SET stage = :s WHERE id = :c", {"s": stage, "c": customer_id})


# -- contacts ----------------------------------------------------------------
def contact_plan(db: Database, keep_id: int, other_id: int, take: list[str] | None = None) -> dict[str, Any]:
    if keep_id == other_id:
        raise CrmError("KEEP and OTHER are the same contact; give two different contacts.")
    keep, other = _stakeholder(db, keep_id), _stakeholder(db, other_id)
    taken = _takes(take, CONTACT_FIELDS, "contact")
    values, filled, differ = _compare(keep, other, CONTACT_FIELDS, taken, {})
    moved = {label: _count(db, table, "stakeholder_id", other_id) for table, label in CONTACT_CHILDREN}
    return {
        "keep": {"id": keep["id"], "name": keep["name"], "customer_id": keep["customer_id"],
                 "customer": keep["customer"]},
        "other": {"id": other["id"], "name": other["name"], "customer_id": other["customer_id"],
                  "customer": other["customer"]},
        "values": values, "filled": filled, "differ": differ, "moved": moved,
    }


def _absorb_person(db: Database, keep_id: int, other_id: int, taken: set[str], today: str) -> dict[str, Any]:
    """Move everything of stakeholder OTHER to KEEP and delete OTHER (inside a transaction)."""
    keep, other = _stakeholder(db, keep_id), _stakeholder(db, other_id)
    values, _, _ = _compare(keep, other, CONTACT_FIELDS, taken, {})
    level = values.pop("level", keep["level"])
    if "name" in values:
        values["name_key"] = name_key(values["name"])
    if "phone" in values:
        values["phone_digits"] = phone_digits(values["phone"]) or None
    if "email" in values:
        values["email_key"] = email_key(values["email"]) or None
    params = {"k": keep_id, "o": other_id}
    for table, _ in CONTACT_CHILDREN:
        db.run(f"UPDATE {table} SET stakeholder_id = :k WHERE stakeholder_id = :o", params)
    values["updated_at"] = now_stamp()
    sets = ", ".join(f"{c} = :{c}" for c in values)
    db.run(f"UPDATE stakeholder SET {sets} WHERE id = :id", {**values, "id": keep_id})
    if level:
        _record_level(db, keep_id, level, _merge_note(other, today), today)
    forget(db, "contact", other_id)
    db.run("DELETE FROM stakeholder WHERE id = :o", params)
    return values


def _record_level(db: Database, stakeholder_id: int, level: str, note: str, today: str) -> None:
    """Like _record_stage, for a stakeholder's relationship level."""
    latest = db.row(
        "SELECT level, at FROM level_change WHERE stakeholder_id = :s ORDER BY at DESC, id DESC LIMIT 1",
        {"s": stakeholder_id},
    )
    at = latest["at"] if latest and latest["level"] == level and latest["at"] <= today else today
    db.insert(
        "INSERT INTO level_change (stakeholder_id, level, at, note, created_at) VALUES (:s, :l, :at, :n, :t)",
        {"s": stakeholder_id, "l": level, "at": at, "n": note, "t": now_stamp()},
    )
    db.run("UPDATE stakeholder SET level = :l WHERE id = :s", {"l": level, "s": stakeholder_id})


def merge_contacts(db: Database, keep_id: int, other_id: int, cadences: dict[str, int], today: str,
                   take: list[str] | None = None) -> dict[str, Any]:
    """Merge stakeholder OTHER into KEEP (one transaction).

    OTHER's logged contacts keep their customer: if the two records sit at
    different customers, each account's history stays its own, now naming KEEP.
    """
    with db.transaction():
        plan = contact_plan(db, keep_id, other_id, take)
        _absorb_person(db, keep_id, other_id, _takes(take, CONTACT_FIELDS, "contact"), today)
        refresh_stakeholder_contact(db, [keep_id])
        customers = {plan["keep"]["customer_id"], plan["other"]["customer_id"]}
        refresh_customers(db, sorted(customers), cadences)
    return plan
