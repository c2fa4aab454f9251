"""Twenty reps logging contacts at once on one PostgreSQL book: nothing lost, and how fast.

    scripts/with-postgres python benchmarks/pg_load.py                # a throwaway local server
    python benchmarks/pg_load.py --url postgresql://me@localhost/postgres   # a local server of yours

--url (default: env CRM_TEST_DATABASE_URL) is a login that may create databases: the script
makes `crm_load_<pid>`, fills it, and drops it at the end. Only local servers are meant: the
writers are bounded (--writers × --each transactions) and stop by themselves.

Each writer is its own process with its own connection. It logs --each contacts (default
1,000) through crm's own store code, the very transaction `crm log` runs (the contact, the
follow-ups it answers, the stakeholder's and customer's derived dates), on customers drawn at
random from a shared set (--customers, default 200, spread over the writers as owners), so
writers keep landing on the same customer rows at the same moment; every 25th step it also
changes that customer's stage. A write refused for a lock conflict would be retried like a rep
running the command again (counted; none were seen so far).

Afterwards it checks that every contact is there (writers × each, and each writer's own count),
every stage change is in the history, and each customer's last_contact is the latest of its
contacts; it prints the throughput and the per-transaction latency.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

from crmcli.core.names import name_key
from crmcli.core.vocabulary import TIER_CADENCE_DAYS
from crmcli.errors import CrmError

TODAY = date(2026, 11, 25)
STAGES = ("first-time", "repeat", "client")


def _admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u, psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                              dbname=u.database or "postgres", autocommit=True)


def setup(book_url: str, customers: int, writers: int) -> list[tuple[int, int]]:
    """A fresh book with `customers` accounts (one stakeholder each), owned round-robin by the reps."""
    from crmcli.store import customers as store_customers
    from crmcli.store.db import open_database

    db = open_database(url=book_url)
    pairs = []
    try:
        with db.transaction():
            for i in range(customers):
                name = f"Load Customer {i:04d}"
                cid = store_customers.insert(db, {"name": name, "name_key": name_key(name), "tier": "gold",
                                                  "stage": "prospect", "since": "2025-01-01"},
                                             owner=f"rep{i % writers + 1:02d}")
                sid = db.insert(
                    "INSERT INTO stakeholder (customer_id, name, name_key, role, created_at, updated_at) "
                    "VALUES (:c, :n, :k, 'decision-maker', :t, :t)",
                    {"c": cid, "n": f"Person {i}", "k": f"person {i}", "t": "2025-01-01T00:00:00"})
                pairs.append((cid, sid))
    finally:
        db.close()
    return pairs


def writer(n: int, book_url: str, pairs: list[tuple[int, int]], each: int, start, out) -> None:
    from crmcli.store import customers as store_customers
    from crmcli.store import log
    from crmcli.store.db import open_database

    rng = random.Random(n)
    cadences = dict(TIER_CADENCE_DAYS)
    db = open_database(url=book_url)
    latencies: list[float] = []
    retries = stage_changes = 0
    start.wait()
    try:
        for i in range(each):
            cid, sid = rng.choice(pairs)
            day = (TODAY - timedelta(days=rng.randint(0, 90))).isoformat()
            values = {"date": day, "channel": rng.choice(("call", "visit", "im", "email")),
                      "purpose": "care", "note": f"rep{n + 1:02d} #{i}", "feedback": None,
                      "score": None, "next_on": None, "next_note": None}
            for attempt in range(5):
                t = time.perf_counter()
                try:
                    log.log(db, cid, sid, values, cadences)
                    if i % 25 == 0:
                        store_customers.set_stage(db, cid, rng.choice(STAGES), day, f"rep{n + 1:02d}", cadences)
                        stage_changes += 1
                    break
                except CrmError:
                    retries += 1
                    if attempt == 4:
                        raise
                finally:
                    latencies.append(time.perf_counter() - t)
    finally:
        db.close()
    out.put((n, latencies, retries, stage_changes))


def check(book_url: str, writers: int, each: int, stage_changes: int) -> list[str]:
    from crmcli.store.db import open_database

    db = open_database(url=book_url)
    problems = []
    try:
        total = db.value("SELECT count(*) FROM interaction")
        if total != writers * each:
            problems.append(f"{total} contacts in the book, {writers * each} logged")
        for r in db.rows("SELECT substr(note, 1, 5) AS rep, count(*) AS n FROM interaction GROUP BY substr(note, 1, 5)"):
            if r["n"] != each:
                problems.append(f"{r['rep']}: {r['n']} contacts, {each} logged")
        stages = db.value("SELECT count(*) FROM stage_change WHERE note LIKE 'rep%'")
        if stages != stage_changes:
            problems.append(f"{stages} stage changes in the history, {stage_changes} made")
        stale = db.value("SELECT count(*) FROM customer c WHERE coalesce(c.last_contact, '') <> "
                         "coalesce((SELECT max(i.date) FROM interaction i WHERE i.customer_id = c.id), '')")
        if stale:
            problems.append(f"{stale} customers whose last_contact is not their latest contact")
    finally:
        db.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("CRM_TEST_DATABASE_URL"),
                        help="a login on a local server that may create databases")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--each", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=200)
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set CRM_TEST_DATABASE_URL (scripts/with-postgres does)")
    u, admin = _admin(args.url)
    if u.host not in (None, "", "localhost", "127.0.0.1", "::1") and not str(u.host).startswith("/"):
        parser.error("this load test is for a server on this machine (localhost) only")
    dbname = f"crm_load_{os.getpid()}"
    admin.execute(f"CREATE DATABASE {dbname}")
    book_url = u.set(database=dbname).render_as_string(hide_password=False)
    try:
        pairs = setup(book_url, args.customers, args.writers)
        ctx = mp.get_context("fork")
        start, out = ctx.Barrier(args.writers + 1), ctx.Queue()
        procs = [ctx.Process(target=writer, args=(n, book_url, pairs, args.each, start, out))
                 for n in range(args.writers)]
        for p in procs:
            p.start()
        start.wait()
        t0 = time.perf_counter()
        results = [out.get() for _ in procs]
        elapsed = time.perf_counter() - t0
        for p in procs:
            p.join()
        failed = [p.exitcode for p in procs if p.exitcode]
        latencies = sorted(x for _, lat, _, _ in results for x in lat)
        retries = sum(r for _, _, r, _ in results)
        stage_changes = sum(s for _, _, _, s in results)
        problems = check(book_url, args.writers, args.each, stage_changes)
        total = args.writers * args.each
        print(f"{args.writers} writers x {args.each} contacts = {total} contacts "
              f"(+{stage_changes} stage changes) on {args.customers} shared customers")
        print(f"wall time {elapsed:.1f} s: {total / elapsed:.0f} contacts/s; retries {retries}")
        q = statistics.quantiles(latencies, n=100)
        print(f"per transaction: median {statistics.median(latencies) * 1000:.1f} ms, "
              f"p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
        if failed or problems:
            print("FAILED: " + "; ".join(problems + [f"{len(failed)} writer(s) crashed"] * bool(failed)))
            return 1
        print(f"check: all {total} contacts and {stage_changes} stage changes are there; "
              "every customer's last contact is its latest")
        return 0
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
