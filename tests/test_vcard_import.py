"""`crm import contacts FILE.vcf` and `crm export contacts --vcard`: phones' address books in and out."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core.names import name_key

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def people(crm) -> dict[str, dict]:
    return {c["name"]: c for c in crm.json("contact", "list", "--limit", "0")}


def customers(crm) -> dict[str, dict]:
    return {c["name"]: c for c in crm.json("customer", "list", "--limit", "0")}


def vcf(tmp_path: Path, *cards: str, name: str = "phone.vcf") -> Path:
    path = tmp_path / name
    path.write_bytes("".join(
        "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "\r\n".join(lines) + "\r\nEND:VCARD\r\n"
        for lines in (c.split("\n") for c in cards)
    ).encode("utf-8"))
    return path


# -- in ---------------------------------------------------------------------------
@pytest.mark.parametrize("fixture, expected", [
    ("android_21_qp.vcf", {"王小明": "华东物流有限公司", "Zhao Gang": "Zhao Gang",
                           "+86 186 0000 1111": "+86 186 0000 1111"}),
    ("outlook_21.vcf", {"John Smith": "Contoso Ltd", "李伟": "深圳市宏达电子有限公司"}),
    ("iphone_30.vcf", {"Amy Chen": "Acme Trading", "Dr. Sean O'Brien": "Acme Trading"}),
    ("chinese_iphone.vcf", {"王芳": "华东物流有限公司", "欧阳娜娜": "华东物流有限公司"}),
    ("japanese_sjis.vcf", {"山田 太郎": "株式会社ソニー商事"}),
    ("v40.vcf", {"Maria Garcia": "Iberia Foods"}),
])
def test_each_tool_s_export_imports(crm, fixture, expected):
    result = crm("import", "contacts", FIXTURES / fixture)
    assert f"contacts: {len(expected)} created" in result.stdout
    found = people(crm)
    assert {name: p["customer"] for name, p in found.items()} == expected


def test_fields_land_where_they_belong(crm):
    crm("import", "contacts", FIXTURES / "chinese_iphone.vcf")
    crm("import", "contacts", FIXTURES / "iphone_30.vcf")
    wang = people(crm)["王芳"]
    assert (wang["title"], wang["department"], wang["phone"], wang["email"], wang["im"]) == (
        "总经理", "总经理办公室", "139 1111 2222", "wangfang@huadong.example", "wxid_wangfang")
    assert wang["birthday"] == "1978-08-08"
    assert wang["note"] == "喜欢喝普洱茶，周五下午有空。\n孩子在上海读书, 明年高考。\n年度合同由她拍板; 采购部只执行。"
    assert people(crm)["Amy Chen"]["birthday"] == "--03-22"  # iPhone's year 1604 means "no year"


def test_summary_says_what_was_skipped_and_ignored(crm):
    out = crm("import", "contacts", FIXTURES / "outlook_21.vcf").stdout
    assert "Read 2 vCards (version 2.1 ×2)." in out
    assert "Skipped 1 photo" in out
    assert "X-MS-OL-DESIGN ×1" in out and "X-MS-OL-DEFAULT-POSTAL-ADDRESS ×2" in out
    data = crm.json("import", "contacts", FIXTURES / "android_21_qp.vcf")
    assert data["format"] == "vcard" and data["cards"] == 3 and data["versions"] == {"2.1": 3}
    assert data["photos_skipped"] == 1 and data["ignored_properties"] == {"X-ANDROID-CUSTOM": 1}


@pytest.mark.parametrize("charset", ["base64", "rot13"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(crm, tmp_path, charset):
    path = vcf(tmp_path, "FN:Vic Tor\nEMAIL:v@t.com")
    assert f"Unknown encoding '{charset}'" in crm.error("import", "contacts", path, "--encoding", charset)
    path = vcf(tmp_path, f"FN;CHARSET={charset}:Vic Tor", name="charset.vcf")
    assert f"CHARSET={charset} is not a character set" in crm.error("import", "contacts", path)
    assert customers(crm) == {}


def test_card_without_org_is_an_individual_customer(crm):
    crm("import", "contacts", FIXTURES / "android_21_qp.vcf")
    zhao = customers(crm)["Zhao Gang"]
    assert zhao["kind"] == "person"
    page = crm.json("customer", "show", str(zhao["id"]))
    assert [s["name"] for s in page["stakeholders"]] == ["Zhao Gang"]


def test_customer_option_files_every_card_under_one_customer(crm):
    crm("customer", "add", "Expo 2026 leads")
    crm("import", "contacts", FIXTURES / "iphone_30.vcf", "--customer", "Expo")
    crm("import", "contacts", FIXTURES / "android_21_qp.vcf", "--customer", "Expo")
    assert {p["customer"] for p in people(crm).values()} == {"Expo 2026 leads"}
    assert list(customers(crm)) == ["Expo 2026 leads"]


def test_detected_from_content_not_extension(crm, tmp_path):
    renamed = tmp_path / "contacts.txt"
    shutil.copy(FIXTURES / "japanese_sjis.vcf", renamed)
    assert "(vCard)" in crm("import", "contacts", renamed).stdout
    assert "山田 太郎" in people(crm)


def test_vcard_is_for_contacts_only(crm):
    assert "crm import contacts" in crm.error("import", "customers", FIXTURES / "v40.vcf")


# -- duplicates: email, then phone digits, then name within the customer ---------
def test_duplicates_match_email_then_phone_then_name(crm, tmp_path):
    crm("customer", "add", "Acme Trading")
    crm("contact", "add", "Acme Trading", "Li Wei", "--email", "li.wei@acme.example",
        "--phone", "+86 138 0000 1111")
    crm("contact", "add", "Acme Trading", "Zhang Min")
    path = vcf(tmp_path,
               "FN:Wei Li\nORG:Other Co\nEMAIL:LI.WEI@acme.example",  # same email, other name
               "FN:L. Wei\nORG:Acme Trading\nTEL:+86 (138) 0000-1111",  # same phone digits
               "FN:zhang  min\nORG:Acme Trading\nTITLE:Buyer",  # same name at the customer
               "FN:Zhang Min\nORG:Other Co",  # same name elsewhere: another person
               "FN:New Person\nORG:Acme Trading\nEMAIL:new@acme.example",
               "FN:New Person again\nORG:Acme Trading\nEMAIL:new@acme.example")  # earlier in the file
    result = crm.json("import", "contacts", path)
    assert result["counts"]["contacts"] == {"created": 2, "updated": 0, "skipped": 4, "rejected": 0}
    assert sorted((p["name"], p["customer"]) for p in crm.json("contact", "list")) == [
        ("Li Wei", "Acme Trading"), ("New Person", "Acme Trading"), ("Zhang Min", "Acme Trading"),
        ("Zhang Min", "Other Co")]
    again = crm.json("import", "contacts", path, "--on-conflict", "update")
    assert again["counts"]["contacts"]["created"] == 0
    assert [p["title"] for p in crm.json("contact", "list", "Acme") if p["name"] == "Zhang Min"] == ["Buyer"]
    message = crm.error("import", "contacts", path, "--on-conflict", "fail")
    assert "--on-conflict fail" in message and "(card 1)" in message


def test_importing_the_same_file_twice_doubles_nobody(crm):
    crm("import", "contacts", FIXTURES / "android_21_qp.vcf")
    second = crm.json("import", "contacts", FIXTURES / "android_21_qp.vcf")
    assert second["counts"]["contacts"] == {"created": 0, "updated": 0, "skipped": 3, "rejected": 0}
    assert len(people(crm)) == 3


# -- all or nothing, dry run, skip invalid -----------------------------------------
BAD = ("FN:Good One\nORG:Acme", "FN:Bad Birthday\nORG:Acme\nBDAY:1980-02-30",
       "FN:Bad Role\nORG:Acme\nX-CRM-ROLE:emperor")


def test_one_bad_card_refuses_the_file_naming_card_and_line(crm, tmp_path):
    path = vcf(tmp_path, *BAD)
    message = crm.error("import", "contacts", path)
    assert "phone.vcf: 2 rows are invalid, so nothing was imported" in message
    assert "line 6 (card 2): Cannot read '1980-02-30' as a birthday" in message
    assert "line 12 (card 3): Unknown role 'emperor'" in message
    assert people(crm) == {} and customers(crm) == {}


def test_dry_run_counts_and_writes_nothing(crm, tmp_path):
    path = vcf(tmp_path, BAD[0], "FN:Other\nORG:Beta")
    result = crm.json("import", "contacts", path, "--dry-run")
    assert result["dry_run"] and result["counts"]["contacts"]["created"] == 2
    assert result["counts"]["customers"]["created"] == 2
    assert people(crm) == {}


def test_skip_invalid_imports_the_rest_and_writes_rejects(crm, tmp_path):
    path = vcf(tmp_path, *BAD)
    crm("import", "contacts", path, "--skip-invalid")
    assert list(people(crm)) == ["Good One"]
    rejects = (tmp_path / "phone.vcf.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0].endswith(",reason") and "name" in rejects[0].split(",")
    assert len(rejects) == 3
    assert "Bad Birthday" in rejects[1] and "line 6 (card 2)" in rejects[1]


# -- bad files: one sentence naming the file and the card; nothing written ---------
@pytest.mark.parametrize("content, words", [
    (b"name,company\nLi Wei,Acme\n", "phone.vcf is not a vCard file"),
    (b"BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\n", "phone.vcf, card 2 (line 4)"),
    (b"BEGIN:VCARD\nFN;CHARSET=X-UNKNOWN:A\nEND:VCARD\n", "CHARSET=X-UNKNOWN"),
    (b"BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:\xff\xfeB\nEND:VCARD\n", "card 2 (line 5)"),
    (b"", "holds no vCard"),
])
def test_bad_files(crm, tmp_path, content, words):
    path = tmp_path / "phone.vcf"
    path.write_bytes(content)
    assert words in crm.error("import", "contacts", path)
    assert people(crm) == {} and customers(crm) == {}


def test_many_empty_cards_are_refused_by_card(crm, tmp_path):
    path = tmp_path / "empty.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n" * 2000)
    message = crm.error("import", "contacts", path)
    assert "2,000 rows are invalid" in message and "line 1 (card 1):" in message
    assert "… and 1,980 more" in message
    assert customers(crm) == {}


def test_big_photo_is_skipped_and_the_card_imported(crm, tmp_path):
    photo = b"\r\n ".join([b"QUFB" * 18] * 70_000)  # about 5 MB of base64, folded
    path = tmp_path / "photo.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Photo Person\r\nORG:Acme\r\n"
                     b"PHOTO;ENCODING=b;TYPE=JPEG:" + photo + b"\r\nEND:VCARD\r\n")
    assert path.stat().st_size > 5_000_000
    assert "Skipped 1 photo" in crm("import", "contacts", path).stdout
    assert list(people(crm)) == ["Photo Person"]


# -- out --------------------------------------------------------------------------
def test_export_writes_vcard_30_for_phones(crm, book, tmp_path):
    book()
    crm("contact", "edit", "王芳", "--birthday", "--08-08", "--note", "年度合同由她拍板；采购部只执行, really")
    data = crm("export", "contacts", "--vcard").stdout_bytes
    assert data.count(b"BEGIN:VCARD\r\nVERSION:3.0\r\n") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    text = data.decode("utf-8").replace("\r\n ", "")
    assert "FN:王芳\r\nN:王;芳;;;\r\nORG:华东物流有限公司\r\n" in text
    assert "BDAY:--08-08" in text and "NOTE:年度合同由她拍板；采购部只执行\\, really" in text
    assert "X-CRM-ROLE:decision-maker" in text and "X-CRM-PREFERS:im" in text
    assert "X-CRM-BEST-TIME:evenings" in text


def test_export_filters_like_contact_list_and_writes_a_file(crm, book, tmp_path):
    book()
    out = tmp_path / "acme.vcf"
    crm("export", "contacts", "Acme", "--vcard", "-o", out)
    text = out.read_bytes().decode("utf-8")
    assert text.count("BEGIN:VCARD") == 2 and "王芳" not in text
    executors = crm("export", "contacts", "--vcard", "--role", "executor").stdout
    assert executors.count("BEGIN:VCARD") == 1 and "FN:Zhang Min" in executors


def test_exported_book_imports_back_as_the_same_stakeholders(crm, book, tmp_path):
    book()
    crm("customer", "add", "赵刚", "--person")
    crm("contact", "add", "赵刚", "赵刚", "--role", "decision-maker", "--phone", "139 2222 3333")
    out = tmp_path / "all.vcf"
    crm("export", "contacts", "--vcard", "-o", out)
    assert b"ORG:\xe8\xb5\xb5" not in out.read_bytes()  # an individual customer: no ORG
    before = crm.json("contact", "list")
    assert crm.json("import", "contacts", out)["counts"]["contacts"]["skipped"] == 4  # no doubles
    assert crm.json("contact", "list") == before


# -- the round trip, as a property ------------------------------------------------
KEPT = ("name", "customer", "role", "level", "title", "department", "phone", "email", "im",
        "prefers", "best_time", "birthday", "every", "note")
cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4)
latin = st.tuples(st.sampled_from("abcdefghijklmnopqrstuvwxyzéüÅ"),
                  st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzéüÅ'-"), max_size=7)).map(
    lambda t: (t[0] + t[1]).title())
person = st.one_of(cjk, st.tuples(latin, latin).map(" ".join), st.tuples(cjk, latin).map(" ".join))
text = st.text(st.one_of(st.sampled_from(list(",;:\\\n\"'=€ 王小明采购😀")),
                         st.characters(codec="utf-8", categories=("L", "N", "P", "S"))),
               max_size=120).map(str.strip)
contact = st.fixed_dictionaries({
    "name": person,
    "company": st.one_of(st.none(), st.sampled_from(["Acme Trading", "华东物流有限公司", "Beta; Gamma, Ltd"])),
    "role": st.sampled_from(["decision-maker", "influencer", "executor", "supervisor"]),
    "level": st.one_of(st.none(), st.sampled_from(["acquainted", "engaged", "partner", "ally"])),
    "note": text, "title": text.map(lambda t: t[:40]), "department": text.map(lambda t: t[:30]),
    "best_time": text.map(lambda t: t[:20]),
    "prefers": st.one_of(st.none(), st.sampled_from(["call", "im", "email", "visit"])),
    "birthday": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()).filter(lambda d: "1900" < d < "2020"),
                          st.sampled_from(["--02-29", "--12-31"])),
    "every": st.one_of(st.none(), st.sampled_from(["14d", "30d", "90d"])),
})


@pytest.fixture
def empty_book(crm, tmp_path) -> Path:
    """A migrated, empty book file to copy (making one per example would cost a migration)."""
    path = tmp_path / "template.db"
    crm("--db", path, "customer", "list")
    return path


@pytest.mark.sqlite_only
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contacts=st.lists(contact, min_size=1, max_size=4, unique_by=lambda c: name_key(c["name"])))
def test_round_trip_property(crm, empty_book, contacts):
    with tempfile.TemporaryDirectory() as folder:
        first, second, out = (Path(folder) / n for n in ("first.db", "second.db", "book.vcf"))
        shutil.copy(empty_book, first)
        shutil.copy(empty_book, second)
        for i, c in enumerate(contacts):
            company = c["company"] or c["name"]
            if c["company"] is None:
                crm("--db", first, "customer", "add", company, "--person")
            elif not any(x["company"] == company for x in contacts[:i]):
                crm("--db", first, "customer", "add", company)
            args = ["--db", first, "contact", "add", company, c["name"], "--role", c["role"],
                    "--email", f"p{i}@example.cn", "--phone", f"+86 138 0000 {1000 + i}",
                    "--im", f"wxid_{i}"]
            for key in ("level", "note", "title", "department", "best_time", "prefers", "birthday", "every"):
                if c[key] and not (key == "department" and c["company"] is None):
                    args += [f"--{key.replace('_', '-')}", c[key]]
            crm(*args)
        crm("--db", first, "export", "contacts", "--vcard", "-o", out)
        crm("--db", second, "import", "contacts", out)
        exported = [{k: p[k] for k in KEPT} for p in crm.json("--db", first, "contact", "list")]
        imported = [{k: p[k] for k in KEPT} for p in crm.json("--db", second, "contact", "list")]
        assert imported == exported
        kinds = {c["name"]: c["kind"] for c in crm.json("--db", second, "customer", "list")}
        assert kinds == {c["name"]: c["kind"] for c in crm.json("--db", first, "customer", "list")}
