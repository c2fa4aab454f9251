"""Likely duplicates: name folding (property-tested), scoring, and `crm customer|contact duplicates`."""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crmcli.core import matching
from crmcli.core.matching import fold_name, phone_key

# Names as reps type them: ASCII letters and digits, CJK, spaces and punctuation.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
LETTERS = st.sampled_from(string.ascii_letters + string.digits)
WORD = st.text(st.one_of(LETTERS, CJK), min_size=1, max_size=8)
SEPARATOR = st.sampled_from([" ", "  ", ", ", ". ", " - ", " & ", "·", "/"])
NAME = st.builds(lambda words, seps: "".join(w + s for w, s in zip(words, seps)).strip(),
                 st.lists(WORD, min_size=1, max_size=4), st.lists(SEPARATOR, min_size=4, max_size=4))
SUFFIX = st.sampled_from(["Co., Ltd.", "Ltd", "Inc.", "GmbH", "LLC", "Corp.", "Group", "有限公司",
                          "股份有限公司", "集团", "集团有限公司", "GmbH & Co. KG", "Co.,Ltd"])


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(NAME)
def test_folding_ignores_case(name):
    assert fold_name(name.upper()) == fold_name(name.lower()) == fold_name(name)


@given(NAME)
def test_folding_ignores_full_width(name):
    assert fold_name(fullwidth(name)) == fold_name(name)


@given(NAME, SEPARATOR)
def test_folding_ignores_spaces_and_punctuation(name, sep):
    assert fold_name(sep.join(name.split(" "))) == fold_name(name.replace(" ", sep))
    assert fold_name(f"  {name}. ") == fold_name(name)


@given(NAME, SUFFIX)
def test_a_company_suffix_does_not_change_the_key(name, suffix):
    assume(fold_name(name))
    assert fold_name(f"{name} {suffix}") == fold_name(name)


@given(NAME)
def test_folding_is_idempotent_and_never_empty_for_a_real_name(name):
    key = fold_name(name)
    assert fold_name(key) == key
    if any(c.isalnum() for c in name):
        assert key


def test_folding_examples():
    assert fold_name("ACME Trading Co., Ltd.") == fold_name("ａｃｍｅ  trading") == "acmetrading"
    assert fold_name("华东物流有限公司") == fold_name("华东物流股份有限公司") == fold_name("华东物流集团") == "华东物流"
    assert fold_name("Siemens GmbH") == "siemens"
    assert fold_name("Group Inc.") == "group"  # only suffixes: keep the first rather than nothing
    assert fold_name("集团") == "集团"


@given(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=13),
       st.lists(st.sampled_from([" ", "-", "(", ")", ".", ""]), min_size=13, max_size=13))
def test_phone_key_ignores_formatting(digits, seps):
    plain = "".join(digits)
    formatted = "".join(d + s for d, s in zip(digits, seps))
    assert phone_key(formatted) == phone_key(plain) == plain[-matching.PHONE_TAIL:]
    assert phone_key("+86 " + plain) == phone_key(plain)  # country code: the tail matches


def test_short_numbers_and_free_mail_are_not_evidence():
    assert phone_key("123") is None
    assert matching.email_domain("li@QQ.com") is None
    assert matching.email_domain("li@Acme.COM") == "acme.com"


KEYS = st.builds(
    matching.customer_keys, st.integers(1, 10**6), NAME,
    st.one_of(st.none(), st.sampled_from(["138 0000 1111", "+86 138-0000-1111", "021 5555 1234"])),
    st.one_of(st.none(), st.sampled_from(["a@acme.com", "b@acme.com", "x@qq.com"])),
    st.sampled_from(["company", "person"]),
)


@given(KEYS, KEYS)
def test_scoring_is_symmetric_and_bounded(a, b):
    assume(a["id"] != b["id"])
    ab, ba = matching.score_customers(a, b), matching.score_customers(b, a)
    assert ab == ba
    if ab is not None:
        assert 0 < ab.score < 1 and ab.reasons and ab.a < ab.b


# -- the command ---------------------------------------------------------------------------
def _ids(groups):
    return [sorted(g["ids"]) for g in groups]


@pytest.fixture
def messy(crm):
    """Customers typed several ways, and a few that only look alike."""
    add = lambda *a: crm("customer", "add", *a)  # noqa: E731
    add("Acme Trading Co., Ltd.", "--phone", "+86 755 8800 1234")  # 1
    add("ACME  trading")  # 2
    add("ａｃｍｅ Trading")  # 3
    add("华东物流有限公司")  # 4
    add("华东物流股份有限公司")  # 5
    add("Siemens")  # 6
    add("Siemens Healthineers")  # 7
    add("Lotus Medical Devices", "--phone", "021-5555 1234")  # 8
    add("莲花医疗", "--phone", "+86 21 5555 1234")  # 9: another name, same switchboard
    add("Bluewave Electronics", "--email", "sales@bluewave.com")  # 10
    add("Bluewave Electronix", "--email", "li@bluewave.com")  # 11: a typo, same company domain
    add("Alpha Foods", "--email", "alpha@qq.com")  # 12
    add("Alfa Foods", "--email", "food@qq.com")  # 13: similar, but qq.com says nothing
    add("Orient Textiles")  # 14


