"""`crm customer merge` and `crm contact merge`: everything of OTHER ends up on KEEP, once."""

from __future__ import annotations

import pytest

from tests.conftest import TODAY

MERGE_NOTE = f"merged 'ACME Trading Co.' (#2) on {TODAY}"


@pytest.fixture
def two_acmes(crm, book_db):
    """One company entered twice, each record with its own people, log, follow-ups, deals…"""
    crm("customer", "add", "Acme Trading", "--tier", "gold", "--since", "2025-01-10",
        "--phone", "+86 755 8800 1234", "--tag", "vip", "--note", "key account")  # 1
    crm("customer", "add", "ACME Trading Co.", "--tier", "silver", "--since", "2024-03-01",
        "--city", "Shenzhen", "--industry", "trading", "--phone", "0755-8800 1234",
        "--tag", "export", "--tag", "VIP", "--note", "met at the trade fair")  # 2
    crm("stage", "2", "client", "--at", "2025-06-01")
    crm("contact", "add", "1", "Li Wei", "--role", "decision-maker", "--level", "engaged",
        "--email", "li@acme.com")  # 1
    crm("contact", "add", "2", "li  wei", "--email", "LI@acme.com", "--phone", "138 0000 1111",
        "--birthday", "1980-03-22", "--level", "partner")  # 2: the same person
    crm("contact", "add", "2", "Zhang Min", "--role", "executor")  # 3
    crm("log", "1", "--with", "Li Wei", "--at", "2026-10-01", "--note", "keep call")
    crm("log", "2", "--with", "li  wei", "--at", "2026-11-15", "--note", "other visit",
        "--next", "2026-12-20", "--next-note", "send samples")
    crm("follow-up", "add", "1", "2026-12-10", "send quote")
    crm("snooze", "2", "2026-12-31")
    crm("deal", "add", "1", "Fleet renewal", "--amount", "120000", "--close", "2027-01-31")
    crm("deal", "add", "2", "Spare parts", "--amount", "5000", "--with", "li  wei")
    book_db.run("INSERT INTO purchase (customer_id, date, amount_cents, product, created_at) "
                "VALUES (2, '2025-07-01', 880000, 'forklift', 'x')")
    book_db.run("INSERT INTO fact (customer_id, key, value, at, created_at) "
                "VALUES (2, 'fleet size', '40', '2025-08-01', 'x')")
    # A dict-of-rows view of the book, for the checks after the merge.
    return book_db


def _count(db, table, where="1 = 1", **params):
    return db.value(f"SELECT count(*) FROM {table} WHERE {where}", params)


def test_dry_run_lists_what_would_happen_and_changes_nothing(crm, two_acmes):
    plan = crm.json("customer", "merge", "1", "2", "--dry-run")
    assert plan["dry_run"] is True
    assert {d["field"] for d in plan["differ"]} == {"name", "tier", "stage", "note"}  # phones agree
    assert all(d["taken"] == "keep" for d in plan["differ"])
    assert {f["field"]: f["value"] for f in plan["filled"]} == {
        "city": "Shenzhen", "industry": "trading", "since": "2024-03-01"}
    assert plan["tags_added"] == ["export"]
    assert plan["people_merged"] == [{"keep": 1, "keep_name": "Li Wei", "other": 2, "other_name": "li  wei"}]
    assert plan["moved"] == {"interactions": 1, "follow_ups": 1, "deals": 1, "purchases": 1, "facts": 1,
                             "stage_changes": 2, "owner_changes": 0, "contacts": 1}
    assert _count(two_acmes, "customer") == 2 and _count(two_acmes, "stakeholder") == 3
    text = crm("customer", "merge", "1", "2", "--dry-run").stdout
    assert "Would merge customer #2 ACME Trading Co. into #1 Acme Trading." in text
    assert "differs: tier: KEEP gold / OTHER silver (KEEP's value stays)" in text


def test_merge_moves_everything_and_keeps_the_book_consistent(crm, two_acmes):
    db = two_acmes
    out = crm("customer", "merge", "1", "2", "--yes", "--take", "tier").stdout
    assert "Merged customer #2 ACME Trading Co. into #1 Acme Trading." in out
    assert _count(db, "customer", "id = 2") == 0
    keep = db.row("SELECT * FROM customer WHERE id = 1")
    assert (keep["name"], keep["tier"], keep["stage"]) == ("Acme Trading", "silver", "prospect")
    assert (keep["city"], keep["industry"], keep["note"]) == ("Shenzhen", "trading", "key account")
    assert keep["phone"] == "+86 755 8800 1234" and keep["since"] == "2024-03-01"
    assert keep["tags"] == "vip;export" and keep["snoozed_until"] == "2026-12-31"
    assert keep["last_contact"] == "2026-11-15"
    # The same person on both records became one; the other stakeholder moved.
    people = db.rows("SELECT id, name, email, phone, birthday, level, last_contact FROM stakeholder "
                     "WHERE customer_id = 1 ORDER BY id")
    assert [(p["id"], p["name"]) for p in people] == [(1, "Li Wei"), (3, "Zhang Min")]
    li = people[0]
    assert (li["email"], li["phone"], li["birthday"]) == ("li@acme.com", "138 0000 1111", "1980-03-22")
    assert li["level"] == "engaged" and li["last_contact"] == "2026-11-15"
    # The log, follow-ups, deals, purchases and facts are all KEEP's now, naming KEEP's person.
    history = crm.json("history", "1")
    assert [(h["date"], h["contact"]) for h in history] == [("2026-11-15", "Li Wei"), ("2026-10-01", "Li Wei")]
    assert sorted(r["due_on"] for r in db.rows(
        "SELECT due_on FROM follow_up WHERE customer_id = 1 AND done_at IS NULL")) == ["2026-12-10", "2026-12-20"]
    deals = db.rows("SELECT title, stakeholder_id FROM deal WHERE customer_id = 1 ORDER BY id")
    assert deals == [{"title": "Fleet renewal", "stakeholder_id": None}, {"title": "Spare parts", "stakeholder_id": 1}]
    assert _count(db, "purchase", "customer_id = 1") == 1 and _count(db, "fact", "customer_id = 1") == 1
    # History kept, merge written into it; the stage KEEP had stays current.
    stages = db.rows("SELECT stage, at, note FROM stage_change WHERE customer_id = 1 ORDER BY at, id")
    assert ("client", "2025-06-01") in [(s["stage"], s["at"]) for s in stages]
    assert stages[-1] == {"stage": "prospect", "at": TODAY, "note": MERGE_NOTE}
    levels = db.rows("SELECT level, note FROM level_change WHERE stakeholder_id = 1 ORDER BY id")
    assert [lv["level"] for lv in levels] == ["engaged", "partner", "engaged"]
    assert levels[-1]["note"] == "merged 'li  wei' (#2) on 2026-11-25"
    # The derived dates are what the log and cadence say.
    assert crm("db", "check").exit_code == 0
    assert crm.json("customer", "show", "1")["next_due"] == keep["next_due"]


