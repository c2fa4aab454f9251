"""Cell values as spreadsheets write them, turned into what core/records.py reads.

Excel, Outlook and Google write dates in their own ways: `2024-03-05`,
`2024/3/5`, `3/5/2024` (month first, or day first with --dayfirst),
`5.3.2024`, `2024年3月5日`, serial numbers (`45356` is 2024-03-05),
`0/0/00` for "no date", and birthdays without a year (`--03-05`, a year of
0000, 0001 or 1604). Each is turned into ISO text here, cheaply (an ISO date
costs one `date.fromisoformat`), and anything unusual is left to
core.dates.parse_date, which knows the rest (and dateutil, as a last resort).

Pure functions: no I/O. Errors are CrmErrors naming the column.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crmcli.core.dates import parse_birthday, parse_date, yearless
from crmcli.errors import CrmError

DATE_EXAMPLES = "2024-03-05, 2024/3/5, 3/5/2024 (--dayfirst for 5/3/2024), 2024年3月5日"
BIRTHDAY_EXAMPLES = "1980-03-05, --03-05 (no year), 3/5/1980 or 1980年3月5日"
# Years that phones, Outlook and Google write for "no year given".
_NO_YEAR = frozenset({0, 1, 1604})
_ISOISH = re.compile(r"^(\d{4}-?\d{2}-?\d{2}|\d{1,2}-\d{1,2})$")

# Outlook writes 0/0/00 in every date column that is empty; others write zeros too.
_EMPTY_DATES = frozenset({"0/0/00", "0/0/0000", "00/00/00", "00/00/0000", "0000-00-00", "0-0-0",
                          "00.00.0000", "0.0.00", "none", "null", "n/a", "-"})
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?.*)?$")
_MDY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})"
                  r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?$")
_CJK = re.compile(r"^(?:(\d{2,4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[/.](\d{1,2})$")
# Excel's day zero (its 1900 leap-year bug makes serials from 61 on count from here).
_EXCEL_EPOCH = date(1899, 12, 30)
# What the neutralising of `crm export --excel` (and OWASP's advice) puts before a formula.
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def cell(text: str, *, excel_quoted: bool = False) -> str:
    """A cell as a value: trimmed; with `excel_quoted`, a leading `'` before a formula sign dropped."""
    text = text.strip()
    if excel_quoted and text[:2] in _NEUTRALISED:
        return text[1:].strip()
    return text


def is_empty_date(text: str) -> bool:
    return not text or text.casefold() in _EMPTY_DATES


def _year(text: str) -> int:
    """A year as written: two digits follow Excel's rule (00–29 → 2000s, 30–99 → 1900s)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 30 else 1900
    return year


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month(first: int, second: int, year: int, dayfirst: bool) -> date | None:
    """`first/second/year` read month-first (or day-first); the only real reading if one is not."""
    month, day = (second, first) if dayfirst else (first, second)
    return _real(year, month, day) or _real(year, day, month)


def _serial(text: str) -> date:
    days = int(float(text))
    return _EXCEL_EPOCH + timedelta(days=days)


def excel_date(text: str, *, dayfirst: bool = False, what: str = "date",
               today: date | None = None) -> str | None:
    """ISO `YYYY-MM-DD` for a date cell, None when it is empty; a CrmError naming `what` if unreadable."""
    raw = text.strip()
    if is_empty_date(raw):
        return None
    if len(raw) == 10 and raw[4] == "-":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    day = _fast_date(raw, dayfirst)
    if day is not None:
        return day.isoformat()
    try:
        return parse_date(raw, today, dayfirst=dayfirst).isoformat()
    except CrmError:
        raise CrmError(f"Cannot read {raw!r} as the {what}; use a date such as {DATE_EXAMPLES}.") from None


def _fast_date(raw: str, dayfirst: bool) -> date | None:
    """The spreadsheet forms read without dateutil; None when the text is none of them."""
    match = _YMD.match(raw)
    if match:
        return _real(*map(int, match.groups())) or _impossible(raw)
    match = _MDY.match(raw)
    if match:
        first, sep, second, year = match.groups()
        # Dotted dates (5.3.2024) are written day first wherever they are used.
        found = _day_month(int(first), int(second), _year(year), dayfirst or sep == ".")
        return found or _impossible(raw)
    match = _CJK.match(raw)
    if match and match.group(1):
        return _real(_year(match.group(1)), int(match.group(2)), int(match.group(3))) or _impossible(raw)
    if _SERIAL.match(raw):
        return _serial(raw)
    match = _COMPACT.match(raw)
    if match:
        return _real(*map(int, match.groups())) or _impossible(raw)
    return None


def _impossible(raw: str) -> date:
    raise CrmError(f"{raw!r} is not a real calendar date; use a date such as {DATE_EXAMPLES}.")


def birthday(text: str, *, dayfirst: bool = False, today: date | None = None) -> str | None:
    """A birthday as stored: `YYYY-MM-DD`, or `--MM-DD` when the year is unknown; None when empty."""
    raw = text.strip()
    if is_empty_date(raw):
        return None
    match = _CJK.match(raw)
    if match and not match.group(1):
        return yearless(int(match.group(2)), int(match.group(3)), raw)
    match = _MONTH_DAY.match(raw)
    if match:
        first, second = int(match.group(1)), int(match.group(2))
        month, day = (second, first) if dayfirst or "." in raw else (first, second)
        if not 1 <= month <= 12:
            month, day = day, month
        return yearless(month, day, raw)
    match = _MDY.match(raw)
    if match and len(match.group(4)) == 4 and int(match.group(4)) in _NO_YEAR:
        first, sep, second = int(match.group(1)), match.group(2), int(match.group(3))
        month, day = (second, first) if dayfirst or sep == "." else (first, second)
        if not 1 <= month <= 12:
            month, day = day, month
        return yearless(month, day, raw)
    if raw.startswith("--") or _ISOISH.match(raw):
        try:
            return parse_birthday(raw, today)
        except CrmError:
            raise CrmError(f"Cannot read {raw!r} as a birthday; use {BIRTHDAY_EXAMPLES}.") from None
    iso = excel_date(raw, dayfirst=dayfirst, what="birthday", today=today)
    assert iso is not None
    if int(iso[:4]) in _NO_YEAR:
        return yearless(int(iso[5:7]), int(iso[8:10]), raw)
    return iso


def whole_number(text: str) -> str:
    """`8.0` (Excel's way of writing 8 after arithmetic) as `8`; anything else unchanged."""
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


_SCIENTIFIC = re.compile(r"^[+-]?\d(?:\.\d+)?[eE]\+?\d+$")


def phone(text: str) -> str:
    """A phone cell; refused when Excel turned the number into scientific notation (digits lost)."""
    if _SCIENTIFIC.match(text):
        raise CrmError(f"The phone {text!r} was shortened by Excel to scientific notation, losing "
                       "digits; format the column as Text in Excel and export again.")
    return text


def first_of_many(text: str) -> tuple[str, str]:
    """Google writes several values in one cell as `a ::: b`; (the first, the others joined)."""
    if ":::" not in text:
        return text, ""
    parts = [p.strip() for p in text.split(":::") if p.strip()]
    if not parts:
        return "", ""
    return parts[0], "; ".join(parts[1:])


def labels(text: str) -> str:
    """Google's `* myContacts ::: Clients` as `Clients` (system groups dropped)."""
    parts = [p.strip() for p in text.split(":::")]
    return "; ".join(p for p in parts if p and not p.startswith("* "))
