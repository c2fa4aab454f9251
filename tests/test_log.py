"""`crm log`, `crm history`, `crm stage`, `crm level`, follow-ups."""


def test_log_records_a_contact_and_moves_last_contact(crm, book):
    book()
    crm("log", "Acme", "--with", "Zhang Min", "--via", "拜访", "--about", "客户关怀", "--at", "2026-11-20",
        "--note", "visited plant", "--feedback", "happy", "--score", "9", "--next", "2026-12-01",
        "--next-note", "send samples")
    [h] = crm.json("history", "Acme", "--limit", "1")
    assert (h["contact"], h["channel"], h["purpose"], h["date"], h["score"]) == ("Zhang Min", "visit", "care", "2026-11-20", 9)
    assert h["next"] == "2026-12-01" and h["next_note"] == "send samples"
    c = crm.json("customer", "show", "Acme")
    assert c["last_contact"] == "2026-11-20"
    assert c["follow_ups"][0]["due_on"] == "2026-12-01"
    assert c["stakeholders"][1]["last_contact"] == "2026-11-20"


def test_a_late_entry_does_not_move_last_contact_back(crm, book):
    book()
    crm("log", "Acme", "--at", "2026-10-01", "--via", "call")
    assert crm.json("customer", "show", "Acme")["last_contact"] == "2026-11-01"


def test_history_order_filters_and_csv(crm, book):
    book()
    rows = crm.json("history")
    assert [r["date"] for r in rows] == ["2026-11-20", "2026-11-01"]
    assert [r["customer"] for r in crm.json("history", "--since", "2026-11-10")] == ["华东物流有限公司"]
    text = crm("history", "--csv").stdout.splitlines()
    assert text[0] == "id,customer,contact,date,channel,purpose,note,feedback,score,next,next_note"


def test_log_refuses_bad_input_and_writes_nothing(crm, book):
    book()
    for args in (["--at", "tomorrow"], ["--at", "1980-02-30"], ["--score", "11"], ["--score", "-1"],
                 ["--score", "ten"], ["--via", "pigeon"], ["--about", "gossip"], ["--with", "Nobody"],
                 ["--next-note", "x"], ["--next", "someday"]):
        crm.error("log", "Acme", *args)
    crm.error("log", "Nobody Inc")
    assert len(crm.json("history")) == 2


def test_stage_history_with_late_entries(crm):
    crm("customer", "add", "Acme", "--since", "2025-01-01")
    crm("stage", "Acme", "first-time", "--at", "2025-06-01", "--note", "first order")
    crm("stage", "Acme", "repeat", "--at", "2025-09-01")
    out = crm("stage", "Acme", "初次购买", "--at", "2025-03-01").stdout  # recorded late, earlier date
    assert "stays repeat" in out
    c = crm.json("customer", "show", "Acme")
    assert c["stage"] == "repeat"
    assert [(s["stage"], s["at"]) for s in c["stage_history"]] == [
        ("prospect", "2025-01-01"), ("first-time", "2025-03-01"), ("first-time", "2025-06-01"), ("repeat", "2025-09-01")]
    crm.error("stage", "Acme", "happy")
    crm.error("stage", "Acme", "client", "--at", "+1d")


def test_level_history(crm, book):
    book()
    crm("level", "Li Wei", "partner", "--at", "2026-10-01", "--note", "dinner with family")
    crm("level", "Li Wei", "同盟")
    p = crm.json("contact", "show", "Li Wei")
    assert p["level"] == "ally"
    # history in date order: the level given at `contact add` is dated today
    assert [(h["level"], h["at"]) for h in p["level_history"]] == [
        ("partner", "2026-10-01"), ("engaged", "2026-11-25"), ("ally", "2026-11-25")]
    crm.error("level", "Li Wei", "bestie")
    crm.error("level", "Li Wei", "ally", "--at", "2030-01-01")


def test_follow_up_add_list_done(crm, book):
    book()
    out = crm("follow-up", "add", "Acme", "+3d", "send the quote", "--with", "Li Wei").stdout
    assert "due 2026-11-28" in out
    [f] = crm.json("follow-up", "list")
    assert f["note"] == "send the quote" and f["contact"] == "Li Wei"
    crm("follow-up", "done", str(f["id"]))
    assert crm.json("follow-up", "list") == []
    crm.error("follow-up", "done", "99")
    crm.error("follow-up", "add", "Acme", "whenever", "x")


def test_snooze_needs_a_future_date(crm, book):
    book()
    err = crm.error("snooze", "Acme", "2026-11-01")
    assert "future" in err
    crm("snooze", "Acme", "+1w")
    assert crm.json("customer", "show", "Acme")["snoozed_until"] == "2026-12-02"
