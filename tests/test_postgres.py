"""Team mode on a real PostgreSQL server: reps' books, moving a book, logins, many writers.

Every test here uses `pg_url` (a fresh, empty book on the server of
CRM_TEST_DATABASE_URL): they are marked `postgres` by conftest, skip on a
laptop without a server and fail in CI without one. `scripts/test-postgres`
starts a throwaway server and runs them.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from crmcli.store import migrate
from crmcli.store.db import open_database


def with_url(url: str, **changes) -> str:
    return make_url(url).set(**changes).render_as_string(hide_password=False)


@pytest.fixture
def team(crm, pg_url, tmp_path, monkeypatch):
    """`team("alice")` makes alice the rep at the keyboard of the shared book."""
    monkeypatch.setenv("CRM_DATABASE_URL", pg_url)

    def as_rep(name: str) -> None:
        monkeypatch.setenv("CRM_CONFIG_DIR", str(tmp_path / f"config-{name}"))
        crm("config", "set", "user.name", name)

    return as_rep


def test_each_rep_sees_their_own_book_and_widens_it(crm, team):
    team("alice")
    crm("customer", "add", "Acme Trading", "--tier", "gold", "--since", "2025-01-01")
    crm("customer", "add", "Alpha Foods", "--since", "2025-01-01")
    crm("log", "Acme Trading", "--at", "2026-10-01", "--note", "alice called")
    crm("follow-up", "add", "Alpha Foods", "2026-11-20", "alice's follow-up")
    team("bob")
    crm("customer", "add", "Bravo Steel", "--tier", "gold", "--since", "2025-01-01")
    crm("log", "Bravo Steel", "--at", "2026-09-01", "--note", "bob called")
    crm("log", "Acme Trading", "--at", "2026-10-02", "--note", "bob helped alice")  # any account can be logged

    assert [c["name"] for c in crm.json("customer", "list")] == ["Bravo Steel"]
    assert crm.json("customer", "list")[0]["owner"] == "bob"
    assert [c["name"] for c in crm.json("customer", "list", "--owner", "alice")] == ["Acme Trading", "Alpha Foods"]
    assert len(crm.json("customer", "list", "--all")) == 3
    assert "Owner" in crm("customer", "list", "--all").stdout
    assert [h["note"] for h in crm.json("history")] == ["bob called"]
    assert len(crm.json("history", "--all")) == 3
    assert [h["note"] for h in crm.json("history", "Acme Trading")] == ["bob helped alice", "alice called"]
    assert crm.json("follow-up", "list") == []
    assert len(crm.json("follow-up", "list", "--owner", "alice")) == 1
    mine = crm.json("due")
    assert [r["customer"] for r in mine] == ["Bravo Steel"] and mine[0]["owner"] == "bob"
    csv_text = crm("customer", "list", "--csv").stdout
    assert csv_text.splitlines()[0].endswith(",owner") and csv_text.splitlines()[1].endswith(",bob")
    assert crm.json("db", "info")["reps"] == {"alice": 2, "bob": 1}


def test_due_all_is_the_managers_view_grouped_by_rep(crm, team):
    team("alice")
    crm("customer", "add", "Acme Trading", "--tier", "gold", "--since", "2025-01-01")
    team("bob")
    crm("customer", "add", "Bravo Steel", "--tier", "gold", "--since", "2025-01-01")
    crm("customer", "add", "Beta Glass", "--tier", "silver", "--since", "2025-01-01")
    rows = crm.json("due", "--all", "--limit", "50")
    assert {(r["customer"], r["owner"]) for r in rows} == {
        ("Acme Trading", "alice"), ("Bravo Steel", "bob"), ("Beta Glass", "bob")}
    text = crm("due", "--all").stdout
    assert "Rep" in text and text.count("bob") == 1  # a rep is named once, on the first row of their group
    assert text.index("alice") < text.index("Acme Trading") < text.index("bob") < text.index("Bravo Steel")
    assert text.index("Bravo Steel") < text.index("Beta Glass")  # rank order within a rep
    assert "Rep" not in crm("due").stdout
    assert [r["customer"] for r in crm.json("due", "--owner", "alice")] == ["Acme Trading"]


def test_assign_moves_an_account_between_reps_books(crm, team):
    team("alice")
    crm("customer", "add", "Acme Trading", "--tier", "gold", "--since", "2025-01-01")
    crm("customer", "assign", "Acme Trading", "bob", "--note", "alice is on leave")
    assert crm.json("customer", "list") == [] and crm.json("due") == []
    team("bob")
    assert [r["customer"] for r in crm.json("due")] == ["Acme Trading"]
    assert crm.json("customer", "show", "Acme Trading")["owner"] == "bob"
    page = crm("customer", "show", "Acme Trading").stdout
    assert "Owner" in page and "bob" in page


def test_new_customers_belong_to_the_rep_who_adds_them(crm, team, pg_url):
    team("carol")
    crm("customer", "add", "Cobalt")
    db = open_database(url=pg_url)
    try:
        assert db.value("SELECT owner FROM customer") == "carol"
    finally:
        db.close()


def _table_rows(path: Path) -> dict[str, list[tuple]]:
    from crmcli.store.copy import TABLES

    conn = sqlite3.connect(path)
    try:
        out = {}
        for t in TABLES:
            cur = conn.execute(f"SELECT * FROM {t.name} ORDER BY id")
            names = [d[0] for d in cur.description]
            out[t.name] = [dict(zip(names, r)) for r in cur.fetchall()]
        return out
    finally:
        conn.close()


def test_demo_book_round_trips_sqlite_postgres_sqlite(crm, pg_url, tmp_path, monkeypatch):
    from crmcli.config import Settings
    from crmcli.sample_book import build

    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    first, last = tmp_path / "demo.db", tmp_path / "back.db"
    db = open_database(first)
    counts = build(db, date(2026, 11, 25), Settings().cadences())
    db.close()
    crm("config", "set", "user.name", "dana")
    out = crm.json("--db", str(first), "db", "copy", "--to", pg_url)
    assert out["assigned_owner"] == counts["customers"]
    copied = {t["table"]: t["copied"] for t in out["tables"]}
    assert copied["customer"] == counts["customers"] and copied["interaction"] == counts["contacts"]
    again = crm.json("--db", str(first), "db", "copy", "--to", pg_url)
    assert sum(t["copied"] for t in again["tables"]) == 0
    crm.json("--db", str(last), "db", "copy", "--from", pg_url)

    before, after = _table_rows(first), _table_rows(last)
    assert {t: len(r) for t, r in before.items()} == {t: len(r) for t, r in after.items()}
    assert all(c["owner"] == "dana" for c in after["customer"])
    for rows in (before["customer"], after["customer"]):
        for c in rows:
            c.pop("owner")
    assert before == after  # every row, every column, the same ids (a fresh target numbers them alike)
    # The server's book answers the same agenda as the file it came from.
    assert crm.json("--db-url", pg_url, "due", "--all", "--limit", "0") == [
        {**r, "owner": "dana"} for r in crm.json("--db", str(first), "due", "--limit", "0")]


def test_copy_refuses_a_server_database_that_is_not_a_crm_book(crm, book, pg_url):
    book()
    import psycopg

    conninfo = make_url(pg_url)
    with psycopg.connect(host=conninfo.host, port=conninfo.port, user=conninfo.username,
                         password=conninfo.password, dbname=conninfo.database,
                         options=conninfo.query["options"], autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id integer)")
    assert "not a crm book" in crm.error("db", "copy", "--to", pg_url)


def test_copy_refuses_a_newer_schema_on_the_server(crm, book, pg_url):
    book()
    crm("--db-url", pg_url, "customer", "list")  # creates the schema
    db = open_database(url=pg_url)
    db.run("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    assert "newer release" in crm.error("db", "copy", "--to", pg_url)


def test_db_info_on_the_server_hides_the_password(crm, pg_url):
    password = make_url(pg_url).password
    result = crm("--db-url", pg_url, "db", "info")
    info = crm.json("--db-url", pg_url, "db", "info")
    assert info["engine"] == "postgresql" and info["schema"] == migrate.HEAD
    assert info["server_version"] and "***" in info["location"]
    assert password and password not in result.stdout + result.stderr + json.dumps(info)


def test_a_wrong_password_is_one_sentence_without_any_password(crm, pg_url):
    real = make_url(pg_url).password
    err = crm.error("--db-url", with_url(pg_url, password="not-the-Secret-42"), "customer", "list")
    assert "refused the login" in err and "password" in err
    assert "not-the-Secret-42" not in err and real not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreachable_server_and_a_missing_database(crm, pg_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    err = crm.error("--db-url", with_url(pg_url, port=closed_port), "due")
    assert "Cannot reach a PostgreSQL server" in err and str(closed_port) in err
    err = crm.error("--db-url", with_url(pg_url, database="no_such_book"), "due")
    assert "no database 'no_such_book'" in err
    assert make_url(pg_url).password not in err
    assert "not 'mysql'" in crm.error("--db-url", "mysql://u:pw@localhost/x", "due")
    err = crm.error("--db-url", "postgresql://u:secret@host:notaport/db", "due")
    assert "secret" not in err


def test_password_from_a_file_or_a_pgpass_file(crm, pg_url, tmp_path, monkeypatch):
    u = make_url(pg_url)
    bare = make_url(pg_url)._replace(password=None).render_as_string(hide_password=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))  # not the developer's own ~/.pgpass
    assert "wrong or missing password" in crm.error("--db-url", bare, "customer", "list")
    secret = tmp_path / "db-password"
    secret.write_text(u.password + "\n")
    monkeypatch.setenv("CRM_DATABASE_PASSWORD_FILE", str(secret))
    crm("--db-url", bare, "customer", "add", "Via Password File")
    monkeypatch.delenv("CRM_DATABASE_PASSWORD_FILE")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{u.host}:{u.port}:{u.database}:{u.username}:{u.password}\n")
    pgpass.chmod(0o600)
    url = make_url(bare).update_query_dict({"passfile": str(pgpass)}).render_as_string(hide_password=False)
    assert [c["name"] for c in crm.json("--db-url", url, "customer", "list", "--all")] == ["Via Password File"]
    monkeypatch.setenv("CRM_DATABASE_PASSWORD_FILE", str(tmp_path / "missing"))
    assert "Cannot read the password file" in crm.error("--db-url", bare, "customer", "list")


SCENARIO = [
    ("customer", "add", "Acme Trading", "--tier", "gold", "--since", "2025-01-10", "--tag", "VIP"),
    ("customer", "add", "华东物流有限公司", "--tier", "silver", "--stage", "client", "--since", "2024-06-01"),
    ("customer", "add", "ÉCLAIR Café", "--city", "Lyon", "--since", "2025-03-01"),
    ("contact", "add", "华东物流有限公司", "王芳", "--role", "决策者", "--birthday", "12-01"),
    ("log", "acme trading", "--at", "2026-11-01", "--note", "Quote 50% off?", "--score", "8"),
    ("log", "华东物流", "--with", "王芳", "--via", "微信", "--at", "2026-11-20", "--next", "2026-12-02"),
    ("purchase", "add", "Acme Trading", "--amount", "¥120,000.50", "--at", "2026-10-01"),
    ("purchase", "add", "Acme Trading", "--amount", "0.10", "--at", "2026-10-02"),
]
READS = [
    ("customer", "list", "--search", "ACME"),
    ("customer", "list", "--search", "éclair"),
    ("customer", "list", "--tag", "vip"),
    ("customer", "list", "--city", "LYON"),
    ("customer", "show", "华东物流有限公司"),
    ("history",),
    ("due", "--on", "2027-03-01", "--ahead", "7"),
    ("purchase", "list"),
]
STAMPS = {"created_at", "updated_at", "owner"}


def _without_stamps(value):
    if isinstance(value, dict):
        return {k: _without_stamps(v) for k, v in value.items() if k not in STAMPS}
    if isinstance(value, list):
        return [_without_stamps(v) for v in value]
    return value


def test_dates_amounts_names_and_chinese_read_the_same_on_both_engines(crm, pg_url, tmp_path):
    lite = tmp_path / "same.db"
    for engine in (("--db", str(lite)), ("--db-url", pg_url)):
        for command in SCENARIO:
            crm(*engine, *command)
    for read in READS:
        on_file = _without_stamps(crm.json("--db", str(lite), *read))
        on_server = _without_stamps(crm.json("--db-url", pg_url, *read))
        assert on_file == on_server, read
        assert on_file, read  # each read finds something: the comparison is not empty = empty


def test_a_book_made_by_the_first_migration_upgrades_on_the_server(crm, pg_url):
    from crmcli.store import migrate
    from crmcli.store.server import open_server

    db = open_server(pg_url)
    migrate.upgrade(db, None, "0001")
    db.run("INSERT INTO customer (name, name_key, since, created_at, updated_at, last_contact) "
           "VALUES ('Old Co', 'old co', '2020-01-01', 'x', 'x', '2024-05-01')")
    db.run("INSERT INTO interaction (customer_id, date, channel, note, created_at) "
           "VALUES (1, '2024-05-01', 'call', 'hello', 'x')")
    db.close()
    page = crm.json("--db-url", pg_url, "customer", "show", "Old Co")  # opening upgrades to head
    assert page["history"][0]["note"] == "hello" and page["last_contact"] == "2024-05-01"
    db = open_server(pg_url)
    try:
        assert migrate.stored_revision(db) == migrate.HEAD
        assert "owner_change" in db.table_names()
    finally:
        db.close()


def test_reps_opening_a_new_team_database_at_once_all_succeed(pg_url):
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_database(url=pg_url).close()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_many_reps_writing_at_once_lose_nothing(crm, pg_url, monkeypatch):
    """Reps logging contacts on one customer and changing its stage together: every write lands."""
    from crmcli.core.vocabulary import TIER_CADENCE_DAYS
    from crmcli.store import customers, log

    monkeypatch.setenv("CRM_DATABASE_URL", pg_url)
    crm("customer", "add", "Shared Account", "--since", "2025-01-01")
    cadences = dict(TIER_CADENCE_DAYS)
    errors: list[BaseException] = []
    writers, each = 6, 15
    stages = ["repeat", "client"]

    def rep(n: int) -> None:
        db = open_database(url=pg_url)
        try:
            for i in range(each):
                log.log(db, 1, None, {"date": f"2026-11-{1 + i:02d}", "channel": "call", "purpose": None,
                                      "note": f"rep {n} call {i}", "feedback": None, "score": None,
                                      "next_on": None, "next_note": None}, cadences)
                customers.set_stage(db, 1, stages[(n + i) % 2], f"2026-11-{1 + i:02d}", f"rep {n}", cadences)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            db.close()

    threads = [threading.Thread(target=rep, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_database(url=pg_url)
    try:
        assert db.value("SELECT count(*) FROM interaction") == writers * each
        assert db.value("SELECT count(*) FROM stage_change WHERE note LIKE 'rep %'") == writers * each
        assert db.value("SELECT last_contact FROM customer") == f"2026-11-{each:02d}"
    finally:
        db.close()


def test_two_reps_logging_on_one_customer_at_once_keep_the_latest_date(crm, pg_url, monkeypatch):
    """Rep B's contact (Nov 20) is written but not yet committed when rep A logs an older one
    (Nov 10): A's refresh waits for B and then reads B's contact, so Nov 20 stays the last."""
    import time

    from crmcli.core.vocabulary import TIER_CADENCE_DAYS
    from crmcli.store import due, log

    monkeypatch.setenv("CRM_DATABASE_URL", pg_url)
    crm("customer", "add", "Shared Account", "--since", "2025-01-01")
    cadences = dict(TIER_CADENCE_DAYS)

    def contact(day: str) -> dict:
        return {"date": day, "channel": "call", "purpose": None, "note": day, "feedback": None,
                "score": None, "next_on": None, "next_note": None}

    rep_a, rep_b = open_database(url=pg_url), open_database(url=pg_url)
    errors: list[BaseException] = []

    def a_logs() -> None:
        try:
            log.log(rep_a, 1, None, contact("2026-11-10"), cadences)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    try:
        with rep_b.transaction():
            log.insert(rep_b, 1, None, contact("2026-11-20"))
            due.refresh_customers(rep_b, [1], cadences)
            a = threading.Thread(target=a_logs)
            a.start()
            time.sleep(1)  # A is now waiting on B's customer row
        a.join()
        assert errors == []
        assert rep_a.value("SELECT last_contact FROM customer WHERE id = 1") == "2026-11-20"
    finally:
        rep_a.close()
        rep_b.close()


def test_copying_a_server_book_onto_itself_is_refused(crm, pg_url):
    crm("--db-url", pg_url, "customer", "add", "Acme")
    assert "this very book" in crm.error("--db-url", pg_url, "db", "copy", "--to", pg_url)
    assert crm.json("--db-url", pg_url, "db", "info")["rows"]["customer"] == 1
