"""`crm segment`: the expression parser (with property tests), the grid, a cell, saved segments, `due --segment`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core import segments as seg
from crmcli.errors import CrmError
from crmcli.store import purchase_totals
from crmcli.store.db import Database

ON = date(2026, 11, 25)


def purchase(db: Database, customer_id: int, day: str, cents: int = 100_00) -> None:
    """A purchase written straight into the book (the purchase command also moves stages),
    with the customer's stored purchase totals kept as every writer keeps them."""
    with db.transaction():
        db.insert("INSERT INTO purchase (customer_id, date, amount_cents, created_at) "
                  "VALUES (:c, :d, :a, '2026-11-25T00:00:00')", {"c": customer_id, "d": day, "a": cents})
        purchase_totals.refresh(db, [customer_id])


# -- the parser ------------------------------------------------------------------------

def test_by_years_since_purchase_bands_are_5_6_7_plus():
    dim = seg.parse_by("years-since-purchase:5,6,7")
    assert [b.label for b in dim.bands] == ["5", "6", "7+"]
    assert dim.band_of(4) is None
    assert [dim.band_of(v).label for v in (5, 6, 7, 12)] == ["5", "6", "7+", "7+"]


def test_by_score_three_bands_are_named_low_mid_high_with_their_ranges():
    dim = seg.parse_by("score:0,6,8")
    assert [(b.label, b.alias) for b in dim.bands] == [("low", "0-5"), ("mid", "6-7"), ("high", "8+")]
    assert [dim.band_of(v).label for v in (0, 5, 6, 7, 8, 10)] == ["low", "low", "mid", "mid", "high", "high"]


def test_by_fact_key_is_folded_and_bands_are_half_open():
    dim = seg.parse_by(" Fact:Mileage:0,60000,100000 ")
    assert dim.key == "mileage" and dim.text == "fact:mileage:0,60000,100000"
    assert dim.band_of(59999.9).label == "low" and dim.band_of(60000).label == "mid"
    assert dim.bands[1].alias == "60000-<100000"


def test_by_named_bands_and_categories():
    dim = seg.parse_by("fact:income:poor=0,ok=3000,rich=20000")
    assert [b.label for b in dim.bands] == ["poor", "ok", "rich"]
    assert seg.parse_by(dim.text) == dim
    assert [b.label for b in seg.parse_by("tier").bands] == ["gold", "silver", "iron", "lead"]
    assert seg.parse_by("fact:family").bands == ()


@pytest.mark.parametrize("text, words", [
    ("colour:1,2", "Unknown measure 'colour'"),
    ("score:8,6", "must rise"),
    ("score:0,6,6", "must rise"),
    ("score:1.5,3", "whole numbers"),
    ("years-since-purchase", "needs cut points"),
    ("years-since-purchase:-1,2", "0 or more"),
    ("fact::1,2", "names no fact"),
    ("fact:a b?:1", "not accepted"),
    ("score:0,,6", "Empty cut point"),
    ("score:low=0,6", "Name every band or none"),
    ("score:a=0,A=6", "repeat"),
    ("score:x,y", "not a number"),
    ("tier:1,2", "takes no cut points"),
    ("", "must not be empty"),
])
def test_malformed_by_expressions_say_what_is_accepted(text, words):
    with pytest.raises(CrmError) as e:
        seg.parse_by(text)
    assert words in e.value.message


def test_where_forms():
    assert seg.parse_where("fact:mileage>=60000") == seg.Condition(
        "fact:mileage>=60000", "fact", "mileage", ">=", (), 60000.0)
    assert seg.parse_where("tier=金,silver").values == ("gold", "silver")
    assert seg.parse_where("stage != lost").text == "stage!=lost"
    assert seg.parse_where("fact:family=Married").values == ("married",)
    assert seg.parse_where("NO-COMPLAINT").measure == "no-complaint"
    assert seg.parse_where("score≤5").op == "<="
    assert seg.parse_where("fact:car").op is None


@pytest.mark.parametrize("text, words", [
    ("mood=happy", "Unknown measure 'mood'"),
    ("tier>gold", "compared with = or !="),
    ("tier=platinum", "Unknown tier 'platinum'"),
    ("fact:family>married", "can only be compared with = or !="),
    ("score>=high", "not a number"),
    ("score>=6.5", "whole number"),
    ("tier", "needs a value"),
    ("score", "needs a comparison"),
    ("fact:mileage>=", "compares with nothing"),
])
def test_malformed_where_expressions_say_what_is_accepted(text, words):
    with pytest.raises(CrmError) as e:
        seg.parse_where(text)
    assert words in e.value.message


