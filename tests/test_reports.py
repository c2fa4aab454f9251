"""`crm report …`: each report on a small hand-built book whose right answers are worked out here.

Today is 2026-11-25 (a Wednesday) in every test (conftest).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crmcli.core import reports
from crmcli.core.vocabulary import TIERS
from crmcli.store import purchase_totals
from crmcli.store.db import Database


def purchase(db: Database, customer_id: int, day: str, amount: float) -> None:
    """A purchase written straight into the book (`crm purchase add` also moves the stage),
    with the customer's stored purchase totals kept as every writer keeps them."""
    with db.transaction():
        db.insert("INSERT INTO purchase (customer_id, date, amount_cents, created_at) "
                  "VALUES (:c, :d, :a, '2026-11-25T00:00:00')",
                  {"c": customer_id, "d": day, "a": round(amount * 100)})
        purchase_totals.refresh(db, [customer_id])


# -- pure rules --------------------------------------------------------------------------

def test_quintiles_give_the_top_fifth_5_and_ties_the_same_score():
    assert reports.quintile_scores([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
    assert reports.quintile_scores([5, 4, 3, 2, 1], higher_is_better=False) == [1, 2, 3, 4, 5]
    assert reports.quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert reports.quintile_scores([1, 1, 1, 2, 3]) == [1, 1, 1, 4, 5]
    assert reports.quintile_scores([7, 7]) == [1, 1]


@given(st.lists(st.integers(0, 50), min_size=1, max_size=60))
def test_quintile_scores_are_1_to_5_and_follow_the_values(values):
    scores = reports.quintile_scores(values)
    assert all(1 <= s <= 5 for s in scores)
    for (a, sa) in zip(values, scores):
        for (b, sb) in zip(values, scores):
            if a < b:
                assert sa <= sb
            if a == b:
                assert sa == sb
    assert reports.quintile_scores(values, higher_is_better=False) == reports.quintile_scores([-v for v in values])


def _by_definition(values, higher_is_better=True):
    """The RFM quintile as defined: 1 + ⌊5 × (values strictly worse) / n⌋, counted one by one."""
    n = len(values)
    worse = [sum(1 for w in values if (w < v if higher_is_better else w > v)) for v in values]
    return [1 + 5 * k // n for k in worse]


@given(st.lists(st.integers(-20, 20), max_size=80), st.booleans())
def test_quintile_scores_are_the_definition(values, higher_is_better):
    # The report scores 70,000 customers from four cut values, not by counting per customer.
    assert reports.quintile_scores(values, higher_is_better=higher_is_better) == \
        _by_definition(values, higher_is_better)


@given(st.lists(st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 11, 25)).map(date.isoformat),
                min_size=1, max_size=40))
def test_quintile_scores_of_dates_are_the_definition(days):
    assert reports.quintile_scores(days) == _by_definition(days)


@pytest.mark.parametrize("r, f, m, segment", [
    (5, 5, 5, "champions"), (4, 4, 4, "champions"), (4, 1, 5, "loyal"), (3, 3, 3, "loyal"),
    (5, 1, 1, "promising"), (2, 5, 5, "at risk"), (1, 3, 3, "at risk"), (2, 2, 2, "hibernating"),
    (1, 2, 3, "lost"), (1, 1, 1, "lost"),
])
def test_rfm_segments(r, f, m, segment):
    assert reports.rfm_segment(r, f, m) == segment


def test_the_sql_names_every_score_s_segment_as_the_rule_does(book_db):
    """The value JSON's segments are found in SQL by halving runs of scores (store.reports.
    segment_sql): each of the 125 scores gets the segment core.reports.rfm_segment gives it."""
    from crmcli.store.reports import segment_sql

    sql = f"SELECT {segment_sql('CAST(:code AS INTEGER)')}"
    found = {(r, f, m): book_db.value(sql, {"code": r * 100 + f * 10 + m})
             for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert found == {score: reports.rfm_segment(*score) for score in found}


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 5)), max_size=30))
def test_median_of_counts_is_the_median_of_the_values(pairs):
    import statistics

    values = [v for v, n in pairs for _ in range(n)]
    assert reports.median_of_counts(pairs) == (statistics.median(values) if values else None)


def test_top_share_and_winback_bands():
    assert reports.top_share([1000, 600, 300, 100, 20]) == 1000 / 2020
    assert reports.top_share([]) is None
    cuts = reports.value_cuts([1000, 600, 300, 100, 20, 0])
    assert cuts == (1000, 300)
    assert reports.winback_band(1000, "iron", cuts) == "high"
    assert reports.winback_band(0, "gold", cuts) == "high"
    assert reports.winback_band(100, "iron", cuts) == "small"
    assert reports.winback_band(100, "silver", cuts) == "ordinary"
    assert reports.winback_band(300, "lead", cuts) == "ordinary"


# -- coverage --------------------------------------------------------------------------------

