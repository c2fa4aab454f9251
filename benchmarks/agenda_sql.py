"""Where the agenda's time goes on a large book, and a query shape that keeps it flat.

    python benchmarks/agenda_sql.py /tmp/crm-100k.db

Times (CPU, median of --runs) crmcli.store.agenda.due_rows as it is, prints
its query plan, then does the same for the PROPOSED shape below on a copy of
the book that has the proposed index, and checks that both give the same
customers in the same order with the same total. The book itself is only read.

The proposal (see README, Performance):
1. one covering index for the agenda, `customer (next_due, snoozed_until,
   tier, stage, every_days)`, so that finding, counting and ranking the due
   customers reads the index only, never the customer rows (and one on
   `follow_up (done_at, due_on, customer_id)`, so the open follow-ups are
   read without the answered ones);
2. rank in an inner query over that index, LIMIT there, and fetch the full
   customer rows only for the few shown;
3. the follow-up weight from one pass over the open follow-ups (a
   non-correlated IN), not a correlated EXISTS per due customer (a LEFT JOIN
   on them is faster still, but SQLite without statistics may then pick a
   nested scan that takes seconds); the urgency clamp computed once
   (max/min on SQLite, GREATEST/LEAST on PostgreSQL) with the agenda day's
   Julian day passed in, instead of three CASE branches each calling julianday.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from crmcli.core.agenda import FOLLOW_UP_WEIGHT, STAGE_WEIGHT, TIER_WEIGHT, URGENCY_RANGE
from crmcli.core.vocabulary import MAX_CADENCE_DAYS, TIER_CADENCE_DAYS
from crmcli.store import agenda
from crmcli.store.db import Database, Row

PROPOSED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_customer_agenda ON customer (next_due, snoozed_until, tier, stage, every_days)",
    "CREATE INDEX IF NOT EXISTS ix_follow_up_open ON follow_up (done_at, due_on, customer_id)",
)
JULIAN_DAY_OF_ORDINAL_0 = 1721424.5  # julianday('0001-01-01') - 1


def _case(column: str, weights: dict[str, float]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in weights.items())
    return f"(CASE {column} {whens} ELSE 0.0 END)"


def proposed_rank(dialect: str) -> str:
    cadence = (f"(CASE WHEN c.every_days IS NOT NULL AND c.every_days < {MAX_CADENCE_DAYS} THEN c.every_days "
               f"WHEN c.every_days IS NOT NULL THEN {MAX_CADENCE_DAYS} "
               "WHEN c.tier = 'gold' THEN :cad_gold WHEN c.tier = 'silver' THEN :cad_silver "
               "WHEN c.tier = 'iron' THEN :cad_iron ELSE :cad_lead END)")
    low, high = URGENCY_RANGE
    if dialect == "sqlite":
        urgency = f"max({low}, min({high}, (:on_jd - julianday(c.next_due)) * 1.0 / {cadence}))"
    else:
        urgency = (f"GREATEST({low}, LEAST({high}, "
                   f"(CAST(:on AS date) - CAST(c.next_due AS date)) * 1.0 / {cadence}))")
    # A non-correlated IN: the open follow-ups are read once (SQLite builds a list, PostgreSQL
    # a hashed subplan), whatever the planner thinks of the tables' sizes.
    follow_up = (f"(CASE WHEN c.id IN (SELECT f.customer_id FROM follow_up f WHERE f.done_at IS NULL "
                 f"AND f.due_on <= :horizon) THEN {FOLLOW_UP_WEIGHT} ELSE 0 END)")
    return f"{_case('c.tier', TIER_WEIGHT)} + {_case('c.stage', STAGE_WEIGHT)} + {follow_up} + {urgency}"


def proposed_due_rows(db: Database, day: date, ahead: int, cadences: dict[str, int], *,
                      limit: int | None, tier: str | None = None, owner: str | None = None,
                      extra_where: str | None = None, extra_params: dict[str, Any] | None = None
                      ) -> tuple[list[Row], int]:
    """Same contract and result as crmcli.store.agenda.due_rows."""
    params: dict[str, Any] = {
        "on": day.isoformat(), "on_jd": day.toordinal() + JULIAN_DAY_OF_ORDINAL_0,
        "horizon": (day + timedelta(days=ahead)).isoformat(), "tier": tier, "owner": owner,
        **{f"cad_{t}": d for t, d in cadences.items()}, **(extra_params or {}),
    }
    where = agenda._where(tier, owner, extra_where)
    ranked = (
        f"SELECT c.id, c.next_due, {proposed_rank(db.dialect)} AS rank FROM customer c "
        f"WHERE {where} ORDER BY rank DESC, c.next_due, c.id"
    )
    if limit:
        ranked += " LIMIT :limit"
        params["limit"] = limit
    sql = ("SELECT c.id, c.name, c.kind, c.tier, c.stage, c.since, c.every_days, c.last_contact, "
           f"c.next_due, c.owner, r.rank FROM ({ranked}) r JOIN customer c ON c.id = r.id "
           "ORDER BY r.rank DESC, r.next_due, r.id")
    rows = db.rows(sql, params)
    total = len(rows) if not limit or len(rows) < limit else int(
        db.value(f"SELECT count(*) FROM customer c WHERE {where}", params))
    return rows, total


def cpu_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples), min(samples)


def plan(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("book", type=Path)
    p.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    p.add_argument("--runs", type=int, default=9)
    args = p.parse_args()
    cadences = dict(TIER_CADENCE_DAYS)
    day = args.today
    cases = [dict(ahead=0, limit=15), dict(ahead=7, limit=15), dict(ahead=0, limit=15, tier="gold"),
             dict(ahead=0, limit=200), dict(ahead=30, limit=None)]

    with tempfile.TemporaryDirectory(prefix="crm-agenda-") as tmp:
        source = sqlite3.connect(args.book)
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        source.close()
        copy = Path(tmp) / "book.db"
        shutil.copyfile(args.book, copy)
        current = Database(sqlite3.connect(f"file:{args.book}?mode=ro", uri=True, isolation_level=None),
                           str(args.book))
        proposed_conn = sqlite3.connect(copy, isolation_level=None)
        for index in PROPOSED_INDEXES:
            proposed_conn.execute(index)
        proposed = Database(proposed_conn, str(copy))

        due = current.value("SELECT count(*) FROM customer WHERE next_due <= :d", {"d": day.isoformat()})
        size = current.value("SELECT count(*) FROM customer")
        print(f"{args.book}: {size:,} customers, {due:,} with next_due <= {day}\n")

        for label, db, fn in (("current", current, agenda.due_rows), ("proposed", proposed, proposed_due_rows)):
            med, best = cpu_ms(lambda db=db, fn=fn: fn(db, day, 0, cadences, limit=15), args.runs)
            print(f"{label:9s} due_rows (crm due, 15 rows + total): {med:6.1f} ms CPU median, {best:6.1f} min")

        print("\nplan, current:")
        params = {"on": day.isoformat(), "horizon": day.isoformat(), **{f"cad_{t}": d for t, d in cadences.items()},
                  "limit": 15}
        sql = (f"SELECT c.id, {agenda._rank_sql('sqlite')} AS rank FROM customer c WHERE "
               f"{agenda._where(None, None, None)} ORDER BY rank DESC, c.next_due, c.id LIMIT :limit")
        for line in plan(current._conn, sql, params):
            print("   ", line)
        print("plan, proposed (inner query):")
        sql = (f"SELECT c.id, {proposed_rank('sqlite')} AS rank FROM customer c WHERE "
               f"{agenda._where(None, None, None)} ORDER BY rank DESC, c.next_due, c.id LIMIT :limit")
        for line in plan(proposed._conn, sql, {**params, "on_jd": day.toordinal() + JULIAN_DAY_OF_ORDINAL_0}):
            print("   ", line)
        print()

        wrong = 0
        for case in cases:
            a = agenda.due_rows(current, day, case["ahead"], cadences, limit=case["limit"], tier=case.get("tier"))
            b = proposed_due_rows(proposed, day, case["ahead"], cadences, limit=case["limit"], tier=case.get("tier"))
            same = [r["id"] for r in a[0]] == [r["id"] for r in b[0]] and a[1] == b[1] and all(
                abs(x["rank"] - y["rank"]) < 1e-9 for x, y in zip(a[0], b[0]))
            wrong += not same
            print(f"same result {case}: {'yes' if same else 'NO'} ({len(a[0])} rows, total {a[1]})")
        current.close()
        proposed.close()
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
