"""Reading vCards as real phones and Outlook write them (crmcli/io/vcard.py, pure: no database)."""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from crmcli.core.dates import parse_birthday
from crmcli.errors import CrmError
from crmcli.io.vcard import VCardReport, is_vcard, read_cards

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def cards(text: str | bytes, **kw) -> list[dict[str, str]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return [fields for _line, fields in read_cards(io.BytesIO(data), name="book.vcf", **kw)]


def one(*lines: str, version: str = "3.0") -> dict[str, str]:
    body = "\r\n".join(("BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD")) + "\r\n"
    (fields,) = cards(body)
    return fields


def error(data: str | bytes, **kw) -> str:
    with pytest.raises(CrmError) as e:
        cards(data, **kw)
    return e.value.message


# -- the fixtures, written the way each tool writes them --------------------
def test_android_21_quoted_printable():
    report = VCardReport()
    found = list(read_cards(FIXTURES / "android_21_qp.vcf", report=report))
    assert [line for line, _ in found] == [1, 81, 94]
    wang, zhao, unnamed = (fields for _, fields in found)
    assert wang == {
        "name": "王小明", "customer": "华东物流有限公司", "department": "采购部", "title": "采购经理",
        "phone": "+86 138 0013 8000",  # TEL;CELL;PREF wins over the work number listed first
        "email": "wang.xiaoming@huadong.example", "birthday": "1980-03-22",
        "note": "喜欢喝普洱茶，周五下午有空。\n年底前要确认明年的运输合同；预算大约 50 万。",
    }
    assert zhao["name"] == "Zhao Gang" and "customer" not in zhao  # no ORG: an individual
    assert zhao["phone"] == "139 2222 3333"  # the first mobile when none is preferred
    assert zhao["birthday"] == "--0715"
    assert zhao["note"] == "Bought an SUV in 2024, interested in trade-in = upgrade.\nCall after 6pm."
    assert unnamed == {"name": "+86 186 0000 1111", "phone": "+86 186 0000 1111"}
    assert report.photos_skipped == 1 and report.ignored == {"X-ANDROID-CUSTOM": 1}
    assert report.versions == {"2.1": 3}


def test_outlook_21_with_gb2312_card_and_binary_extras():
    report = VCardReport()
    john, li = (f for _, f in read_cards(FIXTURES / "outlook_21.vcf", report=report))
    assert john == {
        "name": "John Smith", "customer": "Contoso Ltd", "department": "Purchasing",
        "title": "Senior Buyer", "phone": "(425) 555-0199", "email": "john.smith@contoso.com",
        "birthday": "19750614",
        "note": "Met at the Hannover fair.\nPrefers mornings; likes golf, tennis and long, detailed "
                "proposals with prices in euro (€).",
    }
    assert li == {"name": "李伟", "customer": "深圳市宏达电子有限公司", "department": "市场部",
                  "title": "市场总监", "phone": "13600001111", "email": "liwei@hongda.example",
                  "note": "喜欢打羽毛球"}
    assert report.photos_skipped == 1
    assert report.ignored["X-MS-OL-DESIGN"] == 1 and report.ignored["X-MS-CARDPICTURE"] == 1
    assert "X-MS-OL-DESIGN ×1" in " ".join(report.summary())


def test_iphone_30_item_groups_folding_and_escapes():
    amy, sean = (f for _, f in read_cards(FIXTURES / "iphone_30.vcf"))
    assert amy["name"] == "Amy Chen" and amy["customer"] == "Acme Trading"
    assert amy["department"] == "Sales" and amy["title"] == "Sales Director"
    assert amy["email"] == "amy.chen@acme.example"  # item1.EMAIL;type=pref
    assert amy["phone"] == "+86 138 8888 2222"  # type=CELL;type=pref
    assert amy["note"] == ("Likes green tea, not coffee.\nMet at the Canton Fair; wants samples "
                           "before March. Her assistant books all meetings, so copy him on every email.")
    assert amy["im"] == "amychen88"
    assert parse_birthday(amy["birthday"]) == "--03-22"  # X-APPLE-OMIT-YEAR=1604
    assert sean["name"] == "Dr. Sean O'Brien"
    assert sean["customer"] == "Acme Trading" and "department" not in sean  # ORG:Acme Trading;
    assert sean["phone"] == "+1 (415) 555-0123"  # item1 labelled _$!<Mobile>!$_
    assert sean["birthday"] == "1969-11-30"  # BDAY;value=date:


def test_chinese_iphone_card():
    wang, ouyang = (f for _, f in read_cards(FIXTURES / "chinese_iphone.vcf"))
    assert wang["name"] == "王芳"
    assert (wang["customer"], wang["department"], wang["title"]) == ("华东物流有限公司", "总经理办公室", "总经理")
    assert wang["phone"] == "139 1111 2222"  # item1 labelled 工作手机 beats the work line
    assert wang["note"] == "喜欢喝普洱茶，周五下午有空。\n孩子在上海读书, 明年高考。\n年度合同由她拍板; 采购部只执行。"
    assert wang["im"] == "wxid_wangfang"
    assert ouyang["name"] == "欧阳娜娜"  # no FN: N in the person's order, family name first


def test_japanese_shift_jis_card_with_backslash_trail_bytes():
    raw = (FIXTURES / "japanese_sjis.vcf").read_bytes()
    assert b"\x83\x5c" in raw  # ソ: its second byte is a backslash, which must not be an escape
    ((line, taro),) = list(read_cards(FIXTURES / "japanese_sjis.vcf"))
    assert line == 1
    assert taro == {
        "name": "山田 太郎", "customer": "株式会社ソニー商事", "department": "営業部", "title": "課長",
        "phone": "090-1234-5678", "email": "taro.yamada@example.jp", "birthday": "19700322",
        "note": "表参道の本社で会議。ソフトウェアの見積もり待ち。",
    }


def test_vcard_40_uri_phones_and_yearless_birthday():
    report = VCardReport()
    ((_, maria),) = list(read_cards(FIXTURES / "v40.vcf", report=report))
    assert maria["phone"] == "+34-600-555-0199"  # PREF=1, tel: URI unwrapped
    assert maria["birthday"] == "--0322" and parse_birthday(maria["birthday"]) == "--03-22"
    assert maria["im"] == "maria@iberia.example"
    assert report.versions == {"4.0": 1} and report.photos_skipped == 1


# -- each rule on its own -----------------------------------------------------
@pytest.mark.parametrize("charset, text", [
    ("GBK", "王小明"), ("GB18030", "𠀀㑇 欧阳"), ("GB2312", "华东物流"),
    ("BIG5", "許功蓋"),  # each has a 0x5C trail byte in Big5
    ("SHIFT_JIS", "表ソ能"), ("UTF-8", "Zoë 王"), ("Windows-1252", "Müller €"),
])
def test_charset_parameter_on_any_property(charset, text):
    codec = {"SHIFT_JIS": "cp932", "BIG5": "cp950"}.get(charset, charset)
    body = (b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=" + charset.encode() + b":" + text.encode(codec)
            + b"\r\nNOTE;CHARSET=" + charset.encode() + b":" + text.encode(codec) + b"\\n"
            + text.encode(codec) + b"\r\nEND:VCARD\r\n")
    (fields,) = cards(body)
    assert fields["name"] == text
    assert fields["note"] == f"{text}\n{text}"


def test_quoted_printable_soft_breaks_and_charset():
    encoded = "".join(f"={b:02X}" for b in "李伟，你好".encode("gb18030"))
    fields = one(f"FN;CHARSET=GB18030;ENCODING=QUOTED-PRINTABLE:{encoded[:12]}=",
                 f"{encoded[12:]}",
                 "NOTE;QUOTED-PRINTABLE:first line=0D=0Asecond =3D line, with a soft=",
                 " break kept", version="2.1")
    assert fields["name"] == "李伟，你好"
    assert fields["note"] == "first line\nsecond = line, with a soft break kept"


def test_folded_lines_lose_exactly_one_space():
    fields = one("FN:Amy", "NOTE:one two thr", " ee fo", "\tur", "  five")
    assert fields["note"] == "one two three four five"


def test_escapes_in_text_and_structured_values():
    fields = one(r"FN:Li\, Wei", r"ORG:Acme\; Trading\, Ltd;Sales\\East",
                 r"NOTE:a\,b\;c\nd\Ne\\f", r"TITLE:C:\path")
    assert fields["name"] == "Li, Wei"
    assert fields["customer"] == "Acme; Trading, Ltd" and fields["department"] == "Sales\\East"
    assert fields["note"] == "a,b;c\nd\ne\\f"
    assert fields["title"] == r"C:\path"  # an unknown escape keeps its backslash


@pytest.mark.parametrize("tels, expected", [
    (["TEL;TYPE=WORK:1", "TEL;TYPE=CELL,PREF:2", "TEL;TYPE=CELL:3"], "2"),  # 3.0/4.0 list form
    (["TEL;WORK:1", "TEL;CELL;PREF:2"], "2"),  # 2.1 bare form
    (["TEL;type=WORK;type=VOICE:1", "TEL;type=work;type=pref:2"], "2"),  # repeated type=
    (['TEL;TYPE="voice,work":1', 'TEL;TYPE="cell,voice":2'], "2"),  # quoted list: first mobile
    (["TEL;HOME:1", "TEL;WORK:2"], "1"),  # nothing marked: the first
    (["TEL;PREF=2:1", "TEL;PREF=1:2"], "2"),  # 4.0 PREF=n: the lowest wins
    (["item1.TEL:1", "item2.TEL:2", "item2.X-ABLabel:手机"], "2"),  # a label saying mobile
])
def test_preferred_phone(tels, expected):
    assert one("FN:A", *tels)["phone"] == expected


def test_preferred_email_else_first():
    assert one("FN:A", "EMAIL:a@x.cn", "EMAIL;TYPE=INTERNET,PREF:b@x.cn")["email"] == "b@x.cn"
    assert one("FN:A", "EMAIL;TYPE=HOME:a@x.cn", "EMAIL;TYPE=WORK:b@x.cn")["email"] == "a@x.cn"


@pytest.mark.parametrize("line, stored", [
    ("BDAY:1980-03-22", "1980-03-22"), ("BDAY:19800322", "1980-03-22"),
    ("BDAY:--0322", "--03-22"), ("BDAY:--03-22", "--03-22"),
    ("BDAY;value=date:1980-03-22", "1980-03-22"), ("BDAY;VALUE=DATE:19800322", "1980-03-22"),
    ("BDAY:value=date:1980-03-22", "1980-03-22"), ("BDAY:1980-03-22T00:00:00Z", "1980-03-22"),
    ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-22", "--03-22"), ("BDAY:--0322T120000", "--03-22"),
])
def test_birthday_forms(line, stored):
    assert parse_birthday(one("FN:A", line)["birthday"]) == stored


@pytest.mark.parametrize("lines, name", [
    (["FN:王小明", "N:王;小明;;;"], "王小明"),  # FN as the person writes it
    (["N:王;小明;;;"], "王小明"),  # Chinese: family name first, no space
    (["N:山田;太郎;;;"], "山田太郎"),
    (["N:김;민준;;;"], "김민준"),
    (["N:Smith;John;Q.;Dr.;Jr."], "John Q. Smith"),  # Western: given names first
    (["FN: ", "N:;;;;", "EMAIL:x@y.cn", "TEL:123"], "x@y.cn"),  # no name: the email
    (["N:;;;;", "TEL:+86 138"], "+86 138"),  # then the phone
])
def test_name_mapping(lines, name):
    assert one(*lines)["name"] == name


def test_card_with_nothing_has_an_empty_name_for_validation_to_refuse():
    assert one() == {"name": ""}


def test_org_components_and_title_fallback():
    fields = one("FN:A", "ORG:Acme;Sales;East", "ROLE:Buyer")
    assert (fields["customer"], fields["department"], fields["title"]) == ("Acme", "Sales / East", "Buyer")
    assert "customer" not in one("FN:A", "ORG:;Sales")


def test_crm_properties_map_back():
    fields = one("FN:A", "X-CRM-ROLE:决策者", "X-CRM-LEVEL:ally", "X-CRM-PREFERS:im",
                 "X-CRM-BEST-TIME:evenings\\, after 7", "X-CRM-EVERY:30d", "X-CRM-IM:wxid_a",
                 "X-WECHAT:other")
    assert fields == {"name": "A", "role": "决策者", "level": "ally", "prefers": "im",
                      "best_time": "evenings, after 7", "every": "30d", "im": "wxid_a"}


def test_vendor_properties_are_reported():
    report = VCardReport()
    body = ("BEGIN:VCARD\nVERSION:3.0\nFN:A\nX-QQ:12345\nX-FOO:1\nX-FOO:2\nADR:;;Road;;;;\n"
            "UID:abc\nREV:2026\nEND:VCARD\n")
    (fields,) = [f for _, f in read_cards(io.BytesIO(body.encode()), report=report)]
    assert fields["im"] == "12345"
    assert report.ignored == {"X-FOO": 2, "ADR": 1}  # UID and REV are bookkeeping, not data
    assert "X-FOO ×2" in report.summary()[-1]


def test_line_numbers_are_those_of_begin_with_lf_or_crlf():
    body = "BEGIN:VCARD\nFN:A\nEND:VCARD\n\nBEGIN:VCARD\r\nFN:B\r\nNOTE:x\r\n y\r\nEND:VCARD\r\n"
    assert [(line, f["name"]) for line, f in read_cards(io.BytesIO(body.encode()))] == [(1, "A"), (5, "B")]


def test_utf16_and_bom_files(tmp_path):
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王芳\r\nEND:VCARD\r\n"
    for encoding, bom in (("utf-16", b""), ("utf-8", b"\xef\xbb\xbf")):
        path = tmp_path / f"{encoding}.vcf"
        path.write_bytes(bom + text.encode(encoding))
        assert [f["name"] for _, f in read_cards(path)] == ["王芳"]
        assert is_vcard(path.read_bytes()[:64])
    assert not is_vcard(b"name,email\nLi,li@x.cn\n")


# -- bad input: one sentence naming the file, the card and the line ----------
def test_not_a_vcard():
    message = error("name,company,phone\nLi Wei,Acme,123\n")
    assert "book.vcf is not a vCard file" in message and "line 1" in message
    assert "not a vCard" in error("\x89PNG\r\n\x1a\n\x00\x00")
    assert "not a vCard" in error("Subject: hello\n\nBEGIN:VCARD\n")
    assert "holds no vCard" in error("\n\n")


def test_card_without_end():
    message = error("BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\n")
    assert message.startswith("book.vcf, card 2 (line 4):") and "no END:VCARD" in message
    message = error("BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n")
    assert "card 1 (line 3)" in message and "begun on line 1 has no END:VCARD" in message


def test_unknown_charset_and_undecodable_bytes():
    message = error("BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN;CHARSET=KOI9-Z:x\nEND:VCARD\n")
    assert message.startswith("book.vcf, card 2 (line 5):") and "CHARSET=KOI9-Z" in message
    message = error(b"BEGIN:VCARD\nVERSION:3.0\nFN:ok\nNOTE:\xff\xfe bad\nEND:VCARD\n")
    assert message.startswith("book.vcf, card 1 (line 4):") and "not valid UTF-8" in message
    assert "--encoding" in message
    message = error(b"BEGIN:VCARD\nFN;CHARSET=SHIFT_JIS:\x81\nEND:VCARD\n")
    assert "not valid SHIFT_JIS" in message and "line 2" in message


def test_encoding_option_for_files_without_charset():
    body = "BEGIN:VCARD\nVERSION:2.1\nFN:王小明\nEND:VCARD\n".encode("gb18030")
    assert cards(body, encoding="gbk")[0]["name"] == "王小明"
    assert "Unknown encoding" in error(body, encoding="nope")


def test_other_bad_shapes():
    assert "VERSION '5.0'" in error("BEGIN:VCARD\nVERSION:5.0\nFN:A\nEND:VCARD\n")
    message = error("BEGIN:VCARD\nFN:A\nEND:VCARD\nFN:B\n")
    assert "line 4" in message and "outside any card" in message
    message = error("BEGIN:VCARD\nFN:A\njust text\nEND:VCARD\n")
    assert "card 1 (line 3)" in message
    assert "not valid base64" in error("BEGIN:VCARD\nNOTE;ENCODING=b:***\nEND:VCARD\n")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CrmError, match="Cannot read nope.vcf"):
        list(read_cards(tmp_path / "nope.vcf"))