@pytest.fixture
def accounts(crm, book_db):
    """Company accounts and how well each is covered.

    Big Solo   gold, value 500   one stakeholder (a decision-maker at partner)  → one stakeholder
    Solo Co    gold, value 100   Zhang Min (executor) only                     → one stakeholder, no DM
    Shallow Co silver            Li Wei (DM, engaged), Chen Jie (influencer)    → DM below partner
    Solid Co   iron              DM at partner + an executor                    → covered
    Empty Co   lead              nobody                                         → no stakeholders
    Wang Fang  a person, nobody                                                 → not flagged (a person)
    Gone Co    gold, lost, nobody                                               → not listed (lost)
    Rising Co  silver            DM engaged from 2026-01-01, partner from 2026-11-01, + executor
    """
    crm("customer", "add", "Big Solo", "--tier", "gold", "--since", "2020-01-01")
    crm("customer", "add", "Solo Co", "--tier", "gold", "--since", "2020-01-01")
    crm("customer", "add", "Shallow Co", "--tier", "silver", "--since", "2020-01-01")
    crm("customer", "add", "Solid Co", "--tier", "iron", "--since", "2020-01-01")
    crm("customer", "add", "Empty Co", "--tier", "lead", "--since", "2020-01-01")
    crm("customer", "add", "Wang Fang", "--person", "--since", "2020-01-01")
    crm("customer", "add", "Gone Co", "--tier", "gold", "--stage", "lost", "--since", "2020-01-01")
    crm("customer", "add", "Rising Co", "--tier", "silver", "--since", "2020-01-01")
    crm("contact", "add", "Big Solo", "Boss", "--role", "decision-maker", "--level", "partner")
    crm("contact", "add", "Solo Co", "Zhang Min", "--role", "executor")
    crm("contact", "add", "Shallow Co", "Li Wei", "--role", "decision-maker", "--level", "engaged")
    crm("contact", "add", "Shallow Co", "Chen Jie", "--role", "influencer")
    crm("contact", "add", "Solid Co", "Xu Lan", "--role", "decision-maker", "--level", "partner")
    crm("contact", "add", "Solid Co", "Ma Tao", "--role", "executor")
    crm("contact", "add", "Rising Co", "Zhou Yi", "--role", "decision-maker")
    crm("contact", "add", "Rising Co", "He Bo", "--role", "executor")
    crm("level", "Zhou Yi", "engaged", "--at", "2026-01-01")
    crm("level", "Zhou Yi", "partner", "--at", "2026-11-01")
    purchase(book_db, 1, "2025-03-01", 500)
    purchase(book_db, 2, "2025-03-01", 100)


def test_coverage_lists_single_threaded_accounts_by_tier_then_value(crm, accounts):
    rows = crm.json("report", "coverage")
    assert [r["customer"] for r in rows] == ["Big Solo", "Solo Co", "Shallow Co", "Empty Co"]
    by_name = {r["customer"]: r for r in rows}
    assert by_name["Big Solo"]["problems"] == ["one stakeholder"]
    assert by_name["Big Solo"]["advice"] == "only Boss (decision-maker) — widen"
    assert by_name["Solo Co"] == {
        "customer_id": 2, "customer": "Solo Co", "tier": "gold", "stakeholders": 1,
        "problems": ["one stakeholder", "no decision-maker"],
        "advice": "only Zhang Min (executor) — widen; no decision-maker known — find who signs off",
        "value": 100.0,
    }
    assert by_name["Shallow Co"]["problems"] == ["decision-maker below partner"]
    assert by_name["Shallow Co"]["advice"] == "deepen Li Wei (decision-maker, engaged) to partner"
    assert by_name["Empty Co"]["stakeholders"] == 0
    assert "no stakeholders" in by_name["Empty Co"]["problems"]


def test_coverage_terminal_shows_the_same_ranking_and_the_total(crm, accounts):
    out = crm("report", "coverage", "--limit", "2").stdout
    assert "Single-threaded accounts on 2026-11-25 (4)" in out
    assert out.index("Big Solo") < out.index("Solo Co")
    assert "Shallow Co" not in out and "2 more" in out
    full = crm("report", "coverage").stdout
    assert all(name in full for name in ("Big Solo", "Solo Co", "Shallow Co", "Empty Co"))
    assert "Solid Co" not in full and "Wang Fang" not in full and "Gone Co" not in full


def test_coverage_as_of_an_earlier_day_reads_the_level_history(crm, accounts):
    rows = crm.json("report", "coverage", "--on", "2026-06-01")
    rising = next(r for r in rows if r["customer"] == "Rising Co")
    assert rising["problems"] == ["decision-maker below partner"]
    assert rising["advice"] == "deepen Zhou Yi (decision-maker, engaged) to partner"
    # Solid Co's decision-maker came onto the book at partner (`contact add --level`, dated
    # today): that level holds on every earlier day too, as the stakeholder is counted then.
    assert [r["customer"] for r in rows] == ["Big Solo", "Solo Co", "Rising Co", "Shallow Co", "Empty Co"]
    terminal = crm("report", "coverage", "--on", "2026-06-01").stdout
    assert "Rising Co" in terminal and "(5)" in terminal


def test_coverage_before_any_dated_level_a_level_set_later_does_not_hold(crm, accounts):
    # Zhou Yi came onto the book with no level; engaged from 2026-01-01, partner from 2026-11-01.
    crm("customer", "add", "Late Co", "--tier", "iron", "--since", "2020-01-01")
    crm("contact", "add", "Late Co", "Qin Shu", "--role", "decision-maker")
    crm("contact", "add", "Late Co", "Lu Ke", "--role", "executor")
    crm("level", "Qin Shu", "partner", "--at", "2026-01-01")
    before = {r["customer"]: r for r in crm.json("report", "coverage", "--on", "2025-06-01")}
    assert before["Rising Co"]["advice"] == "deepen Zhou Yi (decision-maker, no level) to partner"
    assert before["Late Co"]["problems"] == ["decision-maker below partner"]
    assert "Solid Co" not in before
    after = [r["customer"] for r in crm.json("report", "coverage", "--on", "2026-06-01")]
    assert "Late Co" not in after and "Rising Co" in after
    assert "Late Co" not in [r["customer"] for r in crm.json("report", "coverage")]


