"""The agenda at scale on PostgreSQL: the benchmark book on a server, spread over 20 reps.

    python benchmarks/build_book.py /tmp/crm-100k.db
    scripts/with-postgres python benchmarks/pg_agenda.py --book /tmp/crm-100k.db

--url (default: env CRM_TEST_DATABASE_URL) is a login on a local server that may create
databases. The book is copied into a new database with crm's own `db copy` code
(store/copy.py; the time is printed), its customers are given to rep01…rep20 round-robin
(as a team's book would be), and the table is vacuumed and its statistics gathered (VACUUM
ANALYZE, as autovacuum does after a bulk load; the visibility map lets the agenda read its
covering index alone). Then, as a user runs them (a new process each, output to a pipe), round-robin over
--runs rounds after a warm-up:

    crm due                       as rep01 (config user.name), on the server
    crm due --all --limit 50      the manager's view, on the server
    crm due [--limit 50]          on the SQLite file itself, for comparison

and prints median and minimum wall times, and the server's plan of the agenda query for one
rep and for all (EXPLAIN ANALYZE: index scans on customer, no scan of the contact history).
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from time_commands import Job, crm_command, run_once

TODAY = "2026-11-25"
REPS = 20


def copy_in(book: Path, url: str) -> float:
    from crmcli.core.vocabulary import TIER_CADENCE_DAYS
    from crmcli.store.copy import copy_book
    from crmcli.store.db import open_database

    source, target = open_database(book), open_database(url=url)
    try:
        t = time.perf_counter()
        report = copy_book(source, target, cadences=dict(TIER_CADENCE_DAYS))
        elapsed = time.perf_counter() - t
        rows = sum(c.copied for c in report.tables)
        print(f"db copy: {rows:,} rows in {elapsed:.0f} s ({rows / elapsed:,.0f} rows/s)")
        target.run("UPDATE customer SET owner = 'rep' || lpad(CAST(1 + id % :n AS text), 2, '0')", {"n": REPS})
    finally:
        source.close()
        target.close()
    return elapsed


def analyze(url: str) -> None:
    from crmcli.store.db import open_database

    db = open_database(url=url)
    try:
        db.run("VACUUM ANALYZE")
    finally:
        db.close()


def plans(url: str) -> None:
    """EXPLAIN ANALYZE of the agenda query as store/agenda.py sends it (captured, not rewritten)."""
    from crmcli.core.vocabulary import TIER_CADENCE_DAYS
    from crmcli.store import agenda
    from crmcli.store.db import open_database

    db = open_database(url=url)
    captured: list[tuple[str, dict]] = []
    rows = db.rows

    def capture(sql, params=None):
        captured.append((sql, dict(params or {})))
        return rows(sql, params)

    db.rows = capture  # type: ignore[method-assign]
    try:
        for owner, limit in (("rep01", 15), (None, 50)):
            captured.clear()
            agenda.due_rows(db, date.fromisoformat(TODAY), 0, dict(TIER_CADENCE_DAYS), limit=limit, owner=owner)
            for sql, params in captured:
                print(f"\nplan, owner={owner!r}, limit {limit}: {sql[:50]}...")
                for r in rows("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params):
                    print("   ", r["QUERY PLAN"])
    finally:
        db.close()


def time_commands(url: str, book: Path, runs: int) -> list[Job]:
    """Each command as a user runs it, round-robin after a warm-up: wall and CPU time (Job)."""
    config = Path(tempfile.mkdtemp(prefix="crm-bench-config-"))
    (config / "config.json").write_text(json.dumps({"user.name": "rep01"}))
    crm = crm_command()
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("CRM_") and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    # Compiled bytecode as an installed crm has it (see time_commands.py): without it every run
    # would compile crmcli's sources again, about 100 ms more on each engine.
    base.update({"CRM_TODAY": TODAY, "CRM_CONFIG_DIR": str(config), "COLUMNS": "120",
                 "PYTHONPYCACHEPREFIX": str(config / "pycache")})
    server = {**base, "CRM_DATABASE_URL": url}
    jobs = [
        Job("python -c pass (interpreter start)", "", [sys.executable, "-c", "pass"], base),
        Job('python -c "import psycopg"', "", [sys.executable, "-c", "import psycopg"], base),
        Job("crm due (rep01, PostgreSQL)", "server", [*crm, "due"], server),
        Job("crm due --all --limit 50 (PostgreSQL)", "server", [*crm, "due", "--all", "--limit", "50"], server),
        Job("crm due (SQLite file)", "file", [*crm, "--db", str(book), "due"], base),
        Job("crm due --limit 50 (SQLite file)", "file", [*crm, "--db", str(book), "due", "--limit", "50"], base),
    ]
    for job in jobs:  # warm-up: page cache, server buffers, compiled bytecode
        run_once(job)
        job.samples.clear()
        job.cpu.clear()
    for _ in range(runs):
        for job in jobs:
            run_once(job)
    return jobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, required=True, help="a book built by benchmarks/build_book.py")
    parser.add_argument("--url", default=os.environ.get("CRM_TEST_DATABASE_URL"))
    parser.add_argument("--database", help="use (and keep) this database; copied into only when empty")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep", action="store_true", help="keep the database for more runs")
    parser.add_argument("--times-only", action="store_true",
                        help="skip VACUUM ANALYZE and the query plans (a database already analysed)")
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set CRM_TEST_DATABASE_URL (scripts/with-postgres does)")
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(args.url)
    admin = psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                            dbname=u.database or "postgres", autocommit=True)
    dbname = args.database or f"crm_bench_{os.getpid()}"
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
    if not exists:
        admin.execute(f"CREATE DATABASE {dbname}")
    url = u.set(database=dbname).render_as_string(hide_password=False)
    try:
        from crmcli.store.db import open_database

        db = open_database(url=url)
        empty = not db.value("SELECT count(*) FROM customer")
        db.close()
        if empty:
            copy_in(args.book, url)
        if not args.times_only:
            analyze(url)
            plans(url)
        jobs = time_commands(url, args.book, args.runs)
        print(f"\nover {args.runs} runs (ms): wall median (min), CPU median (user + system)")
        for job in jobs:
            print(f"  {job.label:40s} {job.median:6.0f} ({job.best:4.0f})   CPU {job.cpu_median:5.0f}")
        return 0
    finally:
        if not (args.keep or args.database):
            admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
