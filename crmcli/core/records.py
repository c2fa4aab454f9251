"""Validation of what a rep types (or an import row holds) into stored values.

Every field of a customer, stakeholder and contact logged is parsed here, once,
for the commands and the importers alike. Input is a dict of raw strings
(None = not given); output is a dict of column values ready for the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from crmcli.core import vocabulary as vocab
from crmcli.core.dates import parse_birthday, parse_date, parse_duration, parse_past_date
from crmcli.core.names import clean_name, email_key, name_key, phone_digits
from crmcli.errors import CrmError

MAX_TEXT = 5000

# The CSV columns of each kind (DESIGN.md); export writes them, import reads them.
CUSTOMER_COLUMNS = (
    "id", "name", "kind", "tier", "stage", "industry", "city", "phone", "email", "tags",
    "every", "since", "last_contact", "note", "created_at",
)
CONTACT_COLUMNS = (
    "id", "customer", "name", "role", "level", "title", "department", "phone", "email", "im",
    "prefers", "best_time", "birthday", "every", "note",
)
HISTORY_COLUMNS = (
    "id", "customer", "contact", "date", "channel", "purpose", "note", "feedback", "score",
    "next", "next_note",
)
# Purchases are validated in core/pipeline.py (exact amounts); their columns are listed here.
PURCHASE_COLUMNS = ("id", "customer", "date", "amount", "currency", "product", "deal", "note")


def _text(value: str | None, what: str, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise CrmError(f"The {what} is {len(text)} characters long; {limit} is the most accepted.")
    return text or None


# Line breaks, tabs and other control characters: none belongs in a one-line field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _line(value: str | None, what: str, limit: int = MAX_TEXT) -> str | None:
    """A one-line field (city, title…): control characters, such as a stray carriage return
    from an old Mac file, become a space; notes keep their lines."""
    text = _text(value, what, limit)
    if text and not text.isprintable():  # the common case is printable: one C-level test
        text = _CONTROL.sub(" ", text).strip() or None
    return text


def _email(value: str | None) -> str | None:
    text = _text(value, "email", 320)
    if text and ("@" not in text or " " in text):
        raise CrmError(f"{text!r} is not an email address; give one such as li.wei@example.com.")
    return text


def _phone(value: str | None) -> str | None:
    text = _text(value, "phone", 60)
    if text and not phone_digits(text):
        raise CrmError(f"{text!r} is not a phone number; give digits such as +86 138 0000 0000.")
    return text


# One field's check, for an importer that checks a column at once (store/customer_import.py).
phone_value = _phone
email_value = _email


def note_value(value: str | None) -> str | None:
    return _text(value, "note")


def parse_tags(value: str | Iterable[str] | None) -> str:
    """Tags stored `;`-separated, trimmed, without duplicates (case-insensitive)."""
    if value is None:
        return ""
    items = value.replace(",", ";").split(";") if isinstance(value, str) else list(value)
    seen: dict[str, str] = {}
    for item in items:
        for tag in str(item).replace(",", ";").split(";"):
            tag = tag.strip()
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
    return ";".join(seen.values())


def score(value: str | int | None) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CrmError(f"The score {value!r} is not a whole number; give 0 to 10.") from None
    if not 0 <= number <= 10:
        raise CrmError(f"The score {number} is out of range; give 0 to 10.")
    return number


def _vocab(v: vocab.Vocabulary, value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    return v.parse(str(value))


def _every(value: str | None) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return parse_duration(str(value))


def customer_values(raw: Mapping[str, object], today: date, *, creating: bool) -> dict:
    """Column values for a customer from raw input (only the keys given are returned)."""
    out: dict = {}
    if "name" in raw and raw["name"] is not None or creating:
        out["name"] = clean_name(raw.get("name"), "customer name")  # type: ignore[arg-type]
        out["name_key"] = name_key(out["name"])
    for key, v, default in (
        ("kind", vocab.KINDS, "company"),
        ("tier", vocab.TIERS, "iron"),
        ("stage", vocab.STAGES, "prospect"),
    ):
        value = _vocab(v, raw.get(key))  # type: ignore[arg-type]
        if value or creating:
            out[key] = value or default
    for key in ("industry", "city"):
        if raw.get(key) is not None:
            out[key] = _line(raw[key], key)  # type: ignore[arg-type]
    if raw.get("note") is not None:
        out["note"] = _text(raw["note"], "note")  # type: ignore[arg-type]
    if raw.get("phone") is not None:
        out["phone"] = _phone(raw["phone"])  # type: ignore[arg-type]
    if raw.get("email") is not None:
        out["email"] = _email(raw["email"])  # type: ignore[arg-type]
    if raw.get("tags") is not None:
        out["tags"] = parse_tags(raw["tags"])  # type: ignore[arg-type]
    if raw.get("every") is not None:
        out["every_days"] = _every(raw["every"])  # type: ignore[arg-type]
    since = raw.get("since")
    if since is not None and str(since).strip():
        out["since"] = parse_past_date(str(since), today, what="--since date").isoformat()
    elif creating:
        out["since"] = today.isoformat()
    last = raw.get("last_contact")
    if last is not None and str(last).strip():
        out["imported_last_contact"] = parse_past_date(str(last), today, what="last contact").isoformat()
    return out


def stakeholder_values(raw: Mapping[str, object], today: date, *, creating: bool) -> dict:
    out: dict = {}
    if "name" in raw and raw["name"] is not None or creating:
        out["name"] = clean_name(raw.get("name"), "contact name")  # type: ignore[arg-type]
        out["name_key"] = name_key(out["name"])
    if raw.get("role") is not None:
        out["role"] = _vocab(vocab.ROLES, raw["role"])  # type: ignore[arg-type]
    if raw.get("level") is not None:
        out["level"] = _vocab(vocab.LEVELS, raw["level"])  # type: ignore[arg-type]
    if raw.get("prefers") is not None:
        out["prefers"] = _vocab(vocab.CHANNELS, raw["prefers"])  # type: ignore[arg-type]
    for key in ("title", "department", "im", "best_time"):
        if raw.get(key) is not None:
            out[key] = _line(raw[key], key.replace("_", " "))  # type: ignore[arg-type]
    if raw.get("note") is not None:
        out["note"] = _text(raw["note"], "note")  # type: ignore[arg-type]
    if raw.get("phone") is not None:
        out["phone"] = _phone(raw["phone"])  # type: ignore[arg-type]
        out["phone_digits"] = phone_digits(out["phone"]) or None
    if raw.get("email") is not None:
        out["email"] = _email(raw["email"])  # type: ignore[arg-type]
        out["email_key"] = email_key(out["email"]) or None
    if raw.get("birthday") is not None:
        text = str(raw["birthday"]).strip()
        out["birthday"] = parse_birthday(text, today) if text else None
    if raw.get("every") is not None:
        out["every_days"] = _every(raw["every"])  # type: ignore[arg-type]
    return out


def interaction_values(raw: Mapping[str, object], today: date) -> dict:
    """A contact logged: date (not in the future), channel, purpose, notes, score, next step."""
    at = raw.get("at")
    day = parse_past_date(str(at), today, what="contact date") if at else today
    out = {
        "date": day.isoformat(),
        "channel": _vocab(vocab.CHANNELS, raw.get("via")),  # type: ignore[arg-type]
        "purpose": _vocab(vocab.PURPOSES, raw.get("about")),  # type: ignore[arg-type]
        "note": _text(raw.get("note"), "note"),  # type: ignore[arg-type]
        "feedback": _text(raw.get("feedback"), "feedback"),  # type: ignore[arg-type]
        "score": score(raw.get("score")),  # type: ignore[arg-type]
        "next_on": None,
        "next_note": _text(raw.get("next_note"), "next note"),  # type: ignore[arg-type]
    }
    nxt = raw.get("next")
    if nxt is not None and str(nxt).strip():
        out["next_on"] = parse_date(str(nxt), today).isoformat()
    elif out["next_note"]:
        raise CrmError("--next-note needs --next DATE: when is the follow-up due?")
    return out