def test_coverage_as_of_an_earlier_day_lists_an_account_lost_only_since(crm, accounts):
    # Empty Co was an account to cover until it was lost on 2026-10-01; Gone Co was lost all along.
    crm("stage", "Empty Co", "lost", "--at", "2026-10-01")
    assert "Empty Co" not in [r["customer"] for r in crm.json("report", "coverage")]
    before = [r["customer"] for r in crm.json("report", "coverage", "--on", "2026-06-01")]
    assert "Empty Co" in before and "Gone Co" not in before
    assert "Empty Co" in crm("report", "coverage", "--on", "2026-06-01").stdout


# -- ladder ----------------------------------------------------------------------------------

@pytest.fixture
def ladder_book(crm):
    """Stage histories (days worked out by hand):

    L1  prospect 2026-01-01 → first-time 2026-03-02 (60 d) → repeat 2026-06-30 (120 d), repeat since (148 d)
    L2  prospect 2026-02-01 → first-time 2026-02-21 (20 d), first-time since (277 d)
    L3  client 2025-06-01 → lost 2026-05-01 (334 d), lost since (208 d)
    L4  prospect 2026-10-26, since then (30 d)
    """
    crm("customer", "add", "L1", "--since", "2026-01-01")
    crm("stage", "L1", "first-time", "--at", "2026-03-02")
    crm("stage", "L1", "repeat", "--at", "2026-06-30")
    crm("customer", "add", "L2", "--since", "2026-02-01")
    crm("stage", "L2", "first-time", "--at", "2026-02-21")
    crm("customer", "add", "L3", "--stage", "client", "--since", "2025-06-01")
    crm("stage", "L3", "lost", "--at", "2026-05-01")
    crm("customer", "add", "L4", "--since", "2026-10-26")


def test_ladder_counts_medians_and_moves(crm, ladder_book):
    data = crm.json("report", "ladder", "--since", "2026-03-01")
    stages = {s["stage"]: s for s in data["stages"]}
    assert [s["stage"] for s in data["stages"]] == [
        "suspect", "prospect", "first-time", "repeat", "client", "advocate", "lost"]
    assert {k: v["customers"] for k, v in stages.items()} == {
        "suspect": 0, "prospect": 1, "first-time": 1, "repeat": 1, "client": 0, "advocate": 0, "lost": 1}
    # Stays that ended after 2026-03-01: L1 prospect 60 days, L1 first-time 120, L3 client 334.
    assert {k: v["median_days"] for k, v in stages.items()} == {
        "suspect": None, "prospect": 60, "first-time": 120, "repeat": None, "client": 334,
        "advocate": None, "lost": None}
    assert (data["up"], data["down"]) == (2, 1)  # L1 twice up; L3 down to lost
    # The default period is the year to --on: L2's move on 2026-02-21 (20 days) counts too.
    data = crm.json("report", "ladder")
    assert (data["up"], data["down"]) == (3, 1)
    assert {s["stage"]: s["median_days"] for s in data["stages"]}["prospect"] == 40  # 20 and 60


def test_ladder_as_of_an_earlier_day(crm, ladder_book):
    data = crm.json("report", "ladder", "--on", "2026-04-01", "--since", "2026-01-01")
    stages = {s["stage"]: s for s in data["stages"]}
    # On 2026-04-01: L1 and L2 first-time, L3 client; L4 not on the book yet.
    assert stages["first-time"]["customers"] == 2 and stages["client"]["customers"] == 1
    assert stages["prospect"]["customers"] == 0
    assert stages["prospect"]["median_days"] == 40  # L2 20, L1 60
    assert stages["client"]["median_days"] is None  # L3 left it only on 2026-05-01
    assert (data["up"], data["down"]) == (2, 0)


def test_ladder_chart_and_empty_book(crm, ladder_book):
    out = crm("report", "ladder").stdout
    assert "Loyalty ladder on 2026-11-25 (4 customers)" in out
    assert "3 up the ladder, 1 down" in out
    assert out.index("advocate") < out.index("suspect")  # the top of the ladder on top


def test_reports_on_an_empty_book_say_so(crm):
    assert "No customers on the book" in crm("report", "ladder").stdout
    assert "no churn to measure" in crm("report", "churn").stdout
    assert "No purchases recorded" in crm("report", "value").stdout
    assert "No lost customers" in crm("report", "winback").stdout
    assert "No single-threaded accounts" in crm("report", "coverage").stdout
    assert crm.json("report", "churn")["churn_rate"] is None
    assert crm.json("report", "value") == {"customers": 0, "revenue": 0.0, "top20_share": None, "rfm": []}
    assert crm.json("report", "winback") == [] and crm.json("report", "coverage") == []
    assert crm.json("report", "activity")["longest_silent"] == []


# -- churn -----------------------------------------------------------------------------------

@pytest.fixture
def churn_book(crm):
    """Period 2026-01-01 to 2026-11-25.

    C1 gold   since 2020, lost 2026-03-01        at start, lost
    C2 gold   since 2020                          at start
    C3 silver since 2021, lost 2025-12-01        lost before the start: not at start
    C4 silver since 2021, lost 2026-11-25        at start, lost (the last day is inside)
    C5 iron   since 2026-02-01, lost 2026-06-01  joined during the period: not at start
    C6 iron   since 2019, lost 2026-01-01        lost on the first day: not at start
    C7 iron   since 2019                          at start
    C8 iron   since 2019, lost 2026-04-01, back as client 2026-05-01   at start, lost
    """
    for name, tier, since in (("C1", "gold", "2020-01-01"), ("C2", "gold", "2020-01-01"),
                              ("C3", "silver", "2021-01-01"), ("C4", "silver", "2021-01-01"),
                              ("C5", "iron", "2026-02-01"), ("C6", "iron", "2019-01-01"),
                              ("C7", "iron", "2019-01-01"), ("C8", "iron", "2019-01-01")):
        crm("customer", "add", name, "--tier", tier, "--stage", "client", "--since", since)
    for name, day in (("C1", "2026-03-01"), ("C3", "2025-12-01"), ("C4", "2026-11-25"),
                      ("C5", "2026-06-01"), ("C6", "2026-01-01"), ("C8", "2026-04-01")):
        crm("stage", name, "lost", "--at", day)
    crm("stage", "C8", "client", "--at", "2026-05-01")


