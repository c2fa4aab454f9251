"""Team mode on any engine: db info, db copy between books, customer assign, --owner/--all.

These run in both passes: on the SQLite pass the test's book is a file, on the
PostgreSQL pass it is a schema on the server (tests/conftest.py). What only a
server can show (reps seeing their own books, login errors) is in test_postgres.py.
"""

from __future__ import annotations

import sqlite3

import pytest

from crmcli.store import migrate


def solo(crm) -> bool:
    return crm.json("db", "info")["engine"] == "sqlite"


def test_db_info_names_engine_schema_and_row_counts(crm, book):
    book()
    info = crm.json("db", "info")
    assert info["engine"] in ("sqlite", "postgresql")
    assert info["schema"] == migrate.HEAD and info["schema_current"] is True
    assert info["rows"]["customer"] == 2
    assert info["rows"]["stakeholder"] == 3
    assert info["rows"]["interaction"] == 2
    assert set(info["rows"]) >= {"deal", "purchase", "fact", "owner_change", "import_batch"}
    assert "***" in info["location"] or ":" not in info["location"].split("@")[0].split("//")[-1]
    human = crm("db", "info").stdout
    assert "Schema" in human and migrate.HEAD in human and "interaction" in human


@pytest.mark.sqlite_only
def test_db_info_on_sqlite_names_the_file(crm, book, db_path):
    book()
    info = crm.json("db", "info")
    assert info == {**info, "engine": "sqlite", "location": str(db_path)}
    assert info["size_bytes"] > 0 and "rep" not in info
    assert str(db_path) in crm("db", "info").stdout


def test_copy_to_a_new_file_and_again_duplicates_nothing(crm, book, tmp_path):
    book()
    crm("follow-up", "add", "Acme Trading", "2026-12-01", "send the quote", "--with", "Li Wei")
    crm("level", "Li Wei", "partner")
    target = tmp_path / "copy.db"
    first = crm.json("db", "copy", "--to", str(target))
    copied = {t["table"]: t["copied"] for t in first["tables"]}
    assert copied["customer"] == 2 and copied["stakeholder"] == 3 and copied["interaction"] == 2
    assert copied["follow_up"] == 1 and copied["level_change"] >= 1
    again = crm.json("db", "copy", "--to", str(target))
    assert all(t["copied"] == 0 for t in again["tables"])
    assert {t["table"]: t["already_there"] for t in again["tables"]} == {
        t["table"]: t["copied"] for t in first["tables"]}
    # The copy is a working book with the same records, references intact.
    page = crm.json("--db", str(target), "customer", "show", "Acme Trading")
    assert [s["name"] for s in page["stakeholders"]] == ["Li Wei", "Zhang Min"]
    assert page["history"][0]["contact"] == "Li Wei" and page["history"][0]["note"] == "quote discussed"
    assert page["follow_ups"][0]["note"] == "send the quote"
    assert crm.json("--db", str(target), "contact", "show", "Li Wei")["level"] == "partner"


def test_copy_adds_only_what_is_new_and_settles_the_customer(crm, book, tmp_path):
    book()
    target = tmp_path / "copy.db"
    crm("db", "copy", "--to", str(target))
    crm("log", "Acme Trading", "--with", "Zhang Min", "--at", "2026-11-24", "--note", "delivery ok")
    crm("stage", "Acme Trading", "first-time", "--at", "2026-11-24")
    report = crm.json("db", "copy", "--to", str(target))
    copied = {t["table"]: t["copied"] for t in report["tables"]}
    assert copied["interaction"] == 1 and copied["stage_change"] == 1 and copied["customer"] == 0
    there = crm.json("--db", str(target), "customer", "show", "Acme Trading")
    assert there["last_contact"] == "2026-11-24" and there["stage"] == "first-time"
    assert len(crm.json("--db", str(target), "history", "--all")) == 3


def test_identical_rows_stay_as_many_as_they_were(crm, tmp_path):
    crm("customer", "add", "Twin")
    crm("log", "Twin", "--at", "2026-11-01", "--note", "same")
    crm("log", "Twin", "--at", "2026-11-01", "--note", "same")
    target = tmp_path / "copy.db"
    crm("db", "copy", "--to", str(target))
    crm("db", "copy", "--to", str(target))
    assert len(crm.json("--db", str(target), "history", "Twin")) == 2


