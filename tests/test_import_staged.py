"""History imports that skip duplicates are staged and written set-based (store/importer.py).

The staged path (SQLite, --on-conflict skip) must give exactly what the chunk-by-chunk
path gives: the same rows with the same ids, follow-ups, customers and contacts created,
counts, and batch items; with the indexes of `interaction` dropped for a large import and
built again; and `crm import undo` must take it back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmcli.store import history_import, import_filing, importer

pytestmark = pytest.mark.sqlite_only  # the staged path is SQLite's; PostgreSQL matches by chunk

HEADER = "customer,contact,date,channel,purpose,note,score,next,next_note"


def history_files(tmp_path: Path) -> list[Path]:
    first = [HEADER]
    for i in range(60):
        first.append(f"Acme {i % 7},Li {i % 3},2026-0{i % 9 + 1}-1{i % 10},call,care,n{i % 20},"
                     f"{i % 11},{'2026-12-0' + str(i % 9 + 1) if i % 4 == 0 else ''},"
                     f"{'call back' if i % 4 == 0 else ''}")
    first.append(first[5].replace(",care,", ",sell,"))  # a repeat, another purpose: skipped
    first.append(first[9])  # the same row twice
    first.append("acme 1,,2026-02-11,CALL,,n1,,,")  # as line 3 but without the contact: kept
    second = [HEADER, first[3], first[20],  # on the book already
              "Beta Co,王芳,2026-05-05,visit,,first visit,,2026-11-30,plan",
              "Beta Co,王芳,2026-05-05,visit,,first visit,,,",  # repeats the row above
              "Acme 2,,2026-11-24,email,,,,,"]  # answers Acme 2's open follow-ups
    paths = []
    for n, lines in enumerate((first, second)):
        path = tmp_path / f"h{n}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def dump(db: Path) -> dict[str, list]:
    conn = sqlite3.connect(db)
    out: dict[str, list] = {}
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                   if r[1] not in ("created_at", "updated_at", "at")]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1").fetchall()
        if table == "import_item":  # its own ids follow the order the items were written
            rows = sorted(r[1:] for r in rows)
        out[table] = rows
    out["indexes"] = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                  "ORDER BY name").fetchall()
    conn.close()
    return out


def import_both(crm, db: Path, files: list[Path]) -> list[dict]:
    return [crm.json("--db", str(db), "import", "history", str(f))["counts"] for f in files]


def staged_and_chunked(crm, tmp_path: Path, monkeypatch, files: list[Path]) -> tuple[list, list]:
    """The counts of importing `files` into staged.db (staged), then into chunked.db chunk by
    chunk (History.bulk off)."""
    staged = import_both(crm, tmp_path / "staged.db", files)
    with monkeypatch.context() as m:
        m.setattr(history_import.History, "bulk", lambda self, db, options: False)
        chunked = import_both(crm, tmp_path / "chunked.db", files)
    return staged, chunked


@pytest.mark.parametrize("bulk_min", [0, 10**9], ids=["indexes-dropped", "indexes-kept"])
def test_staged_history_import_writes_what_the_chunk_path_writes(crm, tmp_path: Path, monkeypatch,
                                                                 bulk_min: int) -> None:
    files = history_files(tmp_path)
    monkeypatch.setattr(importer, "BULK_MIN_ROWS", bulk_min)
    staged, chunked = staged_and_chunked(crm, tmp_path, monkeypatch, files)
    assert staged == chunked
    assert [c["history"]["skipped"] for c in staged] == [2, 3]
    assert [c["history"]["created"] for c in staged] == [61, 2]
    assert dump(tmp_path / "staged.db") == dump(tmp_path / "chunked.db")


@pytest.mark.parametrize("per_insert", [1, 10])
def test_rows_staged_several_to_a_statement_write_what_the_chunk_path_writes(
        crm, tmp_path: Path, monkeypatch, per_insert: int) -> None:
    """_StagedHistory inserts STAGED_ROWS_PER_INSERT rows a statement and the rest of a chunk
    in one more: whole statements only (1), and whole ones plus a remainder (10: 63 rows)."""
    files = history_files(tmp_path)
    monkeypatch.setattr(history_import, "STAGED_ROWS_PER_INSERT", per_insert)
    staged, chunked = staged_and_chunked(crm, tmp_path, monkeypatch, files)
    assert staged == chunked
    assert dump(tmp_path / "staged.db") == dump(tmp_path / "chunked.db")


def test_a_staged_bulk_import_is_undone_whole(crm, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(importer, "BULK_MIN_ROWS", 0)
    db = tmp_path / "book.db"
    first, second = history_files(tmp_path)
    crm("--db", str(db), "import", "history", str(first))
    before = dump(db)
    crm("--db", str(db), "import", "history", str(second))
    crm("--db", str(db), "import", "undo", "2", "--yes")
    after = dump(db)
    for table in ("customer", "stakeholder", "interaction", "follow_up", "stage_change", "indexes"):
        assert after[table] == before[table], table


def test_a_refused_staged_import_leaves_nothing(crm, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(importer, "BULK_MIN_ROWS", 0)
    db = tmp_path / "book.db"
    first, _ = history_files(tmp_path)
    crm("--db", str(db), "import", "history", str(first))
    before = dump(db)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\nAcme 1,,2026-03-03,call,,new,,,\nAcme 1,,2099-01-01,call,,x,,,\n",
                   encoding="utf-8")
    assert "in the future" in crm.error("--db", str(db), "import", "history", str(bad))
    assert dump(db) == before


@pytest.mark.parametrize("bitmap, limit", [(1, 10**6), (1 << 10, 10**6), (1 << 10, 0)],
                         ids=["every-hash-collides", "few-collide", "too-many-grouped-in-sql"])
def test_rows_repeated_within_the_file_are_found_whatever_the_hash_bitmap(
        crm, tmp_path: Path, monkeypatch, bitmap: int, limit: int) -> None:
    """The bitmap only narrows which hashes SQL compares: a tiny one (all bits shared), a
    roomy one, or one given up for SQL's grouping find the same repeats as the chunk path."""
    files = history_files(tmp_path)
    monkeypatch.setattr(history_import, "HASH_BITMAP_BYTES", bitmap)
    monkeypatch.setattr(history_import, "REPEATED_HASHES_LIMIT", limit)
    staged, chunked = staged_and_chunked(crm, tmp_path, monkeypatch, files)
    assert staged == chunked
    assert [c["history"]["skipped"] for c in staged] == [2, 3]
    assert dump(tmp_path / "staged.db") == dump(tmp_path / "chunked.db")


