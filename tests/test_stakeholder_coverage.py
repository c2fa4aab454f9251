"""Each customer keeps who it rests on (stakeholder_count, decision_makers, decision_maker_id,
decision_maker_level, sole_stakeholder_id: migration 0008; the names the advice quotes,
decision_maker_name, sole_stakeholder_name and sole_stakeholder_role: 0009), kept by triggers
whichever command writes stakeholders, verified by `crm db check`; the coverage report reads
them, and on SQLite writes its JSON in SQL. Expected values here are computed in Python from
the stakeholder rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import reports
from crmcli.core.vocabulary import LEVEL_ORDER, TIERS

COLUMNS = "stakeholder_count, decision_makers, decision_maker_id, decision_maker_level, sole_stakeholder_id"
NAMES = "decision_maker_name, sole_stakeholder_name, sole_stakeholder_role"
TODAY = date(2026, 11, 25)


def expected_columns(people: list[dict]) -> tuple:
    """The eight columns of one customer (COLUMNS, then NAMES), from its stakeholders, by
    their definition."""
    dms = [p for p in people if p["role"] == "decision-maker"]
    rank = {k: i for i, k in enumerate(LEVEL_ORDER)}
    closest = max(dms, key=lambda p: (rank.get(p["level"], -1), p["name"], p["id"]), default=None)
    sole = people[0] if len(people) == 1 else None
    return (len(people), len(dms), closest and closest["id"], closest and closest["level"], sole and sole["id"],
            closest and closest["name"], sole and sole["name"], sole and sole["role"])


def stored_and_expected(db) -> tuple[dict, dict]:
    people: dict[int, list[dict]] = {}
    for p in db.rows("SELECT id, customer_id, name, role, level FROM stakeholder"):
        people.setdefault(p["customer_id"], []).append(p)
    stored = {r["id"]: (int(r["stakeholder_count"]), int(r["decision_makers"]), r["decision_maker_id"],
                        r["decision_maker_level"], r["sole_stakeholder_id"], r["decision_maker_name"],
                        r["sole_stakeholder_name"], r["sole_stakeholder_role"])
              for r in db.rows(f"SELECT id, {COLUMNS}, {NAMES} FROM customer")}
    return stored, {cid: expected_columns(people.get(cid, [])) for cid in stored}


def assert_kept(db) -> None:
    stored, expected = stored_and_expected(db)
    assert stored == expected


def of(db, name: str) -> tuple:
    """The five columns of 0008 of one customer."""
    return all_of(db, name)[:5]


def names_of(db, name: str) -> tuple:
    """The three names of 0009 of one customer: closest decision-maker, sole stakeholder, its role."""
    return all_of(db, name)[5:]


def all_of(db, name: str) -> tuple:
    stored, _ = stored_and_expected(db)
    return stored[db.value("SELECT id FROM customer WHERE name = :n", {"n": name})]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_contact_commands_keep_the_columns(crm, book_db):
    crm("customer", "add", "Acme")
    assert of(book_db, "Acme") == (0, 0, None, None, None)
    crm("contact", "add", "Acme", "Li Wei", "--role", "executor")
    assert of(book_db, "Acme") == (1, 0, None, None, 1)
    assert names_of(book_db, "Acme") == (None, "Li Wei", "executor")
    crm("contact", "add", "Acme", "Zhang Min", "--role", "decision-maker", "--level", "engaged")
    assert of(book_db, "Acme") == (2, 1, 2, "engaged", None)
    assert names_of(book_db, "Acme") == ("Zhang Min", None, None)
    crm("contact", "add", "Acme", "Chen Jie", "--role", "dm", "--level", "acquainted")
    assert of(book_db, "Acme") == (3, 2, 2, "engaged", None)
    crm("level", "Chen Jie", "partner")
    assert of(book_db, "Acme") == (3, 2, 3, "partner", None)
    crm("contact", "edit", "Chen Jie", "--role", "influencer")
    assert of(book_db, "Acme") == (3, 1, 2, "engaged", None)
    crm("contact", "edit", "Li Wei", "--role", "决策者", "--level", "engaged")  # ties: the later name
    assert of(book_db, "Acme") == (3, 2, 2, "engaged", None)
    crm("contact", "edit", "Li Wei", "--name", "Zhu Li")
    assert of(book_db, "Acme") == (3, 2, 1, "engaged", None)
    assert names_of(book_db, "Acme") == ("Zhu Li", None, None)  # a rename reaches the advice
    crm("contact", "rm", "Zhang Min", "--yes")
    crm("contact", "rm", "Chen Jie", "--yes")
    assert of(book_db, "Acme") == (1, 1, 1, "engaged", 1)
    assert names_of(book_db, "Acme") == ("Zhu Li", "Zhu Li", "decision-maker")
    crm("contact", "edit", "Zhu Li", "--role", "influencer")
    assert all_of(book_db, "Acme") == (1, 0, None, None, 1, None, "Zhu Li", "influencer")
    assert crm.json("report", "coverage")[0]["advice"].startswith("only Zhu Li (influencer)")
    assert_kept(book_db)


def test_merges_imports_and_undo_keep_the_columns(crm, book_db, tmp_path):
    crm("customer", "add", "Acme Trading")
    crm("customer", "add", "ACME Trading Co.")
    crm("contact", "add", "1", "Li Wei", "--role", "decision-maker", "--level", "engaged")
    crm("contact", "add", "2", "Li Wei", "--role", "decision-maker", "--level", "partner", "--email", "li@acme.cn")
    crm("contact", "add", "2", "Ma Tao", "--role", "executor")
    crm("customer", "merge", "1", "2", "--yes")  # stakeholders move to 1, the two Li Weis become one
    assert_kept(book_db)
    assert of(book_db, "Acme Trading")[:2] == (2, 1)
    crm("contact", "add", "1", "Wei Li", "--role", "decision-maker", "--level", "ally")
    assert of(book_db, "Acme Trading")[:2] + of(book_db, "Acme Trading")[3:4] == (3, 2, "ally")
    crm("contact", "merge", "Li Wei", "Wei Li", "--yes")
    assert_kept(book_db)
    assert of(book_db, "Acme Trading")[:2] == (2, 1)
    crm("import", "contacts", write(tmp_path, "c.csv", "Name,Company,Role,Level\n"
                                                      "Xu Lan,Orient Foods,decision-maker,ally\n"
                                                      "He Bo,Orient Foods,executor,\n"
                                                      "Zhou Yi,Acme Trading,decision-maker,partner\n"))
    assert_kept(book_db)
    assert of(book_db, "Orient Foods")[:2] + of(book_db, "Orient Foods")[3:4] == (2, 1, "ally")
    crm("import", "undo", "1", "--yes")
    assert_kept(book_db)
    assert book_db.value("SELECT count(*) FROM customer WHERE name = 'Orient Foods'") == 0
    crm("customer", "rm", "Acme Trading", "--yes")
    assert_kept(book_db)
    assert crm("db", "check").exit_code == 0


def test_db_check_finds_and_fixes_wrong_columns(crm, book_db):
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei", "--role", "decision-maker")
    with book_db.transaction():  # an edit outside crm that bypasses the triggers' table
        book_db.run("UPDATE customer SET stakeholder_count = 5, sole_stakeholder_id = NULL WHERE id = 1")
    report = {c["check"]: c for c in json.loads(crm("db", "check", "--json", code=1).stdout)["checks"]}
    assert report["customer stakeholder counts"]["problems"] == 1
    assert report["customer sole stakeholders"]["problems"] == 1
    assert report["customer decision-maker counts"]["problems"] == 0
    assert "its stakeholders say" in report["customer stakeholder counts"]["detail"][0]
    crm("db", "check", "--fix")
    assert_kept(book_db)
    with book_db.transaction():  # a name the advice would quote, gone stale
        book_db.run("UPDATE customer SET decision_maker_name = 'Someone Else', sole_stakeholder_role = NULL")
    report = {c["check"]: c for c in json.loads(crm("db", "check", "--json", code=1).stdout)["checks"]}
    assert report["customer closest decision-makers' names"]["problems"] == 1
    assert report["customer sole stakeholders' roles"]["problems"] == 1
    assert report["customer sole stakeholders' names"]["problems"] == 0
    crm("db", "check", "--fix")
    assert names_of(book_db, "Acme") == ("Li Wei", "Li Wei", "decision-maker")


@pytest.mark.sqlite_only
def test_a_0007_book_is_backfilled_on_upgrade(crm, db_path, old_book):
    db = old_book("0007", ["Old Co", "New Co"])
    for name, role, level in (("Li Wei", "decision-maker", "engaged"), ("Ma Tao", "executor", None)):
        db.run("INSERT INTO stakeholder (customer_id, name, name_key, role, level, created_at, updated_at) "
               "VALUES (1, :n, lower(:n), :r, :l, 'x', 'x')", {"n": name, "r": role, "l": level})
    db.close()
    crm("customer", "list")  # opening upgrades to head
    conn = sqlite3.connect(db_path)
    assert conn.execute(f"SELECT {COLUMNS} FROM customer ORDER BY id").fetchall() == [
        (2, 1, 1, "engaged", None), (0, 0, None, None, None)]
    crm("contact", "add", "New Co", "Xu Lan")  # and the triggers work from then on
    assert conn.execute(f"SELECT {COLUMNS} FROM customer WHERE id = 2").fetchone() == (1, 0, None, None, 3)


@pytest.mark.sqlite_only
def test_a_0008_book_gets_the_names_and_the_rank_index_on_upgrade(crm, db_path, old_book):
    db = old_book("0008", ["Old Co", "New Co", "Third Co"])
    for cid, name, role, level in ((1, "Li Wei", "decision-maker", "engaged"), (1, "Ma Tao", "executor", None),
                                   (2, "Xu Lan", None, None)):
        db.run("INSERT INTO stakeholder (customer_id, name, name_key, role, level, created_at, updated_at) "
               "VALUES (:c, :n, lower(:n), :r, :l, 'x', 'x')", {"c": cid, "n": name, "r": role, "l": level})
    db.close()
    crm("customer", "list")  # opening upgrades to head
    conn = sqlite3.connect(db_path)
    assert conn.execute(f"SELECT {NAMES} FROM customer ORDER BY id").fetchall() == [
        ("Li Wei", None, None), (None, "Xu Lan", None), (None, None, None)]
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_customer_coverage'").fetchone() == (1,)
    assert [(a["customer"], a["advice"]) for a in crm.json("report", "coverage")] == [  # by name: iron, no value
        ("New Co", "only Xu Lan (no role) — widen; no decision-maker known — find who signs off"),
        ("Old Co", "deepen Li Wei (decision-maker, engaged) to partner"),
        ("Third Co", "nobody known there — find the decision-maker and the buyer")]
    crm("contact", "edit", "Xu Lan", "--name", "Xu Lanlan")  # and the new triggers keep them
    assert conn.execute(f"SELECT {NAMES} FROM customer WHERE id = 2").fetchone() == (None, "Xu Lanlan", None)


@pytest.mark.sqlite_only
def test_a_0009_book_gets_the_revenue_index_with_the_id_on_upgrade(crm, db_path, old_book):
    """Schema 0010: the buyers' revenue index holds the id before the name, so that the value
    report reads equal revenues in its order (the newer customer first) with no sort."""
    old_book("0009", ["Older", "Newer"]).close()
    crm("customer", "list")  # opening upgrades to head
    for name in ("Older", "Newer"):
        crm("purchase", "add", name, "--amount", "120", "--at", "2026-03-01")
    conn = sqlite3.connect(db_path)
    assert [r[2] for r in conn.execute("PRAGMA index_info(ix_customer_revenue)")] == [
        "purchase_cents", "purchase_count", "last_purchase", "id", "name"]
    assert [row["customer"] for row in crm.json("report", "value")["rfm"]] == ["Newer", "Older"]


@pytest.mark.sqlite_only
def test_a_large_write_pauses_the_triggers_and_recounts_after(crm, book_db):
    """pause/resume (a large import): the triggers are gone while paused, the touched
    customers are recounted after, and a rollback brings the triggers back untouched."""
    from crmcli.store import stakeholder_coverage

    crm("customer", "add", "Acme")
    crm("customer", "add", "Orient")
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    with pytest.raises(RuntimeError), book_db.transaction():
        stakeholder_coverage.pause(book_db)
        assert book_db.value(triggers) == 0
        raise RuntimeError("killed mid-way")
    assert book_db.value(triggers) == 3
    with book_db.transaction():
        paused = stakeholder_coverage.pause(book_db)
        for cid, name, role in ((1, "Li Wei", "decision-maker"), (1, "Ma Tao", None), (2, "Xu Lan", None)):
            book_db.run("INSERT INTO stakeholder (customer_id, name, name_key, role, created_at, updated_at) "
                        "VALUES (:c, :n, lower(:n), :r, 'x', 'x')", {"c": cid, "n": name, "r": role})
        assert of(book_db, "Acme") == (0, 0, None, None, None)  # not counted while paused
        stakeholder_coverage.resume(book_db, paused, [1, 2])
    assert_kept(book_db)
    assert book_db.value(triggers) == 3
    crm("contact", "add", "Orient", "He Bo")  # the triggers are back
    assert of(book_db, "Orient")[:2] == (2, 0)


def test_a_large_contacts_import_recounts_its_customers(crm, book_db, tmp_path):
    """From PAUSE_ROWS contacts in a chunk the import pauses the triggers and recounts the
    customers it touched at the end, and so does its undo: the same columns as row by row; a
    refused file leaves the triggers and the book as they were."""
    from crmcli.store.stakeholder_coverage import PAUSE_ROWS

    roles = ["decision-maker", "influencer", "executor", ""]
    levels = ["acquainted", "engaged", "partner", "ally", ""]
    rows = [f"P{i},Company {i % 97},{roles[i % 4]},{levels[i % 5]}" for i in range(PAUSE_ROWS + 50)]
    crm("customer", "add", "Company 5")
    crm("contact", "add", "Company 5", "Already Here", "--role", "decision-maker", "--level", "ally")
    crm("import", "contacts", write(tmp_path, "big.csv", "Name,Company,Role,Level\n" + "\n".join(rows) + "\n"))
    assert_kept(book_db)
    assert of(book_db, "Company 5")[3] == "ally"
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    if book_db.dialect == "sqlite":
        assert book_db.value(triggers) == 3
    again = [r.replace("executor", "decision-maker") for r in rows] + ["Bad,Company 1,astronaut,"]
    crm("import", "contacts", write(tmp_path, "bad.csv", "Name,Company,Role,Level\n" + "\n".join(again) + "\n"),
        "--on-conflict", "update", code=1)
    assert_kept(book_db)
    if book_db.dialect == "sqlite":
        assert book_db.value(triggers) == 3
    crm("import", "contacts", write(tmp_path, "again.csv", "Name,Company,Role,Level\n" + "\n".join(again[:-1]) + "\n"),
        "--on-conflict", "update")
    assert_kept(book_db)
    crm("contact", "add", "Company 7", "After", "--role", "dm")  # the triggers work again
    assert_kept(book_db)
    first, update = [r["id"] for r in book_db.rows("SELECT id FROM import_batch ORDER BY id")]
    crm("import", "undo", update, "--yes", "--force")
    assert_kept(book_db)
    crm("import", "undo", first, "--yes", "--force")  # every contact it made, and its customers
    assert_kept(book_db)
    if book_db.dialect == "sqlite":
        assert book_db.value(triggers) == 3
    assert of(book_db, "Company 5")[:4] == (1, 1, 1, "ally")


# -- the report from the stored columns = the rule, on any small book -------------------------

# "procurement": a role outside the vocabulary, as an old book may hold (read as itself)
ROLES = ["decision-maker", "influencer", "executor", "supervisor", "procurement", None]
LEVELS = [*LEVEL_ORDER, None]
account = st.tuples(
    st.sampled_from(list(TIERS.keys)), st.sampled_from(["company", "company", "person"]),
    st.sampled_from(["prospect", "customer", "lost"]), st.sampled_from([0, 0, 100, 250, 100000]),
    st.lists(st.tuples(st.sampled_from(["Li Wei", "Zhang Min", "O'Hara \"Jo\"", "陈杰", "Ma\nTao"]),
                       st.sampled_from(ROLES), st.sampled_from(LEVELS)), max_size=4))


def expected_report(book: list) -> list[dict]:
    """The coverage JSON by the rule (core.reports.coverage) and the ranking, account by account."""
    rank = {k: i for i, k in enumerate(LEVEL_ORDER)}
    found = []
    for cid, (tier, kind, stage, cents, people) in enumerate(book, 1):
        if kind != "company" or stage == "lost":
            continue
        dms = [(name, level) for name, role, level in people if role == "decision-maker"]
        best = max(dms, key=lambda d: (rank.get(d[1], -1), d[0]), default=None)
        only = (people[0][0], people[0][1]) if len(people) == 1 else None
        problems, advice = reports.coverage(len(people), len(dms), only, best)
        if problems:
            found.append(((TIERS.keys.index(tier), -cents, f"account {cid:03}", cid),
                          {"customer_id": cid, "customer": f"Account {cid:03}", "tier": tier,
                           "stakeholders": len(people), "problems": problems, "advice": advice,
                           "value": cents / 100}))
    return [row for _, row in sorted(found, key=lambda f: f[0])]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(account, max_size=12))
def test_coverage_report_is_the_rule_on_any_small_book(crm, book_db, book):
    from crmcli.store import coverage

    with book_db.transaction():
        book_db.run("DELETE FROM stakeholder")
        book_db.run("DELETE FROM customer")
        for cid, (tier, kind, stage, cents, people) in enumerate(book, 1):
            book_db.run("INSERT INTO customer (id, name, name_key, kind, tier, stage, since, purchase_cents, "
                        "purchase_count, created_at, updated_at) VALUES (:id, :n, lower(:n), :k, :t, :s, "
                        "'2020-01-01', :c, :pc, 'x', 'x')",
                        {"id": cid, "n": f"Account {cid:03}", "k": kind, "t": tier, "s": stage, "c": cents,
                         "pc": 1 if cents else 0})
            for name, role, level in people:
                book_db.run("INSERT INTO stakeholder (customer_id, name, name_key, role, level, created_at, "
                            "updated_at) VALUES (:c, :n, lower(:n), :r, :l, 'x', 'x')",
                            {"c": cid, "n": name, "r": role, "l": level})
    expected = expected_report(book)
    assert_kept(book_db)
    assert reports.coverage_report(coverage.coverage(book_db, TODAY, TODAY)) == expected
    text = coverage.coverage_json(book_db, TODAY, TODAY)
    if book_db.dialect == "sqlite":  # SQLite writes the JSON itself
        assert json.loads(b"".join(text)) == expected
    else:
        assert text is None
    assert crm.json("report", "coverage", "--all") == expected  # --all: every rep's, on a team book
    top, total = coverage.coverage_shown(book_db, TODAY, TODAY, 3)
    assert (reports.coverage_report(top), total) == (expected[:3], len(expected))


def test_a_copy_keeps_the_columns(crm, book_db, tmp_path):
    crm("customer", "add", "Filler")  # the copy's ids differ from the source's
    crm("contact", "add", "Filler", "Nobody", "--role", "executor")
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei", "--role", "decision-maker", "--level", "engaged")
    target = tmp_path / "copy.db"
    crm("--db", str(target), "customer", "add", "Already There")
    crm("db", "copy", "--to", str(target))
    crm("contact", "add", "Acme", "Ma Tao", "--role", "executor")  # then to one already there
    crm("db", "copy", "--to", str(target))
    conn = sqlite3.connect(target)
    dm = conn.execute("SELECT s.id FROM stakeholder s JOIN customer c ON c.id = s.customer_id "
                      "WHERE c.name = 'Acme' AND s.name = 'Li Wei'").fetchone()[0]
    assert conn.execute(f"SELECT {COLUMNS} FROM customer WHERE name = 'Acme'").fetchone() == (
        2, 1, dm, "engaged", None)
    assert conn.execute(f"SELECT {NAMES} FROM customer WHERE name = 'Acme'").fetchone() == ("Li Wei", None, None)
    assert crm("--db", str(target), "db", "check").exit_code == 0


# -- what the speed of the big-book reports rests on (schema 0008) ----------------------------

def _plan(db, sql: str, params: dict) -> str:
    return " | ".join(r["detail"] for r in db.rows("EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.sqlite_only
def test_activity_counts_in_index_order_and_value_reads_buyers_from_one_index(book_db):
    """Contacts per day, channel and purpose are counted in the order of interaction (date,
    channel, purpose, id), with no sort of the period's contacts; the value report's rows come
    from the index of buyers by revenue, with their names, without reading the customer table."""
    from crmcli.core.reports import value_cuts_of
    from crmcli.store import reports as store

    grouped = book_db.rows("SELECT sql FROM sqlite_master WHERE name = 'ix_interaction_date_channel_purpose'")
    assert "(date, channel, purpose, id)" in grouped[0]["sql"]
    captured: list = []
    book_db.rows, real = (lambda sql, params=None: captured.append((sql, params)) or []), book_db.rows
    store.contacts_by_day(book_db, date(2026, 9, 1), TODAY)
    book_db.rows = real
    plan = _plan(book_db, *captured[0])
    assert "COVERING INDEX ix_interaction_date_channel_purpose" in plan and "TEMP B-TREE" not in plan
    book_db.value, real_value = (lambda sql, params=None: captured.append((sql, params))), book_db.value
    store.rfm_json(book_db, TODAY, value_cuts_of([(100, 1)], [(1, 1)], [(3, 1)]))
    book_db.value = real_value
    plan = _plan(book_db, *captured[-1])
    assert "COVERING INDEX ix_customer_revenue" in plan and "TEMP B-TREE" not in plan, plan  # ties too (0010)


def _statements(db, run) -> list[tuple]:
    """The statements (sql, params) `run` reads with db.value and db.tuples, none executed: a
    value reads as none (no purchase dated after the day: the stored totals answer; a count of
    0), rows as none."""
    captured: list = []

    def value(sql, params=None):
        captured.append((sql, params))
        return None

    def tuples(sql, params=None):
        captured.append((sql, params))
        return []

    real = db.value, db.tuples
    db.value, db.tuples = value, tuples
    try:
        run()
    finally:
        db.value, db.tuples = real
    return captured


@pytest.mark.sqlite_only
def test_coverage_walks_its_rank_index_with_no_sort_and_no_table_read(book_db):
    """Today's coverage (the JSON, the first few, the count) is one walk of ix_customer_coverage
    (schema 0009): its partial condition, its order and its columns are the report's. A change
    of the report's order, condition or columns (or of the tiers or levels they spell out)
    that the index does not follow shows here, not as a slow report on a big book."""
    from crmcli.store import coverage

    captured = _statements(book_db, lambda: (
        coverage.coverage_json(book_db, TODAY, TODAY), coverage.coverage_shown(book_db, TODAY, TODAY, 20),
        coverage.coverage(book_db, TODAY, TODAY, limit=20), coverage.coverage_json(book_db, TODAY, TODAY, owner="amy")))
    reads = [(sql, params) for sql, params in captured if "FROM customer c" in sql]
    assert len(reads) == 4
    for sql, params in reads:
        plan = _plan(book_db, sql, params)
        assert "SCAN c USING COVERING INDEX ix_customer_coverage" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite_only
def test_value_counts_its_buyers_in_index_order(book_db):
    """The value report's quintile cuts come from its buyers counted per revenue, purchase count
    and last-purchase day: each count a walk of an index of the buyers, none a sort (the
    last-purchase one: schema 0009)."""
    from crmcli.store import reports as store

    captured = _statements(book_db, lambda: store.buyer_counts(book_db, TODAY))
    counts = [(sql, params) for sql, params in captured if "GROUP BY" in sql]
    assert len(counts) == 3
    for sql, params in counts:
        plan = _plan(book_db, sql, params)
        assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite_only
def test_value_json_reads_its_cuts_at_places_in_the_buyers_indexes(book_db):
    """The JSON's totals and quintile cuts (store.reports.buyer_cuts): each cut one value read at
    its place in an index of the buyers in that order, none sorting."""
    from crmcli.store import reports as store

    seen: list = []

    def tuples(sql, params=None):  # a big book's buyers, then any cuts: only the statements matter
        seen.append((sql, params))
        return [(70_000, 10**9)] if "count(*)" in sql else [(0, *["2026-01-01"] * 4, *range(8))]

    real, book_db.tuples = book_db.tuples, tuples
    try:
        store.buyer_cuts(book_db, TODAY)
    finally:
        book_db.tuples = real
    plan = _plan(book_db, *seen[-1])
    for index in ("ix_customer_revenue", "ix_customer_purchases", "ix_customer_last_purchase"):
        assert f"COVERING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