def test_cells_are_named_by_band_labels_or_ranges():
    spec = seg.parse_spec(["years-since-purchase:5,6,7", "score:0,6,8"], [], "7+/HIGH")
    assert spec.cell == ("7+", "high")
    assert seg.parse_cell(spec, "6, 6–7") == ("6", "mid")
    with pytest.raises(CrmError, match="not a band of score"):
        seg.parse_cell(spec, "7+/great")
    with pytest.raises(CrmError, match="one band per --by"):
        seg.parse_cell(spec, "7+")


def test_same_measure_twice_is_refused():
    with pytest.raises(CrmError, match="twice"):
        seg.parse_spec(["score:0,5", "score:0,6"])


# -- property tests ----------------------------------------------------------------------

expression_text = st.text(alphabet=st.sampled_from("fact:scoreyrsinpuha-,=<>!0123456789. tiergoldm/金"), max_size=30)


@given(expression_text)
def test_any_by_text_parses_or_is_refused_with_a_message(text):
    try:
        dim = seg.parse_by(text)
    except CrmError as e:
        assert e.message
    else:
        assert seg.parse_by(dim.text) == dim


@given(expression_text)
def test_any_where_text_parses_or_is_refused_with_a_message(text):
    try:
        cond = seg.parse_where(text)
    except CrmError as e:
        assert e.message
    else:
        assert seg.parse_where(cond.text) == cond


cuts = st.lists(st.integers(-1000, 100_000), min_size=1, max_size=seg.MAX_BANDS, unique=True).map(sorted)


@given(cuts, st.floats(-2000, 200_000, allow_nan=False))
def test_every_value_falls_in_exactly_the_band_that_holds_it(points, value):
    dim = seg.parse_by("fact:x:" + ",".join(map(str, points)))
    assert seg.parse_by(dim.text) == dim
    band = dim.band_of(value)
    if value < points[0]:
        assert band is None
    else:
        assert band is not None and band.low <= value
        assert band.high is None or value < band.high
        assert seg.parse_cell(seg.Spec((dim,)), band.label) == (band.label,)


@given(st.dates(date(1990, 1, 1), date(2030, 12, 31)), st.dates(date(1990, 1, 1), date(2030, 12, 31)),
       st.sampled_from(sorted(seg.SINCE_MEASURES)))
def test_whole_units_since_agrees_with_the_sql_thresholds(day, on, measure):
    if day > on:
        day, on = on, day
    n = seg.whole_units_since(measure, day, on)
    assert n >= 0
    assert day <= seg.since_threshold(measure, n, on)
    assert day > seg.since_threshold(measure, n + 1, on)


# -- the grid on a hand-built book ------------------------------------------------------------

@pytest.fixture
def dealer(crm, book_db):
    """Car owners: last purchase years ago × latest satisfaction (a fact), as in seed 003.

    On 2026-11-25:                 years  satisfaction
      A  bought 2019-06-01          7      9 (was 3)     7+/high
      B  bought 2020-12-01          5      5             5/low
      C  bought 2020-11-25          6      7             6/mid
      D  bought 2020-11-26          5      8             5/high
      E  bought 2023-01-01          3      9             outside (under 5 years)
      F  bought 2018-01-01          8      —             outside (no satisfaction)
      G  bought 2019-01-01 and      5      2             5/low, open complaint
           2021-06-01
      H  bought 2017-05-05          9      6             7+/mid, complaint resolved
    """
    rows = {"A": ("2019-06-01", "9"), "B": ("2020-12-01", "5"), "C": ("2020-11-25", "7"),
            "D": ("2020-11-26", "8"), "E": ("2023-01-01", "9"), "F": ("2018-01-01", None),
            "G": ("2021-06-01", "2"), "H": ("2017-05-05", "6")}
    for i, (name, (bought, satisfaction)) in enumerate(rows.items(), 1):
        crm("customer", "add", f"Owner {name}", "--person", "--since", "2015-01-01",
            "--tier", "gold" if name in "AC" else "iron")
        purchase(book_db, i, bought)
        if satisfaction:
            crm("fact", "set", f"Owner {name}", "satisfaction", satisfaction, "--at", "2026-06-01")
    purchase(book_db, 7, "2019-01-01")
    crm("fact", "set", "Owner A", "satisfaction", "3", "--at", "2025-01-01")
    crm("log", "Owner G", "--about", "complaint", "--at", "2026-10-01")
    crm("log", "Owner H", "--about", "complaint", "--at", "2026-09-01")
    crm("log", "Owner H", "--about", "resolved", "--at", "2026-09-10")
    crm("fact", "set", "Owner A", "mileage", "80,000 km")
    crm("fact", "set", "Owner B", "mileage", "50000")
    crm("fact", "set", "Owner C", "mileage", "60000")
    crm("fact", "set", "Owner D", "mileage", "unknown")


