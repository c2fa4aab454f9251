"""Benchmark `crm import contacts` of 10,000 vCards against the same people as CSV (issue 8).

    python benchmarks/bench_vcard.py               # 10,000 people, best of 3 runs each
    python benchmarks/bench_vcard.py --people 2000 --runs 1

It writes the same seeded people three ways: crm's contacts CSV, vCard 3.0
as `crm export contacts --vcard` writes it (iPhone-like), and vCard 2.1 with
every non-ASCII value QUOTED-PRINTABLE as Android's Contacts app writes it.
Each file is imported by `crm import contacts` in a fresh process into a new
book; the wall time (best of --runs) and the peak resident memory are
printed, with each vCard time as a multiple of the CSV time (target: within 3×).
Nothing here is a test; the numbers go in the README.
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
from pathlib import Path

VENV = Path(sys.executable).parent
CRM = [str(VENV / "crm")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
ROLES = ["decision-maker", "influencer", "executor", "supervisor", ""]
COLUMNS = ["customer", "name", "role", "level", "title", "department", "phone", "email", "im",
           "prefers", "best_time", "birthday", "every", "note"]


def people(n: int, seed: int = 8) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for j in range(n):
        owner = rng.randrange(max(1, n // 3))
        out.append({
            "customer": f"华东{owner:05d}物流有限公司" if owner % 2 else f"Customer {owner:05d} Trading",
            "name": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{j}" if j % 2 else f"Person {j} Smith",
            "role": rng.choice(ROLES), "level": rng.choice(["", "acquainted", "engaged"]),
            "title": "采购经理" if j % 3 else "Buyer", "department": "采购部" if j % 4 == 0 else "",
            "phone": f"+86 139 {j:08d}", "email": f"p{j}@example.cn" if j % 2 else "",
            "im": f"wxid_{j}" if j % 5 == 0 else "", "prefers": "im" if j % 5 == 0 else "",
            "best_time": "周五下午" if j % 7 == 0 else "",
            "birthday": f"{rng.randrange(1960, 2000)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            if j % 3 == 0 else "",
            "every": "30d" if j % 11 == 0 else "",
            "note": "年底前确认合同, call after 6pm; likes tea" if j % 4 == 0 else "",
        })
    return out


def android_qp(name: str, text: str) -> str:
    """Android's way: every byte of a non-ASCII value as =XX, soft line breaks at 70."""
    if text.isascii():
        return f"{name}:{text}"
    line, out = f"{name};CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:", []
    for b in text.encode("utf-8"):
        piece = ";" if b == 0x3B else f"={b:02X}"
        if len(line) + len(piece) > 70:
            out.append(line + "=")
            line = ""
        line += piece
    out.append(line)
    return "\r\n".join(out)


def write_files(folder: Path, rows: list[dict[str, str]]) -> dict[str, Path]:
    from crmcli.io.vcard import write_cards

    paths = {"csv": folder / "people.csv", "vcard 3.0": folder / "people.vcf",
             "vcard 2.1 QP": folder / "android.vcf"}
    with paths["csv"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with paths["vcard 3.0"].open("wb") as fh:
        write_cards(rows, fh)
    with paths["vcard 2.1 QP"].open("w", encoding="ascii", newline="") as fh:
        for r in rows:
            lines = ["BEGIN:VCARD", "VERSION:2.1", android_qp("N", f"{r['name']};;;;"),
                     android_qp("FN", r["name"]), android_qp("ORG", f"{r['customer']};{r['department']}"),
                     android_qp("TITLE", r["title"]), f"TEL;CELL;PREF:{r['phone']}"]
            if r["email"]:
                lines.append(f"EMAIL;HOME:{r['email']}")
            if r["birthday"]:
                lines.append(f"BDAY:{r['birthday']}")
            if r["note"]:
                lines.append(android_qp("NOTE", r["note"]))
            lines += ["X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;;1;;;;;;;;;;;;;", "END:VCARD"]
            fh.write("\r\n".join(lines) + "\r\n")
    return paths


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time and peak RSS (MiB) of one child process, from os.wait4's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.decode()}\n{err.decode()}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="crm-bench-vcard-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CRM_TODAY": "2026-11-25", "CRM_CONFIG_DIR": str(folder / "config"),
           "NO_COLOR": "1"}
    results: dict[str, dict] = {}
    try:
        paths = write_files(folder, people(args.people))
        template = folder / "empty.db"
        run(CRM + ["--db", str(template), "customer", "list"], env)  # migrate once, copy per run
        for label, path in paths.items():
            best, peak, created = float("inf"), 0.0, 0
            for i in range(args.runs):
                book = folder / f"book-{i}.db"
                shutil.copy(template, book)
                wall, rss, out = run(CRM + ["--db", str(book), "import", "contacts", str(path), "--json"], env)
                created = json.loads(out)["counts"]["contacts"]["created"]
                best, peak = min(best, wall), max(peak, rss)
                book.unlink()
            results[label] = {"wall_s": round(best, 2), "peak_mib": round(peak, 1), "created": created,
                              "bytes": path.stat().st_size}
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    base = results["csv"]["wall_s"]
    print(f"{'file':<14}{'size':>10}{'created':>9}{'wall (best)':>13}{'peak RSS':>11}{'× CSV':>7}")
    for label, r in results.items():
        print(f"{label:<14}{r['bytes'] / 1e6:>8.1f}MB{r['created']:>9,}{r['wall_s']:>11.2f} s"
              f"{r['peak_mib']:>8.0f} MiB{r['wall_s'] / base:>7.2f}")


if __name__ == "__main__":
    main()