def test_churn_overall_and_by_tier(crm, churn_book):
    data = crm.json("report", "churn", "--since", "2026-01-01")
    assert data == {
        "since": "2026-01-01", "until": "2026-11-25", "at_start": 5, "lost": 3,
        "churn_rate": 0.6, "retention_rate": 0.4,
        "by_tier": {"gold": {"at_start": 2, "lost": 1, "churn_rate": 0.5},
                    "silver": {"at_start": 1, "lost": 1, "churn_rate": 1.0},
                    "iron": {"at_start": 2, "lost": 1, "churn_rate": 0.5}},
    }


DAYS = [date(2025, 12, 1) + timedelta(days=d) for d in (0, 20, 31, 40, 60, 90)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(list(TIERS.keys)), st.sampled_from(DAYS),
                          st.lists(st.tuples(st.sampled_from(["prospect", "client", "lost"]), st.sampled_from(DAYS)),
                                   max_size=4)), max_size=10),
       st.sampled_from(DAYS[:4]), st.sampled_from(DAYS[1:]))
@example(customers=[("iron", DAYS[0], [("lost", DAYS[1]), ("client", DAYS[1])]),  # won back the same day
                    ("gold", DAYS[0], [("client", DAYS[1]), ("lost", DAYS[1])])],  # lost the same day
         since=DAYS[2], until=DAYS[5])
def test_churn_is_the_definition_on_any_small_book(crm, book_db, customers, since, until):
    """At the start: on the book by `since` and not standing at lost that day (the latest stage
    change by then, the later-written first among one day's); lost: of those, any change to lost
    after `since` up to `until`. Counted here customer by customer, per tier."""
    from crmcli.store import reports as store

    with book_db.transaction():
        book_db.run("DELETE FROM stage_change")
        book_db.run("DELETE FROM customer")
        for cid, (tier, joined, changes) in enumerate(customers, 1):
            book_db.run("INSERT INTO customer (id, name, name_key, tier, since, created_at, updated_at) "
                        "VALUES (:id, :n, :n, :t, :s, 'x', 'x')",
                        {"id": cid, "n": f"c{cid}", "t": tier, "s": joined.isoformat()})
            for stage, at in changes:
                book_db.run("INSERT INTO stage_change (customer_id, stage, at, created_at) VALUES (:c, :s, :a, 'x')",
                            {"c": cid, "s": stage, "a": at.isoformat()})
    expected: dict[str, list[int]] = {}
    for tier, joined, changes in customers:
        latest = max(((at, i) for i, (_, at) in enumerate(changes) if at <= since), default=None)
        if joined > since or (latest and changes[latest[1]][0] == "lost"):
            continue
        counts = expected.setdefault(tier, [0, 0])
        counts[0] += 1
        counts[1] += any(stage == "lost" and since < at <= until for stage, at in changes)
    found = {r["tier"]: [int(r["at_start"]), int(r["lost"])] for r in store.churn(book_db, since, until)}
    assert found == expected


def test_churn_until_an_earlier_day(crm, churn_book):
    data = crm.json("report", "churn", "--since", "2026-01-01", "--on", "2026-03-31")
    assert (data["at_start"], data["lost"], data["churn_rate"]) == (5, 1, 0.2)  # only C1 by then
    out = crm("report", "churn", "--since", "2026-01-01").stdout
    assert "5 customers at the start, 3 lost — churn 60.0%, retention 40.0%" in out


def test_churn_period_must_run_forward(crm, churn_book):
    assert "must be before --on" in crm.error("report", "churn", "--since", "2026-12-01", "--on", "2026-11-01")


# -- value and win-back ---------------------------------------------------------------------------

@pytest.fixture
def buyers(crm, book_db):
    """Purchases (on 2026-11-25):

    V1 iron    100 on 11-20, 200 on 10-01, 300 on 06-01 → 600, 3 purchases, 5 days ago
    V2 iron   1000 on 2026-11-01                          → 1000, 1, 24 days ago
    V3 iron     50 on 2025-01-01, 50 on 2025-06-01        → 100, 2, 542 days ago
    V4 silver   20 on 2024-11-25                          → 20, 1, 730 days ago
    V5 iron     75 on 2026-01-01, 02-01, 03-01, 09-01     → 300, 4, 85 days ago
    W  gold   no purchases
    """
    for name, tier in (("V1", "iron"), ("V2", "iron"), ("V3", "iron"), ("V4", "silver"),
                       ("V5", "iron"), ("W", "gold")):
        crm("customer", "add", name, "--tier", tier, "--since", "2024-01-01")
    for cid, day, amount in ((1, "2026-11-20", 100), (1, "2026-10-01", 200), (1, "2026-06-01", 300),
                             (2, "2026-11-01", 1000), (3, "2025-01-01", 50), (3, "2025-06-01", 50),
                             (4, "2024-11-25", 20), (5, "2026-01-01", 75), (5, "2026-02-01", 75),
                             (5, "2026-03-01", 75), (5, "2026-09-01", 75)):
        purchase(book_db, cid, day, amount)