# -- memory stays flat ----------------------------------------------------------
def _peak(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("folded", [True, False])
def test_five_megabyte_photo_is_skipped_without_holding_it(tmp_path, folded):
    photo = b"A" * (5 * 1024 * 1024)
    if folded:
        photo = b"\r\n ".join(photo[i:i + 74] for i in range(0, len(photo), 74))
    path = tmp_path / "photo.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:"
                     + photo + b"\r\nTEL:1\r\nEND:VCARD\r\n")
    report = VCardReport()
    found: list = []
    peak = _peak(lambda: found.extend(read_cards(path, report=report)))
    assert found == [(1, {"name": "Big Photo", "phone": "1"})]
    assert report.photos_skipped == 1
    assert peak < 3 * 1024 * 1024  # one 1 MB read buffer at most, never the 5 MB photo


def test_text_value_over_a_megabyte_is_refused(tmp_path):
    path = tmp_path / "long.vcf"
    path.write_bytes(b"BEGIN:VCARD\nFN:A\nNOTE:" + b"x" * (2 * 1024 * 1024) + b"\nEND:VCARD\n")
    with pytest.raises(CrmError, match=r"long.vcf, card 1 \(line 3\): a value is longer than 1 MB"):
        list(read_cards(path))


def test_hundred_thousand_empty_cards_stream_in_flat_memory(tmp_path):
    # Measured in a child process (tracemalloc would make 300,000 lines crawl): the peak
    # resident size grows by far less than 100,000 records would take if they were kept.
    path = tmp_path / "empty.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n" * 100_000)
    code = (
        "import resource, sys\n"
        "from crmcli.io.vcard import read_cards\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "count = sum(1 for _line, fields in read_cards(sys.argv[1]) if fields == {'name': ''})\n"
        "print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True).stdout.split()
    count, grown_kib = int(out[0]), int(out[1])
    assert count == 100_000
    assert grown_kib < 8 * 1024  # keeping the records would take over 25 MB
