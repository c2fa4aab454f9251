"""`crm export KIND`: the import columns, the list commands' filters, --excel, and the round trip."""

from __future__ import annotations

import csv
import io
import string
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crmcli.core.records import CONTACT_COLUMNS, CUSTOMER_COLUMNS, HISTORY_COLUMNS


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_customers_to_stdout_in_the_import_columns(crm, book) -> None:
    book()
    out = crm("export", "customers").stdout
    team = crm.json("db", "info")["engine"] != "sqlite"  # a team book adds the owner (DESIGN.md)
    assert out.splitlines()[0] == ",".join(CUSTOMER_COLUMNS + (("owner",) if team else ()))
    rows = read(out)
    assert [r["name"] for r in rows] == ["Acme Trading", "华东物流有限公司"]
    acme = rows[0]
    assert (acme["tier"], acme["city"], acme["since"], acme["last_contact"]) == ("gold", "Shenzhen", "2025-01-10", "2026-11-01")
    assert acme["kind"] == "company" and acme["note"] == ""


def test_export_contacts_and_history(crm, book) -> None:
    book()
    contacts = read(crm("export", "contacts").stdout)
    assert list(contacts[0]) == list(CONTACT_COLUMNS)
    assert [(c["customer"], c["name"], c["role"]) for c in contacts] == [
        ("Acme Trading", "Li Wei", "decision-maker"), ("Acme Trading", "Zhang Min", "executor"),
        ("华东物流有限公司", "王芳", "decision-maker")]
    history = read(crm("export", "history").stdout)
    assert list(history[0]) == list(HISTORY_COLUMNS)
    assert [(h["date"], h["customer"], h["contact"], h["channel"]) for h in history] == [
        ("2026-11-01", "Acme Trading", "Li Wei", "call"), ("2026-11-20", "华东物流有限公司", "王芳", "im")]


def test_export_filters_are_the_list_commands(crm, book) -> None:
    book()
    assert [r["name"] for r in read(crm("export", "customers", "--tier", "银").stdout)] == ["华东物流有限公司"]
    assert [r["name"] for r in read(crm("export", "customers", "--city", "shenzhen").stdout)] == ["Acme Trading"]
    assert read(crm("export", "customers", "--stage", "client", "--tag", "x").stdout) == []
    assert [r["name"] for r in read(crm("export", "contacts", "Acme", "--role", "executor").stdout)] == ["Zhang Min"]
    assert [r["customer"] for r in read(crm("export", "history", "--since", "2026-11-10").stdout)] == ["华东物流有限公司"]
    assert [r["date"] for r in read(crm("export", "history", "Acme").stdout)] == ["2026-11-01"]
    assert len(read(crm("export", "customers", "--limit", "1").stdout)) == 1


def test_a_lone_carriage_return_in_a_cell_is_quoted_and_survives_the_round_trip(crm, tmp_path: Path) -> None:
    # An old Mac ("CSV (Macintosh)") file breaks lines with CR alone, inside cells too; unquoted,
    # such a cell would end the row in the middle when the export is read back.
    source = tmp_path / "mac.csv"
    source.write_bytes(b'Name,City,Notes\rAcme,Paris,"first\rsecond"\rBeta,Lyon,x\r')
    crm("import", "customers", source)
    crm("customer", "add", "Gamma", "--note", "typed\rnote")
    out = tmp_path / "out.csv"
    crm("export", "customers", "-o", out)
    rows = read(out.read_bytes().decode("utf-8"))
    assert [(r["name"], r["note"]) for r in rows] == [
        ("Acme", "first\rsecond"), ("Beta", "x"), ("Gamma", "typed\rnote")]
    other = tmp_path / "other.db"
    crm("--db", other, "import", "customers", out)
    again = tmp_path / "again.csv"
    crm("--db", other, "export", "customers", "-o", again)
    assert [(r["name"], r["note"]) for r in read(again.read_bytes().decode("utf-8"))] == [
        (r["name"], r["note"]) for r in rows]


def test_export_to_a_file(crm, book, tmp_path: Path) -> None:
    book()
    target = tmp_path / "out.csv"
    result = crm("export", "customers", "-o", target)
    assert result.stdout == ""
    assert f"Exported 2 customers to {target}." in result.stderr
    assert read(target.read_text(encoding="utf-8"))[1]["name"] == "华东物流有限公司"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv")]  # no temporary left
    assert "Exported 2 contacts logged to" in crm("export", "history", "-o", tmp_path / "h.csv").stderr


