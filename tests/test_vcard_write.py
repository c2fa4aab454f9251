"""Writing vCard 3.0 for phones (crmcli/io/vcard.py `card`, `fold`), and reading it back."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.io.vcard import card, fold, read_cards, split_name, write_cards


def back(data: bytes) -> list[dict[str, str]]:
    return [fields for _line, fields in read_cards(io.BytesIO(data))]


def unfold(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n ", b"").split(b"\r\n")[:-1]


def test_a_card_has_the_properties_phones_read():
    data = card({"name": "王小明", "customer": "华东物流有限公司", "department": "采购部",
                 "title": "采购经理", "phone": "+86 138 0013 8000", "email": "wxm@huadong.example",
                 "birthday": "1980-03-22", "note": "周五下午有空", "role": "decision-maker",
                 "level": "partner", "prefers": "im", "best_time": "afternoons", "every_days": 30,
                 "im": "wxid_wxm"})
    assert unfold(data) == [
        b"BEGIN:VCARD", b"VERSION:3.0", "FN:王小明".encode(), "N:王;小明;;;".encode(),
        "ORG:华东物流有限公司;采购部".encode(), "TITLE:采购经理".encode(), b"TEL;TYPE=CELL:+86 138 0013 8000",
        b"EMAIL;TYPE=INTERNET:wxm@huadong.example", b"BDAY:1980-03-22", "NOTE:周五下午有空".encode(),
        b"X-CRM-ROLE:decision-maker", b"X-CRM-LEVEL:partner", b"X-CRM-PREFERS:im",
        b"X-CRM-BEST-TIME:afternoons", b"X-CRM-EVERY:30d", b"X-CRM-IM:wxid_wxm", b"END:VCARD",
    ]


def test_yearless_birthday_and_empty_fields():
    data = card({"name": "Zhao Gang", "birthday": "--07-15", "phone": None, "note": ""})
    assert unfold(data) == [b"BEGIN:VCARD", b"VERSION:3.0", b"FN:Zhao Gang", b"N:Gang;Zhao;;;",
                            b"BDAY:--07-15", b"END:VCARD"]


def test_person_customer_named_after_the_stakeholder_gets_no_org():
    person = {"name": "赵刚", "customer": "赵刚", "customer_kind": "person"}
    assert b"ORG" not in card(person)
    assert "ORG:赵刚的车行".encode() in card({**person, "customer": "赵刚的车行"})
    assert "ORG:赵刚".encode() in card({**person, "customer_kind": "company"})


def test_names_split_family_first_for_cjk():
    assert split_name("王小明") == ("王", "小明")
    assert split_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert split_name("山田 太郎") == ("山田", "太郎")
    assert split_name("约翰·史密斯") == ("史密斯", "约翰")
    assert split_name("John Q. Smith") == ("Smith", "John Q.")
    assert split_name("Madonna") == ("Madonna", "")


def test_folding_at_75_octets_never_splits_a_character():
    line = "NOTE:" + "备注" * 60 + "x" * 10 + "é" * 40
    data = fold(line)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")  # every physical line is whole UTF-8 on its own
    assert data.replace(b"\r\n ", b"").decode() == line + "\r\n"


def test_folding_keeps_an_escape_on_one_line():
    line = "NOTE:" + "a" * 69 + "\\n" + "b" * 20
    first = fold(line).split(b"\r\n")[0]
    assert not first.endswith(b"\\")


def test_write_cards_counts_and_uses_crlf():
    out = io.BytesIO()
    assert write_cards([{"name": "A"}, {"name": "B"}], out) == 2
    assert out.getvalue().count(b"\r\n") == out.getvalue().count(b"\n") == 10


# -- the round trip, over what reps really type ---------------------------------
cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6)
latin = st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12)
tricky = st.text(
    st.one_of(st.sampled_from(list(",;:\\\n\"'= é€王小明😀\t")),
              st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"))),
    min_size=1, max_size=300,
).map(str.strip).filter(bool)
name = st.one_of(cjk, latin, st.tuples(latin, latin).map(" ".join), st.tuples(cjk, cjk).map(" ".join))


@settings(max_examples=150, deadline=None)
@given(name=name, customer=st.one_of(st.none(), tricky.map(lambda t: t[:80])),
       department=st.one_of(st.none(), tricky.map(lambda t: t[:40])),
       note=st.one_of(st.none(), tricky), title=st.one_of(st.none(), tricky.map(lambda t: t[:40])),
       best_time=st.one_of(st.none(), tricky.map(lambda t: t[:30])))
def test_round_trip_of_a_card(name, customer, department, note, title, best_time):
    row = {"name": name.strip(), "customer": customer, "department": department, "note": note,
           "title": title, "best_time": best_time, "phone": "+86 (21) 5555-0100",
           "email": "a.b@example.cn", "birthday": "--02-29", "role": "influencer", "every": "14d"}
    data = card(row)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (fields,) = back(data)
    # Values are kept trimmed, as every field crm stores is.
    expected = {k: v.replace("\r\n", "\n").replace("\r", "\n").strip() for k, v in row.items() if v}
    expected = {k: v for k, v in expected.items() if v}
    if not customer:  # ORG:;Department reads back as a department without a customer
        expected.pop("customer", None)
    assert fields == expected