def cells(data) -> dict[str, int]:
    return {c["cell"]: c["count"] for c in data["cells"] if c["count"]}


GRID = ("--by", "years-since-purchase:5,6,7", "--by", "fact:satisfaction:0,6,8")


def test_grid_counts_each_cell_as_computed_by_hand(crm, dealer):
    data = crm.json("segment", *GRID)
    assert cells(data) == {"5/low": 2, "5/high": 1, "6/mid": 1, "7+/mid": 1, "7+/high": 1}
    assert len(data["cells"]) == 9
    assert data["total"] == 6 and data["outside"] == 2
    assert [b["label"] for b in data["dimensions"][1]["bands"]] == ["low", "mid", "high"]


def test_open_complaints_are_left_out_by_no_complaint(crm, dealer):
    data = crm.json("segment", *GRID, "--where", "no-complaint")
    assert cells(data) == {"5/low": 1, "5/high": 1, "6/mid": 1, "7+/mid": 1, "7+/high": 1}
    assert crm.json("segment", "--where", "open-complaint")["total"] == 1


def test_numeric_fact_and_tier_filters(crm, dealer):
    data = crm.json("segment", *GRID, "--where", "fact:mileage>=60000")
    assert cells(data) == {"7+/high": 1, "6/mid": 1}
    data = crm.json("segment", *GRID, "--where", "fact:mileage>=60000", "--where", "tier=gold")
    assert cells(data) == {"7+/high": 1, "6/mid": 1}
    data = crm.json("segment", *GRID, "--where", "tier!=gold")
    assert cells(data) == {"5/low": 2, "5/high": 1, "7+/mid": 1}


def test_fact_numbers_in_expressions_read_as_the_facts_do(crm, dealer):
    # Facts are kept as numbers from 80,000 km, 60k or 1.2万; an order or a cut point reads them alike.
    assert seg.parse_where("fact:mileage>=60k").number == 60000.0
    assert seg.parse_where("fact:mileage<1.2万").text == "fact:mileage<12000"
    assert seg.parse_where("fact:family=3rd").values == ("3rd",)  # = keeps its text
    assert [b.low for b in seg.parse_by("fact:mileage:0,55k,7万").bands] == [0, 55000, 70000]
    rows = crm.json("segment", "--where", "fact:mileage>=60,000 km", "--list", "all")
    assert [r["customer"] for r in rows] == ["Owner A", "Owner C"]
    data = crm.json("segment", "--by", "fact:mileage:0,55k,7万")
    assert cells(data) == {"low": 1, "mid": 1, "high": 1}


def test_list_a_cell_shows_its_customers_with_their_values(crm, dealer):
    rows = crm.json("segment", *GRID, "--list", "5/low")
    assert [r["customer"] for r in rows] == ["Owner B", "Owner G"]
    assert rows[0]["values"] == {"years-since-purchase": 5, "fact:satisfaction": "5"}
    out = crm("segment", *GRID, "--list", "7+/high").stdout
    assert "Owner A" in out and "2019-06-01 (7y)" in out and "Owner H" not in out


def test_as_of_an_earlier_day(crm, dealer):
    # On 2025-11-25 A (bought 2019-06-01: 6 years then) had satisfaction 3 and nobody
    # else had a value yet: the June 2026 entries lie after the day.
    data = crm.json("segment", "--by", "years-since-purchase:5,6,7", "--by", "fact:satisfaction:0,6,8",
                    "--on", "2025-11-25")
    assert cells(data) == {"6/low": 1}