def test_value_revenue_top20_share_and_rfm(crm, buyers):
    data = crm.json("report", "value")
    assert data["customers"] == 5 and data["revenue"] == 2020.0
    assert data["top20_share"] == 1000 / 2020  # V2 alone is the top 20% of five
    # recency ranks V1 5 > V2 24 > V5 85 > V3 542 > V4 730; frequency V5 4 > V1 3 > V3 2 > V2 = V4 1;
    # monetary V2 > V1 > V5 > V3 > V4.
    assert data["rfm"] == [
        {"customer_id": 2, "customer": "V2", "recency": 24, "frequency": 1, "monetary": 1000.0,
         "r": 4, "f": 1, "m": 5, "segment": "loyal"},
        {"customer_id": 1, "customer": "V1", "recency": 5, "frequency": 3, "monetary": 600.0,
         "r": 5, "f": 4, "m": 4, "segment": "champions"},
        {"customer_id": 5, "customer": "V5", "recency": 85, "frequency": 4, "monetary": 300.0,
         "r": 3, "f": 5, "m": 3, "segment": "loyal"},
        {"customer_id": 3, "customer": "V3", "recency": 542, "frequency": 2, "monetary": 100.0,
         "r": 2, "f": 3, "m": 2, "segment": "hibernating"},
        {"customer_id": 4, "customer": "V4", "recency": 730, "frequency": 1, "monetary": 20.0,
         "r": 1, "f": 1, "m": 1, "segment": "lost"},
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 6), st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 25)),
                          st.integers(1, 40)), min_size=1, max_size=25))
# equal revenue: 3 bought twice, 4 latest, then 2 before 1 (the newer customer first)
@example([(1, date(2026, 1, 1), 4), (2, date(2026, 1, 1), 4), (3, date(2026, 1, 1), 2), (3, date(2026, 1, 2), 2),
          (4, date(2026, 2, 1), 4)])
def test_value_rfm_follows_the_definitions_on_any_small_book(crm, buyers, book_db, bought):
    """RFM as the store and core compute it on a book = the definitions, customer by customer."""
    with book_db.transaction():
        book_db.run("DELETE FROM purchase")
        purchase_totals.refresh(book_db)
    for cid, day, amount in bought:
        purchase(book_db, cid, day.isoformat(), amount * 25)
    per: dict[int, list] = {}
    for cid, day, amount in bought:
        cents, count, last = per.get(cid, (0, 0, date.min))
        per[cid] = (cents + amount * 2500, count + 1, max(last, day))
    ids = sorted(per)
    recency = [(date(2026, 11, 25) - per[i][2]).days for i in ids]
    r = _by_definition(recency, higher_is_better=False)
    f = _by_definition([per[i][1] for i in ids])
    m = _by_definition([per[i][0] for i in ids])
    expected = sorted(({"customer_id": i, "customer": f"V{i}" if i < 6 else "W", "recency": recency[k],
                        "frequency": per[i][1], "monetary": per[i][0] / 100, "r": r[k], "f": f[k], "m": m[k],
                        "segment": reports.rfm_segment(r[k], f[k], m[k])} for k, i in enumerate(ids)),
                      # highest revenue; then most purchases, latest purchase, newest customer
                      key=lambda row: (-row["monetary"], -row["frequency"], row["recency"], -row["customer_id"]))
    data = crm.json("report", "value")
    assert data["rfm"] == expected
    assert (data["customers"], data["revenue"]) == (len(ids), sum(per[i][0] for i in ids) / 100)
    by_revenue = sorted((per[i][0] for i in ids), reverse=True)
    assert data["top20_share"] == sum(by_revenue[:max(1, len(ids) // 5)]) / sum(by_revenue)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 6), st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 25)),
                          st.sampled_from([1, 2, 5, 40])), min_size=1, max_size=25))
def test_value_terminal_totals_from_counts_are_those_of_the_rfm_rows(crm, buyers, book_db, bought):
    """The terminal's totals come from counted values and a grid of scores in SQL
    (store.reports.buyer_counts, rfm_grid): the same as scoring every buyer (value_report),
    ties included."""
    from crmcli.store import reports as store

    with book_db.transaction():
        book_db.run("DELETE FROM purchase")
        purchase_totals.refresh(book_db)
    for cid, day, amount in bought:
        purchase(book_db, cid, day.isoformat(), amount * 25)
    today = date(2026, 11, 25)
    counted = store.buyer_counts(book_db, today)
    summary = reports.value_summary(counted[0], store.rfm_grid(book_db, today, reports.value_cuts_of(*counted)))
    assert summary == reports.value_report(store.buyers(book_db, today, names=False), listed=False)
    # the JSON's totals and cuts, read at a few places of the buyers' indexes: the same again
    customers, cents, top_cents, cuts = store.buyer_cuts(book_db, today)
    assert cuts == reports.value_cuts_of(*counted)
    assert reports.value_totals(customers, cents, top_cents) == {k: v for k, v in summary[0].items() if k != "rfm"}


def test_value_as_of_and_since(crm, buyers):
    data = crm.json("report", "value", "--on", "2026-06-30")
    # By then: V1 300, V3 100, V4 20, V5 225 (three purchases); V2 had not bought yet.
    assert (data["customers"], data["revenue"], data["top20_share"]) == (4, 645.0, 300 / 645)
    data = crm.json("report", "value", "--since", "2026-01-01")
    assert (data["customers"], data["revenue"]) == (3, 1900.0)  # V1, V2, V5 bought this year


