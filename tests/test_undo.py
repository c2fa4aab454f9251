"""`crm import list` and `crm import undo`: an import taken back exactly, or refused with reasons."""

from __future__ import annotations

import pytest


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def updated_book(crm, tmp_path):
    """Two customers typed by hand, then a sheet that updates one and adds two."""
    crm("customer", "add", "Acme Trading", "--tier", "iron", "--since", "2025-01-01")  # 1
    crm("customer", "add", "Orient")  # 2
    sheet = write(tmp_path, "fair.csv",
                  "name,tier,stage,city,last_contact\n"
                  "Acme Trading,gold,client,Shenzhen,2026-11-01\n"
                  "New Co,silver,,Beijing,\n"
                  "Third Co,,,,\n")
    crm("import", "customers", sheet, "--on-conflict", "update")
    return sheet


def test_import_list_shows_each_batch(crm, updated_book):
    batches = crm.json("import", "list")
    assert len(batches) == 1
    b = batches[0]
    assert {k: b[k] for k in ("id", "file", "kind", "created", "updated", "skipped", "rejected")} == {
        "id": 1, "file": str(updated_book), "kind": "customers", "created": 2, "updated": 1,
        "skipped": 0, "rejected": 0}
    assert b["at"].startswith("2") and b["undone_at"] is None and len(b["sha256"]) == 64
    assert "fair.csv" in crm("import", "list").stdout


def test_undo_removes_what_was_created_and_restores_what_was_updated(crm, updated_book, book_db):
    acme = crm.json("customer", "show", "Acme Trading")
    assert (acme["tier"], acme["stage"], acme["city"], acme["last_contact"]) == (
        "gold", "client", "Shenzhen", "2026-11-01")
    out = crm("import", "undo", "1", "--yes").stdout
    assert "Undid import batch #1" in out and "removed 2 customers" in out and "restored 1 customer" in out
    assert [c["name"] for c in crm.json("customer", "list")] == ["Acme Trading", "Orient"]
    acme = crm.json("customer", "show", "Acme Trading")
    assert (acme["tier"], acme["stage"], acme["city"], acme["last_contact"]) == (
        "iron", "prospect", None, None)
    assert acme["next_due"] == "2025-01-01"  # never contacted: due from `since` again
    assert [s["stage"] for s in acme["stage_history"]] == ["prospect"]  # the import's change is gone
    assert book_db.value("SELECT imported_last_contact FROM customer WHERE id = 1") is None
    assert crm.json("import", "list")[0]["undone_at"]
    assert crm("db", "check").exit_code == 0
    assert "already undone" in crm.error("import", "undo", "1", "--yes")


def test_undo_asks_first_and_names_the_batch(crm, updated_book):
    assert "--yes" in crm.error("import", "undo", "1")
    assert "no import batch #9" in crm.error("import", "undo", "9", "--yes")
    assert "not an import batch number" in crm.error("import", "undo", "abc", "--yes")
    assert len(crm.json("customer", "list")) == 4


def test_records_worked_on_since_stop_the_undo_unless_forced(crm, tmp_path, book_db, monkeypatch):
    sheet = write(tmp_path, "leads.csv", "name,city\nNew Co,Beijing\nThird Co,Wuhan\nQuiet Co,\n")
    crm("import", "customers", sheet)
    crm("log", "New Co", "--at", "2026-11-20", "--note", "first call")
    crm("stage", "Quiet Co", "first-time")
    # An edit later than the import (the clock moved on).
    monkeypatch.setattr("crmcli.store.customers.now_stamp", lambda: "2099-01-01T00:00:00")
    crm("customer", "edit", "Third Co", "--city", "Xi'an")
    err = crm.error("import", "undo", "1", "--yes")
    assert "customer #1 New Co (1 contact logged added since)" in err
    assert "customer #2 Third Co (edited after the import)" in err
    assert "customer #3 Quiet Co (" in err and "1 stage change since)" in err
    assert "--force" in err
    assert len(crm.json("customer", "list")) == 3 and not crm.json("import", "list")[0]["undone_at"]
    crm("import", "undo", "1", "--yes", "--force")
    assert crm.json("customer", "list") == [] and book_db.value("SELECT count(*) FROM interaction") == 0


def test_a_later_import_of_the_same_records_blocks_the_earlier_undo(crm, tmp_path):
    crm("import", "customers", write(tmp_path, "a.csv", "name,tier\nNew Co,iron\n"))
    crm("import", "customers", write(tmp_path, "b.csv", "name,tier\nNew Co,gold\n"), "--on-conflict", "update")
    assert "changed by the later import #2" in crm.error("import", "undo", "1", "--yes")
    crm("import", "undo", "2", "--yes")  # the later one first: New Co is iron again
    assert crm.json("customer", "show", "New Co")["tier"] == "iron"
    crm("import", "undo", "1", "--yes")
    assert crm.json("customer", "list") == []