def test_export_on_a_team_book_takes_the_list_commands_owner_filters(crm, pg_url, tmp_path: Path,
                                                                     monkeypatch) -> None:
    # "The same filters as the matching list command": on a shared book that is the rep's own
    # book by default, --owner NAME or --all; customers carry their owner, as `customer list --csv`.
    monkeypatch.setenv("CRM_DATABASE_URL", pg_url)

    def rep(name: str) -> None:
        monkeypatch.setenv("CRM_CONFIG_DIR", str(tmp_path / f"config-{name}"))
        crm("config", "set", "user.name", name)

    rep("alice")
    crm("customer", "add", "Acme")
    crm("contact", "add", "Acme", "Li Wei")
    crm("log", "Acme", "--at", "2026-11-01", "--note", "alice called")
    rep("bob")
    crm("customer", "add", "Bravo")
    crm("contact", "add", "Bravo", "Bo")
    crm("log", "Bravo", "--at", "2026-11-02", "--note", "bob called")
    mine = read(crm("export", "customers").stdout)
    assert list(mine[0]) == [*CUSTOMER_COLUMNS, "owner"]
    assert [(r["name"], r["owner"]) for r in mine] == [("Bravo", "bob")]
    assert [r["name"] for r in read(crm("export", "customers", "--owner", "alice").stdout)] == ["Acme"]
    assert [r["owner"] for r in read(crm("export", "customers", "--all", "--excel").stdout)] == ["alice", "bob"]
    assert [r["name"] for r in read(crm("export", "contacts").stdout)] == ["Bo"]
    assert [r["name"] for r in read(crm("export", "contacts", "Acme").stdout)] == ["Li Wei"]
    assert [r["note"] for r in read(crm("export", "history").stdout)] == ["bob called"]
    assert [r["note"] for r in read(crm("export", "history", "--all").stdout)] == ["alice called", "bob called"]
    assert [r["note"] for r in read(crm("export", "history", "Acme").stdout)] == ["alice called"]


def test_export_to_a_missing_folder_is_refused(crm, tmp_path: Path) -> None:
    assert "does not exist" in crm.error("export", "customers", "-o", tmp_path / "no" / "out.csv")


