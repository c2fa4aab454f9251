"""`crm contact …`: stakeholders with roles, levels and how to reach them."""


def test_add_list_show_edit_rm(crm):
    crm("customer", "add", "Acme")
    out = crm("contact", "add", "Acme", "王芳", "--role", "決策者", "--level", "夥伴", "--title", "总经理",
              "--department", "采购部", "--phone", "138 0000 0000", "--email", "WF@acme.cn", "--im", "wangfang",
              "--prefers", "微信", "--best-time", "晚上", "--birthday", "--03-22", "--every", "3w",
              "--note", "likes tea").stdout
    assert "Added contact #1 王芳 (decision-maker) at Acme" in out
    [p] = crm.json("contact", "list", "Acme")
    assert p["role"] == "decision-maker" and p["level"] == "partner" and p["prefers"] == "im"
    assert p["birthday"] == "--03-22" and p["every"] == "21d" and p["customer"] == "Acme"
    crm("contact", "edit", "王芳", "--role", "influencer", "--level", "ally")
    shown = crm.json("contact", "show", "王芳")
    assert shown["role"] == "influencer" and shown["level"] == "ally"
    assert [h["level"] for h in shown["level_history"]] == ["partner", "ally"]
    crm.error("contact", "rm", "王芳")
    crm("contact", "rm", "王芳", "--yes")
    assert crm.json("contact", "list") == []


def test_list_filters_by_customer_and_role(crm, book):
    book()
    assert [p["name"] for p in crm.json("contact", "list", "Acme")] == ["Li Wei", "Zhang Min"]
    assert [p["name"] for p in crm.json("contact", "list", "--role", "决策者")] == ["Li Wei", "王芳"]
    assert len(crm.json("contact", "list", "--limit", "1")) == 1


def test_bad_contact_values(crm):
    crm("customer", "add", "Acme")
    for args in (["--role", "boss"], ["--level", "friend"], ["--prefers", "pigeon"], ["--birthday", "1980-02-30"],
                 ["--every", "0w"], ["--email", "nope"]):
        crm.error("contact", "add", "Acme", "Li", *args)
    crm.error("contact", "add", "Nobody Inc", "Li")
    crm.error("contact", "add", "Acme", " ")
    assert crm.json("contact", "list") == []
