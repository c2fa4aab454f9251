"""History and customer imports read column by column (store/importer.py `Kind.read_columns`)
give what the row-by-row path gives.

On SQLite, a history file with a plain header, skipping duplicates (the staged import), is
validated a chunk at a time, column by column, and so is a customers file with a plain header
that skips duplicates; a chunk with anything unusual (an invalid row, a ragged row, a control
character in a name) is taken row by row. These tests import the same
files both ways, with tiny chunks and caches so that every boundary is crossed, and compare
the books row for row, the summaries, the refusals and the rejects files.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.store import customer_import, history_import, import_filing, importer
from tests.test_import_staged import dump  # the same whole-book comparison

pytestmark = pytest.mark.sqlite_only  # the column path is SQLite's; PostgreSQL goes row by row

HISTORY = "customer,contact,date,channel,purpose,note,feedback,score,next,next_note"


@pytest.fixture
def small(monkeypatch):
    """Chunks of 7 rows and caches of 5 texts: every boundary is crossed in a small file."""
    monkeypatch.setattr(import_filing, "COLUMN_CACHE_LIMIT", 5)
    monkeypatch.setattr(importer, "BULK_MIN_ROWS", 0)
    real = importer.Run.__init__

    def small_chunks(self, db, options, summary, spec):
        options.chunk_size = 7
        real(self, db, options, summary, spec)

    monkeypatch.setattr(importer.Run, "__init__", small_chunks)


def both_ways(crm, tmp_path: Path, monkeypatch, steps) -> tuple[list, list, dict, dict]:
    """Run `steps(db)` (CLI calls, their results) with the column path, then without it."""
    results = []
    for name in ("columns", "rows"):
        db = tmp_path / f"{name}.db"
        with monkeypatch.context() as m:
            if name == "rows":
                m.setattr(importer.Kind, "columnar", lambda self, run: False)
                m.setattr(history_import.History, "columnar", lambda self, run: False)
                m.setattr(customer_import.Customers, "columnar", lambda self, run: False)
            results.append((steps(db), dump(db)))
    (columns, book_c), (rows, book_r) = results
    return columns, rows, book_c, book_r


def history_lines() -> list[str]:
    lines = [HISTORY]
    names = ["Acme Trading", "ACME  trading", "ＡＣＭＥ Trading", "华东物流", "Beta GmbH", "Gamma"]
    people = ["Li Wei", "li wei", "", "王芳", "Zhang Min", ""]
    dates = ["2026-03-05", "2026/3/5", "3/6/2026", "2026年3月7日", "46000", "2025-12-31"]
    channels = ["call", "电话", "微信", "visit", "", "email"]
    for i in range(60):
        nxt = ["2026-12-01", "", "2027/1/2", ""][i % 4]
        lines.append(",".join([
            names[i % 6], people[i % 5], dates[i % 6], channels[i % 4], ["care", "", "sell"][i % 3],
            f'"note {i % 13}, with ""quotes"""', "ok" if i % 3 == 0 else "", ["", "8.0", "3"][i % 3],
            nxt, "call back" if nxt and i % 8 == 0 else "",
        ]))
    return lines


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_history_read_column_by_column_writes_what_row_by_row_writes(crm, tmp_path, monkeypatch,
                                                                        small) -> None:
    first = write(tmp_path / "h1.csv", history_lines())
    # A second file: rows already on the book, new ones, and repeats of each other.
    second = write(tmp_path / "h2.csv", [HISTORY, *history_lines()[5:20],
                                         "Delta Co,新人,2026-11-24,meeting,,,,,,",
                                         "delta co,新人,2026-11-24,meeting,,,,,,"])

    def steps(db: Path) -> list:
        crm("--db", str(db), "customer", "add", "Acme Trading", "--since", "2024-01-01")
        crm("--db", str(db), "contact", "add", "Acme Trading", "Li Wei")
        return [crm.json("--db", str(db), "import", "history", str(f)) for f in (first, second)]

    columns, rows, book_c, book_r = both_ways(crm, tmp_path, monkeypatch, steps)
    assert [c["counts"] for c in columns] == [r["counts"] for r in rows]
    assert book_c == book_r
    assert columns[0]["counts"]["history"]["created"] > 20  # the files did import
    assert columns[1]["counts"]["history"]["skipped"] >= 15


