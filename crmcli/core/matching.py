"""Are two records the same customer or the same person? Folding names and scoring pairs.

Pure functions, no I/O: store/duplicates.py computes the keys while it
streams the book, blocks records on equal keys (never all pairs) and asks
`score_customers` / `score_contacts` about each candidate pair.

A name is *folded* for matching: Unicode width and case folded (NFKC,
casefold), punctuation and spaces dropped, and the common company suffixes
stripped from the end (有限公司, 股份有限公司, 集团, Co., Ltd., Inc., GmbH…),
so "ACME Trading Co., Ltd." and "ａｃｍｅ trading" fold to the same key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from crmcli.core.names import phone_digits

# Legal-form words that say nothing about which company it is. Matched as whole
# words at the end of a name, after punctuation is dropped ("Co., Ltd." -> co ltd).
LATIN_SUFFIXES = frozenset({
    "co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc",
    "llp", "lp", "plc", "gmbh", "ag", "kg", "mbh", "sa", "sarl", "srl", "spa", "bv", "nv",
    "oy", "ab", "as", "pte", "pty", "kk", "group", "holding", "holdings",
})
# Chinese (and Japanese) legal forms, stripped from the end of the folded name
# (longest first, so 股份有限公司 goes whole rather than leaving 股份).
CJK_SUFFIXES = tuple(sorted({
    "有限责任公司", "有限責任公司", "股份有限公司", "集团有限公司", "集團有限公司", "有限公司",
    "集团公司", "集團公司", "控股集团", "控股集團", "控股", "集团", "集團", "公司", "株式会社",
}, key=len, reverse=True))

# Mail providers anyone can use: two customers on qq.com are not the same company.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "yahoo.com", "yahoo.com.cn", "icloud.com", "me.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.ru",
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn",
    "sohu.com", "139.com", "189.cn", "aliyun.com", "tom.com", "21cn.com", "vip.qq.com",
})

# Phone numbers match on their last digits, so "+86 138 0000 1234" and "138-0000-1234"
# agree; shorter numbers (extensions, typos) are too weak to block on.
PHONE_TAIL = 8
PHONE_MIN_DIGITS = 7

_WORDS = re.compile(r"[^\W_]+")

# Weights of each kind of evidence; several pieces combine as 1 - Π(1 - w).
W_SAME_NAME = 0.9
W_NAMESAKE = 0.5  # same name, both persons buying for themselves
W_CONTAINS = 0.6
W_SIMILAR = 0.4
W_SAME_PHONE = 0.7
W_SAME_EMAIL = 0.85
W_SAME_DOMAIN = 0.3
W_PERSON_SAME_EMAIL = 0.9
W_PERSON_SAME_PHONE = 0.8
W_PERSON_SAME_NAME_HERE = 0.8  # same name at the same customer
W_PERSON_SAME_NAME_ELSEWHERE = 0.4  # same name at two customers: maybe a namesake

SIMILAR_RATIO = 0.8  # difflib ratio of folded names that counts as "similar"
MIN_CONTAINED = 3  # a folded name shorter than this is never "contained" (too many hits)


def _words(name: str) -> list[str]:
    text = name or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _WORDS.findall(text.casefold())


# The shortest head followed only by suffixes: "华东物流有限公司集团" -> "华东物流".
_CJK_TAIL = re.compile(r"^(.+?)(?:" + "|".join(map(re.escape, CJK_SUFFIXES)) + r")+$", re.S)
_CJK_ENDS = frozenset(s[-1] for s in CJK_SUFFIXES)


def _strip_cjk(text: str) -> str:
    if not text or text[-1] not in _CJK_ENDS:
        return text
    m = _CJK_TAIL.match(text)
    return m.group(1) if m else text


def fold_name(name: str) -> str:
    """The key two spellings of one company share; never empty for a non-blank name.

    A name made only of suffix words ("Group Inc.") keeps its first one rather
    than folding to nothing.
    """
    words = _words(name)
    while len(words) > 1:
        last = words[-1]
        if last in LATIN_SUFFIXES or last in CJK_SUFFIXES:
            words.pop()
            continue
        stripped = _strip_cjk(last)
        if stripped == last:
            break
        words[-1] = stripped
    # Joined, then stripped again: "华东物流 有限 公司" ends in a suffix only once joined.
    return _strip_cjk("".join(words))


def fold_person(name: str) -> str:
    """A person's name folded: case, width, spaces and punctuation ("Li  Wei." = "li wei")."""
    return "".join(_words(name))


_NOT_DIGITS = re.compile(r"[^0-9]+")


def phone_key(phone: str | None) -> str | None:
    text = phone or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width digits
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) < PHONE_MIN_DIGITS:
        return None
    return digits[-PHONE_TAIL:]


# What an import matches contacts on by phone alone (store/contact_import.py): a mainland mobile.
_MAINLAND_MOBILE = re.compile("(?:0086|86)?1[3-9][0-9]{9}")


def personal_phone(phone: str) -> bool:
    """Whether a phone number, as written, is one person's: a mainland China mobile (11 digits
    from 13 to 19, with or without +86). An office line (area code and 7–8 digits, a 400/800
    number) is often the switchboard every contact at a company lists, and another country's
    number (written with its own +code) cannot be told apart from one, so matching people on
    those needs their names to agree too."""
    text = phone.strip()
    if text.startswith("+") and not text[1:].lstrip().startswith("86"):
        return False
    return _MAINLAND_MOBILE.fullmatch(phone_digits(text)) is not None


