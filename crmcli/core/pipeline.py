"""The pipeline and purchases, as pure rules (seeds 003, 004; DOMAIN.md, Pipeline).

- Amounts: what a rep types ("120000", "¥120,000", "12万", "$5k", "1,200.50 USD")
  read as an exact Decimal, stored as whole cents; never a float.
- Deal and purchase fields: validated here, once, for commands and importers.
- The forecast: open deals closing within a week, two weeks, a month, two
  months, summed per window and weighted by intent (config intent.hot/warm/cold).
- The loyalty ladder follows purchases: a first purchase makes a suspect or
  prospect a first-time customer, a second makes it a repeat customer.
- The agenda's deal reasons: a deal closing within 7 days with no recent contact,
  and a deal whose close date passed (slipped).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from crmcli.core import vocabulary as vocab
from crmcli.core.cadence import deal_notice
from crmcli.core.dates import parse_date
from crmcli.errors import CrmError

if TYPE_CHECKING:
    from decimal import Decimal

# Amounts are read with decimal.Decimal (imported where parsed: the agenda only formats
# whole cents, with integer arithmetic, and need not load it).

# --- amounts -------------------------------------------------------------

AMOUNT_FORMS = "120000, 120,000.50, ¥120,000, 12万, 5k, 1200 USD"
MAX_AMOUNT = 10**12  # a trillion: beyond any deal a rep types, still exact in JSON

# How amounts are shown, by currency code; others read "HKD 1,200".
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}
# What a rep may write before or after the number, folded to upper case.
_CURRENCY_WORDS = {
    "¥": "CNY", "元": "CNY", "RMB": "CNY", "人民币": "CNY", "CN¥": "CNY",
    "$": "USD", "US$": "USD", "美元": "USD", "€": "EUR", "欧元": "EUR", "£": "GBP", "英镑": "GBP",
    "HK$": "HKD", "港币": "HKD", "港元": "HKD",
}
_MULTIPLIERS = {"": 1, "K": 1000, "千": 1000, "万": 10000, "萬": 10000}
_AMOUNT = re.compile(
    r"^(?P<pre>[^\d.,+\-()]*?)\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<mult>k|千|万|萬)?\s*(?P<post>[^\d]*?)$",
    re.IGNORECASE | re.ASCII,
)


def parse_currency(text: str | None, default: str | None = None) -> str | None:
    """A currency code (CNY, USD…) from a code, a symbol or a Chinese word; blank gives `default`."""
    word = unicodedata.normalize("NFKC", text or "").strip().upper()
    if not word:
        return default
    if word in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[word]
    if re.fullmatch(r"[A-Z]{3}", word):
        return word
    raise CrmError(f"Unknown currency {text!r}; give a three-letter code such as CNY or USD, or ¥ / $ / € / £.")


def parse_amount(text: str | int | Decimal, default_currency: str | None = None) -> tuple[int, str | None]:
    """(cents, currency) of an amount; a CrmError for anything negative, inexact or not a number."""
    from decimal import Decimal, InvalidOperation

    raw = str(text)
    word = unicodedata.normalize("NFKC", raw).strip().replace("\u00a0", " ")
    if not word:
        raise CrmError(f"An amount is required; give a number such as {AMOUNT_FORMS}.")
    if re.match(r"^[^0-9]*-", word) or (word.startswith("(") and word.endswith(")")):
        raise CrmError(f"The amount {raw.strip()!r} is negative; amounts are zero or more.")
    match = _AMOUNT.match(word.lstrip("+").strip())
    if not match:
        raise CrmError(f"Cannot read {raw.strip()!r} as an amount; use {AMOUNT_FORMS}.")
    pre, post = match.group("pre").strip(), match.group("post").strip()
    if pre and post:
        raise CrmError(f"The amount {raw.strip()!r} names its currency twice; give it once, such as ¥120,000 or 120000 CNY.")
    try:
        currency = parse_currency(pre or post, default_currency)
    except CrmError:
        raise CrmError(f"Cannot read {raw.strip()!r} as an amount; use {AMOUNT_FORMS}.") from None
    try:
        value = Decimal(match.group("num").replace(",", ""))
    except InvalidOperation:
        raise CrmError(f"Cannot read {raw.strip()!r} as an amount; use {AMOUNT_FORMS}.") from None
    value *= _MULTIPLIERS[(match.group("mult") or "").upper()]
    if value > MAX_AMOUNT:
        raise CrmError(f"The amount {raw.strip()!r} is too large; {MAX_AMOUNT:,} is the most accepted.")
    if value != value.quantize(Decimal("0.01")):
        raise CrmError(f"The amount {raw.strip()!r} has fractions of a cent; give at most two decimals.")
    return int(value * 100), currency


def plain_amount(cents: int | None) -> str:
    """An amount as a plain decimal for CSV: 120000 or 120000.50 (no separators, no symbol)."""
    if cents is None:
        return ""
    whole, frac = divmod(cents, 100)
    return f"{whole}.{frac:02d}" if frac else str(whole)


def amount_number(cents: int | None) -> int | float | None:
    """An amount for JSON: a whole number, or one with cents (exact as written: below 10^13)."""
    if cents is None:
        return None
    whole, frac = divmod(cents, 100)
    return float(f"{whole}.{frac:02d}") if frac else whole


def format_amount(cents: int | None, currency: str | None = None) -> str:
    """An amount as a rep reads it: ¥120,000, $1,200.50, HKD 3,000."""
    if cents is None:
        return ""
    whole, frac = divmod(cents, 100)
    number = f"{whole:,}.{frac:02d}" if frac else f"{whole:,}"
    if not currency:
        return number
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"


def weighted_cents(cents: int, weight: float | Decimal) -> int:
    """cents × weight, rounded half up to a cent (the weight goes through its decimal text)."""
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(cents) * Decimal(str(weight))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- deal and purchase fields -------------------------------------------

MAX_TITLE = 200
MAX_TEXT = 5000


def _text(value: object, what: str, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise CrmError(f"The {what} is {len(text)} characters long; {limit} is the most accepted.")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise CrmError(f"The {what} {text[:40]!r} contains control characters; use plain text.")
    return text or None


def _title(value: object, what: str = "deal title") -> str:
    text = _text(value, what, MAX_TITLE)
    if not text:
        raise CrmError(f"The {what} must not be empty; say what the customer would buy, such as 'Fleet renewal'.")
    if "\n" in text:
        raise CrmError(f"The {what} must be one line.")
    return text


def open_stage(text: str) -> str:
    """A deal stage a rep may set by hand: won and lost have their own commands."""
    stage = vocab.DEAL_STAGES.parse(text)
    if stage == "won":
        raise CrmError("A deal is won with `crm deal won DEAL [--at DATE] [--amount N]`, which also records the purchase.")
    if stage == "lost":
        raise CrmError("A deal is lost with `crm deal lost DEAL --reason X`, which keeps it for nurturing.")
    return stage


def deal_values(raw: Mapping[str, object], today: date, default_currency: str, *, creating: bool) -> dict:
    """Column values of a deal from raw input (only the keys given are returned)."""
    out: dict = {}
    if creating or raw.get("title") is not None:
        out["title"] = _title(raw.get("title"))
    amount = raw.get("amount")
    if amount is not None and str(amount).strip():
        out["amount_cents"], out["currency"] = parse_amount(str(amount), default_currency)
    close = raw.get("close")
    if close is not None:
        text = str(close).strip()
        if text.lower() in ("", "none", "clear"):
            out["close_on"] = None
        else:
            out["close_on"] = parse_date(text, today).isoformat()
    stage = raw.get("stage")
    if stage is not None and str(stage).strip():
        out["stage"] = open_stage(str(stage))
    elif creating:
        out["stage"] = "lead"
    intent = raw.get("intent")
    if intent is not None and str(intent).strip():
        out["intent"] = vocab.INTENTS.parse(str(intent))
    if raw.get("note") is not None:
        out["note"] = _text(raw["note"], "note")
    return out


def purchase_values(raw: Mapping[str, object], today: date, default_currency: str) -> dict:
    """A purchase: date (not after today), amount (required), currency, product, note."""
    at = raw.get("date")
    if at is None or not str(at).strip():
        raise CrmError("A purchase needs its date; give --at DATE (a purchase that happened).")
    day = parse_date(str(at), today)
    _no_future(day, today, "purchase date")
    amount = raw.get("amount")
    if amount is None or not str(amount).strip():
        raise CrmError(f"A purchase needs its amount; give --amount N, such as {AMOUNT_FORMS}.")
    cents, currency = parse_amount(str(amount), None)
    given = parse_currency(str(raw["currency"])) if raw.get("currency") not in (None, "") else None
    if currency and given and currency != given:
        raise CrmError(f"The amount {str(amount).strip()!r} is in {currency} but the currency says {given}; give one.")
    return {
        "date": day.isoformat(), "amount_cents": cents,
        "currency": currency or given or default_currency,
        "product": _text(raw.get("product"), "product", MAX_TITLE),
        "note": _text(raw.get("note"), "note"),
    }


def _no_future(day: date, today: date, what: str) -> None:
    if day > today:
        raise CrmError(f"The {what} {day.isoformat()} is in the future; a deal's expected close date "
                       "(--close) is the place for the future.")


def won_date(text: str | None, today: date) -> date:
    """The day a deal was won: today, or a past date (never the future)."""
    if not text:
        return today
    day = parse_date(text, today)
    _no_future(day, today, "date the deal was won")
    return day


def nurture_days(text: str | None) -> int | None:
    """How long a lost deal rests before it is revisited (default 90 days; 'none' for never)."""
    from crmcli.core.dates import parse_duration

    if text is None:
        return NURTURE_DAYS
    if text.strip().lower() in ("none", "off", "no", "never", "0"):
        return None
    return parse_duration(text)


NURTURE_DAYS = 90


# --- the forecast ----------------------------------------------------------

# The rep's monthly question (seed 003): what closes within these windows.
WINDOWS = ((7, "1 week"), (14, "2 weeks"), (30, "1 month"), (60, "2 months"))
# A deal with no intent given counts as warm in the forecast.
DEFAULT_INTENT = "warm"


def windows_up_to(days: int) -> list[tuple[int, str]]:
    """The standard windows no longer than `days`, then `days` itself if it is not one of them."""
    out = [(d, label) for d, label in WINDOWS if d <= days]
    if not out or out[-1][0] != days:
        out.append((days, f"{days} days"))
    return out


def intent_weight(intent: str | None, weights: Mapping[str, float]) -> float:
    return weights.get(intent or DEFAULT_INTENT, weights.get(DEFAULT_INTENT, 0.0))


@dataclass
class WindowTotal:
    days: int
    label: str
    until: date
    deals: int
    amounts: dict[str, int]  # currency -> cents
    weighted: dict[str, int]  # currency -> cents, weighted by intent

    def as_json(self) -> dict:
        return {
            "window": self.label, "days": self.days, "until": self.until.isoformat(), "deals": self.deals,
            "amounts": [{"currency": c, "amount": amount_number(v), "amount_cents": v}
                        for c, v in sorted(self.amounts.items())],
            "weighted": [{"currency": c, "amount": amount_number(v), "amount_cents": v}
                         for c, v in sorted(self.weighted.items())],
        }


def forecast(deals: Iterable[Mapping[str, object]], day: date, windows: list[tuple[int, str]],
             weights: Mapping[str, float], default_currency: str) -> list[WindowTotal]:
    """Cumulative totals per window of open deals (close_on, amount_cents, currency, intent rows)."""
    totals = [WindowTotal(d, label, day + timedelta(days=d), 0, {}, {}) for d, label in windows]
    for deal in deals:
        close = date.fromisoformat(str(deal["close_on"]))
        cents = int(deal.get("amount_cents") or 0)  # type: ignore[call-overload]
        currency = str(deal.get("currency") or default_currency)
        weighted = weighted_cents(cents, intent_weight(deal.get("intent"), weights))  # type: ignore[arg-type]
        for t in totals:
            if day <= close <= t.until:
                t.deals += int(deal.get("n") or 1)  # type: ignore[call-overload]
                t.amounts[currency] = t.amounts.get(currency, 0) + cents
                t.weighted[currency] = t.weighted.get(currency, 0) + weighted
    return totals


def money_list(amounts: Mapping[str, int]) -> str:
    """Totals in several currencies as one cell: ¥120,000 + $5,000."""
    return " + ".join(format_amount(v, c) for c, v in sorted(amounts.items())) or "0"


# --- where a deal stands on a day ---------------------------------------

def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def closes_text(close_on: str | None, stage: str, day: date) -> str:
    """'closes in 3 days', 'closes today', 'slipped 4 days' (open deals); '' otherwise."""
    if not close_on or stage not in vocab.OPEN_DEAL_STAGES:
        return ""
    close = date.fromisoformat(close_on)
    if close == day:
        return "closes today"
    if close > day:
        return f"closes in {_days((close - day).days)}"
    return f"slipped {_days((day - close).days)}"


def deal_reasons(deals: Iterable[Mapping[str, object]], last_contact: date | None, day: date,
                 horizon: date) -> list[tuple[date, str]]:
    """Agenda reasons of a customer's open deals (each with the day it became due)."""
    reasons: list[tuple[date, str]] = []
    for d in deals:
        if not d.get("close_on") or d.get("stage") not in vocab.OPEN_DEAL_STAGES:
            continue
        close = date.fromisoformat(str(d["close_on"]))
        title = d["title"]
        if close < day:
            reasons.append((close + timedelta(days=1), f"deal '{title}' slipped: was due {close.isoformat()}"))
            continue
        notice = deal_notice(close, last_contact)
        if notice is None or notice > horizon:
            continue
        amount = format_amount(d.get("amount_cents"), d.get("currency"))  # type: ignore[arg-type]
        text = f"deal '{title}'" + (f" {amount}" if amount else "") + " " + closes_text(str(d["close_on"]), str(d["stage"]), day)
        if d.get("intent"):
            text += f", {d['intent']}"
        reasons.append((notice, text))
    return reasons