def test_excel_export_bom_crlf_and_no_formula_runs(crm, tmp_path: Path) -> None:
    crm("customer", "add", "=HYPERLINK(\"http://evil\")", "--phone", "+86 138 0000 0000",
        "--note", "@SUM(1+1)")
    crm("customer", "add", "--note", "+1 more", "--", "-minus")
    crm("customer", "add", "华东物流", "--note", "plain, \"quoted\"\nnext line")
    target = tmp_path / "x.csv"
    crm("export", "customers", "--excel", "-o", target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 4                        # the header and three rows
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    by = {r["name"]: r for r in rows}
    assert "'=HYPERLINK(\"http://evil\")" in by
    assert by["'=HYPERLINK(\"http://evil\")"]["phone"] == "'+86 138 0000 0000"
    assert by["'=HYPERLINK(\"http://evil\")"]["note"] == "'@SUM(1+1)"
    assert by["'-minus"]["note"] == "'+1 more"
    assert by["华东物流"]["note"] == "plain, \"quoted\"\nnext line"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    # crm reads its Excel export back as it was.
    crm("customer", "rm", "华东物流", "--yes")
    other = tmp_path / "other.db"
    crm("--db", other, "import", "customers", target)
    back = {r["name"]: r for r in read(crm("--db", other, "export", "customers").stdout)}
    assert back['=HYPERLINK("http://evil")']["phone"] == "+86 138 0000 0000"
    assert back["-minus"]["note"] == "+1 more"


def test_excel_export_to_stdout(crm, book) -> None:
    book()
    out = crm("export", "history", "--excel").stdout_bytes  # (.stdout would turn CRLF into LF)
    assert out.startswith(b"\xef\xbb\xbf") and out.count(b"\r\n") == 3


def test_export_contacts_as_vcards(crm, book) -> None:
    book()
    out = crm("export", "contacts", "--vcard").stdout
    assert out.count("BEGIN:VCARD") == 3 and "FN:王芳" in out


# -- the round trip, as a property -----------------------------------------------------------
TODAY = date(2026, 11, 25)
_LETTERS = string.ascii_letters + "王李张芳伟华东物流有限公司éüß"
_TEXT_CHARS = _LETTERS + string.digits + " ,;\"'=+-@:/()。，！"


def _text(max_size: int = 30, newlines: bool = False) -> st.SearchStrategy[str]:
    line = st.text(_TEXT_CHARS, min_size=1, max_size=max_size).map(str.strip).filter(bool)
    if not newlines:
        return line
    # Notes often run over several lines (LF from crm and Google, CRLF from Outlook).
    return line | st.tuples(st.lists(line, min_size=2, max_size=3),
                            st.sampled_from(["\n", "\r\n"])).map(lambda t: t[1].join(t[0]))


_days = st.dates(min_value=date(2015, 1, 1), max_value=TODAY)
_maybe = lambda s: st.none() | s  # noqa: E731


@st.composite
def books(draw) -> dict:
    from crmcli.core import vocabulary as vocab
    from crmcli.core.names import name_key

    names = draw(st.lists(_text(20), min_size=1, max_size=4, unique_by=name_key))
    customers = [{
        "name": n, "kind": draw(st.sampled_from(vocab.KINDS.keys)),
        "tier": draw(st.sampled_from(vocab.TIERS.keys)), "stage": draw(st.sampled_from(vocab.STAGES.keys)),
        "industry": draw(_maybe(_text(10))), "city": draw(_maybe(_text(10))),
        "phone": draw(_maybe(st.from_regex(r"\+86 1[3-9][0-9] [0-9]{4} [0-9]{4}", fullmatch=True))),
        "email": draw(_maybe(st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.cn", fullmatch=True))),
        "tags": draw(st.lists(st.text(string.ascii_lowercase + "中文", min_size=1, max_size=6), max_size=3,
                              unique_by=str.casefold)),
        "every": draw(_maybe(st.sampled_from(["7d", "30d", "2w", "90d"]))),
        "since": draw(_days).isoformat(), "note": draw(_maybe(_text(40, newlines=True))),
        "last_contact": draw(_maybe(_days)),
    } for n in names]
    people, phones, emails = [], set(), set()
    for c in customers:
        for person in draw(st.lists(_text(15), max_size=3, unique_by=name_key)):
            phone = draw(_maybe(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)))
            email = draw(_maybe(st.from_regex(r"[a-z]{1,8}@[a-z]{1,6}\.com", fullmatch=True)))
            if phone in phones or (email or "").casefold() in emails:
                continue
            phones.add(phone)
            emails.add((email or "").casefold())
            people.append({
                "customer": c["name"], "name": person,
                "role": draw(_maybe(st.sampled_from(vocab.ROLES.keys))),
                "level": draw(_maybe(st.sampled_from(vocab.LEVELS.keys))),
                "title": draw(_maybe(_text(10))), "department": draw(_maybe(_text(10))),
                "phone": phone, "email": email, "im": draw(_maybe(_text(10))),
                "prefers": draw(_maybe(st.sampled_from(vocab.CHANNELS.keys))),
                "best_time": draw(_maybe(_text(10))),
                "birthday": draw(_maybe(st.one_of(_days.map(date.isoformat),
                                                  st.dates(date(2000, 1, 1), date(2000, 12, 31)).map(lambda d: d.strftime("--%m-%d"))))),
                "every": draw(_maybe(st.sampled_from(["14d", "60d"]))),
                "note": draw(_maybe(_text(30, newlines=True))),
            })
    history = []
    for _ in range(draw(st.integers(0, 6))):
        c = draw(st.sampled_from(customers))
        theirs = [p["name"] for p in people if p["customer"] == c["name"]]
        nxt = draw(_maybe(st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=60))))
        history.append({
            "customer": c["name"], "contact": draw(_maybe(st.sampled_from(theirs))) if theirs else None,
            "at": draw(_days).isoformat(), "via": draw(_maybe(st.sampled_from(vocab.CHANNELS.keys))),
            "about": draw(_maybe(st.sampled_from(vocab.PURPOSES.keys))),
            "note": draw(_maybe(_text(30, newlines=True))), "feedback": draw(_maybe(_text(20))),
            "score": draw(_maybe(st.integers(0, 10).map(str))),
            "next": nxt.isoformat() if nxt else None,
            "next_note": draw(_maybe(_text(15))) if nxt else None,
        })
    return {"customers": customers, "people": people, "history": history}


