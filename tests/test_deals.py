"""`crm deal`: the pipeline, its forecast, winning and losing, and deals on the agenda."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.cadence import CustomerDue, deal_due, next_due
from crmcli.core.pipeline import format_amount, parse_amount, plain_amount
from crmcli.errors import CrmError


@pytest.fixture
def acme(crm):
    """An iron customer contacted on 2026-11-01: not due by cadence until 2027."""
    crm("customer", "add", "Acme Trading", "--since", "2026-01-01")
    crm("contact", "add", "Acme", "Li Wei", "--role", "decision-maker")
    crm("log", "Acme", "--at", "2026-11-01", "--via", "call")


def deal(crm, ref):
    return crm.json("deal", "show", ref)


# -- amounts ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "cents", "currency"), [
    ("120000", 12000000, "CNY"), ("120,000.50", 12000050, "CNY"), ("¥120,000", 12000000, "CNY"),
    ("￥1,200", 120000, "CNY"), ("12万", 12000000, "CNY"), ("1.5万元", 1500000, "CNY"),
    ("5k", 500000, "CNY"), ("$5,000", 500000, "USD"), ("1200 USD", 120000, "USD"),
    ("€0.99", 99, "EUR"), ("0", 0, "CNY"), ("１２０", 12000, "CNY"),
])
def test_amounts_are_exact(text, cents, currency):
    assert parse_amount(text, "CNY") == (cents, currency)


@pytest.mark.parametrize("text", ["-5", "¥-5", "(100)", "abc", "1.234", "1,2345", "NaN", "inf",
                                  "1e5", "", "5 XYZW", "$5 USD", "10000000000000"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(CrmError):
        parse_amount(text, "CNY")


@given(st.integers(min_value=0, max_value=10**14), st.sampled_from(["CNY", "USD", "EUR", "HKD", None]))
def test_amounts_round_trip_through_text(cents, currency):
    assert parse_amount(format_amount(cents, currency), "CNY")[0] == cents
    assert parse_amount(plain_amount(cents), "CNY") == (cents, "CNY")
    assert Decimal(plain_amount(cents)) * 100 == cents


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_a_clear_error(text):
    try:
        cents, _ = parse_amount(text, "CNY")
    except CrmError as e:
        assert e.message
    else:
        assert isinstance(cents, int) and cents >= 0


# -- the next-due rule -----------------------------------------------------

def test_deal_due_rule():
    close = date(2026, 11, 28)
    assert deal_due(close, None) == date(2026, 11, 21)  # a week before
    assert deal_due(close, date(2026, 11, 1)) == date(2026, 11, 21)
    assert deal_due(close, date(2026, 11, 18)) == date(2026, 11, 25)  # 7 days without contact
    assert deal_due(close, date(2026, 11, 24)) == date(2026, 11, 29)  # covered: due once slipped
    c = CustomerDue(stage="iron", since=date(2026, 1, 1), cadence_days=90,
                    last_contact=date(2026, 11, 1), deals=(close, close + timedelta(days=30)))
    assert next_due(c) == date(2026, 11, 21)


# -- add, show, edit -------------------------------------------------------

def test_add_and_show(crm, acme):
    out = crm("deal", "add", "Acme", "Fleet renewal", "--amount", "¥120,000.50", "--close", "2026-12-20",
              "--stage", "方案/报价", "--intent", "热", "--with", "Li Wei", "--note", "10 trucks").stdout
    assert "Added deal #1 'Fleet renewal'" in out
    d = deal(crm, "Fleet renewal")
    assert (d["stage"], d["intent"], d["amount_cents"], d["amount"], d["currency"]) == (
        "proposal", "hot", 12000050, 120000.5, "CNY")
    assert (d["close_on"], d["contact"], d["customer"], d["note"]) == ("2026-12-20", "Li Wei", "Acme Trading", "10 trucks")
    assert d["stage_history"] == [{"stage": "proposal", "at": "2026-11-25", "note": "added"}]
    crm("deal", "add", "Acme", "Spare parts")
    assert deal(crm, "spare")["stage"] == "lead" and deal(crm, "2")["amount"] is None


def test_every_stage_change_is_kept(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000", "--close", "2026-12-20")
    crm("deal", "edit", "Fleet", "--stage", "确认需求")
    crm("deal", "edit", "Fleet", "--stage", "谈判", "--amount", "110000")
    crm("deal", "edit", "Fleet", "--stage", "negotiation", "--intent", "warm")  # same stage: no new row
    crm("deal", "won", "Fleet", "--at", "today")
    d = deal(crm, "Fleet")
    assert [s["stage"] for s in d["stage_history"]] == ["lead", "qualified", "negotiation", "won"]
    assert d["stage_history"][-1]["note"] == "won: ¥110,000"
    assert (d["stage"], d["closed_on"], d["intent"]) == ("won", "2026-11-25", "warm")


def test_deal_refs(crm, acme):
    crm("customer", "add", "Beta")
    crm("deal", "add", "Acme", "Fleet renewal")
    crm("deal", "add", "Beta", "Fleet renewal 2027")
    crm("deal", "add", "Beta", "Service contract")
    assert deal(crm, "fleet renewal")["customer"] == "Acme Trading"  # exact title first
    assert deal(crm, "serv")["id"] == 3  # unique prefix
    assert deal(crm, "contract")["id"] == 3  # unique substring
    assert deal(crm, "3")["title"] == "Service contract"
    err = crm.error("deal", "show", "Fleet")
    assert "#1 Fleet renewal (Acme Trading)" in err and "#2 Fleet renewal 2027 (Beta)" in err
    assert "No deal matches" in crm.error("deal", "show", "Nothing")


def test_bad_input_writes_nothing(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000", "--close", "2026-12-20")
    for args in (["--amount", "-5"], ["--amount", "lots"], ["--stage", "dreaming"], ["--stage", "won"],
                 ["--stage", "lost"], ["--close", "someday"], ["--close", "2026-02-30"], ["--intent", "lukewarm"]):
        crm.error("deal", "add", "Acme", "Other", *args)
        crm.error("deal", "edit", "Fleet", *args)
    crm.error("deal", "add", "Nobody Inc", "Other")
    crm.error("deal", "add", "Acme", "  ")
    crm.error("deal", "won", "Fleet", "--at", "tomorrow")
    crm.error("deal", "won", "Fleet", "--amount", "-1")
    assert [d["title"] for d in crm.json("deal", "list")] == ["Fleet renewal"]
    d = deal(crm, "Fleet")
    assert (d["stage"], d["amount_cents"], d["close_on"]) == ("lead", 12000000, "2026-12-20")
    assert len(d["stage_history"]) == 1
    assert crm.json("purchase", "list") == []


# -- won and lost ----------------------------------------------------------

def test_won_records_a_purchase_and_moves_the_stage(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000", "--close", "2026-12-20")
    out = crm("deal", "won", "Fleet", "--at", "2026-11-20", "--amount", "115,000").stdout
    assert "purchase #1 recorded" in out and "prospect → first-time" in out
    [p] = crm.json("purchase", "list")
    assert (p["date"], p["amount_cents"], p["product"], p["deal_id"], p["deal"]) == (
        "2026-11-20", 11500000, "Fleet renewal", 1, "Fleet renewal")
    c = crm.json("customer", "show", "Acme")
    assert c["stage"] == "first-time"
    assert c["stage_history"][-1]["note"] == "first purchase 'Fleet renewal' ¥115,000 on 2026-11-20"
    assert c["deals"] == []  # no longer open
    # won on a won deal, lost on a won deal, reopen a won deal: refused
    crm.error("deal", "won", "Fleet")
    crm.error("deal", "lost", "Fleet", "--reason", "x")
    crm.error("deal", "edit", "Fleet", "--stage", "lead")
    assert len(crm.json("purchase", "list")) == 1


def test_won_needs_an_amount(crm, acme):
    crm("deal", "add", "Acme", "Consulting")
    assert "--amount" in crm.error("deal", "won", "Consulting")
    crm("deal", "won", "Consulting", "--amount", "$800")
    assert crm.json("purchase", "list")[0]["currency"] == "USD"


def test_lost_deal_is_nurtured_and_shown_on_the_agenda(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000", "--close", "2026-12-20", "--with", "Li Wei")
    out = crm("deal", "lost", "Fleet", "--reason", "price too high").stdout
    assert "revisit lost deal 'Fleet renewal'" in out
    d = deal(crm, "Fleet")
    assert (d["stage"], d["lost_reason"], d["closed_on"]) == ("lost", "price too high", "2026-11-25")
    assert d["stage_history"][-1] == {"stage": "lost", "at": "2026-11-25", "note": "price too high"}
    [f] = crm.json("follow-up", "list")
    assert (f["due_on"], f["note"], f["contact"]) == ("2027-02-23", "revisit lost deal 'Fleet renewal'", "Li Wei")
    crm("customer", "edit", "Acme", "--every", "1y")  # so only the follow-up is due
    assert crm.json("due", "--on", "2027-02-22") == []
    [row] = crm.json("due", "--on", "2027-02-23")
    assert row["reasons"] == ["follow-up: revisit lost deal 'Fleet renewal'"]
    assert "was lost" in crm.error("deal", "won", "Fleet")
    assert crm.json("purchase", "list") == []  # won on a lost deal wrote nothing


def test_lost_nurture_options(crm, acme):
    for title in ("A deal", "B deal", "C deal"):
        crm("deal", "add", "Acme", title)
    crm("deal", "lost", "A deal", "--reason", "timing", "--nurture", "30d")
    crm("deal", "lost", "B deal", "--reason", "competitor", "--nurture", "none")
    crm.error("deal", "lost", "C deal", "--reason", "x", "--nurture", "soon")
    crm("deal", "lost", "C deal", code=2)  # --reason is required
    assert [f["due_on"] for f in crm.json("follow-up", "list")] == ["2026-12-25"]
    assert deal(crm, "C deal")["stage"] == "lead"
    crm.error("deal", "lost", "A deal", "--reason", "again")


def test_a_lost_deal_can_be_reopened(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "1000")
    crm("deal", "lost", "Fleet", "--reason", "budget frozen")
    assert len(crm.json("follow-up", "list")) == 1
    crm("deal", "edit", "Fleet", "--stage", "proposal", "--close", "2027-03-01")
    assert crm.json("follow-up", "list") == []  # reopening is the revisit
    d = deal(crm, "Fleet")
    assert (d["stage"], d["lost_reason"], d["closed_on"]) == ("proposal", None, None)
    assert [(s["stage"], s["note"]) for s in d["stage_history"]] == [
        ("lead", "added"), ("lost", "budget frozen"), ("proposal", "reopened")]
    crm("deal", "won", "Fleet")
    assert deal(crm, "Fleet")["stage"] == "won"


# -- list and forecast -----------------------------------------------------

@pytest.fixture
def pipeline(crm, acme):
    crm("customer", "add", "Beta")
    for customer, title, amount, close, intent in (
        ("Acme", "Week deal", "100000", "2026-11-30", "hot"),
        ("Acme", "Fortnight deal", "50000", "2026-12-08", "warm"),
        ("Beta", "Month deal", "20000", "2026-12-20", "cold"),
        ("Beta", "Two month deal", "10000", "2027-01-20", None),
        ("Beta", "Far deal", "999999", "2027-06-01", "hot"),
        ("Acme", "Slipped deal", "7000", "2026-11-10", "hot"),
    ):
        crm("deal", "add", customer, title, "--amount", amount, "--close", close,
            *(["--intent", intent] if intent else []))
    crm("deal", "add", "Beta", "Won deal", "--amount", "5000", "--close", "2026-12-01")
    crm("deal", "won", "Won deal")


def titles(rows):
    return [r["title"] for r in rows]


def test_closing_windows(crm, pipeline):
    on = ["--on", "2026-11-25"]
    assert titles(crm.json("deal", "list", "--closing", "1w", *on)) == ["Week deal"]
    assert titles(crm.json("deal", "list", "--closing", "2w", *on)) == ["Week deal", "Fortnight deal"]
    assert titles(crm.json("deal", "list", "--closing", "1m", *on)) == ["Week deal", "Fortnight deal", "Month deal"]
    assert titles(crm.json("deal", "list", "--closing", "2m", *on))[-1] == "Two month deal"
    assert titles(crm.json("deal", "list", "Beta", "--closing", "2m", *on)) == ["Month deal", "Two month deal"]
    # as of another day the windows move with it
    assert titles(crm.json("deal", "list", "--closing", "1w", "--on", "2026-12-05")) == ["Fortnight deal"]
    crm.error("deal", "list", "--closing", "soon")
    crm.error("deal", "list", "--on", "whenever")


def test_forecast_sums_and_weights(crm, pipeline):
    out = crm("deal", "list", "--closing", "2w", "--on", "2026-11-25").stdout
    assert "Forecast" in out and "¥150,000" in out and "¥90,000" in out  # 100000*0.7 + 50000*0.4
    assert "1 open deal(s) slipped" in out
    f = crm.json("deal", "forecast", "--on", "2026-11-25")
    by = {w["window"]: w for w in f["windows"]}
    assert [w["days"] for w in f["windows"]] == [7, 14, 30, 60]
    assert by["1 week"]["deals"] == 1 and by["1 week"]["weighted"][0]["amount"] == 70000
    assert by["2 weeks"]["amounts"][0]["amount"] == 150000
    assert by["1 month"]["weighted"][0]["amount"] == 92000  # + 20000 * 0.1
    assert by["2 months"]["weighted"][0]["amount_cents"] == 9600000  # + 10000 * warm (no intent)
    assert f["slipped"] == 1
    crm("config", "set", "intent.hot", "1")
    f = crm.json("deal", "forecast", "--on", "2026-11-25")
    assert f["windows"][0]["weighted"][0]["amount"] == 100000
    [d] = crm.json("deal", "list", "--closing", "1w", "--on", "2026-11-25")
    assert d["weighted_amount"] == 100000 and d["slipped"] is False


def test_list_filters_and_formats(crm, pipeline):
    assert len(crm.json("deal", "list")) == 7
    assert titles(crm.json("deal", "list", "--stage", "成交")) == ["Won deal"]
    assert "Won deal" not in titles(crm.json("deal", "list", "--open"))
    assert titles(crm.json("deal", "list", "Acme", "--open"))[0] == "Slipped deal"
    [s] = [d for d in crm.json("deal", "list", "--open") if d["title"] == "Slipped deal"]
    assert s["slipped"] is True
    lines = crm("deal", "list", "--csv").stdout.splitlines()
    assert lines[0] == "id,customer,title,stage,intent,amount,currency,close_on,contact,closed_on,lost_reason,note"
    assert "Acme Trading,Week deal,lead,hot,100000,CNY,2026-11-30" in lines[2]
    table = crm("deal", "list", "--open", "--on", "2026-11-25").stdout
    assert "slipped 15 days" in table and "closes in 5 days" in table
    crm.error("deal", "list", "--stage", "maybe")
    crm("deal", "list", "--json", "--csv", code=2)


# -- on the agenda ---------------------------------------------------------

def test_deal_closing_soon_puts_the_customer_on_the_agenda(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000", "--close", "2026-11-28", "--intent", "hot")
    assert crm.json("due", "--on", "2026-11-20") == []
    [row] = crm.json("due", "--on", "2026-11-25")
    assert row["reasons"] == ["deal 'Fleet renewal' ¥120,000 closes in 3 days, hot"]
    assert row["due_on"] == "2026-11-21"
    assert crm.json("customer", "show", "Acme")["next_due"] == "2026-11-21"
    # a contact logged in the last 7 days covers it ...
    crm("log", "Acme", "--at", "2026-11-24", "--via", "visit")
    assert crm.json("due", "--on", "2026-11-25") == []
    assert crm.json("due", "--on", "2026-11-28") == []
    # ... until the close date passes: then it has slipped, until the deal is updated
    [row] = crm.json("due", "--on", "2026-11-29")
    assert row["reasons"] == ["deal 'Fleet renewal' slipped: was due 2026-11-28"]
    crm("log", "Acme", "--at", "2026-11-25")
    assert crm.json("due", "--on", "2026-11-30")[0]["reasons"] == ["deal 'Fleet renewal' slipped: was due 2026-11-28"]
    crm("deal", "edit", "Fleet", "--close", "2026-12-31")
    assert crm.json("due", "--on", "2026-11-30") == []
    assert crm.json("due", "--on", "2026-12-24")[0]["reasons"] == [
        "deal 'Fleet renewal' ¥120,000 closes in 7 days, hot"]
    crm("deal", "won", "Fleet")
    assert crm.json("due", "--on", "2027-01-05") == []


def test_deal_reason_with_ahead_and_without_amount(crm, acme):
    crm("deal", "add", "Acme", "Pilot", "--close", "2026-12-10")
    assert crm.json("due", "--on", "2026-11-25") == []
    [row] = crm.json("due", "--on", "2026-11-25", "--ahead", "8")
    assert row["reasons"] == ["deal 'Pilot' closes in 15 days"] and row["days_overdue"] == -8
    crm("deal", "lost", "Pilot", "--reason", "no budget")
    assert crm.json("due", "--on", "2026-12-09") == []


def test_customer_page_shows_open_deals(crm, acme):
    crm("deal", "add", "Acme", "Fleet renewal", "--amount", "120000", "--close", "2026-12-20", "--intent", "warm")
    crm("deal", "add", "Acme", "Old deal")
    crm("deal", "lost", "Old deal", "--reason", "x", "--nurture", "none")
    c = crm.json("customer", "show", "Acme")
    assert [(d["title"], d["amount"], d["close_on"], d["intent"]) for d in c["deals"]] == [
        ("Fleet renewal", 120000, "2026-12-20", "warm")]
    out = crm("customer", "show", "Acme").stdout
    assert "Open deals" in out and "Fleet renewal" in out and "¥120,000" in out and "Old deal" not in out
