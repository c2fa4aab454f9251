"""Each customer keeps its purchases in three numbers (purchase_cents, purchase_count,
last_purchase: migration 0007), kept right by every writer of purchases and verified by
`crm db check`; the value, win-back and coverage reports read them."""

from __future__ import annotations

import json
import sqlite3

import pytest


def totals(db, customer_id: int) -> tuple:
    r = db.row("SELECT purchase_cents, purchase_count, last_purchase FROM customer WHERE id = :c",
               {"c": customer_id})
    return int(r["purchase_cents"]), int(r["purchase_count"]), r["last_purchase"]


def all_right(db) -> bool:
    """Stored totals = the purchases summed, for every customer."""
    wrong = db.value(
        "SELECT count(*) FROM customer c WHERE c.purchase_cents <> coalesce((SELECT sum(p.amount_cents) "
        "FROM purchase p WHERE p.customer_id = c.id), 0) OR c.purchase_count <> (SELECT count(*) FROM purchase p "
        "WHERE p.customer_id = c.id) OR coalesce(c.last_purchase, '') <> coalesce((SELECT max(p.date) "
        "FROM purchase p WHERE p.customer_id = c.id), '')")
    return int(wrong) == 0


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_purchase_add_and_a_won_deal(crm, book_db):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("customer", "add", "Orient", "--since", "2025-01-01")
    assert totals(book_db, 1) == (0, 0, None)
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "480")
    crm("purchase", "add", "Acme", "--at", "2025-02-01", "--amount", "20.50")
    assert totals(book_db, 1) == (50050, 2, "2025-03-01")
    crm("deal", "add", "Orient", "Fleet", "--amount", "1000")
    crm("deal", "won", "Fleet", "--at", "2026-11-01")
    assert totals(book_db, 2) == (100000, 1, "2026-11-01")
    assert all_right(book_db) and crm("db", "check").exit_code == 0


def test_purchase_import_update_and_undo(crm, book_db, tmp_path):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("purchase", "add", "Acme", "--at", "2025-01-15", "--amount", "100")
    crm("import", "purchases", write(tmp_path, "a.csv", "customer,date,amount,product\n"
                                                       "Acme,2025-03-01,480,Service\n"
                                                       "Globex,2025-05-01,90,Forklift\n"))
    assert totals(book_db, 1) == (58000, 2, "2025-03-01")
    globex = book_db.value("SELECT id FROM customer WHERE name = 'Globex'")
    assert totals(book_db, globex) == (9000, 1, "2025-05-01")
    # Again, with one more: the repeated purchase is updated in place (its note), not added.
    crm("import", "purchases", write(tmp_path, "b.csv", "customer,date,amount,product,note\n"
                                                       "Acme,2025-03-01,480,Service,renewed\n"
                                                       "Acme,2025-10-01,20,Parts,\n"),
        "--on-conflict", "update")
    assert totals(book_db, 1) == (60000, 3, "2025-10-01")
    crm("import", "undo", "2", "--yes")
    assert totals(book_db, 1) == (58000, 2, "2025-03-01")
    crm("import", "undo", "1", "--yes")
    assert totals(book_db, 1) == (10000, 1, "2025-01-15")
    assert all_right(book_db) and crm("db", "check").exit_code == 0


def test_a_merge_adds_up_both(crm, book_db):
    crm("customer", "add", "Acme Trading", "--since", "2025-01-10")
    crm("customer", "add", "ACME Trading Co.", "--since", "2024-03-01")
    crm("purchase", "add", "1", "--at", "2025-03-01", "--amount", "100")
    crm("purchase", "add", "2", "--at", "2025-06-01", "--amount", "50")
    crm("customer", "merge", "1", "2", "--yes")
    assert totals(book_db, 1) == (15000, 2, "2025-06-01")
    assert all_right(book_db) and crm("db", "check").exit_code == 0


def test_a_copy_keeps_the_totals(crm, book_db, tmp_path):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "100")
    target = tmp_path / "copy.db"
    crm("db", "copy", "--to", str(target))
    crm("purchase", "add", "Acme", "--at", "2025-04-01", "--amount", "30")  # then to one already there
    crm("db", "copy", "--to", str(target))
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT purchase_cents, purchase_count, last_purchase FROM customer").fetchall() == [
        (13000, 2, "2025-04-01")]
    assert crm("--db", str(target), "db", "check").exit_code == 0


def test_db_check_finds_and_fixes_wrong_totals(crm, book_db):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "100")
    with book_db.transaction():
        book_db.run("UPDATE customer SET purchase_cents = 1, last_purchase = NULL WHERE id = 1")
    report = {c["check"]: c for c in json.loads(crm("db", "check", "--json", code=1).stdout)["checks"]}
    assert report["customer purchase totals"]["problems"] == 1
    assert report["customer last-purchase dates"]["problems"] == 1
    assert report["customer purchase counts"]["problems"] == 0
    assert "the purchases say" in report["customer purchase totals"]["detail"][0]
    crm("db", "check", "--fix")
    assert totals(book_db, 1) == (10000, 1, "2025-03-01")


def test_reports_count_a_purchase_dated_after_the_day_only_when_it_is_past(crm, book_db):
    """The stored totals hold every purchase; a report on a day before the latest purchase
    sums the purchases up to that day instead."""
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "100")
    with book_db.transaction():  # dated after today: an import of planned deliveries, say
        book_db.run("INSERT INTO purchase (customer_id, date, amount_cents, created_at) "
                    "VALUES (1, '2026-12-20', 5000, 'x')")
        from crmcli.store import purchase_totals

        purchase_totals.refresh(book_db, [1])
    assert crm.json("report", "value")["revenue"] == 100.0
    assert crm.json("report", "value", "--on", "2026-12-31")["revenue"] == 150.0


@pytest.mark.sqlite_only
def test_a_0006_book_is_backfilled_on_upgrade(crm, db_path, old_book):
    db = old_book("0006", ["Old Co", "New Co"])
    for day, cents in (("2020-03-01", 700), ("2020-02-01", 300)):
        db.run("INSERT INTO purchase (customer_id, date, amount_cents, created_at) VALUES (1, :d, :a, 'x')",
               {"d": day, "a": cents})
    db.close()
    crm("customer", "list")  # opening upgrades to head
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT purchase_cents, purchase_count, last_purchase FROM customer ORDER BY id").fetchall() == [
        (1000, 2, "2020-03-01"), (0, 0, None)]
