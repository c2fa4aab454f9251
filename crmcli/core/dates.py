"""Dates and durations as a rep types them (DESIGN.md, Dates and durations).

Fast paths first (ISO, keywords, offsets); python-dateutil's general parser is
imported only for the forms nothing cheaper understands.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crmcli.errors import CrmError

DATE_FORMS = (
    "2026-12-01, 12/01, today, tomorrow, yesterday, +3d, -2w, 3d, 2w, 1m, 1y, "
    "mon…sun, 今天, 明天, 昨天, 后天"
)
DURATION_FORMS = "14d, 2w, 3m, 1y (days, weeks, months, years)"

_KEYWORDS = {
    "today": 0, "now": 0, "tomorrow": 1, "yesterday": -1,
    "今天": 0, "今日": 0, "明天": 1, "明日": 1, "昨天": -1, "昨日": -1,
    "后天": 2, "後天": 2, "前天": -2,
}
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
for _i, _zh in enumerate("一二三四五六日"):
    _WEEKDAYS["周" + _zh] = _WEEKDAYS["星期" + _zh] = _WEEKDAYS["週" + _zh] = _i
_WEEKDAYS["星期天"] = _WEEKDAYS["周天"] = 6

_OFFSET = re.compile(r"^([+-]?)(\d{1,5})\s*(d|w|m|y|天|日|周|週|个月|個月|月|年)$")
_UNIT = {"d": "d", "天": "d", "日": "d", "w": "w", "周": "w", "週": "w",
         "m": "m", "月": "m", "个月": "m", "個月": "m", "y": "y", "年": "y"}
_CJK_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?$")
_SLASH_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_YEARLESS = re.compile(r"^(?:--)?(\d{1,2})[-/.](\d{1,2})$")
_YEARLESS_ISO = re.compile(r"^--(\d{2})-?(\d{2})$")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1m = Feb 28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _shift(today: date, sign: int, count: int, unit: str) -> date:
    if unit == "d":
        return today + timedelta(days=sign * count)
    if unit == "w":
        return today + timedelta(weeks=sign * count)
    months = count * (12 if unit == "y" else 1)
    return add_months(today, sign * months)


def _bad_date(text: str) -> CrmError:
    return CrmError(f"Cannot read {text!r} as a date; use {DATE_FORMS}.")


def parse_date(text: str, today: date | None = None, *, dayfirst: bool = False) -> date:
    """A calendar date from what a user typed, relative to `today`."""
    today = today or date.today()
    raw = text.strip()
    word = raw.casefold()
    if not word:
        raise CrmError(f"A date is required; use {DATE_FORMS}.")
    if len(word) == 10 and word[4] == "-":
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise _impossible(raw) from None
    if word in _KEYWORDS:
        return today + timedelta(days=_KEYWORDS[word])
    match = _OFFSET.match(word)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return _shift(today, sign, int(match.group(2)), _UNIT[match.group(3)])
    if word in _WEEKDAYS:
        ahead = (_WEEKDAYS[word] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    for pattern in (_CJK_DATE, _SLASH_DATE):
        match = pattern.match(word)
        if match:
            return _ymd(raw, *map(int, match.groups()))
    return _parse_general(raw, today, dayfirst)


def _impossible(text: str) -> CrmError:
    return CrmError(f"{text!r} is not a real calendar date; use {DATE_FORMS}.")


def _ymd(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _impossible(text) from None


def _parse_general(text: str, today: date, dayfirst: bool) -> date:
    if not re.search(r"\d", text) or len(text) > 40:
        raise _bad_date(text)
    from datetime import datetime

    from dateutil import parser  # costly import: only for the unusual forms

    try:
        return parser.parse(
            text, default=datetime(today.year, today.month, today.day), dayfirst=dayfirst
        ).date()
    except (ValueError, OverflowError, parser.ParserError):
        raise _bad_date(text) from None


def parse_past_date(text: str, today: date | None = None, *, what: str = "date") -> date:
    """A date that must not lie after today (a contact made, a stage reached)."""
    today = today or date.today()
    day = parse_date(text, today)
    if day > today:
        raise CrmError(
            f"The {what} {day.isoformat()} is in the future; record what happened "
            "(plan future contacts with --next or `crm follow-up add`)."
        )
    return day


def parse_duration(text: str) -> int:
    """A cadence in days: 14d, 2w, 3m (30 days each), 1y (365 days); plain digits are days."""
    word = str(text).strip().casefold()
    match = _OFFSET.match(word) or (re.match(r"^()(\d{1,5})()$", word) if word else None)
    if not match or match.group(1):
        raise CrmError(f"Cannot read {text!r} as a duration; use {DURATION_FORMS}.")
    count = int(match.group(2))
    unit = _UNIT.get(match.group(3), "d")
    days = count * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
    if days <= 0:
        raise CrmError(f"A duration must be longer than zero days, not {text!r}; use {DURATION_FORMS}.")
    if days > 36500:
        raise CrmError(f"A duration of {text!r} is longer than a hundred years; use {DURATION_FORMS}.")
    return days


def format_duration(days: int | None) -> str:
    return f"{days}d" if days else ""


def parse_birthday(text: str, today: date | None = None, *, dayfirst: bool = False) -> str:
    """A birthday as ISO `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.

    Accepts full dates, `--03-05` (vCard, Google), `03-05` / `3/5`, and the
    placeholder years phones and Outlook write for "no year" (0000, 0001, 1604).
    """
    raw = text.strip()
    match = _YEARLESS_ISO.match(raw) or _YEARLESS.match(raw)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if dayfirst and _YEARLESS.match(raw) and "/" in raw:
            month, day = day, month
        return yearless(month, day, raw)
    iso = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})$", raw)
    if iso:
        year, month, day = map(int, iso.groups())
        if year in (0, 1, 1604):
            return yearless(month, day, raw)
        return _ymd(raw, year, month, day).isoformat()
    day_ = parse_date(raw, today or date.today(), dayfirst=dayfirst)
    return day_.isoformat()


def yearless(month: int, day: int, text: str = "") -> str:
    try:
        date(2000, month, day)  # a leap year, so --02-29 is allowed
    except ValueError:
        raise _impossible(text or f"--{month:02d}-{day:02d}") from None
    return f"--{month:02d}-{day:02d}"


def birthday_month_day(birthday: str) -> tuple[int, int]:
    """(month, day) of a stored birthday, with or without a year."""
    return int(birthday[-5:-3]), int(birthday[-2:])


def next_birthday(birthday: str, after: date) -> date:
    """The first birthday strictly after `after` (Feb 29 falls on Feb 28 in common years)."""
    month, day = birthday_month_day(birthday)
    for year in (after.year, after.year + 1, after.year + 2):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = date(year, 2, 28)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable")
