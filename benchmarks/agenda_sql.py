"""The agenda query alone on a large book: its CPU time and its query plan.

    python benchmarks/agenda_sql.py /tmp/crm-100k.db

Times (CPU, median of --runs) crmcli.store.agenda.due_rows for a few agenda
variants and prints the plan SQLite chose for each statement it ran: the
ranking must read the covering index `ix_customer_agenda` only, never the
customer table nor the follow-ups. The book
is opened read-only; it must already have crm's current schema (open it once
with any crm command to upgrade it).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from crmcli.core.vocabulary import TIER_CADENCE_DAYS
from crmcli.store import agenda
from crmcli.store.db import Database


def cpu_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples), min(samples)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("book", type=Path)
    p.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    p.add_argument("--runs", type=int, default=9)
    args = p.parse_args()
    cadences = dict(TIER_CADENCE_DAYS)
    day = args.today
    conn = sqlite3.connect(f"file:{args.book}?mode=ro", uri=True, isolation_level=None)
    db = Database(conn, str(args.book))
    due = db.value("SELECT count(*) FROM customer WHERE next_due <= :d", {"d": day.isoformat()})
    size = db.value("SELECT count(*) FROM customer")
    print(f"{args.book}: {size:,} customers, {due:,} with next_due <= {day}\n")
    cases = {"crm due (15 rows + total)": dict(ahead=0, limit=15),
             "crm due --ahead 7": dict(ahead=7, limit=15),
             "crm due --tier gold": dict(ahead=0, limit=15, tier="gold"),
             "crm due --limit 200": dict(ahead=0, limit=200),
             "crm due --ahead 30 --limit 0": dict(ahead=30, limit=None)}
    for label, case in cases.items():
        med, best = cpu_ms(lambda case=case: agenda.due_rows(db, day, cadences=cadences, **case), args.runs)
        print(f"{label:32s} {med:7.1f} ms CPU median, {best:7.1f} min")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    agenda.due_rows(db, day, 0, cadences, limit=15)
    conn.set_trace_callback(None)
    for sql in statements:
        print("\nplan:", sql.split("FROM", 1)[0][:60], "...")
        for row in conn.execute("EXPLAIN QUERY PLAN " + sql):
            print("   ", row[3])
    db.close()


if __name__ == "__main__":
    main()
