"""`crm db check [--fix]`: the file's soundness and crm's own invariants, and mending the derived dates."""

from __future__ import annotations

import json
import sqlite3

import pytest


@pytest.fixture
def small_book(crm):
    crm("customer", "add", "Acme", "--tier", "gold", "--since", "2026-01-01")  # 1
    crm("customer", "add", "Orient", "--tier", "silver", "--since", "2026-02-01")  # 2
    crm("contact", "add", "Acme", "Li Wei")
    crm("log", "Acme", "--with", "Li Wei", "--at", "2026-11-01")


def test_a_sound_book_passes(crm, small_book):
    result = crm("db", "check")
    assert "customer next-due dates" in result.stdout and "problem" not in result.stdout
    report = crm.json("db", "check")
    assert report["ok"] is True and report["fixed"] == 0
    assert all(c["ok"] for c in report["checks"])


def test_wrong_derived_dates_are_found_and_fixed_in_one_go(crm, small_book, book_db):
    with book_db.transaction():
        book_db.run("UPDATE customer SET last_contact = '2020-01-01', next_due = '2020-01-15' WHERE id = 1")
        book_db.run("UPDATE customer SET next_due = NULL WHERE id = 2")
        book_db.run("UPDATE stakeholder SET last_contact = NULL WHERE id = 1")
    result = crm("db", "check", "--json", code=1)
    report = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert report["customer last-contact dates"]["problems"] == 1
    assert report["customer next-due dates"]["problems"] == 2
    assert report["contact last-contact dates"]["problems"] == 1
    assert "#1" in report["customer last-contact dates"]["detail"][0]
    # A check without --fix changes nothing.
    assert book_db.value("SELECT last_contact FROM customer WHERE id = 1") == "2020-01-01"
    out = crm("db", "check", "--fix").stdout
    assert "Fixed 3 row(s)" in out  # customers 1 and 2, stakeholder 1
    assert crm("db", "check").exit_code == 0
    acme = crm.json("customer", "show", "Acme")
    assert (acme["last_contact"], acme["next_due"]) == ("2026-11-01", "2026-11-15")  # gold: 14 days
    assert crm.json("customer", "show", "Orient")["next_due"] == "2026-02-01"  # never contacted
    assert book_db.value("SELECT last_contact FROM stakeholder WHERE id = 1") == "2026-11-01"


def test_an_imported_last_contact_counts_when_it_is_later(crm, small_book, book_db):
    with book_db.transaction():
        book_db.run("UPDATE customer SET imported_last_contact = '2026-11-20' WHERE id = 1")
    assert crm("db", "check", code=1)
    crm("db", "check", "--fix")
    assert crm.json("customer", "show", "Acme")["last_contact"] == "2026-11-20"
    with book_db.transaction():
        book_db.run("UPDATE customer SET imported_last_contact = '2025-01-01' WHERE id = 1")
    crm("db", "check", "--fix")
    assert crm.json("customer", "show", "Acme")["last_contact"] == "2026-11-01"  # the log is later


@pytest.mark.sqlite_only
def test_a_stakeholder_without_a_customer_is_a_problem_fix_does_not_hide(crm, small_book, db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO stakeholder (customer_id, name, name_key, created_at, updated_at) "
                 "VALUES (99, 'Ghost', 'ghost', 'x', 'x')")
    conn.commit()
    conn.close()
    out = crm("db", "check", "--fix", code=1).stdout
    assert "contacts without a customer" in out and "stakeholder #2" in out
    assert "foreign keys" in out and "points at a missing customer" in out


@pytest.mark.sqlite_only
def test_integrity_check_reads_the_file(crm, small_book):
    checks = {c["check"] for c in json.loads(crm("db", "check", "--json").stdout)["checks"]}
    assert {"integrity", "foreign keys"} <= checks
