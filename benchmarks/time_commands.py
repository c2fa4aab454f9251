"""Wall time of crm commands on a large and a small book, next to the stack's floor.

    python benchmarks/time_commands.py --big /tmp/crm-100k.db --small /tmp/crm-100.db --build

Each command runs as a user runs it (a new process, not a terminal: its output
goes to /dev/null), --runs times after one warm-up run, round-robin over all the
commands so that a burst of load elsewhere on the machine hits them all
alike. Reported: median and minimum wall time in milliseconds, and the
agenda targets of issue 3 (the 100,000-customer `crm due` within 10% of the
100-customer one, and within 1.5x of benchmarks/floor.py).

Environment of every run: CRM_DB names the book, CRM_TODAY is the book's
today (--today, the same default as build_book.py), XDG_CONFIG_HOME is an
empty folder (default settings, found the way a user's are), COLUMNS=120,
and PYTHONPYCACHEPREFIX a scratch folder, so that Python's compiled
bytecode is used as in an installed crm even where PYTHONDONTWRITEBYTECODE
is set (the warm-up run writes it). `crm log` writes, so it runs on a copy
of each book.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TODAY = "2026-11-25"  # build_book.py's default
DUE_SLACK = 1.10  # issue 3: within 10% of the 100-customer agenda
FLOOR_SLACK = 1.5  # issue 3: within 1.5x of the floor


@dataclass
class Job:
    label: str
    book: str  # "big", "small" or "" (no book read)
    argv: list[str]
    env: dict[str, str]
    samples: list[float] = field(default_factory=list)  # wall time, ms
    cpu: list[float] = field(default_factory=list)  # user + system CPU time, ms

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def crm_command() -> list[str]:
    script = Path(sys.executable).with_name("crm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crmcli"]


def pick_ref(path: Path) -> str:
    """A customer a rep would look up by name: a gold company with a unique name, people and history."""
    conn = sqlite3.connect(path)
    row = conn.execute(
        "SELECT c.name FROM customer c WHERE c.kind = 'company' AND c.tier = 'gold' "
        "AND EXISTS (SELECT 1 FROM stakeholder s WHERE s.customer_id = c.id) "
        "AND EXISTS (SELECT 1 FROM interaction i WHERE i.customer_id = c.id) "
        "AND (SELECT count(*) FROM customer d WHERE d.name_key = c.name_key) = 1 "
        "ORDER BY c.id LIMIT 1"
    ).fetchone() or conn.execute("SELECT name FROM customer ORDER BY id LIMIT 1").fetchone()
    conn.close()
    return row[0]


def copy_book(path: Path, folder: Path, prefix: str = "copy") -> Path:
    """A consistent copy of a book (WAL checkpointed first), for the commands that write."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    target = folder / f"{prefix}-{path.name}"
    shutil.copyfile(path, target)
    return target


def build_if_missing(path: Path, customers: int, today: str) -> None:
    if path.exists():
        return
    print(f"building {path} ({customers:,} customers)…", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, str(HERE / "build_book.py"), str(path), "--customers",
                    str(customers), "--today", today], check=True)


def make_jobs(args: argparse.Namespace, scratch: Path) -> list[Job]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("CRM_") and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    base.update({
        "CRM_TODAY": args.today, "XDG_CONFIG_HOME": str(scratch / "config"), "COLUMNS": "120",
        # Compiled bytecode as an installed crm has it, kept out of the source tree; without
        # it (PYTHONDONTWRITEBYTECODE) every run would compile crmcli's sources again.
        "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
    })
    crm = crm_command()
    python = sys.executable
    books = {"big": args.big, "small": args.small}
    jobs = [
        Job("python -c pass (interpreter start)", "", [python, "-c", "pass"], base),
        Job('python -c "import typer, rich, sqlmodel"', "", [python, "-c", "import typer, rich, sqlmodel"], base),
        Job("crm --version", "", [*crm, "--version"], base),
        Job("crm --help", "", [*crm, "--help"], base),
    ]
    for book, path in books.items():
        env = {**base, "CRM_DB": str(path)}
        ref = pick_ref(path)
        copy = copy_book(path, scratch)
        jobs += [
            Job("floor (benchmarks/floor.py)", book, [python, str(HERE / "floor.py")], env),
            Job("crm due", book, [*crm, "due"], env),
            Job("crm due --json", book, [*crm, "due", "--json"], env),
            Job("crm customer list --limit 20", book, [*crm, "customer", "list", "--limit", "20"], env),
            Job("crm customer show REF", book, [*crm, "customer", "show", ref], env),
            Job("crm log REF --via call --note x", book, [*crm, "log", ref, "--via", "call", "--note", "x"],
                {**env, "CRM_DB": str(copy)}),
        ]
    if args.only:
        jobs = [j for j in jobs if any(word in j.label for word in args.only)]
    return jobs


