"""`crm due`: each agenda rule, fixed to a day with --on."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = {"customer_id", "customer", "tier", "stage", "due_on", "days_overdue", "reasons", "contact",
        "channel", "best_time", "last_contact", "rank"}


def agenda(crm, *args):
    return crm.json("due", *args)


def names(rows):
    return [r["customer"] for r in rows]


def test_cadence_by_tier(crm):
    crm("customer", "add", "Gold Co", "--tier", "gold", "--since", "2026-01-01")
    crm("log", "Gold Co", "--at", "2026-11-01", "--via", "call")
    assert agenda(crm, "--on", "2026-11-14") == []
    [row] = agenda(crm, "--on", "2026-11-15")
    assert row["due_on"] == "2026-11-15" and row["days_overdue"] == 0
    assert row["reasons"] == ["due today (gold, every 14d)"]
    [row] = agenda(crm, "--on", "2026-11-21")
    assert row["days_overdue"] == 6 and row["reasons"] == ["overdue 6 days (gold, every 14d)"]


@pytest.mark.parametrize(("tier", "days"), [("silver", 30), ("iron", 90), ("lead", 180)])
def test_default_cadences(crm, tier, days):
    crm("customer", "add", "Co", "--tier", tier, "--since", "2020-01-01")
    crm("log", "Co", "--at", "2025-01-01")
    from datetime import date, timedelta

    due = date(2025, 1, 1) + timedelta(days=days)
    assert agenda(crm, "--on", (due - timedelta(days=1)).isoformat()) == []
    assert agenda(crm, "--on", due.isoformat())[0]["due_on"] == due.isoformat()


def test_per_customer_cadence_and_config_override(crm):
    crm("customer", "add", "A", "--tier", "gold", "--since", "2026-01-01")
    crm("customer", "add", "B", "--tier", "gold", "--since", "2026-01-01", "--every", "5d")
    crm("log", "A", "--at", "2026-11-10")
    crm("log", "B", "--at", "2026-11-10")
    assert names(agenda(crm, "--on", "2026-11-16")) == ["B"]
    crm("config", "set", "cadence.gold", "6d")
    assert sorted(names(agenda(crm, "--on", "2026-11-16"))) == ["A", "B"]
    assert crm("config", "get", "cadence.gold").stdout.strip() == "6d"
    crm.error("config", "set", "cadence.gold", "0d")
    crm.error("config", "set", "cadence.platinum", "3d")


def test_nobody_goes_a_year_without_contact(crm):
    crm("customer", "add", "Slow", "--tier", "lead", "--every", "3y", "--since", "2020-01-01")
    crm("log", "Slow", "--at", "2025-01-01")
    assert agenda(crm, "--on", "2025-12-31") == []
    assert names(agenda(crm, "--on", "2026-01-01")) == ["Slow"]


def test_never_contacted_is_due_at_once_but_not_when_lost(crm):
    crm("customer", "add", "New Co")
    crm("customer", "add", "Gone Co", "--stage", "lost")
    [row] = agenda(crm)
    assert row["customer"] == "New Co" and "never contacted" in row["reasons"][0]


def test_follow_up_due_overdue_and_answered(crm):
    crm("customer", "add", "Acme", "--tier", "iron", "--since", "2026-01-01")
    crm("contact", "add", "Acme", "Li Wei", "--prefers", "email")
    crm("log", "Acme", "--at", "2026-11-01", "--next", "2026-11-20", "--next-note", "send the quote")
    assert agenda(crm, "--on", "2026-11-19") == []
    [row] = agenda(crm, "--on", "2026-11-20")
    assert row["reasons"] == ["follow-up: send the quote"]
    [row] = agenda(crm, "--on", "2026-11-23")
    assert row["reasons"] == ["follow-up: send the quote (overdue 3 days)"] and row["days_overdue"] == 3
    crm("log", "Acme", "--at", "2026-11-24")  # a contact on or after its date answers it
    assert agenda(crm, "--on", "2026-11-25") == []


def test_follow_up_done_and_follow_up_add(crm):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("log", "Acme", "--at", "2026-11-01")
    crm("follow-up", "add", "Acme", "2026-11-22", "call about the trial")
    [row] = agenda(crm, "--on", "2026-11-25")
    assert "follow-up: call about the trial (overdue 3 days)" in row["reasons"]
    [f] = crm.json("follow-up", "list")
    crm("follow-up", "done", str(f["id"]))
    assert agenda(crm, "--on", "2026-11-25") == []


def test_stakeholder_cadence_names_the_person(crm):
    crm("customer", "add", "Acme", "--tier", "iron", "--since", "2026-01-01")
    crm("contact", "add", "Acme", "Boss", "--role", "decision-maker")
    crm("contact", "add", "Acme", "Wang", "--every", "2w", "--prefers", "im", "--best-time", "evenings")
    crm("log", "Acme", "--with", "Boss", "--at", "2026-11-20")
    crm("log", "Acme", "--with", "Wang", "--at", "2026-11-01")
    [row] = agenda(crm, "--on", "2026-11-16")
    assert row["contact"] == "Wang" and row["channel"] == "WeChat/IM" and row["best_time"] == "evenings"
    assert row["reasons"] == ["Wang not contacted for 15 days (every 14d)"]


def test_birthday_within_a_week(crm):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("contact", "add", "Acme", "Li Wei", "--birthday", "1980-11-27", "--prefers", "call")
    crm("log", "Acme", "--at", "2026-11-10")
    [row] = agenda(crm, "--on", "2026-11-25")
    assert row["reasons"] == ["birthday of Li Wei in 2 days (care)"] and row["contact"] == "Li Wei"
    assert agenda(crm, "--on", "2026-11-19") == []  # 8 days before
    crm("log", "Acme", "--at", "2026-11-25", "--about", "care")
    assert agenda(crm, "--on", "2026-11-25") == []


def test_yearless_birthday(crm):
    crm("customer", "add", "Acme", "--since", "2026-01-01")
    crm("contact", "add", "Acme", "Li Wei", "--birthday", "--11-30")
    crm("log", "Acme", "--at", "2026-11-10")
    assert agenda(crm, "--on", "2026-11-25")[0]["reasons"] == ["birthday of Li Wei in 5 days (care)"]


def test_lost_customers_keep_only_their_follow_ups(crm):
    crm("customer", "add", "Gone", "--tier", "gold", "--since", "2025-01-01")
    crm("log", "Gone", "--at", "2025-06-01")
    crm("stage", "Gone", "lost", "--at", "2025-07-01")
    assert agenda(crm) == []
    crm("follow-up", "add", "Gone", "2026-11-25", "win-back call")
    assert agenda(crm)[0]["reasons"] == ["follow-up: win-back call"]


def test_snooze_hides_until_the_date(crm):
    crm("customer", "add", "Acme")
    crm("snooze", "Acme", "2026-11-28")
    assert agenda(crm, "--on", "2026-11-27") == []
    assert names(agenda(crm, "--on", "2026-11-28")) == ["Acme"]


def test_logging_today_takes_the_customer_off_unless_a_later_follow_up_waits(crm):
    crm("customer", "add", "A")
    crm("customer", "add", "B")
    assert sorted(names(agenda(crm))) == ["A", "B"]
    crm("log", "A")
    crm("log", "B", "--next", "2026-11-27", "--next-note", "demo")
    assert agenda(crm) == []
    assert names(agenda(crm, "--on", "2026-11-27")) == ["B"]


def test_ahead_and_tier_filters(crm):
    crm("customer", "add", "G", "--tier", "gold", "--since", "2026-01-01")
    crm("customer", "add", "S", "--tier", "silver", "--since", "2026-01-01")
    crm("log", "G", "--at", "2026-11-13")  # due 11-27
    crm("log", "S", "--at", "2026-10-27")  # due 11-26
    assert agenda(crm) == []
    rows = agenda(crm, "--ahead", "2")
    assert sorted(names(rows)) == ["G", "S"]
    assert {r["customer"]: r["days_overdue"] for r in rows} == {"G": -2, "S": -1}
    assert names(agenda(crm, "--ahead", "2", "--tier", "金")) == ["G"]


def test_ranking_is_deterministic_and_documented(crm):
    # same lateness: tier decides; a due follow-up lifts a customer; more overdue (relative) ranks higher
    for name, tier in (("Iron", "iron"), ("Gold", "gold"), ("Silver", "silver"), ("Lead", "lead")):
        crm("customer", "add", name, "--tier", tier, "--since", "2026-01-01")
        crm("log", name, "--at", "2026-01-02")
    rows = agenda(crm)
    assert names(rows) == ["Gold", "Silver", "Iron", "Lead"]
    assert rows == sorted(rows, key=lambda r: -r["rank"])
    before = {r["customer"]: r["rank"] for r in rows}
    crm("follow-up", "add", "Lead", "2026-11-25", "price list")
    after = {r["customer"]: r["rank"] for r in agenda(crm)}
    from crmcli.core.agenda import FOLLOW_UP_WEIGHT, TIER_WEIGHT

    assert after["Lead"] == pytest.approx(before["Lead"] + FOLLOW_UP_WEIGHT)
    assert after["Lead"] == pytest.approx(TIER_WEIGHT["lead"] + FOLLOW_UP_WEIGHT + 147 / 180, abs=1e-3)
    # gold, prospect, overdue far beyond a whole cadence: urgency is capped at 3
    assert after["Gold"] == pytest.approx(TIER_WEIGHT["gold"] + 3.0)


def test_capacity_limits_the_list_and_a_footer_counts_the_rest(crm):
    for i in range(20):
        crm("customer", "add", f"C{i:02d}")
    assert len(agenda(crm)) == 15
    crm("config", "set", "agenda.capacity", "5")
    assert len(agenda(crm)) == 5
    assert len(agenda(crm, "--limit", "7")) == 7
    assert len(agenda(crm, "--limit", "0")) == 20
    out = crm("due").stdout
    assert "15 more due" in out


def test_json_shape_and_human_table(crm, book):
    book()
    crm("follow-up", "add", "Acme", "2026-11-25", "send the quote", "--with", "Li Wei")
    rows = agenda(crm)
    assert rows and all(set(r) >= KEYS for r in rows)
    acme = next(r for r in rows if r["customer"] == "Acme Trading")
    assert acme["contact"] == "Li Wei" and acme["channel"] == "WeChat/IM" and acme["best_time"] == "evenings"
    assert acme["last_contact"] == "2026-11-01" and isinstance(acme["days_overdue"], int)
    assert acme["reasons"] == ["overdue 10 days (gold, every 14d)", "follow-up: send the quote"]
    text = crm("due").stdout
    for expected in ("Acme Trading", "send the quote", "Li Wei", "WeChat/IM, evenings", "2026-11-01"):
        assert expected in text


def test_with_whom_defaults_to_the_decision_maker_not_reached_longest(crm):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("contact", "add", "Acme", "Exec", "--role", "executor")
    crm("contact", "add", "Acme", "DM1", "--role", "decision-maker")
    crm("contact", "add", "Acme", "DM2", "--role", "decision-maker")
    crm("log", "Acme", "--with", "DM1", "--at", "2025-05-01")
    crm("log", "Acme", "--with", "DM2", "--at", "2025-03-01")
    assert agenda(crm)[0]["contact"] == "DM2"


def test_empty_agenda_says_so(crm):
    assert agenda(crm) == []
    assert "Nobody is due" in crm("due").stdout


@pytest.mark.parametrize("args", [["--on", "someday"], ["--on", "2026-02-30"], ["--ahead", "x"],
                                  ["--ahead", "-1"], ["--limit", "-3"], ["--limit", "many"], ["--tier", "bronze"]])
def test_bad_options_are_clear_errors(crm, args):
    crm("customer", "add", "A")
    crm.error("due", *args)


def test_a_missed_birthday_keeps_its_reason_until_a_contact(crm):
    crm("customer", "add", "Acme", "--since", "2026-01-01", "--tier", "lead")
    crm("contact", "add", "Acme", "Li Wei", "--birthday", "1980-11-20")
    crm("log", "Acme", "--at", "2026-11-01")
    [row] = agenda(crm, "--on", "2026-11-25")
    assert row["reasons"] == ["birthday of Li Wei was 5 days ago, no contact since (care)"]
    assert row["due_on"] == "2026-11-13"
    crm("log", "Acme", "--at", "2026-11-25")
    assert agenda(crm, "--on", "2026-11-25") == []


def test_every_customer_counted_due_is_listed_with_a_reason(crm, tmp_path):
    # the stored next-due rule and the agenda's explanations agree, on a whole sample book
    book = tmp_path / "demo.db"
    crm("demo", str(book))
    for day in ("2026-11-25", "2026-12-20", "2027-03-01"):
        rows = crm.json("--db", str(book), "due", "--limit", "0", "--on", day)
        due = crm.json("--db", str(book), "customer", "list")
        expected = [c for c in due if c["next_due"] and c["next_due"] <= day
                    and not (c["snoozed_until"] and c["snoozed_until"] > day)]
        assert len(rows) == len(expected) and all(r["reasons"] for r in rows)


@pytest.mark.sqlite_only
def test_ranking_the_due_customers_reads_the_agenda_index_only(crm, book_db):
    """The agenda's cost must not grow with the book: the rank is computed from the covering
    index, and the customer rows are read only for the rows shown."""
    import sqlite3
    from datetime import date

    from crmcli.core.vocabulary import TIER_CADENCE_DAYS
    from crmcli.store.agenda import due_rows

    for n in range(30):
        crm("customer", "add", f"Co {n}", "--tier", "gold", "--since", "2026-01-01")
    crm("follow-up", "add", "Co 3", "2026-11-20", "send the quote")
    statements: list[str] = []
    conn: sqlite3.Connection = book_db._conn
    conn.set_trace_callback(statements.append)
    rows, total = due_rows(book_db, date(2026, 11, 25), 0, dict(TIER_CADENCE_DAYS), limit=5)
    conn.set_trace_callback(None)
    assert total == 30 and len(rows) == 5 and rows[0]["name"] == "Co 3"
    plans = [" ".join(r[3] + " " for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
             for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    floor, ranked, fetched, counted = plans
    for plan in (floor, ranked, counted):
        assert "COVERING INDEX ix_customer_agenda" in plan and "follow_up" not in plan
        assert "SCAN c " not in plan + " "
    assert "USING INTEGER PRIMARY KEY" in fetched  # the 5 rows shown, by id


def test_the_rank_inputs_stored_on_the_customer_follow_every_write(crm, book_db):
    """follow_up_on and agenda_weight are derived like next_due: every write keeps them right."""

    def stored():
        return book_db.row("SELECT follow_up_on, agenda_weight FROM customer WHERE name = 'Acme'")

    crm("customer", "add", "Acme", "--tier", "silver", "--since", "2026-01-01")
    assert stored() == {"follow_up_on": None, "agenda_weight": 2.0}  # silver, prospect
    crm("follow-up", "add", "Acme", "2026-12-10", "demo")
    crm("log", "Acme", "--at", "2026-11-20", "--via", "call", "--next", "2026-12-01", "--next-note", "quote")
    assert stored()["follow_up_on"] == "2026-12-01"
    [first] = [f for f in crm.json("follow-up", "list", "--all") if f["due_on"] == "2026-12-01"]
    crm("follow-up", "done", str(first["id"]))
    assert stored()["follow_up_on"] == "2026-12-10"
    crm("stage", "Acme", "client")
    crm("customer", "edit", "Acme", "--tier", "gold")
    assert stored() == {"follow_up_on": "2026-12-10", "agenda_weight": 4.0}  # gold 3 + client 1
    assert crm.json("db", "check")["ok"] is True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    customers=st.lists(
        st.tuples(
            st.sampled_from(["gold", "silver", "iron", "lead"]),
            st.sampled_from(["prospect", "client", "repeat", "lost"]),
            st.integers(-400, 10),  # next due, in days from the agenda day
            st.one_of(st.none(), st.integers(-30, 10)),  # earliest open follow-up
            st.one_of(st.none(), st.integers(1, 400)),  # own cadence
        ),
        max_size=60,
    ),
    limit=st.integers(1, 8),
    ahead=st.sampled_from([0, 7]),
)
def test_the_rank_floor_never_changes_the_agenda(book_db, monkeypatch, customers, limit, ahead):
    """Ranking only the rows that can still make the list gives the same rows, order and total
    as ranking every due row, whatever the book holds."""
    from datetime import date, timedelta

    from crmcli.core.agenda import agenda_weight
    from crmcli.core.vocabulary import TIER_CADENCE_DAYS
    from crmcli.store import agenda as store_agenda

    monkeypatch.setattr(store_agenda, "PROBE_ROWS", 5)  # a poor floor: the filter must still hold
    day = date(2026, 11, 25)
    iso = lambda n: (day + timedelta(days=n)).isoformat()  # noqa: E731
    with book_db.transaction():
        book_db.run("DELETE FROM customer")
        book_db.run_many(
            "INSERT INTO customer (name, name_key, tier, stage, since, every_days, next_due, follow_up_on, "
            "agenda_weight, created_at, updated_at) VALUES (:n, :n, :t, :s, '2020-01-01', :e, :d, :f, :w, "
            "'2020-01-01T00:00:00', '2020-01-01T00:00:00')",
            [{"n": f"c{i}", "t": t, "s": s, "e": e, "d": iso(d), "f": None if f is None else iso(f),
              "w": agenda_weight(t, s)} for i, (t, s, d, f, e) in enumerate(customers)],
        )
    cadences = dict(TIER_CADENCE_DAYS)
    every, total_all = store_agenda.due_rows(book_db, day, ahead, cadences, limit=None)
    kept, total = store_agenda.due_rows(book_db, day, ahead, cadences, limit=limit)
    assert [r["id"] for r in kept] == [r["id"] for r in every[:limit]]
    assert [r["rank"] for r in kept] == [r["rank"] for r in every[:limit]]
    assert total == total_all == len(every)