def test_value_terminal_chart(crm, buyers):
    out = crm("report", "value").stdout
    assert "5 buying customers, revenue 2,020.00; the top 20% bring 49.5% of it." in out
    assert "Pareto" in out and "top 20%" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in
             ("champions", "loyal", "hibernating", "lost")}
    assert "1,300.00" in lines["loyal"] and "600.00" in lines["champions"]


def test_winback_ranks_lost_customers_by_value_with_bands(crm, buyers):
    for name, day in (("V3", "2026-01-10"), ("V2", "2026-11-22"), ("W", "2026-02-01"), ("V4", "2025-12-01")):
        crm("stage", name, "lost", "--at", day)
    rows = crm.json("report", "winback")
    # Cut points over the five buyers: top 20% from 1000, median 300.
    assert [(r["customer"], r["lifetime_value"], r["lost_on"], r["band"]) for r in rows] == [
        ("V2", 1000.0, "2026-11-22", "high"),  # the top 20%
        ("V3", 100.0, "2026-01-10", "small"),  # iron, below the median
        ("V4", 20.0, "2025-12-01", "ordinary"),  # silver: not a small customer
        ("W", 0.0, "2026-02-01", "high"),  # gold
    ]
    assert rows[0]["treatment"].startswith("Fight for it")
    assert rows[1]["treatment"].startswith("Let it go")
    assert rows[2]["treatment"].startswith("Be opportunistic")
    assert [r["customer"] for r in crm.json("report", "winback", "--on", "2026-06-01")] == ["V3", "V4", "W"]
    out = crm("report", "winback").stdout
    assert "Lost customers on 2026-11-25 (4)" in out and "high (2): Fight for it" in out


# -- activity ------------------------------------------------------------------------------------

@pytest.fixture
def contacts(crm):
    """Three weeks to Wednesday 2026-11-25: weeks of 11-09, 11-16 and 11-23.

    11-08 (Sun) call care     — the week before: not counted
    11-09 (Mon) call sell, 11-15 (Sun) visit sell
    11-23 email inform, 11-25 im (no purpose)
    Never contacted: Quiet (on the book since 2020-01-01, 2520 days), Lost One (lost: left out).
    """
    crm("customer", "add", "Busy", "--since", "2026-01-01")
    crm("customer", "add", "Quiet", "--since", "2020-01-01")
    crm("customer", "add", "Lost One", "--stage", "lost", "--since", "2019-01-01")
    crm("customer", "add", "Once", "--since", "2024-01-01")
    crm("log", "Once", "--via", "call", "--at", "2024-11-25")
    for day, via, about in (("2026-11-08", "call", "care"), ("2026-11-09", "call", "sell"),
                            ("2026-11-15", "visit", "sell"), ("2026-11-23", "email", "inform")):
        crm("log", "Busy", "--via", via, "--about", about, "--at", day)
    crm("log", "Busy", "--via", "im")


def test_activity_per_week_by_channel_and_purpose(crm, contacts):
    data = crm.json("report", "activity", "--weeks", "3")
    assert data["weeks"] == [
        {"week_start": "2026-11-09", "contacts": 2, "by_channel": {"call": 1, "visit": 1},
         "by_purpose": {"sell": 2}},
        {"week_start": "2026-11-16", "contacts": 0, "by_channel": {}, "by_purpose": {}},
        {"week_start": "2026-11-23", "contacts": 2, "by_channel": {"email": 1, "im": 1},
         "by_purpose": {"inform": 1, "unspecified": 1}},
    ]
    assert data["longest_silent"] == [
        {"customer_id": 2, "customer": "Quiet", "last_contact": None, "days": 2520},
        {"customer_id": 4, "customer": "Once", "last_contact": "2024-11-25", "days": 730},
        {"customer_id": 1, "customer": "Busy", "last_contact": "2026-11-25", "days": 0},
    ]


def test_activity_as_of_an_earlier_day(crm, contacts):
    data = crm.json("report", "activity", "--weeks", "1", "--on", "2026-11-15", "--limit", "2")
    assert data["weeks"] == [{"week_start": "2026-11-09", "contacts": 2, "by_channel": {"call": 1, "visit": 1},
                              "by_purpose": {"sell": 2}}]
    assert [(r["customer"], r["last_contact"], r["days"]) for r in data["longest_silent"]] == [
        ("Quiet", None, 2510), ("Once", "2024-11-25", 720)]


def test_activity_on_an_earlier_day_keeps_a_customer_lost_only_since(crm, contacts):
    """Delta, on the book since 2021 and never contacted, was lost on 2026-03-01: silent the
    longest on 2026-02-01 (1857 days), left out today."""
    crm("customer", "add", "Delta", "--since", "2021-01-01")
    crm("stage", "Delta", "lost", "--at", "2026-03-01")
    then = crm.json("report", "activity", "--on", "2026-02-01", "--limit", "1")["longest_silent"]
    assert [(r["customer"], r["last_contact"], r["days"]) for r in then] == [("Quiet", None, 2223)]
    then = crm.json("report", "activity", "--on", "2026-02-01", "--limit", "2")["longest_silent"]
    assert [(r["customer"], r["days"]) for r in then] == [("Quiet", 2223), ("Delta", 1857)]
    now = crm.json("report", "activity")["longest_silent"]
    assert "Delta" not in [r["customer"] for r in now]


def test_activity_chart(crm, contacts):
    out = crm("report", "activity", "--weeks", "3").stdout
    assert "Contacts per week, 3 weeks to 2026-11-25 (4 in all)" in out
    assert "By channel" in out and "Longest without a contact" in out and "never" in out


