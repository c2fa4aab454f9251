"""Normal forms of names, phones and emails, for matching and de-duplication.

`name_key` is what REF lookup and import de-duplication compare: case,
full/half width and runs of spaces folded, so "ACME  Trading" and
"ａｃｍｅ trading" are the same customer.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Case-, width- and space-folded form of a name."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def phone_digits(phone: str | None) -> str:
    """The digits of a phone number, for matching (a leading + kept as 00 is not worth it)."""
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def email_key(email: str | None) -> str:
    return (email or "").strip().casefold()


def clean_name(name: str | None, what: str = "name") -> str:
    """A name as stored: trimmed, inner whitespace kept; blank is refused."""
    from crmcli.errors import CrmError

    cleaned = (name or "").strip()
    if not cleaned:
        raise CrmError(f"The {what} must not be empty; give a name such as 'Acme Trading' or 王小明.")
    if len(cleaned) > 200:
        raise CrmError(f"The {what} is {len(cleaned)} characters long; 200 is the most accepted.")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise CrmError(f"The {what} {cleaned[:40]!r} contains control characters; use plain text.")
    return cleaned


def is_cjk(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)
