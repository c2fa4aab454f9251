"""Each stage change keeps the stage it ended and its days (from_stage, from_days: migration
0006), kept right by every writer of the stage history and verified by `crm db check`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest


def stored(db) -> dict[int, tuple]:
    return {r["id"]: (r["from_stage"], r["from_days"])
            for r in db.rows("SELECT id, from_stage, from_days FROM stage_change")}


def expected(db) -> dict[int, tuple]:
    """From the history itself, in Python: each change's previous one by (at, id)."""
    out: dict[int, tuple] = {}
    last: dict[int, dict] = {}
    for r in db.rows("SELECT id, customer_id, stage, at FROM stage_change ORDER BY customer_id, at, id"):
        p = last.get(r["customer_id"])
        out[r["id"]] = (None, None) if p is None else (
            p["stage"], (date.fromisoformat(r["at"]) - date.fromisoformat(p["at"])).days)
        last[r["customer_id"]] = r
    return out


def moves(db, customer_id: int) -> list[tuple]:
    return [(r["stage"], r["at"], r["from_stage"], r["from_days"]) for r in db.rows(
        "SELECT stage, at, from_stage, from_days FROM stage_change WHERE customer_id = :c ORDER BY at, id",
        {"c": customer_id})]


def test_stage_set_appended_and_backdated(crm, book_db):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("stage", "Acme", "first-time", "--at", "2026-03-01")
    assert moves(book_db, 1) == [("prospect", "2026-01-01", None, None),
                                 ("first-time", "2026-03-01", "prospect", 59)]
    # A change dated before the last one: it ends prospect, and the later one now ends it.
    crm("stage", "Acme", "suspect", "--at", "2026-02-01")
    assert moves(book_db, 1) == [("prospect", "2026-01-01", None, None),
                                 ("suspect", "2026-02-01", "prospect", 31),
                                 ("first-time", "2026-03-01", "suspect", 28)]
    crm("customer", "edit", "Acme", "--stage", "client")  # dated today
    assert moves(book_db, 1)[-1] == ("client", "2026-11-25", "first-time", 269)
    assert stored(book_db) == expected(book_db)
    assert crm("db", "check").exit_code == 0


def test_two_changes_on_one_day_follow_their_order(crm, book_db):
    crm("customer", "add", "Acme", "--since", "2026-05-01")
    crm("stage", "Acme", "first-time", "--at", "2026-05-01")
    crm("stage", "Acme", "repeat", "--at", "2026-05-01")
    assert moves(book_db, 1) == [("prospect", "2026-05-01", None, None),
                                 ("first-time", "2026-05-01", "prospect", 0),
                                 ("repeat", "2026-05-01", "first-time", 0)]


def test_purchases_move_the_stage_and_keep_the_moves(crm, book_db, tmp_path):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("purchase", "add", "Acme", "--amount", "48000", "--at", "2025-03-01")
    sheet = tmp_path / "sales.csv"
    sheet.write_text("customer,date,amount,product\nAcme,2025-09-01,12000,Spare parts\n"
                     "Globex,2025-05-01,9000,Forklift\n", encoding="utf-8")
    crm("import", "purchases", str(sheet))
    assert [m[0] for m in moves(book_db, 1)] == ["prospect", "first-time", "repeat"]
    assert stored(book_db) == expected(book_db)
    crm("import", "undo", "1", "--yes")
    assert [m[0] for m in moves(book_db, 1)] == ["prospect", "first-time"]
    assert stored(book_db) == expected(book_db)


def test_customer_import_new_and_updated(crm, book_db, tmp_path):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    sheet = tmp_path / "fair.csv"
    sheet.write_text("name,stage,since\nAcme,client,\nNew Co,first-time,2026-02-01\n", encoding="utf-8")
    crm("import", "customers", str(sheet), "--on-conflict", "update")
    assert moves(book_db, 1) == [("prospect", "2025-01-01", None, None),
                                 ("client", "2026-11-25", "prospect", 693)]
    assert moves(book_db, 2) == [("first-time", "2026-02-01", None, None)]
    assert stored(book_db) == expected(book_db)
    crm("import", "undo", "1", "--yes")
    assert moves(book_db, 1) == [("prospect", "2025-01-01", None, None)]
    assert crm("db", "check").exit_code == 0


def test_a_merge_interleaves_the_histories(crm, book_db):
    crm("customer", "add", "Acme Trading", "--since", "2025-01-10")  # 1
    crm("stage", "1", "first-time", "--at", "2025-06-01")
    crm("customer", "add", "ACME Trading Co.", "--since", "2024-03-01")  # 2
    crm("stage", "2", "client", "--at", "2025-03-01")
    crm("customer", "merge", "1", "2", "--yes")
    history = moves(book_db, 1)
    assert [(m[0], m[1]) for m in history[:4]] == [
        ("prospect", "2024-03-01"), ("prospect", "2025-01-10"), ("client", "2025-03-01"),
        ("first-time", "2025-06-01")]
    assert [(m[2], m[3]) for m in history[:4]] == [
        (None, None), ("prospect", 315), ("prospect", 50), ("client", 92)]
    assert stored(book_db) == expected(book_db)
    assert crm("db", "check").exit_code == 0


def test_a_copy_keeps_the_moves(crm, book_db, tmp_path):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("stage", "Acme", "first-time", "--at", "2026-03-01")
    target = tmp_path / "copy.db"
    crm("db", "copy", "--to", str(target))
    crm("stage", "Acme", "suspect", "--at", "2026-02-01")  # backdated, copied to a customer there
    crm("db", "copy", "--to", str(target))
    assert crm("--db", str(target), "db", "check").exit_code == 0
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT stage, from_stage, from_days FROM stage_change ORDER BY at, id").fetchall() == [
        ("prospect", None, None), ("suspect", "prospect", 31), ("first-time", "suspect", 28)]


