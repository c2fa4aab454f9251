"""Keep each customer's derived columns right: last contact, next due and the agenda's inputs.

`follow_up_on` (the earliest open follow-up) and `agenda_weight` (tier and stage
weight) are stored beside `next_due` so that the agenda ranks from one index
(store/agenda.py).

Called inside the writing transaction by every write that can move them
(a contact logged, a follow-up added or done, a cadence or tier edited, a
stakeholder's birthday or cadence set, a deal added or changed, an import). Works on chunks of ids,
so an import of 100,000 customers refreshes them in a few hundred queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from crmcli.core.agenda import agenda_weight
from crmcli.core.cadence import CustomerDue, StakeholderDue, effective_cadence, next_due
from crmcli.core.vocabulary import OPEN_DEAL_STAGES
from crmcli.store.db import Database, id_chunks


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def lock(db: Database, table: str, marks: str, params: dict) -> None:
    """On a server, hold these rows until the transaction ends before reading what derives them.

    Two reps logging on one customer at once would otherwise each compute its dates
    without the other's contact, and the later write would lose the earlier one. The
    lock (which plain inserts under a foreign key do not wait for) makes the second
    wait, and its reads then see what the first committed. SQLite has one writer at a
    time already.
    """
    if db.dialect != "sqlite":
        db.rows(f"SELECT id FROM {table} WHERE id IN {marks} ORDER BY id FOR NO KEY UPDATE", params)


def refresh_last_contact(db: Database, customer_ids: Iterable[int]) -> None:
    """last_contact = the latest logged contact, or the imported date when that is later."""
    for ids in id_chunks(customer_ids):
        marks, params = db.in_list("c", ids)
        lock(db, "customer", marks, params)
        logged = {
            r["customer_id"]: r["d"]
            for r in db.rows(
                f"SELECT customer_id, max(date) AS d FROM interaction WHERE customer_id IN {marks} GROUP BY customer_id",
                params,
            )
        }
        updates = []
        for r in db.rows(
            f"SELECT id, imported_last_contact, last_contact FROM customer WHERE id IN {marks}", params
        ):
            dates = [d for d in (logged.get(r["id"]), r["imported_last_contact"]) if d]
            latest = max(dates) if dates else None
            if latest != r["last_contact"]:
                updates.append({"id": r["id"], "d": latest})
        if updates:
            db.run_many("UPDATE customer SET last_contact = :d WHERE id = :id", updates)


def refresh_stakeholder_contact(db: Database, stakeholder_ids: Iterable[int]) -> None:
    for ids in id_chunks(i for i in stakeholder_ids if i):
        marks, params = db.in_list("s", ids)
        lock(db, "stakeholder", marks, params)
        db.run(
            f"UPDATE stakeholder SET last_contact = (SELECT max(i.date) FROM interaction i "
            f"WHERE i.stakeholder_id = stakeholder.id) WHERE id IN {marks}",
            params,
        )


def refresh_next_due(db: Database, customer_ids: Iterable[int], cadences: dict[str, int]) -> int:
    """Recompute next_due (and the agenda's other inputs) for these customers; the number whose
    next_due changed."""
    changed = 0
    for ids in id_chunks(customer_ids):
        marks, params = db.in_list("c", ids)
        lock(db, "customer", marks, params)
        people: dict[int, list[StakeholderDue]] = defaultdict(list)
        for s in db.rows(
            "SELECT id, customer_id, name, every_days, last_contact, birthday FROM stakeholder "
            f"WHERE customer_id IN {marks} AND (every_days IS NOT NULL OR birthday IS NOT NULL)",
            params,
        ):
            people[s["customer_id"]].append(
                StakeholderDue(s["id"], s["name"], s["every_days"], _d(s["last_contact"]), s["birthday"])
            )
        follow_ups: dict[int, list[date]] = defaultdict(list)
        for f in db.rows(
            f"SELECT customer_id, due_on FROM follow_up WHERE customer_id IN {marks} AND done_at IS NULL",
            params,
        ):
            follow_ups[f["customer_id"]].append(date.fromisoformat(f["due_on"]))
        # Open deals' close dates. Only customer_id in the WHERE: with a stage condition too,
        # SQLite's planner prefers the (stage, close_on) index and reads every open deal.
        deals: dict[int, list[date]] = defaultdict(list)
        for d in db.rows(f"SELECT customer_id, stage, close_on FROM deal WHERE customer_id IN {marks}", params):
            if d["close_on"] and d["stage"] in OPEN_DEAL_STAGES:
                deals[d["customer_id"]].append(date.fromisoformat(d["close_on"]))
        updates = []
        for c in db.rows(
            "SELECT id, stage, tier, since, every_days, last_contact, next_due, follow_up_on, agenda_weight "
            "FROM customer "
            f"WHERE id IN {marks}",
            params,
        ):
            due = next_due(
                CustomerDue(
                    stage=c["stage"],
                    since=date.fromisoformat(c["since"]),
                    cadence_days=effective_cadence(c["every_days"], c["tier"], cadences),
                    last_contact=_d(c["last_contact"]),
                    stakeholders=tuple(people.get(c["id"], ())),
                    follow_ups=tuple(follow_ups.get(c["id"], ())),
                    deals=tuple(deals.get(c["id"], ())),
                )
            )
            value = due.isoformat() if due else None
            open_dates = follow_ups.get(c["id"])
            first = min(open_dates).isoformat() if open_dates else None
            weight = agenda_weight(c["tier"], c["stage"])
            if (value, first, weight) != (c["next_due"], c["follow_up_on"], c["agenda_weight"]):
                updates.append({"id": c["id"], "d": value, "f": first, "w": weight})
                changed += value != c["next_due"]
        if updates:
            db.run_many("UPDATE customer SET next_due = :d, follow_up_on = :f, agenda_weight = :w "
                        "WHERE id = :id", updates)
    return changed


def refresh_customers(db: Database, customer_ids: Iterable[int], cadences: dict[str, int]) -> None:
    ids = list(customer_ids)
    refresh_last_contact(db, ids)
    refresh_next_due(db, ids, cadences)


# An import refreshes its customers in ranges of this many ids, read with joins on a temporary
# table of the ids (SQLite): a few queries per range instead of five per 500 customers.
BULK_RANGE = 5000


def refresh_imported(db: Database, customer_ids: Iterable[int], cadences: dict[str, int]) -> None:
    """`refresh_customers` for the many customers an import touched: the same columns, the same
    rule (core.cadence.next_due), computed in one pass per range of ids and written with one
    UPDATE of the rows that changed. PostgreSQL, and a few customers, take refresh_customers.

    `crm db check` recomputes with refresh_customers, so it checks this path too.
    """
    ids = sorted(set(customer_ids))
    if db.dialect != "sqlite" or len(ids) < BULK_RANGE:
        refresh_customers(db, ids, cadences)
        return
    conn = db._conn  # type: ignore[attr-defined]  # positional tuples: no dict per row
    conn.execute("DROP TABLE IF EXISTS temp.crm_refresh")
    conn.execute("CREATE TEMP TABLE crm_refresh (id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO temp.crm_refresh (id) VALUES (?)", ((i,) for i in ids))
    rebuild = _drop_derived_indexes(db, len(ids))
    # CROSS JOIN: SQLite walks the ids in order and seeks each customer's rows by its index.
    ranged = "FROM temp.crm_refresh t CROSS JOIN {} WHERE t.id BETWEEN ? AND ?"
    for start in range(0, len(ids), BULK_RANGE):
        span = (ids[start], ids[min(start + BULK_RANGE, len(ids)) - 1])
        people: dict[int, list[StakeholderDue]] = defaultdict(list)
        for cid, sid, name, every, last, born in conn.execute(
            "SELECT s.customer_id, s.id, s.name, s.every_days, s.last_contact, s.birthday "
            + ranged.format("stakeholder s ON s.customer_id = t.id")
            + " AND (s.every_days IS NOT NULL OR s.birthday IS NOT NULL)", span,
        ):
            people[cid].append(StakeholderDue(sid, name, every, _d(last), born))
        follow_ups: dict[int, list[date]] = defaultdict(list)
        for cid, due_on in conn.execute(
            "SELECT f.customer_id, f.due_on "
            + ranged.format("follow_up f ON f.customer_id = t.id AND f.done_at IS NULL"), span,
        ):
            follow_ups[cid].append(date.fromisoformat(due_on))
        deals: dict[int, list[date]] = defaultdict(list)
        for cid, stage, close_on in conn.execute(
            "SELECT d.customer_id, d.stage, d.close_on " + ranged.format("deal d ON d.customer_id = t.id"),
            span,
        ):
            if close_on and stage in OPEN_DEAL_STAGES:
                deals[cid].append(date.fromisoformat(close_on))
        updates = []
        for (cid, stage, tier, since, every, imported, last, due_was, first_was, weight_was,
             logged) in conn.execute(
            "SELECT c.id, c.stage, c.tier, c.since, c.every_days, c.imported_last_contact, "
            "c.last_contact, c.next_due, c.follow_up_on, c.agenda_weight, "
            "(SELECT max(i.date) FROM interaction i WHERE i.customer_id = c.id) "
            + ranged.format("customer c ON c.id = t.id"), span,
        ).fetchall():
            latest = max(logged or "", imported or "") or None  # as refresh_last_contact
            open_dates = follow_ups.get(cid)
            due = next_due(CustomerDue(
                stage=stage, since=date.fromisoformat(since),
                cadence_days=effective_cadence(every, tier, cadences), last_contact=_d(latest),
                stakeholders=tuple(people.get(cid, ())), follow_ups=tuple(open_dates or ()),
                deals=tuple(deals.get(cid, ())),
            ))
            value = due.isoformat() if due else None
            first = min(open_dates).isoformat() if open_dates else None
            weight = agenda_weight(tier, stage)
            if (latest, value, first, weight) != (last, due_was, first_was, weight_was):
                updates.append((latest, value, first, weight, cid))
        if updates:
            conn.executemany("UPDATE customer SET last_contact = ?, next_due = ?, follow_up_on = ?, "
                             "agenda_weight = ? WHERE id = ?", updates)
    conn.execute("DROP TABLE temp.crm_refresh")
    build_indexes(db, rebuild)


# SQLite sorts an index being built in runs as large as the page cache; runs of about 1 MiB
# (its smallest) build the million-entry indexes of an import a third faster than 16 MiB ones
# here, the merge reading its runs from the OS cache.
INDEX_SORT_CACHE_KIB = 1024


def build_indexes(db: Database, sqls: list[str]) -> None:
    """Run the CREATE INDEX statements of indexes dropped for a bulk write (SQLite), with the
    page cache at INDEX_SORT_CACHE_KIB for the sorts, and put back as it was."""
    if not sqls:
        return
    was = db.value("PRAGMA cache_size")
    db.run(f"PRAGMA cache_size = {-INDEX_SORT_CACHE_KIB}")
    try:
        for sql in sqls:
            db.run(sql)
    finally:
        db.run(f"PRAGMA cache_size = {int(was)}")


# The columns refresh_imported writes; the customer indexes holding any of them are dropped
# for a refresh of at least a quarter of the book and built again after (moving 100,000 entries
# in each of three indexes costs several times building them anew).
DERIVED_COLUMNS = {"last_contact", "next_due", "follow_up_on", "agenda_weight"}
BULK_TABLE_SHARE = 4


def _drop_derived_indexes(db: Database, count: int) -> list[str]:
    """Drop the customer indexes on the derived columns when rebuilding them is cheaper; their SQL."""
    if count * BULK_TABLE_SHARE < int(db.value("SELECT count(*) FROM customer")):
        return []
    rebuild = []
    for index in db.rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                         "AND tbl_name = 'customer' AND sql IS NOT NULL ORDER BY name"):
        columns = {r["name"] for r in db.rows(f'PRAGMA index_info("{index["name"]}")')}
        if columns & DERIVED_COLUMNS:
            db.run(f'DROP INDEX "{index["name"]}"')
            rebuild.append(index["sql"])
    return rebuild


def refresh_tier(db: Database, tier: str, cadences: dict[str, int]) -> int:
    """After a tier's cadence changed in config: every customer of that tier."""
    ids = [r["id"] for r in db.rows(
        "SELECT id FROM customer WHERE tier = :t AND every_days IS NULL", {"t": tier}
    )]
    return refresh_next_due(db, ids, cadences)