@pytest.mark.parametrize("bad", [
    "Gamma,,2099-01-01,call,,future,,,,",  # in the future
    "Gamma,,2026-01-01,fax,,bad channel,,,,",
    ",,2026-01-01,call,,no customer,,,,",
    "Gamma,,,call,,no date,,,,",
    "Gamma,,2026-01-01,call,,score,,11,,",
    "Gamma,,2026-01-01,call,,next note alone,,,,call back",
    "Gamma,,2026-13-45,call,,no such day,,,,",
    "Gamma,,2026-01-01,call,,ragged",
    "Gamma\x01,,2026-01-01,call,,control character,,,,",
])
def test_history_refusals_are_the_same_both_ways(crm, tmp_path, monkeypatch, small, bad: str) -> None:
    lines = history_lines()
    lines.insert(30, bad)
    path = write(tmp_path / "bad.csv", lines)

    def steps(db: Path) -> list:
        refused = crm.error("--db", str(db), "import", "history", str(path))
        dry = crm("--db", str(db), "import", "history", str(path), "--dry-run", "--json", code=1)
        skipped = crm.json("--db", str(db), "import", "history", str(path), "--skip-invalid")
        rejects = Path(f"{path}.rejects.csv").read_text(encoding="utf-8")
        return [refused.replace(str(db), "DB"), json.loads(dry.stdout), skipped["counts"],
                skipped["problems"], rejects]

    columns, rows, book_c, book_r = both_ways(crm, tmp_path, monkeypatch, steps)
    assert columns == rows
    assert book_c == book_r
    assert "line 31" in columns[0]
    assert columns[2]["history"]["rejected"] == 1


@pytest.mark.parametrize("odd", [
    None,
    "",  # a blank line
    " ,\u3000,,,,,,,,",  # a row of blanks
    "Gamma,,2026-01-01,call,,ragged",
    'Gamma,,2026-01-01,call,,"a quoted note, one cell",,,,',
    'Gamma,,2026-01-01,call,,"a note on\r\ntwo lines",,,,',
])
def test_plain_lines_read_the_quick_way_write_what_row_by_row_writes(
        crm, tmp_path, monkeypatch, small, odd: str | None) -> None:
    """Lines with no quote (as crm exports, Windows line ends) are split in C a chunk at a time
    (io.csv_source); a chunk with a blank, ragged or quoted line goes through the csv reader.
    Either way: the same book, counts, problems, line numbers and rejects as row by row."""
    lines = [line.replace('"', "").replace("\u3000", "") for line in history_lines()]
    if odd is not None:
        lines.insert(33, odd)
    path = tmp_path / "plain.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))

    def steps(db: Path) -> list:
        skipped = crm.json("--db", str(db), "import", "history", str(path), "--skip-invalid")
        rejects = Path(f"{path}.rejects.csv")
        return [skipped["counts"], skipped["problems"],
                rejects.read_text(encoding="utf-8") if rejects.exists() else None]

    columns, rows, book_c, book_r = both_ways(crm, tmp_path, monkeypatch, steps)
    assert columns == rows
    assert book_c == book_r
    assert columns[0]["history"]["created"] > 20


@pytest.mark.parametrize("kind", ["history", "customers"])
def test_the_column_path_is_taken(crm, tmp_path, monkeypatch, kind: str) -> None:
    """The comparisons here compare something: plain files do go column by column."""
    taken = []
    real = importer.Run._process_columns

    def spy(self, chunk):
        done = real(self, chunk)
        taken.append(done)
        return done

    monkeypatch.setattr(importer.Run, "_process_columns", spy)
    lines = history_lines() if kind == "history" else customer_lines()
    crm("import", kind, write(tmp_path / f"{kind}.csv", lines))
    assert taken == [True]


