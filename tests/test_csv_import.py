"""`crm import KIND FILE`: real files in, validated, de-duplicated, all or nothing, as one batch."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
VCARDS = Path(__file__).parent / "fixtures" / "vcard"


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def counts(book_db) -> dict[str, int]:
    return {t: book_db.value(f"SELECT count(*) FROM {t}") for t in
            ("customer", "stakeholder", "interaction", "follow_up", "import_batch", "import_item")}


# -- files as Excel, Outlook and Google write them -------------------------------------------
def test_chinese_excel_gbk_customers(crm) -> None:
    out = crm("import", "customers", FIXTURES / "excel_gbk.csv").stdout
    assert "(GB18030, comma-separated): 3 rows" in out
    assert "customers: 3 created, 0 updated, 0 skipped, 0 rejected" in out
    rows = by_name(crm.json("customer", "list"))
    hd = rows["华东物流有限公司"]
    assert (hd["tier"], hd["stage"], hd["city"], hd["tags"]) == ("gold", "client", "上海", ["物流", "重点"])
    assert hd["note"] == "年度合同, 续签中"
    assert hd["last_contact"] == "2026-10-08"            # 2026/10/8, the last-contact column
    assert hd["next_due"] == "2026-10-22"                # gold: every 14 days, due at once
    assert rows["深圳市前海贸易有限公司"]["last_contact"] == "2026-09-01"   # 2026年9月1日
    assert rows["北京晨光科技"]["tier"] == "iron" and rows["北京晨光科技"]["stage"] == "suspect"


def test_excel_utf8_bom_customers_with_us_dates_and_serials(crm) -> None:
    out = crm("import", "customers", FIXTURES / "excel_utf8_bom.csv").stdout
    assert "(UTF-8 with BOM, comma-separated)" in out
    rows = by_name(crm.json("customer", "list"))
    acme = rows["Acme Trading"]
    assert acme["since"] == "2024-03-15" and acme["last_contact"] == "2026-11-03"
    assert acme["tags"] == ["vip", "export"]
    assert acme["note"] == 'Said "call after 3pm", prefers WeChat'
    assert rows["Müller GmbH"]["city"] == "München" and rows["Müller GmbH"]["since"] == "2025-01-02"
    assert rows["王记汽车 (个人)"]["last_contact"] == "2025-11-01"          # Excel serial 45962


def test_dayfirst(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Since\nAcme,3/5/2024\n")
    crm("import", "customers", path, "--dayfirst")
    assert crm.json("customer", "list")[0]["since"] == "2024-05-03"


@pytest.mark.parametrize("name", ["excel_semicolon.csv", "excel_sep_line.csv", "mac_cr.csv"])
def test_european_semicolons_sep_lines_and_mac_line_endings(crm, name: str) -> None:
    crm("import", "customers", FIXTURES / name)
    rows = by_name(crm.json("customer", "list"))
    assert rows["Bäckerei Schmidt"]["since"] == "2024-03-05"              # 5.3.2024, day first
    assert rows["Bäckerei Schmidt"]["note"] == "Kunde seit 2024; zahlt pünktlich"
    assert rows["Fromagerie Dupont"]["since"] == "2023-12-25"


def test_excel_unicode_text_contacts(crm) -> None:
    out = crm("import", "contacts", FIXTURES / "excel_unicode.txt").stdout
    assert "(UTF-16, tab-separated)" in out
    assert "customers: 1 created" in out
    people = by_name(crm.json("contact", "list"))
    assert people["张伟"]["role"] == "executor" and people["张伟"]["birthday"] == "1982-07-09"
    assert people["李娜"]["role"] == "decision-maker" and people["李娜"]["birthday"] == "--03-05"
    assert {p["customer"] for p in people.values()} == {"华东物流有限公司"}


def test_outlook_contacts_export(crm) -> None:
    out = crm("import", "contacts", FIXTURES / "outlook_contacts.csv").stdout
    assert "contacts: 3 created" in out and "customers: 3 created" in out
    assert "Kept in notes: Business City (1 row), Business Phone (1 row), Categories (1 row), Web Page (1 row)." in out
    assert "Ignored columns: Title, E-mail Display Name, Initials." in out
    people = by_name(crm.json("contact", "list"))
    li = people["Wei Li"]
    assert (li["customer"], li["title"], li["department"]) == ("Acme Trading", "Purchasing Manager", "Purchasing")
    assert li["phone"] == "+86 138 0000 0001" and li["email"] == "li.wei@acme.example"
    assert li["birthday"] == "1980-03-22"
    assert li["note"] == ("Met at Canton Fair.\r\nPrefers WeChat.\nBusiness Phone: +86 755 8888 0001\n"
                          "Business City: Shenzhen\nCategories: Customers;VIP")
    assert people["王芳"]["birthday"] is None                             # 0/0/00
    assert people["王芳"]["customer"] == "华东物流有限公司"


def test_contact_without_company_becomes_an_individual_customer(crm) -> None:
    crm("import", "contacts", FIXTURES / "outlook_contacts.csv")
    anna = by_name(crm.json("contact", "list"))["Anna Schmidt"]
    assert anna["customer"] == "Anna Schmidt" and anna["role"] == "decision-maker"
    customer = crm.json("customer", "show", "Anna Schmidt")
    assert customer["kind"] == "person"
    assert [s["name"] for s in customer["stakeholders"]] == ["Anna Schmidt"]


def test_google_contacts_export(crm) -> None:
    out = crm("import", "contacts", FIXTURES / "google_contacts.csv").stdout
    assert "Ignored columns: E-mail 1 - Label, Phone 1 - Label." in out
    people = by_name(crm.json("contact", "list"))
    zhang = people["Min Zhang"]
    assert (zhang["customer"], zhang["title"], zhang["birthday"]) == ("Acme Trading", "Engineer", "--03-05")
    assert zhang["phone"] == "+86 138 0000 0011"
    assert zhang["note"] == "Phone 1 - Value: +86 755 8888 0011\nNickname: Xiao Zhang\nLabels: Clients"
    chen = people["陈明"]                                                    # family name first
    assert chen["customer"] == "陈明" and chen["birthday"] == "1985-07-20"
    assert chen["note"].startswith("买了一辆 SUV，2023 年\nAddress 1 - Formatted: 广州市天河区\n体育西路 1 号")


def test_google_legacy_contacts_export(crm) -> None:
    crm("import", "contacts", FIXTURES / "google_contacts_legacy.csv")
    lucy = crm.json("contact", "list")[0]
    assert (lucy["name"], lucy["customer"], lucy["title"]) == ("Lucy Liu", "Globex", "CFO")
    assert lucy["note"] == "Group Membership: Customers"


def test_chinese_history_with_serials_and_follow_ups(crm, book_db) -> None:
    crm("import", "customers", FIXTURES / "excel_gbk.csv")
    out = crm("import", "history", FIXTURES / "history_cn.csv").stdout
    assert "history: 3 created" in out and "contacts: 1 created" in out
    assert "customers:" not in out                                   # all three were on the book
    logged = crm.json("history")
    assert [(h["date"], h["customer"], h["contact"], h["channel"], h["purpose"]) for h in logged] == [
        ("2026-11-20", "深圳市前海贸易有限公司", None, "im", "intel"),
        ("2026-03-05", "华东物流有限公司", "王芳", "call", "care"),
        ("2025-12-09", "华东物流有限公司", "王芳", "visit", "sell"),          # serial 46000
    ]
    assert logged[1]["score"] == 9 and logged[1]["feedback"] == "很满意"
    assert [(f["due_on"], f["note"]) for f in crm.json("follow-up", "list")] == [
        ("2026-12-10", "发修改后的报价")]
    assert crm.json("contact", "show", "王芳")["last_contact"] == "2026-03-05"


def test_history_creates_customers_and_contacts_it_names(crm) -> None:
    crm("import", "history", FIXTURES / "history_cn.csv")
    assert {c["name"] for c in crm.json("customer", "list")} == {"华东物流有限公司", "深圳市前海贸易有限公司"}
    hd = crm.json("customer", "show", "华东物流有限公司")
    assert hd["since"] == "2025-12-09"                                # its first contact logged
    assert hd["last_contact"] == "2026-03-05"


def test_follow_up_answered_by_a_later_imported_contact(crm, tmp_path: Path) -> None:
    crm("customer", "add", "Acme")
    crm("follow-up", "add", "Acme", "2026-10-01", "send the quote")
    path = write(tmp_path, "customer,date,channel,next,next_note\n"
                           "Acme,2026-09-01,call,2026-09-15,call back\n"
                           "Acme,2026-09-20,visit,,\n"
                           "Acme,2026-10-03,email,,\n")
    crm("import", "history", path)
    assert crm.json("follow-up", "list") == []
    shown = crm.json("customer", "show", "Acme")
    assert shown["last_contact"] == "2026-10-03"


# -- de-duplication ------------------------------------------------------------------------
def test_customers_match_on_folded_names_in_the_book_and_in_the_file(crm, tmp_path: Path) -> None:
    crm("customer", "add", "ACME  Trading")
    path = write(tmp_path, "name,tier\nａｃｍｅ trading,gold\nGlobex,silver\nglobex ,lead\n")
    out = crm("import", "customers", path).stdout
    assert "customers: 1 created, 0 updated, 2 skipped, 0 rejected" in out
    rows = by_name(crm.json("customer", "list"))
    assert set(rows) == {"ACME  Trading", "Globex"}
    assert rows["ACME  Trading"]["tier"] == "iron" and rows["Globex"]["tier"] == "silver"


def test_on_conflict_update_fills_in_and_records_what_it_changed(crm, tmp_path: Path, book_db) -> None:
    crm("customer", "add", "Acme", "--tier", "iron", "--city", "Shenzhen", "--phone", "123")
    path = write(tmp_path, "name,tier,stage,city,phone\nacme,gold,client,,456\nGlobex,silver,,,\nGLOBEX,gold,,Paris,\n")
    out = crm("import", "customers", path, "--on-conflict", "update").stdout
    assert "customers: 1 created, 2 updated, 0 skipped, 0 rejected" in out
    rows = by_name(crm.json("customer", "list"))
    acme = rows["Acme"]
    assert (acme["tier"], acme["stage"], acme["city"], acme["phone"]) == ("gold", "client", "Shenzhen", "456")
    assert (rows["Globex"]["tier"], rows["Globex"]["city"]) == ("gold", "Paris")   # a later row of the file
    assert [s["stage"] for s in crm.json("customer", "show", "Acme")["stage_history"]] == ["prospect", "client"]
    items = book_db.rows("SELECT table_name, row_id, action, before FROM import_item ORDER BY id")
    updated = [i for i in items if i["action"] == "updated"]
    assert updated == [{"table_name": "customer", "row_id": acme["id"], "action": "updated",
                        "before": updated[0]["before"]}]
    assert json.loads(updated[0]["before"]) == {"tier": "iron", "phone": "123", "stage": "prospect"}
    assert [i["table_name"] for i in items if i["action"] == "created"] == ["customer"]


def test_on_conflict_update_with_nothing_new_is_skipped(crm, tmp_path: Path) -> None:
    crm("customer", "add", "Acme", "--tier", "gold")
    path = write(tmp_path, "name,tier\nAcme,gold\n")
    assert "0 updated, 1 skipped" in crm("import", "customers", path, "--on-conflict", "update").stdout


def test_on_conflict_fail_refuses_the_file(crm, tmp_path: Path, book_db) -> None:
    crm("customer", "add", "Acme")
    path = write(tmp_path, "name\nGlobex\nacme\nGlobex\n")
    err = crm.error("import", "customers", path, "--on-conflict", "fail")
    assert "2 rows are invalid, so nothing was imported" in err
    assert "line 3: customer #1 'Acme' is already on the book; --on-conflict fail refuses duplicates" in err
    assert "line 4: it repeats line 2 ('Globex')" in err
    assert book_db.value("SELECT count(*) FROM customer") == 1


def test_contacts_match_on_email_then_phone_then_name_within_the_customer(crm, tmp_path: Path) -> None:
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei", "--email", "LI@acme.cn")
    crm("contact", "add", "Acme", "Zhang Min", "--phone", "+86 138-0000-1111")
    crm("contact", "add", "Acme", "Wang Fang")
    path = write(tmp_path, "\n".join([
        "customer,name,email,phone",
        "Globex,Wei Li (new job),li@acme.cn,",           # same email anywhere: the same person
        "Acme,Min Zhang,,8613800001111",                  # same phone digits
        "Acme,wang  fang,,",                              # same name at the same customer
        "Globex,Wang Fang,,",                             # same name elsewhere: someone else
        "Acme,Li Wei,other@acme.cn,",                     # same name, different email: someone else
        "Acme,New Person,n@acme.cn,",
        "Acme,new person,N@ACME.CN,",                     # repeats the line above
    ]) + "\n")
    out = crm("import", "contacts", path).stdout
    assert "contacts: 3 created, 0 updated, 4 skipped, 0 rejected" in out
    assert "customers: 1 created" in out
    people = crm.json("contact", "list")
    assert sorted((p["customer"], p["name"]) for p in people) == [
        ("Acme", "Li Wei"), ("Acme", "Li Wei"), ("Acme", "New Person"), ("Acme", "Wang Fang"),
        ("Acme", "Zhang Min"), ("Globex", "Wang Fang")]


def test_an_office_line_many_contacts_share_matches_nobody_by_itself(crm, tmp_path: Path) -> None:
    # A switchboard every contact at a company lists (and a partner firm's copy of it) is not one
    # person; a mobile number is, whatever the spelling of the name.
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Zhang Wei", "--phone", "0755-8888 8888")
    crm("contact", "add", "Acme", "Li Na", "--phone", "+86 139 0000 2222")
    path = write(tmp_path, "\n".join([
        "company,name,phone",
        "Acme,Zhao Lei,0755-8888 8888",      # the same office line, someone else
        "Acme,Sun Li,(0755) 88888888",       # and another
        "Beta,Wang Fang,0755 8888 8888",     # at another company
        "Acme,zhang  wei,0755-88888888",     # the same line and the same name: Zhang Wei
        "Acme,Sun Li,075588888888",          # repeats the second line
        "Acme,Na Li,13900002222",            # the same mobile: Li Na, spelled otherwise
    ]) + "\n")
    out = crm("import", "contacts", path).stdout
    assert "contacts: 3 created, 0 updated, 3 skipped, 0 rejected" in out
    assert sorted((p["customer"], p["name"]) for p in crm.json("contact", "list")) == [
        ("Acme", "Li Na"), ("Acme", "Sun Li"), ("Acme", "Zhang Wei"), ("Acme", "Zhao Lei"),
        ("Beta", "Wang Fang")]


def test_contact_update_keeps_its_customer_and_records_level_history(crm, tmp_path: Path) -> None:
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei", "--email", "li@acme.cn", "--level", "acquainted")
    path = write(tmp_path, "company,name,email,level,title\nGlobex,Li Wei,li@acme.cn,partner,CTO\n")
    assert "1 updated" in crm("import", "contacts", path, "--on-conflict", "update").stdout
    li = crm.json("contact", "show", "Li Wei")
    assert (li["customer"], li["level"], li["title"]) == ("Acme", "partner", "CTO")
    assert [h["level"] for h in li["level_history"]] == ["acquainted", "partner"]
    assert not [c for c in crm.json("customer", "list") if c["name"] == "Globex"]


def test_history_matches_customer_contact_date_channel_note(crm, tmp_path: Path) -> None:
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei")
    crm("log", "Acme", "--with", "Li Wei", "--via", "call", "--at", "2026-11-01", "--note", "quote")
    path = write(tmp_path, "\n".join([
        "customer,contact,date,channel,note,feedback",
        "acme,li wei,2026-11-01,电话,quote,liked it",      # the same contact logged
        "Acme,Li Wei,2026-11-01,call,other note,",          # another note: another contact
        "Acme,,2026-11-01,call,quote,",                     # without the stakeholder: another
        "Acme,Li Wei,11/1/2026,call,other note,",           # repeats line 3
    ]) + "\n")
    out = crm("import", "history", path).stdout
    assert "history: 2 created, 0 updated, 2 skipped, 0 rejected" in out
    out = crm("import", "history", path, "--on-conflict", "update").stdout
    assert "history: 0 created, 1 updated, 3 skipped" in out
    assert [h["feedback"] for h in crm.json("history") if h["note"] == "quote" and h["contact"]] == ["liked it"]


# -- all or nothing --------------------------------------------------------------------------
def test_invalid_rows_refuse_the_whole_file_listing_each(crm, tmp_path: Path, book_db) -> None:
    crm("customer", "add", "Existing")
    lines = ["name,tier,email"] + [f"Good {i},gold,g{i}@x.cn" for i in range(5)]
    lines += ["Bad tier,platinum,", "Bad mail,gold,not-an-email", ",gold,"]
    lines += [f"Bad {i},xx," for i in range(30)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    before = counts(book_db)
    err = crm.error("import", "customers", path)
    assert f"{path}: 33 rows are invalid, so nothing was imported:" in err
    assert "line 7: Unknown tier 'platinum'; use one of: gold, silver, iron, lead" in err
    assert "line 8: 'not-an-email' is not an email address" in err
    assert "line 9: The customer name must not be empty" in err
    assert err.count("  line ") == 20
    assert "… and 13 more." in err
    assert "--skip-invalid" in err
    assert counts(book_db) == before


def test_skip_invalid_imports_the_rest_and_writes_rejects(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "Name;Tier;Notes\nAcme;gold;ok\nGlobex;platinum;\"a; b\"\n;gold;\nInitech;silver;\n")
    out = crm("import", "customers", path, "--skip-invalid").stdout
    assert "customers: 2 created, 0 updated, 0 skipped, 2 rejected" in out
    rejects = Path(f"{path}.rejects.csv")
    assert f"2 rejected rows written to {rejects}." in out
    assert {c["name"] for c in crm.json("customer", "list")} == {"Acme", "Initech"}
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["Name", "Tier", "Notes", "reason"]
    assert rows[1][:3] == ["Globex", "platinum", "a; b"]
    assert rows[1][3].startswith("line 3: Unknown tier 'platinum'")
    assert rows[2][3].startswith("line 4: The customer name must not be empty")
    # Fixed in a spreadsheet, the rejects file imports (its reason column is ignored).
    rejects.write_text(rejects.read_text(encoding="utf-8-sig").replace("platinum", "gold").replace("\n;gold", "\nUmbrella;gold"),
                       encoding="utf-8-sig")
    out = crm("import", "customers", rejects).stdout
    assert "2 created" in out and "Kept in notes" not in out


def test_dry_run_counts_and_writes_nothing(crm, tmp_path: Path, book_db) -> None:
    crm("customer", "add", "Acme")
    path = write(tmp_path, "company,name,email\nAcme,Li Wei,li@x.cn\nGlobex,Bob,b@x.cn\nGlobex,bob,b@x.cn\n")
    before = counts(book_db)
    out = crm("import", "contacts", path, "--dry-run").stdout
    assert "Dry run of importing contacts" in out
    assert "contacts: 2 created, 0 updated, 1 skipped, 0 rejected" in out
    assert "customers: 1 created" in out
    assert "Nothing was written (dry run)." in out
    assert counts(book_db) == before


def test_dry_run_with_invalid_rows_lists_them_and_fails(crm, tmp_path: Path, book_db) -> None:
    path = write(tmp_path, "name,tier\nAcme,gold\nGlobex,platinum\n")
    result = crm("import", "customers", path, "--dry-run", code=1)
    assert "customers: 1 created, 0 updated, 0 skipped, 1 rejected" in result.stdout
    assert "line 3: Unknown tier 'platinum'" in result.stdout
    assert "the import would be refused" in result.stderr
    assert book_db.value("SELECT count(*) FROM customer") == 0
    assert not Path(f"{path}.rejects.csv").exists()
    crm("import", "customers", path, "--dry-run", "--skip-invalid")
    assert not Path(f"{path}.rejects.csv").exists()


def test_an_interrupted_import_leaves_the_book_as_it_was(crm, tmp_path: Path, book_db, monkeypatch) -> None:
    from crmcli.store import importer

    crm("customer", "add", "Acme")
    lines = ["customer,date,channel,note"] + [f"Customer {i},2026-01-{i % 28 + 1:02d},call,n{i}" for i in range(4500)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    before = counts(book_db)
    calls = {"n": 0}
    real = importer.Run.process  # one chunk of the file (whichever way the kind writes it)

    def interrupted(self, chunk):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C half way through the file
        return real(self, chunk)

    monkeypatch.setattr(importer.Run, "process", interrupted)
    result = crm("import", "history", path, code=130)
    assert "Interrupted; nothing was written." in result.stderr
    assert counts(book_db) == before


# -- batches ------------------------------------------------------------------------------------
def test_every_import_is_a_batch_with_its_items(crm, tmp_path: Path, book_db) -> None:
    import hashlib

    path = write(tmp_path, "customer,name,email\nAcme,Li Wei,li@x.cn\n,Solo Buyer,\n")
    out = crm("import", "contacts", path).stdout
    assert "Import batch #1." in out
    batch = book_db.row("SELECT * FROM import_batch")
    assert batch["file"] == str(path) and batch["kind"] == "contacts"
    assert batch["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batch["created"], batch["updated"], batch["skipped"], batch["rejected"]) == (4, 0, 0, 0)
    items = book_db.rows("SELECT table_name, action FROM import_item ORDER BY id")
    assert sorted(i["table_name"] for i in items) == ["customer", "customer", "stakeholder", "stakeholder"]
    assert {i["action"] for i in items} == {"created"}


def test_json_summary(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Fax,id\nAcme,123,7\n")
    summary = json.loads(crm("import", "customers", path, "--json").stdout)
    assert summary["kind"] == "customers" and summary["rows"] == 1 and summary["batch"] == 1
    assert summary["counts"] == {"customers": {"created": 1, "updated": 0, "skipped": 0, "rejected": 0}}
    assert summary["columns"] == {"mapped": {"Name": "name"}, "notes": [{"column": "Fax", "rows": 1}],
                                  "ignored": ["id"]}
    assert (summary["encoding"], summary["delimiter"], summary["dry_run"]) == ("UTF-8", "comma", False)
    assert summary["problems"] == [] and summary["rejects_file"] is None


def test_map_option(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "Firma,Handy,Egal\nAcme,+49 171 1234567,x\n")
    crm("import", "customers", path, "--map", "Firma=name", "--map", "Handy=phone", "--map", "Egal=ignore")
    acme = crm.json("customer", "list")[0]
    assert (acme["name"], acme["phone"], acme["note"]) == ("Acme", "+49 171 1234567", None)


def test_customer_option_files_every_row_under_one_customer(crm, tmp_path: Path) -> None:
    crm("customer", "add", "Acme Trading")
    path = write(tmp_path, "Company,Name\nOther Co,Li Wei\n,Zhang Min\n")
    out = crm("import", "contacts", path, "--customer", "acme").stdout
    assert "Ignored columns: Company." in out
    assert {(p["customer"], p["name"]) for p in crm.json("contact", "list")} == {
        ("Acme Trading", "Li Wei"), ("Acme Trading", "Zhang Min")}
    history = write(tmp_path, "date,channel,contact\n2026-11-01,call,Li Wei\n2026-11-02,visit,\n", "h.csv")
    crm("import", "history", history, "--customer", "Acme Trading")
    assert {(h["customer"], h["contact"]) for h in crm.json("history")} == {
        ("Acme Trading", "Li Wei"), ("Acme Trading", None)}
    assert len(crm.json("customer", "list")) == 1


def test_last_contact_sets_the_agenda_until_a_later_contact(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "name,tier,last_contact\nAcme,silver,2026-11-01\n")
    crm("import", "customers", path)
    acme = crm.json("customer", "list")[0]
    assert (acme["last_contact"], acme["next_due"]) == ("2026-11-01", "2026-12-01")
    crm("log", "Acme", "--at", "2026-10-01")           # older than the imported date: no change
    assert crm.json("customer", "list")[0]["last_contact"] == "2026-11-01"
    crm("log", "Acme", "--at", "2026-11-20")
    assert crm.json("customer", "list")[0]["next_due"] == "2026-12-20"


def test_vcard_files_are_read_by_content(crm, tmp_path: Path) -> None:
    card = tmp_path / "phone-export.txt"                     # named oddly: the content decides
    card.write_bytes((VCARDS / "iphone_30.vcf").read_bytes())
    out = crm("import", "contacts", card).stdout
    assert "vCard" in out and "contacts:" in out
    assert crm.json("contact", "list")
    assert "is a vCard file; import it with `crm import contacts" in crm.error("import", "customers", card)


def test_usage_errors(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "name\nAcme\n")
    assert "--on-conflict must be skip, update or fail" in crm("import", "customers", path, "--on-conflict", "merge", code=2).stderr
    assert "--customer applies to contacts and history" in crm("import", "customers", path, "--customer", "x", code=2).stderr
    crm("import", "things", path, code=2)


# -- bad files through the command: a sentence, exit 1, nothing written ------------------------
@pytest.mark.parametrize(("name", "message"), [
    ("nope.csv", "There is no file"),
    ("binary.csv", "holds binary data, not text"),
    ("workbook.xlsx", "is an Excel workbook (.xlsx)"),
    ("empty.csv", "is empty: there is nothing to import."),
    ("blank_lines.csv", "is empty"),
    ("no_header.csv", "line 1: no column is recognised as a customer field"),
    ("duplicate_header.csv", "line 1: the column 'E-mail' appears twice (columns 2 and 4)"),
    ("ragged.csv", "line 3: the row has 5 cells but the header has 3 columns"),
    ("long_cell.csv", "line 2: the 'Notes' cell is 10,000 characters long; 5,000 is the most accepted"),
    ("bad_bytes.csv", "line 22: the bytes FF FE cannot be read"),
])
def test_bad_files_are_refused_with_one_clear_message(crm, book_db, name: str, message: str) -> None:
    before = counts(book_db)
    err = crm.error("import", "customers", FIXTURES / name)
    assert message in err
    assert name in err
    assert counts(book_db) == before


def test_a_folder_is_refused(crm, tmp_path: Path) -> None:
    assert "is a folder, not a file" in crm.error("import", "customers", tmp_path)


def test_nothing_but_the_summary_on_stdout_and_no_progress_when_piped(crm, tmp_path: Path) -> None:
    lines = ["name"] + [f"Customer {i:05d} with a long enough name to pass one megabyte" for i in range(20_000)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    result = crm("import", "customers", path)
    assert result.stderr == ""
    assert result.stdout.count("\n") == 3


def test_a_title_row_above_the_header_is_stepped_over(crm, tmp_path: Path) -> None:
    path = write(tmp_path, "客户名单 2026,,\n客户名称,等级,城市\n华东物流,金,上海\n", encoding="gb18030")
    assert "customers: 1 created" in crm("import", "customers", path).stdout
    assert crm.json("customer", "list")[0]["tier"] == "gold"
    bad = write(tmp_path, "Just a title,,\nfoo,bar,baz\nx,y,z\n", "bad.csv")
    assert "bad.csv line 1: no column is recognised" in crm.error("import", "customers", bad)


@pytest.mark.sqlite_only
def test_killing_the_process_mid_import_leaves_the_book_as_it_was(crm, tmp_path: Path, book_db, db_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    crm("customer", "add", "Acme")
    lines = ["customer,date,channel,note"] + [f"Customer {i % 5000},2026-01-{i % 28 + 1:02d},call,n{i}"
                                              for i in range(200_000)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    before = counts(book_db)
    wal = Path(f"{db_path}-wal")
    start = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen([sys.executable, "-m", "crmcli", "import", "history", str(path)],
                            env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start + (1 << 20):  # well into writing
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert counts(book_db) == before
    assert book_db.value("PRAGMA integrity_check") == "ok"
