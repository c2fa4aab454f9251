"""Dates and durations as reps type them."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.dates import (
    add_months,
    next_birthday,
    parse_birthday,
    parse_date,
    parse_duration,
    parse_past_date,
)
from crmcli.errors import CrmError

WED = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)), ("12/01", date(2026, 12, 1)), ("today", WED),
        ("Tomorrow", date(2026, 11, 26)), ("yesterday", date(2026, 11, 24)),
        ("+3d", date(2026, 11, 28)), ("-2w", date(2026, 11, 11)), ("3d", date(2026, 11, 28)),
        ("2w", date(2026, 12, 9)), ("1m", date(2026, 12, 25)), ("1y", date(2027, 11, 25)),
        ("fri", date(2026, 11, 27)), ("monday", date(2026, 11, 30)), ("wed", date(2026, 12, 2)),
        ("今天", WED), ("明天", date(2026, 11, 26)), ("昨天", date(2026, 11, 24)),
        ("后天", date(2026, 11, 27)), ("2024年3月5日", date(2024, 3, 5)), ("2024/3/5", date(2024, 3, 5)),
        ("周五", date(2026, 11, 27)),
    ],
)
def test_date_forms(typed, expected):
    assert parse_date(typed, WED) == expected


@pytest.mark.parametrize("typed", ["1980-02-30", "2026-13-01", "soon", "", "next week-ish", "+d"])
def test_bad_dates_are_refused_with_the_accepted_forms(typed):
    with pytest.raises(CrmError) as e:
        parse_date(typed, WED)
    assert "2026-12-01" in e.value.message or "date" in e.value.message


def test_past_date_refuses_the_future():
    with pytest.raises(CrmError, match="future"):
        parse_past_date("tomorrow", WED)
    assert parse_past_date("today", WED) == WED


@pytest.mark.parametrize(("typed", "days"), [("14d", 14), ("2w", 14), ("3m", 90), ("1y", 365), ("10", 10), ("2周", 14)])
def test_durations(typed, days):
    assert parse_duration(typed) == days


@pytest.mark.parametrize("typed", ["0d", "-3d", "+3d", "abc", "", "3x"])
def test_bad_durations(typed):
    with pytest.raises(CrmError):
        parse_duration(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1980-03-22", "1980-03-22"), ("--03-22", "--03-22"), ("03-22", "--03-22"), ("--0322", "--03-22"),
     ("0000-03-22", "--03-22"), ("1604-03-22", "--03-22"), ("19800322", "1980-03-22"), ("--02-29", "--02-29")],
)
def test_birthdays_keep_month_and_day_without_a_year(typed, stored):
    assert parse_birthday(typed, WED) == stored


def test_next_birthday_handles_leap_days():
    assert next_birthday("--02-29", date(2026, 1, 1)) == date(2026, 2, 28)
    assert next_birthday("1990-11-25", WED) == date(2027, 11, 25)
    assert next_birthday("1990-11-26", WED) == date(2026, 11, 26)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(-240, 240))
def test_add_months_stays_in_the_target_month(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_iso_dates_round_trip(day):
    assert parse_date(day.isoformat(), WED) == day
