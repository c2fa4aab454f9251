"""Normal forms of names, phones and emails, for matching and de-duplication.

`name_key` is what REF lookup and import de-duplication compare: case,
full/half width and runs of spaces folded, so "ACME  Trading" and
"ａｃｍｅ trading" are the same customer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")
# Unicode category Cc is exactly these 65 code points; a regex tests them far faster than
# unicodedata per character (importers clean millions of names).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NOT_ASCII_DIGIT = re.compile("[^0-9]+")
MAX_NAME = 200  # characters


def name_key(name: str) -> str:
    """Case-, width- and space-folded form of a name."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def phone_digits(phone: str | None) -> str:
    """The digits of a phone number, for matching (a leading + kept as 00 is not worth it)."""
    text = phone or ""
    if text.isascii():
        return _NOT_ASCII_DIGIT.sub("", text)
    return "".join(ch for ch in text if ch.isdigit())


def email_key(email: str | None) -> str:
    return (email or "").strip().casefold()


def clean_name(name: str | None, what: str = "name") -> str:
    """A name as stored: trimmed, inner whitespace kept; blank is refused."""
    from crmcli.errors import CrmError

    cleaned = (name or "").strip()
    if not cleaned:
        raise CrmError(f"The {what} must not be empty; give a name such as 'Acme Trading' or 王小明.")
    if len(cleaned) > MAX_NAME:
        raise CrmError(f"The {what} is {len(cleaned)} characters long; {MAX_NAME} is the most accepted.")
    if _CONTROL.search(cleaned):
        raise CrmError(f"The {what} {cleaned[:40]!r} contains control characters; use plain text.")
    return cleaned


def all_clean(names: Iterable[str]) -> bool:
    """Whether `clean_name` returns every one of these names unchanged (none refused, none
    trimmed): a column of names checked at once, the exact refusal left to `clean_name`."""
    names = list(names)
    return (all(names) and max(map(len, names), default=0) <= MAX_NAME
            and list(map(str.strip, names)) == names and not _CONTROL.search("".join(names)))


def is_cjk(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)
