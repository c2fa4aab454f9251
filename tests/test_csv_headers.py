"""Which column is which (crmcli/io/headers.py): crm's export, English, Chinese, Outlook, Google."""

from __future__ import annotations

import pytest

from crmcli.core.records import CONTACT_COLUMNS, CUSTOMER_COLUMNS, HISTORY_COLUMNS
from crmcli.errors import CrmError
from crmcli.io.headers import header_key, parse_maps, recognise


def test_header_keys_fold_case_width_space_punctuation_and_traditional() -> None:
    assert header_key(" E-mail Address ") == header_key("email_address") == "emailaddress"
    assert header_key("ＮＡＭＥ") == "name"
    assert header_key("電子郵件") == header_key("电子邮件")
    assert header_key("客戶名稱") == header_key("客户名称")


@pytest.mark.parametrize(("traditional", "simplified"), [
    ("最後聯繫", "最后联系"), ("最後聯繫日期", "最后联系日期"), ("頭銜", "头衔"), ("崗位", "岗位"),
    ("說明", "说明"), ("首選聯繫方式", "首选联系方式"), ("跟進事項", "跟进事项"), ("辦公電話", "办公电话"),
    ("客戶級別", "客户级别"), ("入庫日期", "入库日期"), ("客戶回復", "客户回复"),
])
def test_every_recognised_chinese_header_reads_in_traditional_characters(traditional: str,
                                                                         simplified: str) -> None:
    assert header_key(traditional) == header_key(simplified)


@pytest.mark.parametrize(("kind", "columns"), [
    ("customers", CUSTOMER_COLUMNS), ("contacts", CONTACT_COLUMNS), ("history", HISTORY_COLUMNS),
])
def test_crms_own_export_maps_every_column(kind: str, columns: tuple[str, ...]) -> None:
    hmap = recognise(kind, list(columns))
    informative = {"id", "created_at", "last_contact"} - ({"last_contact"} if kind == "customers" else set())
    assert set(hmap.mapped().values()) == set(columns) - informative
    assert set(hmap.ignored()) == set(columns) & informative
    assert not hmap.note_columns


def test_english_and_chinese_customer_headers() -> None:
    english = recognise("customers", ["Customer Name", "Tier", "Stage", "City", "Phone", "Email", "Notes"])
    chinese = recognise("customers", ["客户名称", "客户等级", "阶段", "城市", "电话", "邮箱", "备注"])
    traditional = recognise("customers", ["客戶名稱", "客戶等級", "階段", "城市", "電話", "郵箱", "備註"])
    expected = ["name", "tier", "stage", "city", "phone", "email", "note"]
    for hmap in (english, chinese, traditional):
        assert list(hmap.mapped().values()) == expected


def test_contact_headers_in_both_languages() -> None:
    hmap = recognise("contacts", ["Name", "Company", "Title", "Role", "Mobile", "Email", "Birthday", "Notes"])
    assert hmap.mapped() == {"Name": "name", "Company": "customer", "Title": "title", "Role": "role",
                             "Mobile": "phone", "Email": "email", "Birthday": "birthday", "Notes": "note"}
    hmap = recognise("contacts", ["姓名", "公司", "职位", "角色", "手机", "邮箱", "生日", "备注"])
    assert list(hmap.mapped().values()) == ["name", "customer", "title", "role", "phone", "email",
                                            "birthday", "note"]


def test_history_headers_in_both_languages() -> None:
    hmap = recognise("history", ["Date", "Customer", "Contact", "Channel", "Notes"])
    assert list(hmap.mapped().values()) == ["date", "customer", "contact", "channel", "note"]
    hmap = recognise("history", ["日期", "客户", "联系人", "方式", "目的", "内容", "反馈", "下次联系"])
    assert list(hmap.mapped().values()) == ["date", "customer", "contact", "channel", "purpose", "note",
                                            "feedback", "next"]


def test_several_columns_for_one_field_first_non_empty_wins_and_others_go_to_the_note() -> None:
    hmap = recognise("contacts", ["First Name", "Last Name", "Business Phone", "Mobile Phone", "Home Phone"])
    fields, problem = hmap.record(["Wei", "Li", "010-1234", "138 0000", ""])
    assert problem is None
    assert fields["phone"] == "138 0000"          # mobile outranks the office line
    assert fields["note"] == "Business Phone: 010-1234"
    fields, _ = hmap.record(["Wei", "Li", "010-1234", "", ""])
    assert fields["phone"] == "010-1234" and "note" not in fields


def test_names_from_parts() -> None:
    hmap = recognise("contacts", ["First Name", "Middle Name", "Last Name"])
    assert hmap.record(["Mary", "Ann", "Smith"])[0]["name"] == "Mary Ann Smith"
    assert hmap.record(["芳", "", "王"])[0]["name"] == "王芳"      # family name first, no space
    customers = recognise("customers", ["First Name", "Last Name", "City"])
    assert customers.record(["Anna", "Schmidt", "Berlin"])[0] == {"name": "Anna Schmidt", "kind": "person",
                                                                   "city": "Berlin"}


