"""The agenda query: due customers ranked in SQL, then the details of the few shown.

Cost follows the rows due, not the size of the book: the WHERE reads the
`next_due` index, ranking happens in the database, and only the rows shown
(the rep's capacity, 15 by default) have their stakeholders, follow-ups and
last contact fetched.

Rank (higher is more urgent; core/agenda.py holds the weights):
    tier weight + stage weight + 2 if a follow-up is due
    + urgency, where urgency = days overdue / cadence days, kept within -1..3
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from crmcli.core.agenda import FOLLOW_UP_WEIGHT, STAGE_WEIGHT, TIER_WEIGHT, URGENCY_RANGE
from crmcli.core.vocabulary import MAX_CADENCE_DAYS
from crmcli.store.db import Database, Row

# Days from a stored ISO date to the agenda day: the one expression that differs by engine.
DAYS_SINCE = {
    "sqlite": "(julianday(:on) - julianday({col}))",
    "postgresql": "(CAST(:on AS date) - CAST({col} AS date))",
}


def _case(column: str, weights: dict[str, float], default: float = 0.0) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in weights.items())
    return f"(CASE {column} {whens} ELSE {default} END)"


def _rank_sql(dialect: str) -> str:
    cadence = (f"(CASE WHEN c.every_days IS NOT NULL AND c.every_days < {MAX_CADENCE_DAYS} THEN c.every_days "
               f"WHEN c.every_days IS NOT NULL THEN {MAX_CADENCE_DAYS} "
               "WHEN c.tier = 'gold' THEN :cad_gold WHEN c.tier = 'silver' THEN :cad_silver "
               "WHEN c.tier = 'iron' THEN :cad_iron ELSE :cad_lead END)")
    overdue = DAYS_SINCE[dialect].format(col="c.next_due")
    low, high = URGENCY_RANGE
    urgency = (f"(CASE WHEN {overdue} * 1.0 / {cadence} < {low} THEN {low} "
               f"WHEN {overdue} * 1.0 / {cadence} > {high} THEN {high} "
               f"ELSE {overdue} * 1.0 / {cadence} END)")
    follow_up = (f"(CASE WHEN EXISTS (SELECT 1 FROM follow_up f WHERE f.customer_id = c.id "
                 f"AND f.done_at IS NULL AND f.due_on <= :horizon) THEN {FOLLOW_UP_WEIGHT} ELSE 0 END)")
    return (f"{_case('c.tier', TIER_WEIGHT)} + {_case('c.stage', STAGE_WEIGHT)} + "
            f"{follow_up} + {urgency}")


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
    where = _where(tier, owner, extra_where)
    sql = (f"SELECT c.id, c.name, c.kind, c.tier, c.stage, c.since, c.every_days, c.last_contact, "
           f"c.next_due, c.owner, {_rank_sql(db.dialect)} AS rank FROM customer c WHERE {where} "
           "ORDER BY rank DESC, c.next_due, c.id")
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = limit
    rows = db.rows(sql, params)
    total = len(rows) if not limit or len(rows) < limit else int(
        db.value(f"SELECT count(*) FROM customer c WHERE {where}", params))
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
    last: dict[int, Row] = {}
    for cid in customer_ids:
        row = db.row(
            "SELECT date, channel, note, feedback FROM interaction WHERE customer_id = :c "
            "ORDER BY date DESC, id DESC LIMIT 1", {"c": cid},
        )
        if row:
            last[cid] = row
    from crmcli.core.cadence import DEAL_NOTICE_DAYS
    from crmcli.store.deals import for_agenda

    deals = for_agenda(db, customer_ids, horizon + timedelta(days=DEAL_NOTICE_DAYS))
    return {"stakeholders": people, "follow_ups": follow_ups, "last": last, "deals": deals}
