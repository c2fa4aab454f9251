"""`crm fact`: dated facts keep every value; numbers are recognised; `customer show` has the latest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.facts import as_number, fact_key
from crmcli.errors import CrmError


@pytest.mark.parametrize("text, number", [
    ("65000", 65000.0), ("65,000 km", 65000.0), ("8.5", 8.5), ("-2", -2.0), ("+3", 3.0),
    ("1.2万", 12000.0), ("60k", 60000.0), ("5kg", 5.0), ("100%", 100.0), ("１２", 12.0),
    ("12 公里", 12.0), ("3 元", 3.0),
    ("married", None), ("3-5", None), ("2026-01-01", None), ("1e3", None), ("nan", None),
    ("inf", None), ("1,2", None), ("", None), ("12/3", None), ("60km/h", None),
])
def test_numbers_are_recognised_as_people_write_them(text, number):
    assert as_number(text) == number


@given(st.integers(-10**12, 10**12))
def test_integers_with_thousands_commas_read_back(n):
    assert as_number(f"{n:,}") == n
    assert as_number(f"{n} km") == n


@given(st.text(max_size=40))
def test_any_value_reads_as_a_number_or_not_without_failing(text):
    number = as_number(text)
    assert number is None or number == number  # never NaN


def test_keys_fold_to_one_spelling():
    assert fact_key("  Mileage ") == "mileage"
    assert fact_key("Income trend") == "income-trend"
    assert fact_key("里程") == "里程"
    for bad in ("", "a:b", "x>1", "-lead", "a/b"):
        with pytest.raises(CrmError):
            fact_key(bad)


@pytest.fixture
def acme(crm):
    crm("customer", "add", "Acme Trading", "--since", "2020-01-01")
    crm("contact", "add", "Acme Trading", "Li Wei", "--role", "decision-maker")


def test_values_are_kept_with_their_dates_never_overwritten(crm, acme):
    crm("fact", "set", "Acme", "mileage", "52,000 km", "--at", "2025-05-01")
    out = crm("fact", "set", "Acme", "Mileage", "65000", "--at", "2026-10-01", "--with", "Li Wei").stdout
    assert "mileage = 65000 on 2026-10-01 (was 52,000 km on 2025-05-01)" in out
    crm("fact", "set", "Acme", "family", "married", "--at", "2024-03-01")
    rows = crm.json("fact", "history", "Acme")
    assert [(r["key"], r["value"], r["number"], r["at"], r["contact"]) for r in rows] == [
        ("family", "married", None, "2024-03-01", None),
        ("mileage", "52,000 km", 52000.0, "2025-05-01", None),
        ("mileage", "65000", 65000.0, "2026-10-01", "Li Wei"),
    ]
    assert [r["value"] for r in crm.json("fact", "history", "Acme", "mileage")] == ["52,000 km", "65000"]


def test_a_negative_value_is_a_value_not_an_option(crm, acme):
    crm("fact", "set", "Acme", "income-trend", "-2.5%", "--at", "2026-10-01")
    crm("fact", "set", "Acme", "income-trend", "-3")
    rows = crm.json("fact", "history", "Acme", "income-trend")
    assert [(r["value"], r["number"], r["at"]) for r in rows] == [
        ("-2.5%", -2.5, "2026-10-01"), ("-3", -3.0, "2026-11-25")]
    assert crm.json("segment", "--where", "fact:income-trend<0", "--list", "all")[0]["customer"] == "Acme Trading"
    crm("fact", "set", "Acme", "income-trend", "1", "--att", "2026-10-01", code=2)  # a mistyped option still fails


def test_a_backdated_value_joins_the_history_and_the_latest_stays(crm, acme):
    crm("fact", "set", "Acme", "income", "rising", "--at", "2026-06-01")
    out = crm("fact", "set", "Acme", "income", "flat", "--at", "2025-01-01").stdout
    assert "the latest stays rising from 2026-06-01" in out
    page = crm.json("customer", "show", "Acme")
    assert [(f["key"], f["value"], f["at"]) for f in page["facts"]] == [("income", "rising", "2026-06-01")]


def test_customer_show_lists_the_latest_value_of_each_fact(crm, acme):
    crm("fact", "set", "Acme", "satisfaction", "6", "--at", "2026-01-01")
    crm("fact", "set", "Acme", "satisfaction", "9", "--at", "2026-11-01")
    crm("fact", "set", "Acme", "job", "promoted")
    page = crm.json("customer", "show", "Acme")
    assert [(f["key"], f["value"], f["number"], f["at"]) for f in page["facts"]] == [
        ("job", "promoted", None, "2026-11-25"), ("satisfaction", "9", 9.0, "2026-11-01")]
    out = crm("customer", "show", "Acme").stdout
    assert "satisfaction" in out and "promoted" in out and "2026-11-01" in out


def test_the_same_entry_twice_is_written_once(crm, acme):
    crm("fact", "set", "Acme", "funding", "loan", "--at", "2026-01-01")
    assert "already recorded" in crm("fact", "set", "Acme", "funding", "loan", "--at", "2026-01-01").stdout
    assert len(crm.json("fact", "history", "Acme")) == 1


def test_a_mistaken_entry_can_be_removed(crm, acme):
    crm("fact", "set", "Acme", "mileage", "650000")
    fid = crm.json("fact", "history", "Acme")[0]["id"]
    crm("fact", "rm", str(fid), "--yes")
    assert crm.json("fact", "history", "Acme") == []
    assert "No fact entry" in crm.error("fact", "rm", str(fid), "--yes")


@pytest.mark.parametrize("args, words", [
    (("fact", "set", "Acme", "mileage", "1", "--at", "2030-01-01"), "in the future"),
    (("fact", "set", "Acme", "mileage", "  "), "must not be empty"),
    (("fact", "set", "Acme", "mile:age", "1"), "not accepted"),
    (("fact", "set", "Nobody", "mileage", "1"), "No customer matches"),
    (("fact", "set", "Acme", "mileage", "1", "--with", "Ghost"), "No contact of this customer"),
    (("fact", "history", "Acme", "colour"), "has no fact 'colour'"),
    (("fact", "set", "Acme", "mileage", "1", "--at", "someday"), "Cannot read 'someday' as a date"),
])
def test_bad_fact_input_is_one_clear_error(crm, acme, args, words):
    assert words in crm.error(*args)


def test_history_of_a_customer_without_facts(crm, acme):
    assert "No facts about Acme Trading yet" in crm("fact", "history", "Acme").stdout
    assert crm.json("fact", "history", "Acme") == []
