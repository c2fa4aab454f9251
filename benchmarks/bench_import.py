"""Benchmark `crm import` and `crm export` against sqlite-utils and sqlite3's `.import` (issue 4).

    python benchmarks/bench_import.py                      # 100k customers, 100k contacts, 1M history
    python benchmarks/bench_import.py --scale 0.1          # a tenth of that, for a quick look
    python benchmarks/bench_import.py --keep /tmp/bench    # keep the files and databases there

It writes three CSV files in crm's own export columns (seeded, so every run
imports the same bytes): customers, contacts (two per customer on average,
half of the customers), and the contact history (ten per customer). Then it
runs, each in a fresh process under /usr/bin/time, its wall clock, CPU time
(user + system) and peak resident memory ("Maximum resident set size"):

- `crm import customers`, `contacts`, `history` into one empty book, in that order;
- `sqlite-utils insert DB customers customers.csv --csv` into a new file, with and without
  `--no-detect-types` (sqlite-utils 4 guesses column types by default);
- sqlite3's `.import --csv` of the customer and history files (the floor: no
  validation, no de-duplication, no indexes);
- `crm export customers -o FILE` against a bare Python `csv.writer` over the
  same query, both on the 100,000-customer book;
- the floor for any importer that keeps crm's schema: the same customer and
  history rows, already resolved, written with bare `executemany` into crm's
  own tables (their indexes and foreign keys), nothing else.

Nothing here is a test: it prints a table (and --json prints numbers) for the
README's "Performance: import and export" section.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TODAY = date(2026, 11, 25)
VENV = Path(sys.executable).parent
CRM = [str(VENV / "crm")]
SQLITE_UTILS = str(VENV / "sqlite-utils")

CITIES = ["上海", "北京", "深圳", "广州", "杭州", "Shenzhen", "Beijing", "成都", "武汉", "Munich"]
INDUSTRIES = ["logistics", "retail", "制造", "汽车", "software", "贸易", "", ""]
TIERS = ["gold", "silver", "iron", "iron", "lead", "金", "银", "铁"]
STAGES = ["prospect", "client", "repeat", "first-time", "suspect", "老客户", "lost"]
ROLES = ["decision-maker", "influencer", "executor", "supervisor", "", "决策者", "采购"]
LEVELS = ["acquainted", "engaged", "partner", "ally", "", "认识"]
CHANNELS = ["call", "visit", "email", "sms", "im", "meeting", "meal", "gift", "电话", "微信"]
PURPOSES = ["care", "inform", "develop", "serve", "intel", "sell", "survey", "", ""]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"

CUSTOMER_HEADER = ["name", "kind", "tier", "stage", "industry", "city", "phone", "email", "tags",
                   "every", "since", "last_contact", "note"]
CONTACT_HEADER = ["customer", "name", "role", "level", "title", "department", "phone", "email",
                  "birthday", "note"]
HISTORY_HEADER = ["customer", "contact", "date", "channel", "purpose", "note", "feedback", "score",
                  "next", "next_note"]


def customer_name(i: int) -> str:
    return f"华东{i:06d}物流有限公司" if i % 3 == 0 else f"Customer {i:06d} Trading"


def day_before(rng: random.Random, years: int) -> str:
    return (TODAY - timedelta(days=rng.randrange(1, 365 * years))).isoformat()


def write_files(folder: Path, customers: int, contacts: int, history: int, seed: int = 4) -> dict[str, Path]:
    rng = random.Random(seed)
    paths = {k: folder / f"{k}.csv" for k in ("customers", "contacts", "history")}
    with paths["customers"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CUSTOMER_HEADER)
        for i in range(customers):
            w.writerow([
                customer_name(i), "person" if i % 10 == 0 else "company", rng.choice(TIERS),
                rng.choice(STAGES), rng.choice(INDUSTRIES), rng.choice(CITIES),
                f"+86 1{rng.randrange(30, 99)} {rng.randrange(10**8):08d}",
                f"info{i}@example.com" if i % 2 else "", "vip;export" if i % 7 == 0 else "",
                "30d" if i % 11 == 0 else "", day_before(rng, 6),
                day_before(rng, 2) if i % 4 else "",
                "Met at the fair, \"likes\" tea" if i % 5 == 0 else "",
            ])
    people: list[tuple[int, str]] = []
    with paths["contacts"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CONTACT_HEADER)
        for j in range(contacts):
            owner = rng.randrange(customers)
            name = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{j}"
            people.append((owner, name))
            born = (f"{rng.randrange(1960, 2000)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                    if j % 3 == 0 else (f"--{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" if j % 3 == 1 else ""))
            w.writerow([
                customer_name(owner), name, rng.choice(ROLES), rng.choice(LEVELS), "经理", "",
                f"139 {j:08d}", f"p{j}@example.cn" if j % 2 else "", born, "",
            ])
    with paths["history"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HISTORY_HEADER)
        for k in range(history):
            if people and k % 2:
                owner, person = people[rng.randrange(len(people))]
            else:
                owner, person = rng.randrange(customers), ""
            nxt = (TODAY + timedelta(days=rng.randrange(-200, 60))).isoformat() if k % 10 == 0 else ""
            w.writerow([
                customer_name(owner), person, day_before(rng, 3), rng.choice(CHANNELS),
                rng.choice(PURPOSES), f"note {k}", "ok" if k % 3 == 0 else "",
                str(rng.randrange(11)) if k % 9 == 0 else "", nxt, "call back" if nxt else "",
            ])
    return paths


def measure(cmd: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> dict:
    """Wall time and peak resident memory of one command, as /usr/bin/time -v reports them.

    (os.wait4's rusage would do for the wall time, but a child forked from this
    process starts with its memory counted, so /usr/bin/time measures the peak.)
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", "-o", report.name, *cmd],
                              env=env, input=stdin, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        _elapsed, max_kib, user, system = report.read().split()[-4:]
    return {"wall_s": round(wall, 2), "cpu_s": round(float(user) + float(system), 2),
            "peak_mib": round(int(max_kib) / 1024, 1), "stdout": proc.stdout}


