"""Wall and CPU time of `crm report …` and `crm segment` on the big book, next to `crm due` (issue 6).

    python benchmarks/time_reports.py --big /tmp/crm-100k.db [--build] [--runs 5]

The target of issue 6: each report within 2x the time of `crm due` on the
100,000-customer book. Commands run as a user runs them (a new process, output
to /dev/null: not a terminal, so --json is compact), round-robin after one warm-up run, with the environment of
time_commands.py (whose Job and run_once this reuses). Reported per command:
median (min) wall time, median CPU time, and both as a multiple of `crm due`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from time_commands import DEFAULT_TODAY, Job, build_if_missing, crm_command, run_once

REPORTS = [
    ["report", "coverage"], ["report", "ladder"], ["report", "churn"], ["report", "value"],
    ["report", "winback"], ["report", "activity"],
    ["segment", "--by", "years-since-purchase:5,6,7", "--by", "fact:satisfaction:0,6,8"],
    ["segment", "--by", "years-since-purchase:5,6,7", "--by", "score:0,6,8", "--where", "no-complaint"],
]
JSON = [["report", name, "--json"] for name in ("coverage", "ladder", "churn", "value", "winback", "activity")]
TARGET = 2.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--big", type=Path, default=Path(tempfile.gettempdir()) / "crm-100k.db")
    p.add_argument("--build", action="store_true", help="build the book if it does not exist yet")
    p.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    p.add_argument("--today", default=DEFAULT_TODAY)
    p.add_argument("--json-too", action="store_true", help="also time every report with --json")
    args = p.parse_args()
    if args.build:
        build_if_missing(args.big, 100_000, args.today)
    if not args.big.exists():
        sys.exit(f"{args.big} does not exist; build it with benchmarks/build_book.py or pass --build.")
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CRM_") and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        env.update({"CRM_TODAY": args.today, "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
                    "COLUMNS": "120", "CRM_DB": str(args.big),
                    # bytecode as an installed crm has it (the warm-up run writes it), kept out of
                    # the source tree: otherwise every run compiles the modules changed lately
                    "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")})
        crm = crm_command()
        commands = [["due"], *REPORTS, *(JSON if args.json_too else [])]
        jobs = [Job("crm " + " ".join(c), "big", [*crm, *c], env) for c in commands]
        for job in jobs:  # warm-up: page cache, .pyc files
            run_once(job)
            job.samples.clear()
            job.cpu.clear()
        for _ in range(args.runs):
            for job in jobs:
                run_once(job)
    due = jobs[0]
    print("| command | wall, median (min) | CPU | x `crm due` wall | x CPU |")
    print("|---|---:|---:|---:|---:|")
    for job in jobs:
        wall, cpu = job.median / due.median, job.cpu_median / due.cpu_median
        flag = "" if job is due or wall <= TARGET else " (over x2)"
        print(f"| `{job.label}` | {job.median:.0f} ms ({job.best:.0f}) | {job.cpu_median:.0f} ms "
              f"| x{wall:.2f}{flag} | x{cpu:.2f} |")


if __name__ == "__main__":
    main()