# --- the loyalty ladder follows purchases ---------------------------------

# Stages a purchase may move up; client, advocate and lost stay where the rep put them.
PURCHASE_MOVES = {"suspect": "first-time", "prospect": "first-time", "first-time": "repeat"}


def stages_after_purchases(stage: str, purchases: list[Mapping[str, object]]) -> list[tuple[str, Mapping[str, object], str]]:
    """The stage changes a customer's purchases call for, oldest first: (stage, purchase, why).

    `purchases` are the customer's purchases by date (only the first two matter).
    A first purchase moves a suspect or prospect to first-time; a second moves it on to repeat.
    """
    changes: list[tuple[str, Mapping[str, object], str]] = []
    if stage in ("suspect", "prospect") and purchases:
        changes.append(("first-time", purchases[0], "first purchase"))
        stage = "first-time"
    if stage == "first-time" and len(purchases) >= 2:
        changes.append(("repeat", purchases[1], "second purchase"))
    return changes


def purchase_note(why: str, purchase: Mapping[str, object]) -> str:
    """The stage change note: why the stage moved, naming the purchase."""
    amount = format_amount(purchase.get("amount_cents"), purchase.get("currency"))  # type: ignore[arg-type]
    what = f" '{purchase['product']}'" if purchase.get("product") else ""
    return f"{why}{what} {amount} on {purchase['date']}".replace("  ", " ")


# --- CSV columns ------------------------------------------------------------

# The purchases kind (DESIGN.md): export writes them, import reads them.
from crmcli.core.records import PURCHASE_COLUMNS  # noqa: E402,F401  (listed with the other kinds)

DEAL_COLUMNS = (
    "id", "customer", "title", "stage", "intent", "amount", "currency", "close_on", "contact",
    "closed_on", "lost_reason", "note",
)