BARE_EXPORT = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
cur = conn.execute(
    "SELECT id, name, kind, tier, stage, industry, city, phone, email, tags, every_days, since, "
    "last_contact, note, created_at FROM customer ORDER BY name_key, id")
with open(sys.argv[2], "w", encoding="utf-8", newline="") as fh:
    w = csv.writer(fh, lineterminator="\\n")
    w.writerow([d[0] for d in cur.description])
    w.writerows(cur)
"""


# The floor for any importer that keeps crm's schema: the same rows, already resolved, written
# with one executemany per 2,000 rows into crm's own tables (their indexes and foreign keys),
# with no parsing beyond csv.reader, no validation, no de-duplication, no batch records.
SCHEMA_FLOOR = """
import csv, sqlite3, sys
kind, db, path = sys.argv[1:4]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA foreign_keys = ON")
conn.execute("BEGIN IMMEDIATE")
stamp = "2026-11-25T00:00:00"
with open(path, encoding="utf-8", newline="") as fh:
    rows = csv.reader(fh)
    header = next(rows)
    col = {h: i for i, h in enumerate(header)}
    batch = []
    if kind == "customers":
        sql = ("INSERT INTO customer (name, name_key, kind, tier, stage, city, phone, email, since, "
               "created_at, updated_at) VALUES (?, ?, 'company', 'iron', 'prospect', ?, ?, ?, ?, ?, ?)")
        for r in rows:
            batch.append((r[0], r[0].casefold(), r[col["city"]], r[col["phone"]], r[col["email"]],
                          r[col["since"]], stamp, stamp))
            if len(batch) == 2000:
                conn.executemany(sql, batch); batch = []
    else:
        customers = dict(conn.execute("SELECT name, id FROM customer"))
        people = {(c, n): i for i, c, n in conn.execute("SELECT id, customer_id, name FROM stakeholder")}
        sql = ("INSERT INTO interaction (customer_id, stakeholder_id, date, channel, note, created_at) "
               "VALUES (?, ?, ?, 'call', ?, ?)")
        for r in rows:
            cid = customers[r[0]]
            batch.append((cid, people.get((cid, r[1])), r[2], r[col["note"]], stamp))
            if len(batch) == 2000:
                conn.executemany(sql, batch); batch = []
    if batch:
        conn.executemany(sql, batch)
