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
from crmcli.store.db import Database

CHUNK = 500


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    batch: list[int] = []
    for i in dict.fromkeys(ids):
        batch.append(i)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


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
    for ids in _chunks(customer_ids):
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
    for ids in _chunks(i for i in stakeholder_ids if i):
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
    for ids in _chunks(customer_ids):
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


def refresh_tier(db: Database, tier: str, cadences: dict[str, int]) -> int:
    """After a tier's cadence changed in config: every customer of that tier."""
    ids = [r["id"] for r in db.rows(
        "SELECT id FROM customer WHERE tier = :t AND every_days IS NULL", {"t": tier}
    )]
    return refresh_next_due(db, ids, cadences)