def test_follow_ups_answered_by_an_import_are_closed_alike_set_based_or_by_chunk(
        crm, tmp_path: Path, monkeypatch) -> None:
    """Run._close_answered_set_based (SQLite) closes what the chunk-by-chunk query closes, with
    the same note (the first contact on or after the due day, the lowest id on a tie) and the
    same batch items; the undo opens them again."""
    files = history_files(tmp_path)
    late = tmp_path / "late.csv"
    late.write_text("\n".join([HEADER, "Acme 3,,2026-11-20,call,,late a,,,", "Acme 3,,2026-11-20,visit,,late b,,,",
                               "Acme 3,,2026-11-01,call,,plan,,2026-11-10,call back",
                               "Acme 5,Li 2,2026-12-05,call,,too late for today,,,",
                               "Beta Co,,2026-10-15,call,,later,,,", "Beta Co,,2026-10-01,email,,early,,,"]) + "\n",
                    encoding="utf-8")
    books = {}
    for name, minimum in (("set", 1), ("chunked", 10**9)):
        db = tmp_path / f"{name}.db"
        monkeypatch.setattr(import_filing, "SET_BASED_CLOSE_MIN", minimum)
        crm("--db", str(db), "customer", "add", "Beta Co", "--since", "2024-01-01")
        crm("--db", str(db), "follow-up", "add", "Beta Co", "2026-09-30", "ring")  # answered
        crm("--db", str(db), "follow-up", "add", "Beta Co", "2026-10-02", "not yet")
        crm("--db", str(db), "import", "history", str(files[0]))
        crm("--db", str(db), "import", "history", str(late), "--skip-invalid")
        crm("--db", str(db), "import", "history", str(files[1]))
        books[name] = dump(db)
        crm("--db", str(db), "import", "undo", "2", "--yes", "--force")
        undone = dump(db)
        undone.pop("import_batch")  # its undone_at is the time of each undo
        books[name + " undone"] = undone
    assert books["set"] == books["chunked"]
    assert books["set undone"] == books["chunked undone"]
    notes = [r for r in books["set"]["follow_up"] if r[-1] and "contact logged" in str(r)]
    assert len(notes) >= 2  # the comparison compares closed follow-ups


def test_rows_on_the_book_are_found_through_the_customer_and_date_index(crm, tmp_path) -> None:
    """The duplicate check of a staged import seeks each row's (customer, date): SQLite's own
    pick, the (stakeholder, date) index, reads every contact logged that day without a contact
    for each such row (a million rows imported again: ten minutes)."""
    import sqlite3

    db = tmp_path / "book.db"
    crm("--db", db, "customer", "add", "Acme")
    crm("--db", db, "log", "Acme", "--via", "call", "--at", "2026-01-05")
    conn = sqlite3.connect(db)
    table = history_import._StagedHistory.TABLE
    conn.execute(f"CREATE TABLE {table} (seq INTEGER PRIMARY KEY, h INTEGER, "
                 f"{', '.join(history_import._StagedHistory.COLUMNS)})")
    conn.execute(f"CREATE TABLE {table}_dup (seq INTEGER PRIMARY KEY)")
    plan = " ".join(row[-1] for row in conn.execute(
        f"EXPLAIN QUERY PLAN {history_import._StagedHistory.ON_BOOK}"))
    assert "ix_interaction_customer_date" in plan, plan
    assert "ix_interaction_stakeholder_date" not in plan