def test_outlook_title_is_an_honorific_when_job_title_is_there() -> None:
    hmap = recognise("contacts", ["Title", "First Name", "Last Name", "Job Title"])
    fields, _ = hmap.record(["Mr.", "Wei", "Li", "Buyer"])
    assert fields == {"name": "Wei Li", "title": "Buyer"}
    assert hmap.ignored() == ["Title"]


def test_unknown_columns_are_kept_in_the_note_and_reported() -> None:
    hmap = recognise("customers", ["Name", "Fax", "Website", "Notes", ""])
    fields, _ = hmap.record(["Acme", "123", "", "old friend", "stray"])
    assert fields["note"] == "old friend\nFax: 123\nColumn 5: stray"
    assert hmap.kept_in_notes() == [("Fax", 1), ("Column 5", 1)]


def test_bookkeeping_columns_are_ignored_and_named_only_when_they_held_something() -> None:
    hmap = recognise("contacts", ["First Name", "Gender", "Priority", "E-mail Type", "Phone 1 - Label"])
    hmap.record(["Wei", "Unspecified", "Normal", "SMTP", ""])
    assert hmap.ignored() == []
    hmap.record(["Wei", "Male", "Normal", "SMTP", "Mobile"])
    assert hmap.ignored() == ["Gender", "Phone 1 - Label"]


def test_google_multi_values_and_labels() -> None:
    hmap = recognise("contacts", ["First Name", "Labels", "Phone 1 - Value", "E-mail 1 - Value"])
    fields, _ = hmap.record(["Min", "* myContacts ::: Clients", "+86 1 ::: +86 2", "a@x.cn"])
    assert fields["phone"] == "+86 1"
    assert fields["note"] == "Phone 1 - Value: +86 2\nLabels: Clients"


def test_excel_neutralised_cells_are_restored_from_a_bom_file() -> None:
    hmap = recognise("customers", ["name", "phone", "note"])
    hmap.excel_quoted = True
    assert hmap.record(["Acme", "'+86 138", "'=1+1"])[0] == {"name": "Acme", "phone": "+86 138", "note": "=1+1"}


def test_map_overrides_and_ignores() -> None:
    hmap = recognise("customers", ["Firma", "Handy", "Fax"], parse_maps(["Firma=name", "handy=phone", "FAX=ignore"]))
    assert hmap.mapped() == {"Firma": "name", "Handy": "phone"}
    assert hmap.ignored() == ["Fax"]
    assert hmap.record(["Acme", "123", "456"])[0] == {"name": "Acme", "phone": "123"}


def test_map_errors() -> None:
    with pytest.raises(CrmError, match="not COLUMN=FIELD"):
        parse_maps(["Firma"])
    with pytest.raises(CrmError, match="--map names the column 'Nope', which x.csv does not have"):
        recognise("customers", ["Name"], [("Nope", "name")], source="x.csv")
    with pytest.raises(CrmError, match="--map target 'shoe size' is not a customer field"):
        recognise("customers", ["Name", "Size"], [("Size", "shoe size")])


def test_no_recognisable_column() -> None:
    with pytest.raises(CrmError) as e:
        recognise("customers", ["Acme Trading", "gold", "Shenzhen"], source="x.csv", line=1)
    assert "x.csv line 1: no column is recognised as a customer field" in e.value.message
    assert "--map COLUMN=FIELD" in e.value.message


def test_required_column_missing() -> None:
    with pytest.raises(CrmError, match="x.csv line 1: no column gives the customer"):
        recognise("history", ["Date", "Note"], source="x.csv")
    assert recognise("history", ["Date", "Note"], fixed=("customer",)).mapped() == {"Date": "date", "Note": "note"}


def test_duplicate_headers() -> None:
    with pytest.raises(CrmError, match="x.csv line 1: the column 'email' appears twice .columns 2 and 3."):
        recognise("customers", ["Name", "Email", "email"], source="x.csv")


def test_ragged_rows_and_long_cells_are_row_problems() -> None:
    hmap = recognise("customers", ["Name", "City"])
    assert hmap.record(["Acme", "x", "", ""]) == ({"name": "Acme", "city": "x"}, None)  # stray delimiters
    assert "the row has 3 cells but the header has 2" in hmap.record(["Acme", "x", "y"])[1]
    assert "the row has 1 cell but the header has 2" in hmap.record(["Acme"])[1]
    assert "the 'City' cell is 10,000 characters long; 5,000 is the most accepted" in hmap.record(["A", "x" * 10_000])[1]