def run_once(job: Job) -> None:
    """One run: wall time, and the CPU time (user + system) of the process, in ms."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(job.argv, env=job.env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{job.label} ({job.book}) failed with exit {proc.returncode}:\n{err.read().decode()}")
    job.samples.append(elapsed * 1000)
    job.cpu.append((usage.ru_utime + usage.ru_stime) * 1000)


def report(jobs: list[Job], args: argparse.Namespace) -> str:
    sizes = {b: sqlite3.connect(p).execute("SELECT count(*) FROM customer").fetchone()[0]
             for b, p in (("big", args.big), ("small", args.small))}
    big, small = f"{sizes['big']:,}", f"{sizes['small']:,}"
    lines = [
        f"| command | {big} customers: wall, median (min) | CPU | {small} customers: wall, median (min) | CPU |",
        "|---|---:|---:|---:|---:|",
    ]
    by_label: dict[str, dict[str, Job]] = {}
    for job in jobs:
        by_label.setdefault(job.label, {})[job.book] = job

    def cells(job: Job | None) -> str:
        if job is None:
            return " | "
        return f"{job.median:.0f} ms ({job.best:.0f}) | {job.cpu_median:.0f} ms"

    for label, books in by_label.items():
        if "" in books:
            lines.append(f"| `{label}` | {cells(books[''])} | (no book) | |")
        else:
            lines.append(f"| `{label}` | {cells(books.get('big'))} | {cells(books.get('small'))} |")
    due, floor = by_label.get("crm due", {}), by_label.get("floor (benchmarks/floor.py)", {})
    if "big" in due and "small" in due and "big" in floor:
        lines.append("")
        for what, a, b, slack in (
            (f"`crm due`, {big} vs {small} customers", due["big"], due["small"], DUE_SLACK),
            (f"`crm due` vs the floor, {big} customers", due["big"], floor["big"], FLOOR_SLACK),
        ):
            wall, cpu = a.median / b.median, a.cpu_median / b.cpu_median
            lines.append(f"- {what}: x{wall:.2f} wall, x{cpu:.2f} CPU (target <= x{slack:.2f}: "
                         f"{'met' if wall <= slack else 'MISSED'})")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--big", type=Path, default=Path(tempfile.gettempdir()) / "crm-100k.db")
    p.add_argument("--small", type=Path, default=Path(tempfile.gettempdir()) / "crm-100.db")
    p.add_argument("--build", action="store_true", help="build the books that do not exist yet")
    p.add_argument("--runs", type=int, default=9, help="timed runs of each command (default 9)")
    p.add_argument("--today", default=DEFAULT_TODAY, help=f"the books' today (default {DEFAULT_TODAY})")
    p.add_argument("--only", nargs="*", help="only the commands whose label contains one of these")
    p.add_argument("--json", type=Path, help="also write every sample (ms) to this file")
    args = p.parse_args()
    if args.build:
        build_if_missing(args.big, 100_000, args.today)
        build_if_missing(args.small, 100, args.today)
    for path in (args.big, args.small):
        if not path.exists():
            sys.exit(f"{path} does not exist; build it with benchmarks/build_book.py or pass --build.")
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        scratch = Path(tmp)
        jobs = make_jobs(args, scratch)
        for job in jobs:  # warm-up: page cache, .pyc files
            run_once(job)
            job.samples.clear()
            job.cpu.clear()
        for n in range(args.runs):
            for job in jobs:
                run_once(job)
            print(f"run {n + 1}/{args.runs} done", file=sys.stderr, flush=True)
    print(report(jobs, args))
    if args.json:
        args.json.write_text(json.dumps(
            [{"command": j.label, "book": j.book, "wall_ms": [round(s, 1) for s in j.samples],
              "cpu_ms": [round(s, 1) for s in j.cpu]} for j in jobs],
            indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
