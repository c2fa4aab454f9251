"""Finding a record from what a user typed: an id, or a name (DESIGN.md, REF).

Exact name (case-, width- and space-folded) first, then a unique prefix,
then a unique substring. Several matches raise `Ambiguous` with the
candidates, which the CLI lists or, in a terminal, offers as a choice.
"""

from __future__ import annotations

from crmcli.core.names import name_key
from crmcli.errors import Ambiguous, CrmError, NotFound
from crmcli.store.db import Database, Row

MAX_CANDIDATES = 10


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _find(db: Database, table: str, columns: str, ref: str, extra: str, params: dict) -> list[Row]:
    key = name_key(ref)
    if not key:
        raise CrmError("A customer or contact reference must not be empty; give an id or a name.")
    base = f"SELECT {columns} FROM {table} WHERE {extra}"
    if ref.strip().isdigit():
        found = db.rows(base + f" AND {table}.id = :id", {**params, "id": int(ref)})
        if found:
            return found
    for pattern in (None, _like(key) + "%", "%" + _like(key) + "%"):
        if pattern is None:
            found = db.rows(base + f" AND {table}.name_key = :k ORDER BY {table}.id LIMIT :n",
                            {**params, "k": key, "n": MAX_CANDIDATES + 1})
        else:
            found = db.rows(
                base + f" AND {table}.name_key LIKE :k ESCAPE '\\' ORDER BY {table}.id LIMIT :n",
                {**params, "k": pattern, "n": MAX_CANDIDATES + 1},
            )
        if found:
            return found
    return []


def _one(found: list[Row], ref: str, what: str) -> Row:
    if not found:
        raise NotFound(f"No {what} matches {ref!r}; check `crm {what} list` for ids and names.")
    if len(found) > 1:
        shown = "; ".join(
            f"#{r['id']} {r['name']}" + (f" ({r['customer']})" if r.get("customer") else "")
            for r in found[:MAX_CANDIDATES]
        )
        more = " and more" if len(found) > MAX_CANDIDATES else ""
        raise Ambiguous(f"{ref!r} matches several {what}s: {shown}{more}; use the id.", found)
    return found[0]


def customer(db: Database, ref: str) -> Row:
    found = _find(db, "customer", "customer.*", ref, "1 = 1", {})
    return _one(found, ref, "customer")


def stakeholder(db: Database, ref: str, customer_id: int | None = None) -> Row:
    extra = "1 = 1" if customer_id is None else "stakeholder.customer_id = :cid"
    found = _find(
        db,
        "stakeholder",
        "stakeholder.*, (SELECT name FROM customer WHERE customer.id = stakeholder.customer_id) AS customer",
        ref,
        extra,
        {} if customer_id is None else {"cid": customer_id},
    )
    if not found and customer_id is not None:
        raise NotFound(
            f"No contact of this customer matches {ref!r}; see `crm contact list CUSTOMER`."
        )
    return _one(found, ref, "contact")