def test_score_bands_read_the_latest_survey_score(crm, dealer):
    crm("log", "Owner B", "--about", "survey", "--score", "9", "--at", "2026-10-01")
    crm("log", "Owner B", "--about", "survey", "--score", "4", "--at", "2026-11-01")
    crm("log", "Owner C", "--about", "survey", "--score", "8", "--at", "2026-11-02")
    data = crm.json("segment", "--by", "score:0,6,8")
    assert cells(data) == {"low": 1, "high": 1}
    assert data["outside"] == 6


def test_text_fact_bands_come_from_the_values(crm, dealer):
    crm("fact", "set", "Owner A", "family", "married")
    crm("fact", "set", "Owner B", "family", "Married")
    crm("fact", "set", "Owner C", "family", "single")
    data = crm.json("segment", "--by", "fact:family")
    assert cells(data) == {"married": 2, "single": 1}
    assert [r["customer"] for r in crm.json("segment", "--by", "fact:family", "--list", "married")] == [
        "Owner A", "Owner B"]


def test_grid_is_printed_as_a_table_with_totals(crm, dealer):
    out = crm("segment", *GRID).stdout
    assert "low (0-<6)" in out and "7+" in out
    assert "6 customers in the grid" in out and "2 more match but fall outside the bands" in out


def test_save_and_restrict_the_agenda_to_a_segment(crm, dealer):
    result = crm("segment", *GRID, "--where", "no-complaint", "--list", "7+/high", "--save", "replace-soon")
    assert "Saved segment 'replace-soon'" in result.stderr
    agenda = crm.json("due", "--segment", "replace-soon", "--limit", "0")
    assert [r["customer"] for r in agenda] == ["Owner A"]
    everyone = crm.json("due", "--limit", "0")
    assert len(everyone) == 6  # all but G and H, contacted lately about their complaints
    saved = crm.json("segment", "--saved")
    assert saved[0]["name"] == "replace-soon" and saved[0]["cell"] == "7+/high"
    # Without a cell the segment is the whole grid.
    crm("segment", *GRID, "--where", "no-complaint", "--save", "replace-soon")
    assert {r["customer"] for r in crm.json("due", "--segment", "replace-soon", "--limit", "0")} == {
        "Owner A", "Owner B", "Owner C", "Owner D"}  # H is in the grid but not due
    assert [r["customer"] for r in crm.json("segment", "--use", "replace-soon", "--list", "5/high")] == ["Owner D"]
    crm("segment", "--delete", "replace-soon")
    assert "No saved segment 'replace-soon'" in crm.error("due", "--segment", "replace-soon")


@pytest.mark.parametrize("args, words", [
    (("--by", "colour:1,2"), "Unknown measure"),
    (("--by", "fact:nosuch:1,2"), "No customer has a fact 'nosuch'; known keys: family, mileage, satisfaction"),
    (("--where", "fact:mileage>lots"), "can only be compared with = or !="),
    (("--by", "score:0,6,8", "--list", "great"), "not a band of score"),
    (("--use", "nothing"), "No saved segment 'nothing'"),
])
def test_bad_segment_input_is_one_clear_error(crm, dealer, args, words):
    crm("fact", "set", "Owner A", "family", "married")
    assert words in crm.error("segment", *args)


def test_segment_needs_something_to_do(crm):
    assert "Give at least one --by or --where" in crm.error("segment", code=2)


def test_empty_book_gives_an_empty_grid(crm):
    data = crm.json("segment", "--by", "years-since-purchase:5,6,7")
    assert data["total"] == 0 and all(c["count"] == 0 for c in data["cells"])
    assert "0 customers in the grid" in crm("segment", "--by", "tier").stdout


def test_empty_book_gives_the_issues_grid_empty_not_an_error(crm):
    # No facts at all: fact:satisfaction is no typo, the grid is just empty (and says why).
    result = crm("segment", "--by", "years-since-purchase:5,6,7", "--by", "fact:satisfaction:0,6,8", "--json")
    assert "No facts are recorded yet" in result.stderr
    crm("customer", "add", "Acme")
    data = crm.json("segment", "--by", "years-since-purchase:5,6,7", "--by", "fact:satisfaction:0,6,8")
    assert data["total"] == 0 and len(data["cells"]) == 9
    assert crm.json("segment", "--where", "fact:mileage>=60000", "--list", "all") == []
    crm("fact", "set", "Acme", "family", "married")  # now a key nobody has is most likely a typo
    assert "known keys: family" in crm.error("segment", "--by", "fact:satisfaction:0,6,8")