def test_copy_from_brings_a_book_in_and_ids_are_remapped(crm, tmp_path):
    other = tmp_path / "other.db"
    crm("--db", str(other), "customer", "add", "Zeta Ltd")
    crm("--db", str(other), "contact", "add", "Zeta Ltd", "Anna", "--role", "decision-maker")
    crm("--db", str(other), "log", "Zeta Ltd", "--with", "Anna", "--at", "2026-11-20")
    crm("customer", "add", "Here First")  # takes id 1 in this book
    crm("db", "copy", "--from", str(other))
    zeta = crm.json("customer", "show", "Zeta Ltd")
    assert zeta["id"] != 1 and zeta["stakeholders"][0]["name"] == "Anna"
    assert zeta["history"][0]["contact"] == "Anna" and zeta["last_contact"] == "2026-11-20"
    assert crm.json("customer", "show", "Here First")["id"] == 1


def test_copy_keeps_import_batches_pointing_at_the_copied_rows(crm, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("name,tier\nImported Co,gold\n", encoding="utf-8")
    crm("customer", "add", "Before")
    crm("import", "customers", str(src))
    target = tmp_path / "copy.db"
    crm("--db", str(target), "customer", "add", "Already Here")
    crm("db", "copy", "--to", str(target))
    batches = crm.json("--db", str(target), "import", "list")
    assert len(batches) == 1
    crm("--db", str(target), "import", "undo", str(batches[0]["id"]), "--yes")
    names = {c["name"] for c in crm.json("--db", str(target), "customer", "list", "--all")}
    assert names == {"Before", "Already Here"}


def test_copy_refuses_what_is_not_a_crm_book_and_a_newer_schema(crm, book, tmp_path):
    book()
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    assert "not a crm book" in crm.error("db", "copy", "--to", str(foreign))
    newer = tmp_path / "newer.db"
    crm("--db", str(newer), "customer", "add", "X")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    assert "newer release" in crm.error("db", "copy", "--to", str(newer))
    assert sqlite3.connect(newer).execute("SELECT count(*) FROM customer").fetchone()[0] == 1


@pytest.mark.sqlite_only
def test_copy_onto_itself_is_refused(crm, book, db_path):
    book()
    assert "this very book" in crm.error("db", "copy", "--to", str(db_path))


def test_copy_needs_exactly_one_direction(crm):
    crm("db", "copy", code=2)
    crm("db", "copy", "--to", "a.db", "--from", "b.db", code=2)


def test_every_table_of_the_schema_is_copied():
    from crmcli.store.copy import TABLES
    from crmcli.store.schema import SQLModel

    assert {t.name for t in TABLES} == set(SQLModel.metadata.tables)
    order = [t.name for t in TABLES]
    for t in TABLES:  # parents before children
        for parent in t.refs.values():
            assert order.index(parent) < order.index(t.name)


def test_assign_hands_over_and_keeps_history(crm, book, book_db):
    book()
    out = crm("customer", "assign", "Acme Trading", "bob", "--at", "2026-11-20").stdout
    assert "bob" in out
    assert "already belongs" in crm("customer", "assign", "Acme Trading", "bob").stdout
    crm("customer", "assign", "Acme Trading", "carol", "--note", "bob moved to Beijing")
    from crmcli.store import ownership

    cid = book_db.value("SELECT id FROM customer WHERE name = 'Acme Trading'")
    assert book_db.value("SELECT owner FROM customer WHERE id = :c", {"c": cid}) == "carol"
    history = ownership.history(book_db, cid)
    assert [h["owner"] for h in history] == ["bob", "carol"]
    assert history[0]["at"] == "2026-11-20" and history[1]["note"] == "bob moved to Beijing"
    crm.error("customer", "assign", "Acme Trading", " ", code=2)
    crm.error("customer", "assign", "Nobody Inc", "bob")
    crm.error("customer", "assign", "Acme Trading", "dave", "--at", "2027-01-01")  # not in the future


def test_owner_and_all_are_exclusive(crm, book):
    book()
    for command in (("due",), ("customer", "list"), ("history",), ("contact", "list"), ("follow-up", "list")):
        crm(*command, "--owner", "bob", "--all", code=2)


@pytest.mark.sqlite_only
def test_a_solo_book_never_shows_an_owner(crm, book):
    book()
    assert "owner" not in crm.json("customer", "list")[0]
    assert "owner" not in crm.json("customer", "show", "Acme Trading")
    rows = crm.json("due", "--on", "2027-06-01")
    assert rows and all("owner" not in r for r in rows)
    assert "Owner" not in crm("customer", "list").stdout
    # --all changes nothing for one rep; --owner still filters (a book copied from a team).
    assert len(crm.json("customer", "list", "--all")) == 2
    crm("customer", "assign", "Acme Trading", "bob")
    assert [c["name"] for c in crm.json("customer", "list", "--owner", "bob")] == ["Acme Trading"]
    assert len(crm.json("due", "--on", "2027-06-01", "--owner", "bob")) == 1