@pytest.mark.parametrize("args, words", [
    (("report", "activity", "--weeks", "0"), "--weeks must be between 1 and 520"),
    (("report", "ladder", "--on", "someday"), "Cannot read 'someday' as a date"),
    (("report", "coverage", "--limit", "-1"), "--limit must be 0"),
])
def test_bad_report_options(crm, args, words):
    code = 2 if "--limit" in args else 1
    assert words in crm.error(*args, code=code)


# -- a rep's book (team mode, issue 7) -------------------------------------------------------

def solo(crm) -> bool:
    return crm.json("db", "info")["engine"] == "sqlite"


@pytest.fixture
def two_reps(crm):
    """alice owns Acme Trading (gold, bought 1,000) and Alpha Foods (silver, lost on 2026-10-01);
    bob owns Bravo Steel (gold, bought 500) and Beta Glass (iron, bought 50, lost on 2026-09-01).
    alice is at the keyboard. On SQLite the owners are set as on a book copied from a team."""
    for name, tier, rep in (("Acme Trading", "gold", "alice"), ("Alpha Foods", "silver", "alice"),
                            ("Bravo Steel", "gold", "bob"), ("Beta Glass", "iron", "bob")):
        crm("customer", "add", name, "--tier", tier, "--since", "2025-01-01")
        crm("customer", "assign", name, rep)
    crm("purchase", "add", "Acme Trading", "--at", "2026-03-01", "--amount", "1000")
    crm("purchase", "add", "Bravo Steel", "--at", "2026-05-01", "--amount", "500")
    crm("purchase", "add", "Beta Glass", "--at", "2026-06-01", "--amount", "50")
    crm("stage", "Alpha Foods", "lost", "--at", "2026-10-01")
    crm("stage", "Beta Glass", "lost", "--at", "2026-09-01")
    crm("log", "Acme Trading", "--via", "call", "--at", "2026-11-20")
    crm("log", "Bravo Steel", "--via", "email", "--at", "2026-11-18")
    crm("log", "Bravo Steel", "--via", "email", "--at", "2026-11-19")
    crm("config", "set", "user.name", "alice")


ALICE = {"coverage": ["Acme Trading"], "value": (1, 1000.0), "winback": ["Alpha Foods"],
         "churn": (2, 1), "ladder": (2, 1, 1), "activity": 1, "silent": ["Acme Trading"], "gold": 1}
BOB = {"coverage": ["Bravo Steel"], "value": (2, 550.0), "winback": ["Beta Glass"],
       "churn": (2, 1), "ladder": (2, 2, 1), "activity": 2, "silent": ["Bravo Steel"], "gold": 1}
EVERYONE = {"coverage": ["Acme Trading", "Bravo Steel"], "value": (3, 1550.0),
            "winback": ["Beta Glass", "Alpha Foods"], "churn": (4, 2), "ladder": (4, 3, 2), "activity": 3,
            "silent": ["Bravo Steel", "Acme Trading"], "gold": 2}


def reports_seen(crm, *view: str) -> dict:
    """What each report (and a segment) shows of the two reps' book with the given --owner/--all."""
    value = crm.json("report", "value", *view)
    churn = crm.json("report", "churn", "--since", "2026-01-01", *view)
    ladder = crm.json("report", "ladder", "--since", "2025-06-01", *view)
    activity = crm.json("report", "activity", "--weeks", "2", *view)
    return {
        "coverage": [r["customer"] for r in crm.json("report", "coverage", *view)],
        "value": (value["customers"], value["revenue"]),
        "winback": [r["customer"] for r in crm.json("report", "winback", *view)],
        "churn": (churn["at_start"], churn["lost"]),
        "ladder": (sum(s["customers"] for s in ladder["stages"]), ladder["up"], ladder["down"]),
        "activity": sum(w["contacts"] for w in activity["weeks"]),
        "silent": [r["customer"] for r in activity["longest_silent"]],
        "gold": crm.json("segment", "--where", "tier=gold", *view)["total"],
    }


def test_reports_show_the_reps_own_book_unless_widened(crm, two_reps):
    assert reports_seen(crm) == (EVERYONE if solo(crm) else ALICE)  # solo: one rep, the whole book
    assert reports_seen(crm, "--owner", "bob") == BOB
    assert reports_seen(crm, "--owner", "alice") == ALICE
    assert reports_seen(crm, "--all") == EVERYONE
    assert reports_seen(crm, "--owner", "nobody")["value"] == (0, 0.0)


def test_segment_list_and_terminal_reports_follow_the_rep(crm, two_reps):
    names = [r["customer"] for r in crm.json("segment", "--where", "tier=gold", "--list", "all", "--owner", "bob")]
    assert names == ["Bravo Steel"]
    assert len(crm.json("segment", "--where", "tier=gold", "--list", "all", "--all")) == 2
    out = crm("report", "coverage", "--owner", "bob").stdout
    assert "Bravo Steel" in out and "Acme Trading" not in out and "(1)" in out
    out = crm("report", "winback", "--owner", "bob").stdout
    assert "Beta Glass" in out and "Alpha Foods" not in out
    assert "3 buying customers" in crm("report", "value", "--all").stdout
    assert "2 buying customers" in crm("report", "value", "--owner", "bob").stdout


def test_winback_bands_cut_the_reps_own_book(crm, two_reps):
    # Beta Glass (iron) has bought 650 in all. bob's book: lifetime values {650, 500}, the top
    # 20% is its one best customer, Beta Glass → high. The whole book: {1000, 650, 500}, the top
    # 20% is Acme Trading (1000), and 650 is not below the median 650 → ordinary.
    crm("purchase", "add", "Beta Glass", "--at", "2026-07-01", "--amount", "600")
    assert [r["band"] for r in crm.json("report", "winback", "--owner", "bob")] == ["high"]
    assert [(r["customer"], r["band"]) for r in crm.json("report", "winback", "--all")] == [
        ("Beta Glass", "ordinary"), ("Alpha Foods", "ordinary")]


