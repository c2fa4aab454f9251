"""`crm purchase`: purchase history, the stage it earns, the customer page's summary, and the CSV kind."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core.names import name_key


def stages(crm, ref):
    return [(s["stage"], s["at"], s["note"]) for s in crm.json("customer", "show", ref)["stage_history"]]


def test_add_and_list(crm, book):
    book()
    out = crm("purchase", "add", "Acme", "--at", "2026-03-01", "--amount", "¥50,000.50", "--product", "Trucks",
              "--note", "paid in full").stdout
    assert "Recorded purchase #1 by Acme Trading: Trucks ¥50,000.50 on 2026-03-01." in out
    crm("purchase", "add", "华东", "--at", "2026-05-01", "--amount", "3万")
    rows = crm.json("purchase", "list")
    assert [r["date"] for r in rows] == ["2026-05-01", "2026-03-01"]  # newest first
    p = rows[1]
    assert (p["customer"], p["amount"], p["amount_cents"], p["currency"], p["product"], p["note"], p["deal_id"]) == (
        "Acme Trading", 50000.5, 5000050, "CNY", "Trucks", "paid in full", None)
    assert [r["customer"] for r in crm.json("purchase", "list", "Acme")] == ["Acme Trading"]
    assert len(crm.json("purchase", "list", "--since", "2026-04-01")) == 1
    lines = crm("purchase", "list", "--csv").stdout.splitlines()
    assert lines[0] == "id,customer,date,amount,currency,product,deal,note"
    assert lines[2] == "1,Acme Trading,2026-03-01,50000.50,CNY,Trucks,,paid in full"
    table = crm("purchase", "list").stdout
    assert "¥30,000" in table and "Trucks" in table


def test_currency_from_the_amount_or_config(crm, book):
    book()
    crm("purchase", "add", "Acme", "--at", "2026-03-01", "--amount", "1200 USD")
    crm("config", "set", "currency", "EUR")
    crm("purchase", "add", "Acme", "--at", "2026-03-02", "--amount", "99")
    assert [r["currency"] for r in crm.json("purchase", "list")] == ["EUR", "USD"]


def test_bad_input_writes_nothing(crm, book):
    book()
    for args in (["--amount", "-1"], ["--amount", "ten"], ["--amount", "1.001"], ["--amount", ""],
                 ["--amount", "(100)"]):
        crm.error("purchase", "add", "Acme", "--at", "2026-01-01", *args)
    assert "future" in crm.error("purchase", "add", "Acme", "--at", "tomorrow", "--amount", "1")
    crm.error("purchase", "add", "Acme", "--at", "2026-13-01", "--amount", "1")
    crm.error("purchase", "add", "Nobody", "--at", "2026-01-01", "--amount", "1")
    crm("purchase", "add", "Acme", "--amount", "1", code=2)  # --at is required
    crm("purchase", "add", "Acme", "--at", "today", code=2)  # --amount too
    assert crm.json("purchase", "list") == []
    assert crm.json("customer", "show", "Acme")["stage"] == "prospect"


def test_first_purchase_then_second_moves_the_stage(crm):
    crm("customer", "add", "Acme", "--stage", "suspect", "--since", "2025-01-01")
    out = crm("purchase", "add", "Acme", "--at", "2025-06-01", "--amount", "1000", "--product", "Trial").stdout
    assert "stage suspect → first-time from 2025-06-01" in out
    crm("purchase", "add", "Acme", "--at", "2025-09-01", "--amount", "2000", "--product", "Fleet")
    crm("purchase", "add", "Acme", "--at", "2025-12-01", "--amount", "3000")  # third: no change
    assert stages(crm, "Acme") == [
        ("suspect", "2025-01-01", "added"),
        ("first-time", "2025-06-01", "first purchase 'Trial' ¥1,000 on 2025-06-01"),
        ("repeat", "2025-09-01", "second purchase 'Fleet' ¥2,000 on 2025-09-01"),
    ]


def test_late_entries_still_take_effect(crm):
    crm("customer", "add", "Acme")  # prospect since today
    crm("purchase", "add", "Acme", "--at", "2024-05-01", "--amount", "500")
    c = crm.json("customer", "show", "Acme")
    assert c["stage"] == "first-time"
    # The purchase shows the customer was on the book by then: it is a first-time buyer from
    # that day, the starting stage moved back with `since` (never after the stage it replaces).
    assert c["since"] == "2024-05-01"
    assert [(h["stage"], h["at"]) for h in c["stage_history"]] == [("prospect", "2024-05-01"), ("first-time", "2024-05-01")]
    assert "2024-05-01" in c["stage_history"][-1]["note"]


@pytest.mark.parametrize("stage", ["client", "advocate", "lost", "repeat"])
def test_stage_stays_where_the_rep_put_it(crm, stage):
    crm("customer", "add", "Acme", "--stage", stage, "--since", "2025-01-01")
    out = crm("purchase", "add", "Acme", "--at", "2026-01-01", "--amount", "1").stdout
    crm("purchase", "add", "Acme", "--at", "2026-02-01", "--amount", "1")
    assert "stage" not in out
    assert crm.json("customer", "show", "Acme")["stage"] == stage
    assert len(stages(crm, "Acme")) == 1


def test_first_time_customer_becomes_repeat_on_its_second_recorded_purchase(crm):
    crm("customer", "add", "Acme", "--stage", "first-time", "--since", "2025-01-01")
    crm("purchase", "add", "Acme", "--at", "2026-01-01", "--amount", "1")
    assert crm.json("customer", "show", "Acme")["stage"] == "first-time"
    crm("purchase", "add", "Acme", "--at", "2026-02-01", "--amount", "1")
    assert crm.json("customer", "show", "Acme")["stage"] == "repeat"


def test_customer_page_summary(crm, book):
    book()
    c = crm.json("customer", "show", "Acme")
    assert c["purchases"]["count"] == 0 and c["purchases"]["first"] is None
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "50000", "--product", "Trucks")
    crm("purchase", "add", "Acme", "--at", "2026-10-01", "--amount", "12,000.25", "--product", "Tyres")
    crm("purchase", "add", "Acme", "--at", "2025-08-01", "--amount", "8000")
    p = crm.json("customer", "show", "Acme")["purchases"]
    assert (p["count"], p["total"], p["total_cents"], p["currency"]) == (3, 70000.25, 7000025, "CNY")
    assert p["first"] == {"date": "2025-03-01", "amount": 50000, "amount_cents": 5000000, "currency": "CNY",
                          "product": "Trucks"}
    assert (p["last"]["date"], p["last"]["product"], p["last"]["amount"]) == ("2026-10-01", "Tyres", 12000.25)
    out = crm("customer", "show", "Acme").stdout
    assert "3, total ¥70,000.25" in out
    assert "2026-10-01 ¥12,000.25 Tyres" in out and "2025-03-01 ¥50,000 Trucks" in out


def test_mixed_currencies_are_not_added_together(crm, book):
    book()
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "100")
    crm("purchase", "add", "Acme", "--at", "2025-04-01", "--amount", "$200")
    p = crm.json("customer", "show", "Acme")["purchases"]
    assert p["total"] is None and p["count"] == 2
    assert [(t["currency"], t["amount"]) for t in p["totals"]] == [("CNY", 100), ("USD", 200)]
    assert "total ¥100 + $200" in crm("customer", "show", "Acme").stdout


def test_deleting_a_customer_deletes_its_purchases_and_deals(crm, book):
    book()
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "100")
    crm("deal", "add", "Acme", "Fleet")
    crm("customer", "rm", "Acme", "--yes")
    assert crm.json("purchase", "list") == [] and crm.json("deal", "list") == []


# -- the purchases CSV kind: `crm import purchases`, `crm export purchases` -----

def _rows(text):
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def bought(crm, book):
    book()
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000.50", "--close", "2026-12-20")
    crm("deal", "won", "Fleet", "--at", "2026-11-20")
    crm("purchase", "add", "Acme", "--at", "2025-03-01", "--amount", "$1,999.99", "--product", "Tyres, winter",
        "--note", 'paid "cash"\nsecond line')
    crm("purchase", "add", "华东", "--at", "2026-01-15", "--amount", "3万", "--product", "年度维保合同")


def test_export_writes_the_documented_columns(crm, bought):
    rows = _rows(crm("export", "purchases").stdout)
    assert list(rows[0]) == ["id", "customer", "date", "amount", "currency", "product", "deal", "note"]
    assert [(r["customer"], r["date"], r["amount"], r["currency"], r["product"], r["deal"]) for r in rows] == [
        ("Acme Trading", "2025-03-01", "1999.99", "USD", "Tyres, winter", ""),
        ("华东物流有限公司", "2026-01-15", "30000", "CNY", "年度维保合同", ""),
        ("Acme Trading", "2026-11-20", "120000.50", "CNY", "Fleet renewal", "Fleet renewal"),
    ]
    assert rows[0]["note"] == 'paid "cash"\nsecond line'
    assert [r["date"] for r in _rows(crm("export", "purchases", "Acme", "--since", "2026-01-01").stdout)] == ["2026-11-20"]


def test_round_trip_into_a_new_book(crm, bought, tmp_path):
    out = tmp_path / "purchases.csv"
    crm("export", "purchases", "-o", str(out))
    other = tmp_path / "other.db"
    text = crm("--db", other, "import", "purchases", out).stdout
    assert "purchases: 3 created" in text and "customers: 2 created" in text and "deals: 1 created" in text
    again = crm("--db", other, "export", "purchases").stdout
    strip = [{k: v for k, v in r.items() if k != "id"} for r in _rows(out.read_text(encoding="utf-8"))]
    assert [{k: v for k, v in r.items() if k != "id"} for r in _rows(again)] == strip
    # stage follows the imported purchases, and the won deal came back with its purchase
    acme = crm.json("--db", other, "customer", "show", "Acme")
    assert acme["stage"] == "repeat" and acme["purchases"]["count"] == 2
    [d] = crm.json("--db", other, "deal", "list")
    assert (d["title"], d["stage"], d["amount_cents"]) == ("Fleet renewal", "won", 12000050)
    # importing the same rows again creates nothing: customer + date + amount + product
    text = crm("--db", other, "import", "purchases", out).stdout
    assert "purchases: 0 created, 0 updated, 3 skipped" in text


def test_import_chinese_headers_in_gbk(crm, book, tmp_path):
    book()
    f = tmp_path / "采购记录.csv"
    f.write_bytes("客户名称,购买日期,金额,产品,备注\n"
                  "Acme Trading,2025/3/5,\"1,200.50\",螺栓,首单\n"
                  "Acme Trading,2025年6月1日,¥800,螺母,\n".encode("gb18030"))
    crm("import", "purchases", f)
    rows = crm.json("purchase", "list", "Acme")
    assert [(r["date"], r["amount_cents"], r["product"], r["note"]) for r in rows] == [
        ("2025-06-01", 80000, "螺母", None), ("2025-03-05", 120050, "螺栓", "首单")]
    c = crm.json("customer", "show", "Acme")
    assert c["stage"] == "repeat"
    assert [s["stage"] for s in c["stage_history"]] == ["prospect", "first-time", "repeat"]


def test_import_is_all_or_nothing(crm, book, tmp_path):
    book()
    f = tmp_path / "p.csv"
    f.write_text("customer,date,amount,product\n"
                 "Acme Trading,2025-01-01,100,ok\n"
                 "Acme Trading,2025-01-02,-5,negative\n"
                 "Acme Trading,2027-01-01,5,future\n"
                 "Acme Trading,2025-01-03,lots,words\n"
                 ",2025-01-04,5,no customer\n"
                 "Acme Trading,,5,no date\n", encoding="utf-8")
    err = crm.error("import", "purchases", f)
    assert "line 3" in err and "negative" in err and "line 4" in err and "future" in err
    assert "nothing was imported" in err
    assert crm.json("purchase", "list") == [] and crm.json("customer", "show", "Acme")["stage"] == "prospect"
    crm("import", "purchases", f, "--skip-invalid")
    assert [r["product"] for r in crm.json("purchase", "list")] == ["ok"]
    assert (tmp_path / "p.csv.rejects.csv").read_text(encoding="utf-8").count("\n") == 6


def test_import_dedup_and_conflicts(crm, book, tmp_path):
    book()
    crm("purchase", "add", "Acme", "--at", "2025-01-01", "--amount", "100", "--product", "Bolts")
    f = tmp_path / "p.csv"
    f.write_text("customer,date,amount,product,note\n"
                 "ACME TRADING,2025-01-01,100.00,bolts,from the sheet\n"  # the same purchase
                 "Acme Trading,2025-01-01,100,Nuts,\n"  # another product: another purchase
                 "Acme Trading,2025-01-01,100,Nuts,twice in the file\n", encoding="utf-8")
    out = crm("import", "purchases", f).stdout
    assert "1 created, 0 updated, 2 skipped" in out
    crm("import", "purchases", f, "--on-conflict", "update")
    notes = {r["product"]: r["note"] for r in crm.json("purchase", "list")}
    assert notes == {"Bolts": "from the sheet", "Nuts": "twice in the file"}
    assert "--on-conflict fail" in crm.error("import", "purchases", f, "--on-conflict", "fail")


def test_import_for_one_customer_and_currency_column(crm, book, tmp_path):
    book()
    f = tmp_path / "p.csv"
    f.write_text("Date,Value,Currency,Item\n2025-02-01,5000,usd,Audit\n2025-02-02,¥5000,,Audit\n",
                 encoding="utf-8")
    crm("import", "purchases", f, "--customer", "华东")
    rows = crm.json("purchase", "list", "华东")
    assert [(r["currency"], r["amount"]) for r in rows] == [("CNY", 5000), ("USD", 5000)]
    f.write_text("Date,Value,Currency\n2025-03-01,$5,EUR\n", encoding="utf-8")
    assert "EUR" in crm.error("import", "purchases", f, "--customer", "华东")


amounts = st.integers(min_value=0, max_value=10**11)
products = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\r\n\u2028\u2029\x85"),
                   max_size=12).map(str.strip)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 11, 25)), amounts, products),
                min_size=1, max_size=6))
def test_property_any_purchases_round_trip(crm, tmp_path_factory, items):
    folder = tmp_path_factory.mktemp("rt")
    first, second = folder / "a.db", folder / "b.db"
    crm("--db", first, "customer", "add", "Acme")
    for day, cents, product in items:
        amount = f"{cents // 100}.{cents % 100:02d}"
        crm("--db", first, "purchase", "add", "Acme", "--at", day.isoformat(), "--amount", amount,
            *(["--product", product] if product else []))
    out = folder / "p.csv"
    crm("--db", first, "export", "purchases", "-o", out)
    crm("--db", second, "import", "purchases", out)
    exported = [(r["date"], r["amount"], r["product"]) for r in _rows(out.read_text(encoding="utf-8"))]
    assert len(exported) == len(items)
    # the import keeps the first of each customer + date + amount + product (case- and width-folded)
    expected = {}
    for row in exported:
        expected.setdefault((row[0], row[1], name_key(row[2])), row)
    again = [(r["date"], r["amount"], r["product"]) for r in _rows(crm("--db", second, "export", "purchases").stdout)]
    assert sorted(again) == sorted(expected.values())