conn.execute("COMMIT")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (default 1)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ap.add_argument("--reuse", action="store_true", help="reuse the CSV files already in --keep")
    args = ap.parse_args()
    n_customers = int(100_000 * args.scale)
    n_contacts = int(100_000 * args.scale)
    n_history = int(1_000_000 * args.scale)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="crm-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.db*"):
        old.unlink()
    env = {**os.environ, "CRM_TODAY": TODAY.isoformat(), "CRM_CONFIG_DIR": str(folder / "config"),
           "NO_COLOR": "1"}
    results: dict[str, dict] = {}
    try:
        t0 = time.perf_counter()
        paths = {k: folder / f"{k}.csv" for k in ("customers", "contacts", "history")}
        if not (args.reuse and all(p.exists() for p in paths.values())):
            paths = write_files(folder, n_customers, n_contacts, n_history)
            print(f"wrote the files in {time.perf_counter() - t0:.1f} s to {folder}", file=sys.stderr)
        book = folder / "crm.db"
        # An empty book first: creating the schema is a one-time cost, not part of an import.
        subprocess.run(CRM + ["--db", str(book), "customer", "list"], env=env, check=True,
                       capture_output=True)
        shutil.copy(book, folder / "empty.db")
        for kind, rows in (("customers", n_customers), ("contacts", n_contacts), ("history", n_history)):
            if kind == "history":
                shutil.copy(book, folder / "before_history.db")
            r = measure(CRM + ["--db", str(book), "import", kind, str(paths[kind]), "--json"], env)
            summary = json.loads(r.pop("stdout"))
            r["rows"] = rows
            r["created"] = summary["counts"][kind]["created"]
            results[f"crm import {kind}"] = r
            print(f"crm import {kind}: {r}", file=sys.stderr)
        for kind, snapshot, rows in (("customers", "empty.db", n_customers),
                                     ("history", "before_history.db", n_history)):
            r = measure([sys.executable, "-c", SCHEMA_FLOOR, kind, str(folder / snapshot), str(paths[kind])])
            r.pop("stdout")
            r["rows"] = rows
            results[f"floor: bare executemany into crm's {kind} table"] = r
        # sqlite-utils 4 guesses each column's type by default (two passes over the file); the
        # issue's "about 23,000 rows/s" is its plain insert, `--no-detect-types`: both are timed.
        for label, extra in (("", []), (" --no-detect-types", ["--no-detect-types"])):
            su_db = folder / f"su{len(extra)}.db"
            su_db.unlink(missing_ok=True)
            r = measure([SQLITE_UTILS, "insert", str(su_db), "customers", str(paths["customers"]), "--csv", *extra])
            r.pop("stdout")
            r["rows"] = n_customers
            results[f"sqlite-utils insert --csv{label} customers"] = r
        for kind in ("customers", "history"):
            db = folder / f"dot_import_{kind}.db"
            r = measure(["sqlite3", str(db)], stdin=f".import --csv {paths[kind]} {kind}\n")
            r.pop("stdout")
            r["rows"] = n_customers if kind == "customers" else n_history
            results[f"sqlite3 .import {kind}"] = r
        out = folder / "export.csv"
        r = measure(CRM + ["--db", str(book), "export", "customers", "-o", str(out)], env)
        r.pop("stdout")
        r["rows"] = n_customers
        results["crm export customers"] = r
        r = measure([sys.executable, "-c", BARE_EXPORT, str(book), str(folder / "bare.csv")])
        r.pop("stdout")
        r["rows"] = n_customers
        results["bare csv.writer, same query"] = r
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'what':52} {'rows':>10} {'wall s':>8} {'CPU s':>8} {'rows/s':>10} {'peak MiB':>9}")
    for what, r in results.items():
        rate = r["rows"] / r["wall_s"] if r["wall_s"] else 0
        print(f"{what:52} {r['rows']:>10,} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} {rate:>10,.0f} "
              f"{r['peak_mib']:>9.1f}")


if __name__ == "__main__":
    main()