def test_customer_duplicates_groups_what_matches_and_says_why(crm, messy):
    groups = crm.json("customer", "duplicates")
    assert _ids(groups) == [[1, 2, 3], [4, 5], [8, 9], [6, 7], [10, 11]]
    first = groups[0]
    assert [c["name"] for c in first["customers"]] == ["Acme Trading Co., Ltd.", "ACME  trading", "ａｃｍｅ Trading"]
    reasons = {(p["a"], p["b"]): p["reasons"] for g in groups for p in g["pairs"]}
    assert reasons[(1, 2)] == ["same name"] and reasons[(1, 3)] == ["same name"]
    assert reasons[(4, 5)] == ["same name"]
    assert reasons[(6, 7)] == ["one name contains the other"]
    assert reasons[(8, 9)] == ["same phone"]
    assert reasons[(10, 11)] == ["similar name", "same email domain"]
    assert all(0 < g["score"] < 1 for g in groups)
    assert groups[0]["score"] >= groups[-1]["score"]


def test_table_output_names_groups_and_reasons(crm, messy):
    out = crm("customer", "duplicates").stdout
    assert "Group 1" in out and "#1 ~ #2" in out and "same name" in out
    assert "Orient Textiles" not in out and "Alpha" not in out


def test_a_pair_marked_not_duplicates_is_not_offered_again(crm, messy, book_db):
    from crmcli.store import duplicates

    duplicates.dismiss(book_db, "customer", 7, 6)
    duplicates.dismiss(book_db, "customer", 6, 7)  # twice is harmless
    assert [6, 7] not in _ids(crm.json("customer", "duplicates"))


def test_limit_and_an_empty_book(crm, messy):
    assert len(crm.json("customer", "duplicates", "--limit", "2")) == 2
    assert crm.error("customer", "duplicates", "--limit", "-1", code=2)


def test_no_duplicates(crm):
    crm("customer", "add", "Acme")
    crm("customer", "add", "Orient Textiles")
    assert crm.json("customer", "duplicates") == []
    assert "No likely duplicate customers" in crm("customer", "duplicates").stdout


def test_contact_duplicates_by_email_phone_and_name(crm):
    crm("customer", "add", "Acme")
    crm("customer", "add", "Orient")
    crm("contact", "add", "Acme", "Li Wei", "--email", "li@acme.com")  # 1
    crm("contact", "add", "Orient", "Wei Li", "--email", "LI@acme.com")  # 2: same address
    crm("contact", "add", "Acme", "Zhang Min", "--phone", "138 0000 1111")  # 3
    crm("contact", "add", "Orient", "Min Zhang", "--phone", "+86 13800001111")  # 4: same phone
    crm("contact", "add", "Acme", "王芳")  # 5
    crm("contact", "add", "Acme", "王 芳")  # 6: same name, same customer
    crm("contact", "add", "Orient", "Chen Jing")  # 7
    groups = crm.json("contact", "duplicates")
    by_pair = {(p["a"], p["b"]): p for g in groups for p in g["pairs"]}
    assert set(by_pair) == {(1, 2), (3, 4), (5, 6)}
    assert by_pair[(1, 2)]["reasons"] == ["same email"]
    assert by_pair[(3, 4)]["reasons"] == ["same phone"]
    assert by_pair[(5, 6)]["reasons"] == ["same name at the same customer"]
    assert {c["customer"] for c in groups[0]["contacts"]} == {"Acme", "Orient"}


def test_contacts_sharing_an_office_line_are_not_suggested_as_one_person(crm):
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Zhang Wei", "--phone", "0755-8888 8888")  # 1
    crm("contact", "add", "Acme", "Li Na", "--phone", "(0755) 8888 8888")  # 2: the switchboard
    crm("contact", "add", "Acme", "zhang  wei", "--phone", "+86 755 8888 8888")  # 3: Zhang Wei again
    pairs = {(p["a"], p["b"]): p["reasons"] for g in crm.json("contact", "duplicates") for p in g["pairs"]}
    assert pairs == {(1, 3): ["same phone", "same name at the same customer"]}


def test_the_terminal_walk_merges_skips_and_remembers(crm, messy, book_db, db_path):
    from crmcli.cli.duplicates import walk
    from crmcli.cli.session import Session
    from crmcli.store import duplicates

    s = Session(db_path, os.environ.get("CRM_DATABASE_URL"))
    groups = duplicates.customer_duplicates(s.db).groups
    answers = iter(["keep-a", "skip", "not", "skip", "stop"])
    seen = []

    def choose(kind, pair):
        seen.append((pair["a"], pair["b"]))
        return next(answers)

    done = walk(s, "customer", groups, choose)
    s.close()
    assert done == {"merged": 1, "skipped": 2, "dismissed": 1}
    assert seen[:3] == [(1, 2), (1, 3), (4, 5)]
    assert book_db.value("SELECT count(*) FROM customer WHERE id = 2") == 0  # merged into #1
    assert [4, 5] not in _ids(crm.json("customer", "duplicates"))  # remembered
    assert [1, 3] in _ids(crm.json("customer", "duplicates"))  # skipped: offered again
