"""Cell values as Excel, Outlook and Google write them (crmcli/io/values.py, pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.matching import personal_phone, phone_spellings
from crmcli.errors import CrmError
from crmcli.io import values

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-03-05", "2024-03-05"),
    ("2024/3/5", "2024-03-05"),
    ("2024.3.5", "2024-03-05"),
    ("2024-03-05 14:30:00", "2024-03-05"),
    ("2024-03-05T14:30", "2024-03-05"),
    ("3/5/2024", "2024-03-05"),            # Excel, US: month first
    ("03/05/2024", "2024-03-05"),
    ("3/5/24", "2024-03-05"),              # two-digit year: 00-29 are 2000s
    ("3/5/95", "1995-03-05"),              # 30-99 are 1900s
    ("3/5/2024 14:30", "2024-03-05"),
    ("3/5/2024 2:30 PM", "2024-03-05"),
    ("25/3/2024", "2024-03-25"),           # only one reading is a real date
    ("5.3.2024", "2024-03-05"),            # dotted dates are day first (Germany, Russia)
    ("2024年3月5日", "2024-03-05"),
    ("2024 年 3 月 5 日", "2024-03-05"),
    ("45356", "2024-03-05"),               # an Excel serial number
    ("45356.75", "2024-03-05"),            # with a time of day
    ("20240305", "2024-03-05"),
    ("Mar 5, 2024", "2024-03-05"),         # the rest goes to dateutil
    ("5-Mar-2024", "2024-03-05"),
])
def test_excel_dates(text: str, iso: str) -> None:
    assert values.excel_date(text, today=TODAY) == iso


def test_dayfirst_flips_ambiguous_slash_dates_only() -> None:
    assert values.excel_date("3/5/2024", dayfirst=True, today=TODAY) == "2024-05-03"
    assert values.excel_date("25/3/2024", dayfirst=True, today=TODAY) == "2024-03-25"
    assert values.excel_date("2024/3/5", dayfirst=True, today=TODAY) == "2024-03-05"


@pytest.mark.parametrize("text", ["", "  ", "0/0/00", "0/0/0000", "00/00/0000", "0000-00-00"])
def test_outlook_empty_dates_are_empty(text: str) -> None:
    assert values.excel_date(text, today=TODAY) is None
    assert values.birthday(text, today=TODAY) is None


@pytest.mark.parametrize("text", ["2024-02-30", "2/30/2024", "2024年2月30日", "13/13/2024"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(CrmError, match="real calendar date"):
        values.excel_date(text, today=TODAY)


def test_unreadable_date_names_the_column() -> None:
    with pytest.raises(CrmError, match="'soon' as the since date"):
        values.excel_date("soon", what="since date", today=TODAY)


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_reads_back_in_each_excel_form(day: date) -> None:
    iso = day.isoformat()
    assert values.excel_date(iso, today=TODAY) == iso
    assert values.excel_date(f"{day.year}/{day.month}/{day.day}", today=TODAY) == iso
    assert values.excel_date(f"{day.month}/{day.day}/{day.year}", today=TODAY) == iso
    assert values.excel_date(f"{day.day}/{day.month}/{day.year}", dayfirst=True, today=TODAY) == iso
    assert values.excel_date(f"{day.year}年{day.month}月{day.day}日", today=TODAY) == iso
    serial = (day - date(1899, 12, 30)).days
    if serial >= 10000:
        assert values.excel_date(str(serial), today=TODAY) == iso


@pytest.mark.parametrize(("text", "stored"), [
    ("1980-03-22", "1980-03-22"),
    ("3/22/1980", "1980-03-22"),           # Outlook
    ("--03-05", "--03-05"),                # Google, vCard: no year
    ("--0305", "--03-05"),
    ("0000-03-05", "--03-05"),
    ("0001-03-05", "--03-05"),
    ("1604-03-05", "--03-05"),             # Apple's "no year"
    ("3/5/1604", "--03-05"),
    ("3/5", "--03-05"),
    ("03-05", "--03-05"),
    ("3月5日", "--03-05"),
    ("1982年7月9日", "1982-07-09"),
    ("--02-29", "--02-29"),                # a leap day without a year is a real birthday
])
def test_birthdays(text: str, stored: str) -> None:
    assert values.birthday(text, today=TODAY) == stored


def test_birthday_day_first() -> None:
    assert values.birthday("5/3", dayfirst=True, today=TODAY) == "--03-05"
    assert values.birthday("22/3/1980", today=TODAY) == "1980-03-22"


@given(st.integers(1, 12), st.integers(1, 28))
def test_yearless_birthdays_keep_month_and_day(month: int, day: int) -> None:
    expected = f"--{month:02d}-{day:02d}"
    assert values.birthday(expected, today=TODAY) == expected
    assert values.birthday(f"0000-{month:02d}-{day:02d}", today=TODAY) == expected
    assert values.birthday(f"{month}月{day}日", today=TODAY) == expected


def test_serial_numbers_count_from_excels_day_zero() -> None:
    assert values.excel_date("45658", today=TODAY) == "2025-01-01"
    assert date(1899, 12, 30) + timedelta(days=45658) == date(2025, 1, 1)


def test_cells() -> None:
    assert values.cell("  x ") == "x"
    assert values.cell("'=SUM(A1)", excel_quoted=True) == "=SUM(A1)"
    assert values.cell("'+86 138", excel_quoted=True) == "+86 138"
    assert values.cell("'=SUM(A1)") == "'=SUM(A1)"      # only files crm --excel could have written
    assert values.cell("'quoted'", excel_quoted=True) == "'quoted'"
    assert values.whole_number("8.0") == "8"
    assert values.whole_number("8.5") == "8.5"


def test_google_multi_values_and_labels() -> None:
    assert values.first_of_many("+86 1 ::: +86 2 ::: +86 3") == ("+86 1", "+86 2; +86 3")
    assert values.first_of_many("a@x.cn") == ("a@x.cn", "")
    assert values.labels("* myContacts ::: Clients ::: VIP") == "Clients; VIP"
    assert values.labels("* myContacts ::: * starred") == ""


def test_phone_shortened_by_excel_is_refused() -> None:
    with pytest.raises(CrmError, match="scientific notation"):
        values.phone("1.38E+10")
    assert values.phone("+86 138 0000 0000") == "+86 138 0000 0000"


# -- phone numbers as contacts are matched on (core.matching) --------------------------------------
_NATIONAL_MOBILE = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(_NATIONAL_MOBILE, st.sampled_from(["", "86", "0086"]), st.sampled_from(["", "86", "0086"]),
       st.sampled_from(["", "+", "+ ", " "]))
def test_a_mobile_number_is_one_person_whether_or_not_it_carries_86(national: str, a: str, b: str,
                                                                    plus: str) -> None:
    assert personal_phone(national) and personal_phone((plus if a == "86" else "") + a + national)
    assert phone_spellings(a + national)[0] == phone_spellings(b + national)[0] == national
    assert a + national in phone_spellings(b + national)


@given(st.text(alphabet="0123456789", min_size=6, max_size=16))
def test_any_other_number_is_only_itself(digits: str) -> None:
    if not personal_phone(digits):
        assert phone_spellings(digits) == (digits,)
    assert not personal_phone("+1 " + digits) and not personal_phone("+44" + digits)


@pytest.mark.parametrize("phone", ["0755-8888 8888", "(010) 6543 2100", "400-820-8820", "+1 415 555 0100",
                                   "+86 755 8888 8888", "12345678901", "+86 138 0000 111"])
def test_office_lines_and_other_numbers_are_not_one_persons(phone: str) -> None:
    assert not personal_phone(phone)


@pytest.mark.parametrize("phone", ["+86 138 0000 1111", "138-0000-1111", "0086 19912345678", "8613800001111"])
def test_mainland_mobiles_are_one_persons(phone: str) -> None:
    assert personal_phone(phone)
