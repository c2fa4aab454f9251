"""The agenda query: due customers ranked in SQL, then the details of the few shown.

Cost follows the rows due, not the size of the book, and barely that: the
covering index `ix_customer_agenda (next_due, snoozed_until, tier,
agenda_weight, every_days, follow_up_on, owner)` holds everything the rank
needs, so finding, ranking and counting the due customers reads that index
only, never the customer rows nor the follow-ups. An inner query ranks over
the index and keeps the rows shown (the rep's capacity, 15 by default); only
those have their customer row, stakeholders, follow-ups and last contact
fetched. `agenda_weight` and `follow_up_on` are derived columns kept right by
store/due.py on every write.

Rank (higher is more urgent; core/agenda.py holds the weights):
    tier weight + stage weight (= agenda_weight) + 2 if a follow-up is due
    + urgency, where urgency = days overdue / cadence days, kept within -1..3
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from crmcli.core.agenda import FOLLOW_UP_WEIGHT, URGENCY_RANGE
from crmcli.core.vocabulary import MAX_CADENCE_DAYS
from crmcli.store.db import Database, Row

# Days from a stored ISO date to the agenda day: the one expression that differs by engine.
# SQLite gets the agenda day as a Julian day number (`:on_jd`), so julianday() runs once per row.
DAYS_SINCE = {
    "sqlite": "(:on_jd - julianday({col}))",
    "postgresql": "(CAST(:on AS date) - CAST({col} AS date))",
}
_CLAMP = {"sqlite": ("max", "min"), "postgresql": ("GREATEST", "LEAST")}
# The rank's numbers typed as each engine computes fastest. PostgreSQL reads `2.0` as numeric,
# whose arithmetic over the 20,000 due rows of the benchmark book took twice as long as double
# precision (40 ms against 22 ms for `crm due --all --limit 50`); SQLite has only doubles.
_NUMBER = {"sqlite": "{}", "postgresql": "CAST({} AS double precision)"}
JULIAN_DAY_OF_ORDINAL_0 = 1721424.5  # julianday('0001-01-01') - 1: date.toordinal() + this


def _rank_sql(dialect: str) -> str:
    number = _NUMBER[dialect].format
    cadence = (f"(CASE WHEN c.every_days IS NOT NULL AND c.every_days < {MAX_CADENCE_DAYS} THEN c.every_days "
               f"WHEN c.every_days IS NOT NULL THEN {MAX_CADENCE_DAYS} "
               "WHEN c.tier = 'gold' THEN :cad_gold WHEN c.tier = 'silver' THEN :cad_silver "
               "WHEN c.tier = 'iron' THEN :cad_iron ELSE :cad_lead END)")
    overdue = DAYS_SINCE[dialect].format(col="c.next_due")
    low, high = URGENCY_RANGE
    greatest, least = _CLAMP[dialect]
    urgency = f"{greatest}({number(low)}, {least}({number(high)}, {overdue} * {number(1.0)} / {cadence}))"
    return f"{_weights(dialect)} + {urgency}"


def _weights(dialect: str) -> str:
    """The part of the rank read straight from the index."""
    weight = _NUMBER[dialect].format(FOLLOW_UP_WEIGHT)
    return f"c.agenda_weight + (CASE WHEN c.follow_up_on <= :horizon THEN {weight} ELSE 0 END)"


def _bound(dialect: str) -> str:
    """A bound on the rank: the weights plus the highest urgency."""
    return f"{_weights(dialect)} + {_NUMBER[dialect].format(URGENCY_RANGE[1])}"


PROBE_ROWS = 200


def _where(tier: str | None, owner: str | None, extra: str | None) -> str:
    where = ["c.next_due <= :horizon", "(c.snoozed_until IS NULL OR c.snoozed_until <= :on)"]
    if tier:
        where.append("c.tier = :tier")
    if owner is not None:
        where.append("c.owner = :owner")
    if extra:
        where.append(extra)
    return " AND ".join(where)


def due_rows(db: Database, day: date, ahead: int, cadences: dict[str, int], *,
             limit: int | None, tier: str | None = None, owner: str | None = None,
             extra_where: str | None = None, extra_params: dict[str, Any] | None = None
             ) -> tuple[list[Row], int]:
    """The ranked due customers (at most `limit`) and how many are due in all."""
    params: dict[str, Any] = {
        "on": day.isoformat(), "horizon": (day + timedelta(days=ahead)).isoformat(),
        "tier": tier, "owner": owner, **{f"cad_{t}": d for t, d in cadences.items()},
        **(extra_params or {}),
    }
    if db.dialect == "sqlite":
        params["on_jd"] = day.toordinal() + JULIAN_DAY_OF_ORDINAL_0
    where = _where(tier, owner, extra_where)
    count_where = where
    if limit:
        # A floor for the rank: the limit-th best among the most overdue few hundred. No row whose
        # bound (its weights + the highest urgency) is below it can make the list, so only the
        # others are ranked: a fraction of the due rows on a large book, the same result.
        params["limit"], params["probe"] = limit, max(PROBE_ROWS, 10 * limit)
        floor = db.value(f"SELECT rank FROM (SELECT {_rank_sql(db.dialect)} AS rank FROM customer c "
                         f"WHERE {where} ORDER BY c.next_due LIMIT :probe) p "
                         "ORDER BY rank DESC LIMIT 1 OFFSET :limit - 1", params)
        if floor is not None:
            where += f" AND {_bound(db.dialect)} >= :floor"
            params["floor"] = floor
    columns = "c.id, c.name, c.kind, c.tier, c.stage, c.since, c.every_days, c.last_contact, c.next_due, c.owner"
    if not limit:  # every due row: read them whole as they are ranked
        rows = db.rows(f"SELECT {columns}, {_rank_sql(db.dialect)} AS rank FROM customer c "
                       f"WHERE {where} ORDER BY rank DESC, c.next_due, c.id", params)
        return rows, len(rows)
    # Rank over the covering index only, then read the full rows of the few kept. (Two
    # statements: as a subquery joined back to customer, SQLite spends half as much again.)
    order = db.rows(f"SELECT c.id, {_rank_sql(db.dialect)} AS rank FROM customer c "
                    f"WHERE {where} ORDER BY rank DESC, c.next_due, c.id LIMIT :limit", params)
    if not order:
        return [], 0
    marks, ids = db.in_list("c", [r["id"] for r in order])
    full = {r["id"]: r for r in db.rows(f"SELECT {columns} FROM customer c WHERE c.id IN {marks}", ids)}
    rows = [{**full[r["id"]], "rank": r["rank"]} for r in order]
    total = len(rows) if len(rows) < limit else int(
        db.value(f"SELECT count(*) FROM customer c WHERE {count_where}", params))
    return rows, total


def details(db: Database, customer_ids: list[int], horizon: date) -> dict[str, Any]:
    """Stakeholders, open follow-ups up to the horizon, the last contact and the open deals
    closing within a week of the horizon, of each customer."""
    if not customer_ids:
        return {"stakeholders": {}, "follow_ups": {}, "last": {}, "deals": {}}
    marks, params = db.in_list("c", customer_ids)
    people: dict[int, list[Row]] = defaultdict(list)
    for s in db.rows(
        "SELECT id, customer_id, name, role, level, prefers, best_time, birthday, every_days, "
        f"last_contact FROM stakeholder WHERE customer_id IN {marks} ORDER BY id", params,
    ):
        people[s["customer_id"]].append(s)
    follow_ups: dict[int, list[Row]] = defaultdict(list)
    for f in db.rows(
        "SELECT id, customer_id, stakeholder_id, due_on, note FROM follow_up "
        f"WHERE customer_id IN {marks} AND done_at IS NULL AND due_on <= :h ORDER BY due_on, id",
        {**params, "h": horizon.isoformat()},
    ):
        follow_ups[f["customer_id"]].append(f)
    # Each customer's latest contact: one probe of (customer_id, date) per customer, one round trip.
    last: dict[int, Row] = {}
    for row in db.rows(
        "SELECT i.customer_id, i.date, i.channel, i.note, i.feedback FROM interaction i WHERE i.id IN "
        "(SELECT (SELECT j.id FROM interaction j WHERE j.customer_id = c.id "
        f"ORDER BY j.date DESC, j.id DESC LIMIT 1) FROM customer c WHERE c.id IN {marks})", params,
    ):
        last[row.pop("customer_id")] = row
    from crmcli.core.cadence import DEAL_NOTICE_DAYS
    from crmcli.store.deals import for_agenda

    deals = for_agenda(db, customer_ids, horizon + timedelta(days=DEAL_NOTICE_DAYS))
    return {"stakeholders": people, "follow_ups": follow_ups, "last": last, "deals": deals}