def test_take_stage_keeps_the_stage_history_truthful(crm, two_acmes):
    crm("customer", "merge", "Acme Trading", "ACME Trading Co.", "--yes", "--take", "stage,note")
    page = crm.json("customer", "show", "1")
    assert page["stage"] == "client" and page["note"] == "met at the trade fair"
    # Client since the change of 2025-06-01, not since the merge.
    assert page["stage_since"] == "2025-06-01"
    assert page["stage_history"][-1]["note"] == MERGE_NOTE


@pytest.mark.sqlite_only
def test_a_backup_is_made_before_a_merge(crm, two_acmes, tmp_path):
    crm("customer", "merge", "1", "2", "--yes")
    saved = list((tmp_path / "data" / "crm" / "backups").glob("crm-*-before-merge.db"))
    assert len(saved) == 1
    import sqlite3

    assert sqlite3.connect(saved[0]).execute("SELECT count(*) FROM customer").fetchone()[0] == 2


def test_merge_refusals_change_nothing(crm, two_acmes):
    assert "same customer" in crm.error("customer", "merge", "1", "1", "--yes")
    err = crm.error("customer", "merge", "1", "2", "--yes", "--take", "colour")
    assert "'colour' is not a customer field" in err and "tier" in err
    assert "--yes" in crm.error("customer", "merge", "1", "2")  # no terminal to ask
    assert "No customer matches" in crm.error("customer", "merge", "1", "Nobody", "--yes")
    assert _count(two_acmes, "customer") == 2


def test_customer_merge_keeps_two_people_who_share_the_office_line(crm, book_db):
    crm("customer", "add", "Acme Trading")
    crm("customer", "add", "ACME Trading Co.")
    crm("contact", "add", "1", "Zhang Wei", "--phone", "0755-8888 8888")
    crm("contact", "add", "2", "Li Na", "--phone", "0755 8888 8888")  # the switchboard: someone else
    crm("contact", "add", "2", "Zhang  Wei", "--phone", "0755-88888888")  # Zhang Wei again
    crm("customer", "merge", "1", "2", "--yes")
    assert sorted(r["name"] for r in book_db.rows("SELECT name FROM stakeholder")) == ["Li Na", "Zhang Wei"]


def test_contact_merge_across_customers_keeps_each_account_history(crm, book_db):
    crm("customer", "add", "Acme")
    crm("customer", "add", "Orient")
    crm("contact", "add", "Acme", "Li Wei", "--level", "engaged", "--title", "CEO")  # 1
    crm("contact", "add", "Orient", "Wei Li", "--email", "li@x.com", "--level", "ally", "--every", "2w")  # 2
    crm("log", "Orient", "--with", "Wei Li", "--at", "2026-11-20", "--note", "dinner")
    crm("follow-up", "add", "Orient", "2026-12-02", "call back", "--with", "Wei Li")
    plan = crm.json("contact", "merge", "1", "2", "--yes")
    assert plan["keep"]["customer"] == "Acme" and plan["other"]["customer"] == "Orient"
    assert {d["field"] for d in plan["differ"]} == {"name", "level"}
    assert {f["field"] for f in plan["filled"]} == {"email", "every"}
    assert book_db.value("SELECT count(*) FROM stakeholder WHERE id = 2") == 0
    li = book_db.row("SELECT * FROM stakeholder WHERE id = 1")
    assert (li["email"], li["email_key"], li["every_days"], li["level"]) == ("li@x.com", "li@x.com", 14, "engaged")
    assert li["last_contact"] == "2026-11-20"
    logged = crm.json("history", "Orient")
    assert [(h["customer"], h["contact"]) for h in logged] == [("Orient", "Li Wei")]
    assert book_db.value("SELECT stakeholder_id FROM follow_up") == 1
    assert "merged 'Wei Li' (#2)" in crm.json("contact", "show", "1")["level_history"][-1]["note"]
    assert crm("db", "check").exit_code == 0


def test_contact_merge_dry_run_and_refusals(crm):
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei")
    crm("contact", "add", "Acme", "Li Wei Jr")
    assert "Would merge contact #2 Li Wei Jr into #1 Li Wei." in crm("contact", "merge", "1", "2", "--dry-run").stdout
    assert "same contact" in crm.error("contact", "merge", "1", "1", "--yes")
    assert len(crm.json("contact", "list")) == 2