def _fill(path: Path, data: dict) -> None:
    """Book A, written the way the commands write (records validation, store functions)."""
    from crmcli.core.names import name_key
    from crmcli.core.records import customer_values, interaction_values, stakeholder_values
    from crmcli.store import customers, log, stakeholders
    from crmcli.store.db import open_database

    cadences = {"gold": 14, "silver": 30, "iron": 90, "lead": 180}
    db = open_database(path)
    ids, people, seen = {}, {}, set()
    for c in data["customers"]:
        raw = {k: v for k, v in c.items() if k != "last_contact"}
        values = customer_values(raw, TODAY, creating=True)
        if c["last_contact"]:
            values["imported_last_contact"] = c["last_contact"].isoformat()
        ids[c["name"]] = customers.add(db, values, cadences)
    for p in data["people"]:
        values = stakeholder_values({k: v for k, v in p.items() if k != "customer"}, TODAY, creating=True)
        people[(p["customer"], p["name"])] = stakeholders.add(db, ids[p["customer"]], values, TODAY.isoformat(), cadences)
    for h in data["history"]:
        values = interaction_values(h, TODAY)
        key = (name_key(h["customer"]), name_key(h["contact"] or ""), values["date"], values["channel"] or "", values["note"] or "")
        if key in seen:
            continue  # the same contact logged twice is one record to an import
        seen.add(key)
        person = people.get((h["customer"], h["contact"])) if h["contact"] else None
        log.log(db, ids[h["customer"]], person, values, cadences)
    db.close()


def _export_all(crm, db: Path, folder: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for kind in ("customers", "contacts", "history"):
        target = folder / f"{kind}.csv"
        crm("--db", db, "export", kind, "-o", target)
        out[kind] = [{k: v for k, v in row.items() if k not in ("id", "created_at")}
                     for row in read(target.read_text(encoding="utf-8"))]
    return out


_HANDMADE = {
    "customers": [
        {"name": '华东物流, "总部"', "kind": "company", "tier": "gold", "stage": "client", "industry": None,
         "city": "上海", "phone": "+86 21 6888 8888", "email": "info@hdwl.cn", "tags": ["物流", "vip"],
         "every": "30d", "since": "2024-03-05", "note": '第一行, "引号"\n第二行\r\nthird', "last_contact": date(2026, 10, 8)},
        {"name": "Solo Buyer", "kind": "person", "tier": "iron", "stage": "first-time", "industry": None,
         "city": None, "phone": None, "email": None, "tags": [], "every": None, "since": "2025-01-01",
         "note": None, "last_contact": None},
    ],
    "people": [
        {"customer": '华东物流, "总部"', "name": "王芳", "role": "decision-maker", "level": "partner",
         "title": "总经理", "department": None, "phone": "13900000002", "email": "wf@hdwl.cn",
         "im": "wx_wf", "prefers": "im", "best_time": "晚上, 周末", "birthday": "--03-05", "every": "14d",
         "note": "likes tea,\nhates calls"},
        {"customer": "Solo Buyer", "name": "Solo Buyer", "role": None, "level": None, "title": None,
         "department": None, "phone": None, "email": None, "im": None, "prefers": None, "best_time": None,
         "birthday": "1980-07-09", "every": None, "note": None},
    ],
    "history": [
        {"customer": '华东物流, "总部"', "contact": "王芳", "at": "2026-11-01", "via": "visit", "about": "sell",
         "note": 'quote "12万", ok\nnext week', "feedback": "价格偏高", "score": "7", "next": "2026-12-01",
         "next_note": "send, the offer"},
        {"customer": "Solo Buyer", "contact": None, "at": "2026-11-02", "via": None, "about": None,
         "note": None, "feedback": None, "score": None, "next": None, "next_note": None},
    ],
}


@pytest.mark.sqlite_only
@example(data=_HANDMADE)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=books())
def test_export_import_export_gives_the_same_rows(crm, data: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first, second = folder / "a.db", folder / "b.db"
        _fill(first, data)
        before = _export_all(crm, first, folder)
        for kind in ("customers", "contacts", "history"):
            crm("--db", second, "import", kind, folder / f"{kind}.csv")
        after = _export_all(crm, second, folder)
        assert after == before