def test_db_check_finds_and_fixes_a_wrong_move(crm, book_db):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("stage", "Acme", "first-time", "--at", "2026-03-01")
    with book_db.transaction():
        book_db.run("UPDATE stage_change SET from_stage = 'client', from_days = 3 WHERE stage = 'first-time'")
    result = crm("db", "check", "--json", code=1)
    report = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert report["stage changes' previous stages"]["problems"] == 1
    assert report["stage changes' days in the previous stage"]["problems"] == 1
    assert "stage_change #2" in report["stage changes' previous stages"]["detail"][0]
    crm("db", "check", "--fix")
    assert moves(book_db, 1)[-1] == ("first-time", "2026-03-01", "prospect", 59)
    assert crm("db", "check").exit_code == 0


@pytest.mark.sqlite_only
def test_a_0005_book_is_backfilled_on_upgrade(crm, db_path, old_book):
    db = old_book("0005", ["Old Co"])
    for stage, at in (("prospect", "2020-01-01"), ("client", "2020-03-01"), ("first-time", "2020-02-01")):
        db.run("INSERT INTO stage_change (customer_id, stage, at, created_at) VALUES (1, :s, :at, 'x')",
               {"s": stage, "at": at})
    db.close()
    assert crm.json("customer", "show", "Old Co")["stage"] == "prospect"  # opening upgrades to head
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT stage, from_stage, from_days FROM stage_change ORDER BY at, id").fetchall() == [
        ("prospect", None, None), ("first-time", "prospect", 31), ("client", "first-time", 29)]


def test_a_change_dated_before_the_customer_came_on_the_book_takes_effect(crm, book_db):
    # A customer added today (the default since) recorded as lost last month, another as a
    # repeat buyer since October: the starting stage, dated today, must not outrank them.
    crm("customer", "add", "Acme")
    crm("customer", "add", "Beta", "--stage", "client")
    r = crm("stage", "Acme", "repeat", "--at", "2026-10-01")
    assert "Acme: stage repeat from 2026-10-01." in r.stdout
    assert "on the book since 2026-10-01 (was 2026-11-25)" in r.stderr
    crm("stage", "Beta", "lost", "--at", "2026-11-01")
    assert moves(book_db, 1) == [("prospect", "2026-10-01", None, None),
                                 ("repeat", "2026-10-01", "prospect", 0)]
    assert moves(book_db, 2) == [("client", "2026-11-01", None, None),
                                 ("lost", "2026-11-01", "client", 0)]
    assert [(c["name"], c["stage"], c["since"]) for c in crm.json("customer", "list")] == [
        ("Acme", "repeat", "2026-10-01"), ("Beta", "lost", "2026-11-01")]
    # The reports read it so.
    ladder = {s["stage"]: s["customers"] for s in crm.json("report", "ladder")["stages"]}
    assert (ladder["prospect"], ladder["repeat"], ladder["client"], ladder["lost"]) == (0, 1, 0, 1)
    assert [(w["customer"], w["lost_on"]) for w in crm.json("report", "winback")] == [("Beta", "2026-11-01")]
    # A later change still dated after `since` moves nothing.
    crm("stage", "Acme", "advocate", "--at", "2026-10-20")
    assert crm.json("customer", "show", "Acme")["since"] == "2026-10-01"
    assert stored(book_db) == expected(book_db)
    assert crm("db", "check").exit_code == 0


def test_a_contact_logged_before_the_customer_came_on_the_book_moves_since(crm, book_db):
    # A rep filling in last month's calls for a customer added today: the customer was on the
    # book then, so a report asked about last month shows it.
    crm("customer", "add", "Acme", "--stage", "client")
    r = crm("log", "Acme", "--via", "call", "--at", "2026-10-01")
    assert "on the book since 2026-10-01 (was 2026-11-25)" in r.stderr
    assert crm.json("customer", "show", "Acme")["since"] == "2026-10-01"
    assert moves(book_db, 1) == [("client", "2026-10-01", None, None)]
    silent = crm.json("report", "activity", "--on", "2026-10-15")["longest_silent"]
    assert [(s["customer"], s["last_contact"], s["days"]) for s in silent] == [("Acme", "2026-10-01", 14)]
    # A contact after `since` moves nothing, and says nothing.
    r = crm("log", "Acme", "--via", "visit", "--at", "2026-10-05")
    assert r.stderr == "" and crm.json("customer", "show", "Acme")["since"] == "2026-10-01"
    assert stored(book_db) == expected(book_db)
    assert crm("db", "check").exit_code == 0


def test_a_purchase_dated_before_the_customer_came_on_the_book_moves_since(crm, book_db):
    # A buyer added today whose first purchase was in 2020: first-time buyer from 2020, not today.
    crm("customer", "add", "Zeta")
    r = crm("purchase", "add", "Zeta", "--amount", "1200", "--at", "2020-01-01")
    assert "on the book since 2020-01-01 (was 2026-11-25)" in r.stderr
    page = crm.json("customer", "show", "Zeta")
    assert page["since"] == "2020-01-01" and page["stage"] == "first-time"
    assert moves(book_db, 1) == [("prospect", "2020-01-01", None, None),
                                 ("first-time", "2020-01-01", "prospect", 0)]
    assert stored(book_db) == expected(book_db)
    assert crm("db", "check").exit_code == 0