@pytest.mark.parametrize("command", [
    ("report", "coverage"), ("report", "ladder"), ("report", "churn"), ("report", "value"),
    ("report", "winback"), ("report", "activity"), ("segment", "--where", "tier=gold"),
])
def test_owner_and_all_are_exclusive_on_reports(crm, command):
    crm(*command, "--owner", "bob", "--all", code=2)
    assert "rep's name" in crm.error(*command, "--owner", " ", code=2)


# -- JSON of a big report ----------------------------------------------------------------------

def test_large_piped_json_is_compact_and_small_json_indented(capsys, monkeypatch):
    import json

    from crmcli import render

    monkeypatch.setattr(render, "is_terminal", lambda: False)
    small = [{"customer": "Acme", "value": 1.5}]
    render.emit_json(small)
    out = capsys.readouterr().out
    assert out.startswith('[\n  {\n    "customer": "Acme",') and json.loads(out) == small
    big = [{"customer_id": i, "customer": f"客户 {i}", "value": i / 100} for i in range(5000)]
    render.emit_json(big)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and json.loads(out) == big
    monkeypatch.setattr(render, "is_terminal", lambda: True)  # a person reading: indented
    render.emit_json(big)
    out = capsys.readouterr().out
    assert out.count("\n") > 5000 and json.loads(out) == big


def test_big_report_json_is_the_same_json_written_faster(capsys, monkeypatch):
    # Reports listing thousands of customers encode with orjson: the very text render.emit_json
    # writes to a pipe (compact); small lists and terminals go through render.emit_json itself.
    from crmcli import render
    from crmcli.cli import report

    monkeypatch.setattr(render, "is_terminal", lambda: False)
    big = [{"customer_id": i, "customer": f"客户 \"{i}\"\n", "problems": ["one stakeholder"],
            "value": i / 100, "lost_on": None} for i in range(3000)]
    for data, rows in ((big, len(big)), ({"customers": 3000, "rfm": big}, 3000), (big[:5], 5)):
        render.emit_json(data)
        expected = capsys.readouterr().out
        report._emit_json(data, rows)
        assert capsys.readouterr().out == expected


@pytest.mark.parametrize("args", [("report", "ladder"), ("report", "value"), ("report", "winback"),
                                  ("report", "activity"), ("report", "coverage"),
                                  ("segment", "--by", "tier", "--by", "stage")])
def test_report_charts_are_drawn_without_rich(tmp_path, crm, book, args):
    """Charts are text grids (cli/charts.py): rich's import and layout cost ~0.1 s a report."""
    from tests.test_startup import run_fresh

    book()
    crm("stage", "Acme Trading", "lost")
    _, modules = run_fresh(tmp_path, *args)
    assert "rich" not in modules


@pytest.mark.parametrize("n", [0, 1, 2, 3])
@pytest.mark.parametrize("dms", [0, 1, 2])
@pytest.mark.parametrize("dm", [(None, -1), ("Zhang Min", -1), ("Zhang Min", 0), ("Zhang Min", 1),
                                ("Zhang Min", 2), ("Zhang Min", 3)])
@pytest.mark.parametrize("only", [("Li Wei", "executor"), ("Li Wei", None)])
def test_coverage_report_rows_say_what_the_coverage_rule_says(n, dms, dm, only):
    """coverage_report writes the rule out for speed: the same problems and advice as
    core.reports.coverage for every combination the store can hand over."""
    from crmcli.core.reports import coverage, coverage_report
    from crmcli.core.vocabulary import LEVEL_ORDER

    dm_name, dm_rank = dm
    row = (7, "Acme", "gold", n, dms, *(only if n == 1 else (None, None)), dm_name, dm_rank, 12345)
    best = None if dm_name is None else (dm_name, LEVEL_ORDER[dm_rank] if dm_rank >= 0 else None)
    problems, advice = coverage(n, dms, only if n == 1 else None, best)
    expected = [{"customer_id": 7, "customer": "Acme", "tier": "gold", "stakeholders": n,
                 "problems": problems, "advice": advice, "value": 123.45}] if problems else []
    assert coverage_report([row]) == expected


def test_coverage_before_any_dated_level_an_imported_level_holds(crm, tmp_path):
    crm("customer", "add", "Import Co", "--tier", "iron", "--since", "2020-01-01")
    crm("customer", "add", "Other Co", "--tier", "iron", "--since", "2020-01-01")
    people = tmp_path / "people.csv"
    people.write_text("Company,Name,Role,Level\nImport Co,Fu Yan,decision-maker,partner\n"
                      "Import Co,Gao Lin,executor,\nOther Co,Hu Jun,decision-maker,engaged\n"
                      "Other Co,Jin Lu,executor,\n", encoding="utf-8")
    crm("import", "contacts", str(people))
    before = [r["customer"] for r in crm.json("report", "coverage", "--on", "2025-06-01")]
    assert before == ["Other Co"]


@pytest.mark.parametrize("args", [("report", "winback"), ("report", "coverage"), ("report", "coverage", "--json"),
                                  ("customer", "list"), ("purchase", "list"), ("export", "customers")])
def test_a_negative_limit_is_refused_before_anything_is_read_even_on_an_empty_book(crm, args):
    message = crm.error(*args, "--limit", "-2", code=2)
    assert "--limit must be 0 (no limit) or a positive number, not -2." in message
