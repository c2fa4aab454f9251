"""The rows `crm export` writes, streamed straight from SQL in the CSV columns' order.

Each query selects exactly the export columns, computed in SQL (core/records.py
CUSTOMER_COLUMNS, CONTACT_COLUMNS, HISTORY_COLUMNS), filtered by the same
WHERE clauses as the matching list command (store.customers.filters_sql,
store.stakeholders.filters_sql, store.log.history_filters), and rows are
fetched in batches: an export of a million rows holds one batch in memory.
History is exported oldest first, the order an import replays it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crmcli.store.db import Database

_CUSTOMERS = (
    "SELECT id, name, kind, tier, stage, industry, city, phone, email, tags, "
    "every_days || 'd' AS every, since, last_contact, note, created_at{extra} FROM customer "
    "WHERE {where} ORDER BY name_key, id"
)
_CONTACTS = (
    "SELECT s.id, c.name AS customer, s.name, s.role, s.level, s.title, s.department, s.phone, "
    "s.email, s.im, s.prefers, s.best_time, s.birthday, s.every_days || 'd' AS every, s.note "
    "FROM stakeholder s JOIN customer c ON c.id = s.customer_id "
    "WHERE {where} ORDER BY c.name_key, s.customer_id, s.name_key, s.id"
)
_HISTORY = (
    "SELECT i.id, c.name AS customer, s.name AS contact, i.date, i.channel, i.purpose, i.note, "
    "i.feedback, i.score, i.next_on, i.next_note FROM interaction i "
    "JOIN customer c ON c.id = i.customer_id LEFT JOIN stakeholder s ON s.id = i.stakeholder_id "
    "WHERE {where} ORDER BY i.date, i.id"
)
# Purchases (issue 5): the amount as a plain decimal (120000, 120000.50) computed in SQL
# that both engines read alike, so the export stays a stream of rows.
_PURCHASES = (
    "SELECT p.id, c.name AS customer, p.date, CAST(p.amount_cents / 100 AS TEXT) || "
    "CASE WHEN p.amount_cents % 100 = 0 THEN '' "
    "ELSE '.' || substr(CAST(100 + p.amount_cents % 100 AS TEXT), 2) END AS amount, "
    "p.currency, p.product, d.title AS deal, p.note FROM purchase p "
    "JOIN customer c ON c.id = p.customer_id LEFT JOIN deal d ON d.id = p.deal_id "
    "WHERE {where} ORDER BY p.date, p.id"
)
QUERIES = {"customers": _CUSTOMERS, "contacts": _CONTACTS, "history": _HISTORY, "purchases": _PURCHASES}
COUNTS = {
    "customers": "SELECT count(*) FROM customer WHERE {where}",
    "contacts": "SELECT count(*) FROM stakeholder s JOIN customer c ON c.id = s.customer_id WHERE {where}",
    "history": "SELECT count(*) FROM interaction i JOIN customer c ON c.id = i.customer_id WHERE {where}",
    "purchases": "SELECT count(*) FROM purchase p JOIN customer c ON c.id = p.customer_id WHERE {where}",
}


def rows(db: Database, kind: str, where: str, params: dict[str, Any],
         limit: int | None = None, *, owner: bool = False) -> Iterator[Iterable[Any]]:
    """The export rows of `kind`, each the values in column order (cadences as `14d`, by SQL).

    `owner` adds the customer's owner as a last column (customers on a team book).
    No Python runs per row here: csv.writer.writerows consumes them from C.
    """
    sql = QUERIES[kind].format(where=where, extra=", owner" if owner else "")
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    return db.iter_tuples(sql, params, size=5000)


def count(db: Database, kind: str, where: str, params: dict[str, Any]) -> int:
    return int(db.value(COUNTS[kind].format(where=where), params))


def contact_cards(db: Database, where: str, params: dict[str, Any],
                  limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Stakeholders as the rows io/vcard.py `card` writes (with the customer's kind)."""
    sql = (
        "SELECT s.name, c.name AS customer, c.kind AS customer_kind, s.department, s.title, "
        "s.phone, s.email, s.birthday, s.note, s.role, s.level, s.prefers, s.best_time, "
        "s.every_days, s.im FROM stakeholder s JOIN customer c ON c.id = s.customer_id "
        f"WHERE {where} ORDER BY c.name_key, s.customer_id, s.name_key, s.id"
    )
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": limit}
    yield from db.iter_rows(sql, params)
