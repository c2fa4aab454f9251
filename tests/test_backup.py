"""`crm backup` and `crm restore`: consistent copies, rotation, and refusing what is not a crm book."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time

import pytest

from tests.conftest import engine

sqlite_only = pytest.mark.sqlite_only


def backups(tmp_path):
    folder = tmp_path / "data" / "crm" / "backups"
    return sorted(folder.glob("*.db")) if folder.exists() else []


def customers_in(path):
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM customer ORDER BY id")]
    finally:
        conn.close()


@sqlite_only
def test_backup_goes_to_the_data_dir_with_a_timestamp_and_is_private(crm, book, tmp_path):
    book()
    out = crm("backup").stdout
    [made] = backups(tmp_path)
    assert str(made) in out
    assert made.name.startswith("crm-") and len(made.stem) == len("crm-YYYYMMDD-HHMMSS")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert customers_in(made) == ["Acme Trading", "华东物流有限公司"]
    assert not made.with_name(made.name + "-wal").exists()  # one self-contained file


@sqlite_only
def test_backup_to_a_file_or_folder(crm, book, tmp_path):
    book()
    crm("backup", tmp_path / "copy.db")
    assert customers_in(tmp_path / "copy.db") == ["Acme Trading", "华东物流有限公司"]
    (tmp_path / "usb").mkdir()
    crm("backup", tmp_path / "usb")
    [made] = (tmp_path / "usb").glob("crm-*.db")
    assert customers_in(made) == ["Acme Trading", "华东物流有限公司"]
    assert "the book itself" in crm.error("backup", tmp_path / "crm.db")


@sqlite_only
def test_only_the_last_ten_backups_are_kept(crm, tmp_path):
    crm("customer", "add", "Acme")
    for _ in range(12):
        crm("backup")
    kept = backups(tmp_path)
    assert len(kept) == 10
    assert len({p.name for p in kept}) == 10  # same second: numbered, never overwritten


@sqlite_only
def test_a_backup_taken_while_another_connection_writes_is_consistent(crm, db_path, tmp_path):
    """Each writer transaction adds a customer with exactly two stakeholders: a copy must never
    show a customer with fewer, and must pass SQLite's integrity check."""
    crm("customer", "add", "Seed")
    stop = threading.Event()
    written = []

    def writer():
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=10)
        conn.execute("PRAGMA busy_timeout = 10000")
        n = 0
        while not stop.is_set():
            n += 1
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(
                "INSERT INTO customer (name, name_key, since, created_at, updated_at) "
                "VALUES (?, ?, '2026-01-01', 'x', 'x')", (f"W{n}", f"w{n}"))
            for who in ("a", "b"):
                conn.execute("INSERT INTO stakeholder (customer_id, name, name_key, created_at, updated_at) "
                             "VALUES (?, ?, ?, 'x', 'x')", (cur.lastrowid, who, who))
            conn.execute("COMMIT")
            written.append(n)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for i in range(8):
            while len(written) < (i + 1) * 20 and thread.is_alive():  # the writer gets ahead
                time.sleep(0.001)
            target = tmp_path / f"copy{i}.db"
            crm("backup", target)
            copies.append(target)
    finally:
        stop.set()
        thread.join()
    assert len(written) >= 160, "the writer stopped early"
    sizes = []
    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        customers = conn.execute("SELECT count(*) FROM customer WHERE name LIKE 'W%'").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM stakeholder").fetchone()[0]
        assert people == 2 * customers
        assert conn.execute("SELECT count(*) FROM customer c WHERE (SELECT count(*) FROM stakeholder s "
                            "WHERE s.customer_id = c.id) NOT IN (0, 2)").fetchone()[0] == 0
        sizes.append(customers)
        conn.close()
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]  # taken while the book grew


@sqlite_only
def test_restore_puts_a_backup_back_after_saving_the_current_book(crm, book, tmp_path):
    book()
    crm("backup", tmp_path / "friday.db")
    crm("customer", "add", "Added after the backup")
    crm("customer", "rm", "Acme Trading", "--yes")
    assert "--yes" in crm.error("restore", tmp_path / "friday.db")  # no terminal to ask
    out = crm("restore", tmp_path / "friday.db", "--yes")
    assert "Restored the book" in out.stdout
    assert [c["name"] for c in crm.json("customer", "list")] == ["Acme Trading", "华东物流有限公司"]
    [saved] = [p for p in backups(tmp_path) if "before-restore" in p.name]
    assert customers_in(saved) == ["华东物流有限公司", "Added after the backup"]
    assert crm.json("history", "Acme Trading")[0]["note"] == "quote discussed"


@sqlite_only
def test_restore_refuses_what_is_not_a_crm_book(crm, book, tmp_path):
    book()
    text = tmp_path / "notes.db"
    text.write_text("hello")
    assert "not a crm database" in crm.error("restore", text, "--yes")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert "not a crm book" in crm.error("restore", other, "--yes")
    newer = tmp_path / "newer.db"
    crm("backup", newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    assert "schema 9999" in crm.error("restore", newer, "--yes")
    assert "does not exist" in crm.error("restore", tmp_path / "missing.db", "--yes")
    assert "the book itself" in crm.error("restore", tmp_path / "crm.db", "--yes")
    assert len(crm.json("customer", "list")) == 2  # untouched


@sqlite_only
def test_restore_of_an_older_schema_upgrades_it(crm, tmp_path):
    from crmcli.store import migrate
    from crmcli.store.db import Database, connect_sqlite

    old = tmp_path / "old.db"
    db = Database(connect_sqlite(old), str(old))
    migrate.upgrade(db, old, "0001")
    db.run("INSERT INTO customer (name, name_key, since, created_at, updated_at) "
           "VALUES ('Old Co', 'old co', '2020-01-01', 'x', 'x')")
    db.close()
    crm("customer", "add", "New Co")
    crm("restore", old, "--yes")
    assert [c["name"] for c in crm.json("customer", "list")] == ["Old Co"]
    conn = sqlite3.connect(tmp_path / "crm.db")
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrate.HEAD


@sqlite_only
def test_a_schema_migration_backs_up_through_the_same_folder(crm, tmp_path, old_book):
    from crmcli.store import migrate

    old_book("0001").close()
    crm("customer", "list")  # opening upgrades
    assert [p.name.endswith(f"-before-{migrate.HEAD}.db") for p in backups(tmp_path)] == [True]


@pytest.mark.parametrize("args", [("backup",), ("restore", "x.db", "--yes")])
def test_backup_and_restore_need_sqlite(args, crm, request):
    if engine(request.config) != "postgresql":
        pytest.skip("the PostgreSQL answer is checked in the PostgreSQL pass")
    assert "pg_dump" in crm.error(*args)


def test_a_postgresql_book_is_sent_to_pg_dump():
    from crmcli.errors import CrmError
    from crmcli.store import backup

    class Server:
        dialect = "postgresql"
        location = "postgresql://crm@db/crm"

    with pytest.raises(CrmError, match="pg_dump"):
        backup.backup(Server())
    with pytest.raises(CrmError, match="pg_dump"):
        backup.restore(Server(), "x.db")
    assert backup.automatic(Server(), "before-merge") is None