def phone_spellings(digits: str) -> tuple[str, ...]:
    """The digit strings one number may be stored as: a mainland mobile with and without its
    country code (an address book writes +86 138…, a sheet 138…), first the national one."""
    if _MAINLAND_MOBILE.fullmatch(digits) is None:
        return (digits,)
    national = digits[-11:]
    return (national, "86" + national, "0086" + national)


def email_key(email: str | None) -> str | None:
    text = (email or "").strip()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    return text if "@" in text else None


def email_domain(email: str | None) -> str | None:
    """The company part of an address; None for free mail providers."""
    key = email_key(email)
    if not key:
        return None
    domain = key.rsplit("@", 1)[1].strip(". ")
    if not domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


def name_similarity(a: str, b: str) -> float:
    """0..1, on folded names (difflib's ratio)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def contains(a: str, b: str) -> bool:
    """One folded name holds the other whole ("acme" in "acmetrading")."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_CONTAINED and short != long_ and short in long_


def combine(weights: list[float]) -> float:
    """Independent pieces of evidence, 1 - Π(1 - w); never quite certain (at most 0.99)."""
    rest = 1.0
    for w in weights:
        rest *= 1.0 - w
    return min(round(1.0 - rest, 2), 0.99)


@dataclass(frozen=True)
class Match:
    a: int
    b: int
    score: float
    reasons: tuple[str, ...]


def customer_keys(id_: int, name: str, phone: str | None, email: str | None,
                  kind: str = "company") -> dict:
    """The blocking keys of one customer (a dict so the store can group on each)."""
    return {
        "id": id_, "name": name, "person": kind == "person", "folded": fold_name(name),
        "phone": phone_key(phone), "email": email_key(email), "domain": email_domain(email),
    }


def score_customers(a: dict, b: dict) -> Match | None:
    """Why two customers (keys from `customer_keys`) look like one, or None."""
    reasons: list[str] = []
    weights: list[float] = []
    name_evidence = False
    if a["folded"] and a["folded"] == b["folded"]:
        reasons.append("same name")
        # Two people of one name are often namesakes; two companies rarely are.
        weights.append(W_NAMESAKE if a.get("person") and b.get("person") else W_SAME_NAME)
        name_evidence = True
    elif contains(a["folded"], b["folded"]):
        reasons.append("one name contains the other")
        weights.append(W_CONTAINS)
        name_evidence = True
    else:
        ratio = name_similarity(a["folded"], b["folded"])
        if ratio >= SIMILAR_RATIO:
            reasons.append("similar name")
            weights.append(W_SIMILAR * ratio)
            name_evidence = True
    strong = name_evidence and "similar name" not in reasons
    if a["phone"] and a["phone"] == b["phone"]:
        reasons.append("same phone")
        weights.append(W_SAME_PHONE)
        strong = True
    if a["email"] and a["email"] == b["email"]:
        reasons.append("same email")
        weights.append(W_SAME_EMAIL)
        strong = True
    elif a["domain"] and a["domain"] == b["domain"] and name_evidence:
        reasons.append("same email domain")
        weights.append(W_SAME_DOMAIN)
        strong = True
    if not strong:
        return None
    lo, hi = sorted((a["id"], b["id"]))
    return Match(lo, hi, combine(weights), tuple(reasons))


def contact_keys(id_: int, customer_id: int, name: str, phone: str | None, email: str | None) -> dict:
    return {
        "id": id_, "customer_id": customer_id, "name": name, "folded": fold_person(name),
        "phone": phone_key(phone), "personal": personal_phone(phone or ""), "email": email_key(email),
    }


def _same_phone(a: dict, b: dict) -> bool:
    """The same number, and it says they are one person: a mobile each, or an office line (which a
    whole company may list) with the same name, as an import matches (personal_phone)."""
    return bool(a["phone"] and a["phone"] == b["phone"]
                and ((a["personal"] and b["personal"]) or (a["folded"] and a["folded"] == b["folded"])))


def score_contacts(a: dict, b: dict) -> Match | None:
    """Why two stakeholders look like one person, or None."""
    reasons: list[str] = []
    weights: list[float] = []
    if a["email"] and a["email"] == b["email"]:
        reasons.append("same email")
        weights.append(W_PERSON_SAME_EMAIL)
    if _same_phone(a, b):
        reasons.append("same phone")
        weights.append(W_PERSON_SAME_PHONE)
    if a["folded"] and a["folded"] == b["folded"]:
        if a["customer_id"] == b["customer_id"]:
            reasons.append("same name at the same customer")
            weights.append(W_PERSON_SAME_NAME_HERE)
        else:
            reasons.append("same name at another customer")
            weights.append(W_PERSON_SAME_NAME_ELSEWHERE)
    if not reasons:
        return None
    lo, hi = sorted((a["id"], b["id"]))
    return Match(lo, hi, combine(weights), tuple(reasons))


def same_person(a: dict, b: dict) -> bool:
    """Within one merged customer: is this the same stakeholder twice? (name, email or phone)."""
    return bool(
        (a["folded"] and a["folded"] == b["folded"])
        or (a["email"] and a["email"] == b["email"])
        or _same_phone(a, b)
    )
