"""Dated facts about a customer (seed 003): the key, the value, and the value as a number.

Reps write facts the way they say them: `mileage 65,000 km`, `satisfaction 8`,
`income 1.2万`, `family married`. The key is folded to one spelling so
`Mileage` and `mileage` are the same fact; the value is kept as typed, and
when it reads as a number that number is stored too, so segments can filter
and band on it (`fact:mileage>=60000`).
"""

from __future__ import annotations

import re
import unicodedata

from crmcli.errors import CrmError

MAX_KEY = 40
MAX_VALUE = 500
KEY_FORMS = "letters, digits, '-', '_' or '.', such as mileage, satisfaction, income-trend or 里程"

# A number as people write it: sign, digits with optional thousands commas, decimals,
# an optional multiplier (k = thousand, 千, 万 = ten thousand, 亿), then an optional unit
# made of letters, % or CJK (km, 公里, 元, %). "12/3" or "3-5" are not numbers.
_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?P<mult>[kK千万萬亿億](?![a-zA-Z]))?\s*(?P<unit>[^\d\s+\-.,/:]{0,12})$"
)
_MULTIPLIER = {"k": 1e3, "K": 1e3, "千": 1e3, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}


def fact_key(text: str) -> str:
    """The stored spelling of a fact key: trimmed, case-folded, inner spaces as '-'."""
    key = re.sub(r"\s+", "-", unicodedata.normalize("NFKC", str(text)).strip().casefold())
    if not key:
        raise CrmError(f"A fact key must not be empty; use {KEY_FORMS}.")
    if len(key) > MAX_KEY:
        raise CrmError(f"The fact key {key[:50]!r} is longer than {MAX_KEY} characters; use a short name.")
    if not all(ch.isalnum() or ch in "-_." for ch in key) or not (key[0].isalnum()):
        raise CrmError(f"The fact key {text.strip()!r} is not accepted; use {KEY_FORMS}.")
    return key


def fact_value(text: str) -> str:
    value = str(text).strip()
    if not value:
        raise CrmError("A fact value must not be empty; give what you learned, such as 65000 or married.")
    if len(value) > MAX_VALUE:
        raise CrmError(f"The fact value is {len(value)} characters long; {MAX_VALUE} is the most accepted.")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise CrmError("The fact value contains control characters; use plain text.")
    return value


def as_number(value: str) -> float | None:
    """The value as a number when it reads as one (65000, 65,000 km, 8.5, -2, 1.2万, 60k), else None."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _NUMBER.match(text)
    if not match:
        return None
    unit = match.group("unit")
    if unit and any(ch.isdigit() for ch in unit):
        return None
    number = float(match.group("digits").replace(",", "") + (match.group("frac") or ""))
    if match.group("mult"):
        number *= _MULTIPLIER[match.group("mult")]
    if match.group("sign") == "-":
        number = -number
    return number + 0.0  # never -0.0


def fact_json(row: dict) -> dict:
    """The stable JSON of one fact entry (`fact history --json`, `customer show --json`)."""
    return {
        "id": row["id"], "customer_id": row.get("customer_id"), "customer": row.get("customer"),
        "key": row["key"], "value": row["value"], "number": row.get("number"), "at": row["at"],
        "contact_id": row.get("contact_id"), "contact": row.get("contact"),
    }