def test_stage_on_an_earlier_day_is_the_stage_then_as_the_ladder_reads_it(crm):
    crm("customer", "add", "Won", "--since", "2025-01-01")
    crm("customer", "add", "Gone", "--since", "2025-01-01")
    crm("stage", "Won", "client", "--at", "2026-03-01")
    crm("stage", "Gone", "lost", "--at", "2026-09-01")
    then = cells(crm.json("segment", "--by", "stage", "--on", "2026-06-01"))
    assert then == {"prospect": 1, "client": 1}
    ladder = crm.json("report", "ladder", "--on", "2026-06-01")["stages"]
    assert {st["stage"]: st["customers"] for st in ladder if st["customers"]} == then
    rows = crm.json("segment", "--where", "stage=prospect", "--on", "2026-06-01", "--list", "all")
    assert [(r["customer"], r["stage"]) for r in rows] == [("Gone", "prospect")]
    assert cells(crm.json("segment", "--by", "stage")) == {"client": 1, "lost": 1}


def test_customers_added_after_the_day_are_not_counted(crm):
    crm("customer", "add", "Old", "--since", "2020-01-01")
    crm("customer", "add", "New", "--since", (ON - timedelta(days=3)).isoformat())
    assert crm.json("segment", "--by", "tier", "--on", (ON - timedelta(days=10)).isoformat())["total"] == 1


@pytest.mark.parametrize("where, owners", [
    ("years-since-purchase>=7", "AFH"),
    ("years-since-purchase>7", "FH"),
    ("years-since-purchase=5", "BDG"),
    ("years-since-purchase<6", "BDEG"),
    ("years-since-purchase<=5", "BDEG"),
    ("years-since-purchase!=5", "ACEFH"),
    ("days-since-contact<60", "G"),  # G's complaint on 2026-10-01: 55 days
    ("days-since-contact>=60", "ABCDEFH"),  # never contacted counts from joining (2015)
    ("fact:satisfaction<6", "BG"),
    ("fact:satisfaction!=9", "BCDFGH"),  # F has no satisfaction: not known to be 9
    ("fact:satisfaction", "ABCDEGH"),
])
def test_comparisons_on_the_measures(crm, dealer, where, owners):
    rows = crm.json("segment", "--where", where, "--list", "all")
    assert "".join(r["customer"][-1] for r in rows) == owners


def test_the_latest_complaint_or_resolve_of_a_day_decides(crm, dealer):
    """Same day: the contact logged last wins (contacts of a day keep the order they were logged)."""
    crm("log", "Owner B", "--about", "complaint", "--at", "2026-11-20")
    crm("log", "Owner B", "--about", "resolved", "--at", "2026-11-20")
    crm("log", "Owner C", "--about", "resolved", "--at", "2026-11-20")
    crm("log", "Owner C", "--about", "complaint", "--at", "2026-11-20")
    names = {r["customer"] for r in crm.json("segment", "--where", "open-complaint", "--list", "all")}
    assert names == {"Owner C", "Owner G"}
    assert crm.json("segment", "--where", "no-complaint")["total"] == 6
    # On 2026-09-05 only Owner H's complaint (2026-09-01, resolved on 2026-09-10) was open.
    names = {r["customer"] for r in crm.json("segment", "--where", "open-complaint", "--list", "all",
                                              "--on", "2026-09-05")}
    assert names == {"Owner H"}


@pytest.mark.sqlite_only
def test_scores_and_complaints_are_read_from_their_partial_indexes(book_db):
    """A customer's latest score and open complaint are one probe of a small index (schema 0004),
    not a pass over every contact: the speed of `crm segment` on a big book rests on it."""
    from crmcli.store import segments as store

    spec = seg.parse_spec(["score:0,6,8"], ["no-complaint"], None)
    q = store.Sql(date(2026, 11, 25), date(2026, 11, 25), book_db.dialect)
    sql = f"SELECT {q.band(spec.by[0])} AS b, count(*) FROM {q.source()} WHERE {q.where(spec)} GROUP BY 1"
    plan = " | ".join(r["detail"] for r in book_db.rows("EXPLAIN QUERY PLAN " + sql, q.params))
    assert "ix_interaction_customer_score" in plan and "ix_interaction_customer_complaint" in plan