def test_undo_of_a_history_import_reopens_the_follow_ups_it_answered(crm, tmp_path, book_db):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("contact", "add", "Acme", "Zhang Min")
    crm("log", "Acme", "--with", "Zhang Min", "--at", "2026-10-01")
    crm("follow-up", "add", "Acme", "2026-11-10", "call back")
    sheet = write(tmp_path, "calls.csv", "customer,contact,date,channel,note,next\n"
                                         "Acme,Li Wei,2026-11-12,call,called back,2026-12-01\n")
    crm("import", "history", sheet)
    assert crm.json("follow-up", "list")[0]["due_on"] == "2026-12-01"  # answered, and a new one
    assert crm.json("customer", "show", "Acme")["last_contact"] == "2026-11-12"
    crm("import", "undo", "1", "--yes")
    page = crm.json("customer", "show", "Acme")
    assert [s["name"] for s in page["stakeholders"]] == ["Zhang Min"]  # Li Wei came with the import
    assert page["last_contact"] == "2026-10-01" and len(page["history"]) == 1
    assert [(f["due_on"], f["note"]) for f in crm.json("follow-up", "list")] == [("2026-11-10", "call back")]
    assert book_db.value("SELECT last_contact FROM stakeholder WHERE name = 'Zhang Min'") == "2026-10-01"
    assert crm("db", "check").exit_code == 0


def test_contacts_import_undo_removes_the_customers_it_made(crm, tmp_path):
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei", "--email", "li@acme.com")
    sheet = write(tmp_path, "phone.csv", "name,customer,email,title\n"
                                         "Li Wei,Acme,li@acme.com,CEO\n"
                                         "Chen Jing,Orient,chen@orient.cn,Buyer\n")
    crm("import", "contacts", sheet, "--on-conflict", "update")
    assert crm.json("contact", "show", "Li Wei")["title"] == "CEO"
    crm("import", "undo", "1", "--yes")
    assert [c["name"] for c in crm.json("customer", "list")] == ["Acme"]
    assert crm.json("contact", "show", "Li Wei")["title"] is None


def test_importing_the_same_file_twice_warns_and_names_the_earlier_batch(crm, tmp_path):
    sheet = write(tmp_path, "leads.csv", "name\nNew Co\n")
    crm("import", "customers", sheet)
    crm("import", "undo", "1", "--yes")
    assert "imported before" not in crm("import", "customers", sheet).stderr  # batch 1 was undone
    again = crm("import", "customers", sheet)
    assert "was imported before, as batch #2" in again.stderr
    assert len(crm.json("customer", "list")) == 1  # matched, not doubled
    assert "imported before" in crm("import", "customers", sheet, "--dry-run").stderr


def test_purchases_import_undo_puts_the_stage_back(crm, tmp_path):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    sheet = write(tmp_path, "sales.csv", "customer,date,amount,product\n"
                                         "Acme,2025-03-01,48000,Service contract\n"
                                         "Acme,2025-09-01,12000,Spare parts\n"
                                         "Globex,2025-05-01,9000,Forklift\n")
    crm("import", "purchases", sheet)
    assert crm.json("customer", "show", "Acme")["stage"] == "repeat"
    crm("import", "undo", "1", "--yes")
    page = crm.json("customer", "show", "Acme")
    assert page["stage"] == "prospect" and [s["stage"] for s in page["stage_history"]] == ["prospect"]
    assert crm.json("purchase", "list") == []
    assert [c["name"] for c in crm.json("customer", "list")] == ["Acme"]
    assert crm("db", "check").exit_code == 0


def test_a_contact_dated_before_since_is_not_an_edit_of_the_customer(crm, tmp_path, monkeypatch):
    # Logging last week's call moves a new customer's `since` back (store.customers.on_the_book_by);
    # the undo names the contact, not an edit, whenever the clock has moved on.
    sheet = write(tmp_path, "leads.csv", "name,city\nNew Co,Beijing\n")
    crm("import", "customers", sheet)
    monkeypatch.setattr("crmcli.store.clock.now_stamp", lambda: "2099-01-01T00:00:00")
    monkeypatch.setattr("crmcli.store.customers.now_stamp", lambda: "2099-01-01T00:00:00")
    crm("log", "New Co", "--at", "2026-11-20", "--note", "first call")
    assert crm.json("customer", "show", "New Co")["since"] == "2026-11-20"
    err = crm.error("import", "undo", "1", "--yes")
    assert "customer #1 New Co (1 contact logged added since)" in err and "edited" not in err