@pytest.mark.parametrize("limit", [0, 4, 10_000])
def test_names_looked_up_by_chunk_or_from_the_books_map_give_the_same_ids(
        crm, tmp_path, monkeypatch, small, limit: int) -> None:
    """Run._book_ids: the book's ids by name loaded at once (10,000), dropped when the book
    grows past the limit mid-file (4), or never loaded (0: a lookup per chunk) give the row
    path's book, with customers and contacts already on it, new ones, and spellings that fold
    to one name."""
    monkeypatch.setattr(import_filing, "BOOK_MAP_LIMIT", limit)
    loaded = []
    real = importer.Run._book_ids

    def spy(self, table):
        found = real(self, table)
        loaded.append(found is not None)
        return found

    monkeypatch.setattr(importer.Run, "_book_ids", spy)
    first = write(tmp_path / "h1.csv", history_lines())
    second = write(tmp_path / "h2.csv", [HISTORY, *history_lines()[3:40],
                                         "Delta Co,新人,2026-11-24,meeting,,,,,,",
                                         "delta  co,新人,2026-11-23,meeting,,,,,,",
                                         "Acme Trading,Zhang  Min,2026-11-20,call,,,,,,"])

    def steps(db: Path) -> list:
        crm("--db", str(db), "customer", "add", "Acme Trading", "--since", "2024-01-01")
        crm("--db", str(db), "customer", "add", "acme trading", "--since", "2024-01-01")
        crm("--db", str(db), "contact", "add", "2", "Li Wei")
        return [crm.json("--db", str(db), "import", "history", str(f)) for f in (first, second)]

    columns, rows, book_c, book_r = both_ways(crm, tmp_path, monkeypatch, steps)
    assert [c["counts"] for c in columns] == [r["counts"] for r in rows]
    assert book_c == book_r
    assert any(loaded) == (limit > 0)
    if limit == 4:
        assert not all(loaded)  # the map grew past the limit and was dropped


# -- customers -------------------------------------------------------------------------------
CUSTOMERS = "id,name,kind,tier,stage,industry,city,phone,email,tags,every,since,last_contact,note,created_at"


def customer_lines() -> list[str]:
    names = ["Acme Trading", "ACME  trading", "ＡＣＭＥ Trading", "华东物流", "Beta GmbH", "王小明"]
    tiers = ["gold", "金", "", "silver", "lead", "iron", "银"]
    stages = ["prospect", "老客户", "", "lost", "first-time", "client"]
    dates = ["2024-03-05", "2024/3/5", "3/6/2024", "2024年3月7日", "45000", "", "0/0/00"]
    lines = [CUSTOMERS]
    for i in range(50):
        name = names[i % 6] if i < 12 else f"Customer {i % 37}"
        lines.append(",".join([
            str(i + 100), f'"{name}"', ["company", "person", "", "个人"][i % 4], tiers[i % 7],
            stages[i % 6], ["retail", "", "制造"][i % 3], ["上海", "", "Munich"][i % 3],
            [f"+86 138 0000 {i:04d}", ""][i % 2], [f"c{i}@example.com", ""][i % 3 == 0],
            ['"vip;export"', "VIP; vip", ""][i % 3], ["30d", "", "2w", "3m"][i % 4],
            dates[i % 7], dates[(i + 3) % 7], f'"note {i}, with ""quotes"""' if i % 2 else "",
            "2026-01-01T00:00:00",
        ]))
    return lines


def test_customers_read_column_by_column_write_what_row_by_row_writes(crm, tmp_path, monkeypatch,
                                                                      small) -> None:
    first = write(tmp_path / "c1.csv", customer_lines())
    # Again, with rows on the book, new ones and repeats of each other.
    second = write(tmp_path / "c2.csv", [CUSTOMERS, *customer_lines()[20:45],
                                         "1,Delta Co,,gold,,,,,,,,2025-01-01,,,",
                                         "2,delta  CO,,iron,,,,,,,,2025-02-01,,,"])

    def steps(db: Path) -> list:
        crm("--db", str(db), "customer", "add", "Acme Trading", "--since", "2024-01-01")
        return [crm.json("--db", str(db), "import", "customers", str(f)) for f in (first, second)]

    columns, rows, book_c, book_r = both_ways(crm, tmp_path, monkeypatch, steps)
    assert [c["counts"] for c in columns] == [r["counts"] for r in rows]
    assert book_c == book_r
    assert columns[0]["counts"]["customers"]["created"] > 30  # the files did import
    assert columns[1]["counts"]["customers"]["skipped"] >= 25


@pytest.mark.parametrize("bad", [
    "9,Gamma,,platinum,,,,,,,,,,,",  # no such tier
    "9,Gamma,,,someday,,,,,,,,,,",
    "9,Gamma,,,,,,n/a,,,,,,,",  # a phone without digits
    "9,Gamma,,,,,,8.61381E+12,,,,,,,",  # Excel's scientific notation
    "9,Gamma,,,,,,,not-an-email,,,,,,",
    "9,Gamma,,,,,,,,,every day,,,,",
    "9,Gamma,,,,,,,,,,2099-01-01,,,",  # on the book from the future
    "9,Gamma,,,,,,,,,,,2026-13-45,,",
    "9,,,,,,,,,,,,,a row with no name,",
    "9,Gamma\x01,,,,,,,,,,,,,",
    "9,Gamma,,,,,ragged",
])
def test_customer_refusals_are_the_same_both_ways(crm, tmp_path, monkeypatch, small, bad: str) -> None:
    lines = customer_lines()
    lines.insert(30, bad)
    path = write(tmp_path / "bad.csv", lines)

    def steps(db: Path) -> list:
        outcome = crm("--db", str(db), "import", "customers", str(path), "--json", code=None)
        dry = crm("--db", str(db), "import", "customers", str(path), "--dry-run", "--json", code=None)
        skipped = crm.json("--db", str(db), "import", "customers", str(path), "--skip-invalid")
        rejects = Path(f"{path}.rejects.csv")
        return [outcome.exit_code, outcome.stderr.replace(str(db), "DB"), dry.stdout, skipped,
                rejects.read_text(encoding="utf-8") if rejects.exists() else None]

    columns, rows, book_c, book_r = both_ways(crm, tmp_path, monkeypatch, steps)
    assert columns == rows
    assert book_c == book_r


_NAMES = st.sampled_from(["Acme", "acme", "ＡＣＭＥ", "Acme  Co", "华东物流", "Zeta", " Zeta", ""])
_CELLS = {
    "name": _NAMES,
    "kind": st.sampled_from(["", "company", "person", "个人", "robot"]),
    "tier": st.sampled_from(["", "gold", "金", "lead", "platinum"]),
    "stage": st.sampled_from(["", "prospect", "老客户", "lost", "someday"]),
    "city": st.sampled_from(["", "上海", "Munich", "a\tb"]),
    "phone": st.sampled_from(["", "+86 138 0000 0000", "8.61381E+12", "n/a"]),
    "email": st.sampled_from(["", "a@example.com", "nope"]),
    "tags": st.sampled_from(["", "vip;export", "VIP, vip"]),
    "every": st.sampled_from(["", "30d", "2w", "often"]),
    "since": st.sampled_from(["", "2024-03-05", "2024/3/5", "0/0/00", "2099-01-01", "45000"]),
    "last_contact": st.sampled_from(["", "2025-01-02", "2030-01-01"]),
    "note": st.sampled_from(["", "hello, \"world\"", "line\nbreak"]),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries(_CELLS), min_size=1, max_size=25),
       skip_invalid=st.booleans())
def test_any_customers_file_imports_the_same_both_ways(crm, monkeypatch, small, rows, skip_invalid):
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "c.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.DictWriter(f, fieldnames=list(_CELLS))
            out.writeheader()
            out.writerows(rows)

        def steps(db: Path) -> list:
            crm("--db", str(db), "customer", "add", "Zeta", "--since", "2020-01-01")
            args = ["--skip-invalid"] if skip_invalid else []
            result = crm("--db", str(db), "import", "customers", str(path), "--json", *args, code=None)
            return [result.exit_code, result.stdout, result.stderr.replace(str(db), "DB")]

        columns, rows_way, book_c, book_r = both_ways(crm, folder, monkeypatch, steps)
        assert columns == rows_way
        assert book_c == book_r
