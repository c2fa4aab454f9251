"""REF resolution: id, exact name, prefix, substring; ambiguity lists candidates."""


def test_ref_by_id_exact_prefix_and_substring(crm):
    crm("customer", "add", "Acme Trading")
    crm("customer", "add", "Acme")
    crm("customer", "add", "北京恒信科技")
    assert crm.json("customer", "show", "2")["name"] == "Acme"
    assert crm.json("customer", "show", "ACME")["name"] == "Acme"  # exact beats prefix
    assert crm.json("customer", "show", "acme t")["name"] == "Acme Trading"
    assert crm.json("customer", "show", "恒信")["name"] == "北京恒信科技"  # substring
    assert crm.json("customer", "show", "ＡＣＭＥ")["name"] == "Acme"  # full-width folded


def test_ambiguous_name_lists_candidates(crm):
    crm("customer", "add", "Acme Trading")
    crm("customer", "add", "Acme Labs")
    err = crm.error("customer", "show", "acm")
    assert "#1 Acme Trading" in err and "#2 Acme Labs" in err


def test_unknown_ref(crm):
    err = crm.error("customer", "show", "nobody")
    assert "nobody" in err


def test_contact_ref_names_the_customer_when_ambiguous(crm):
    crm("customer", "add", "Acme")
    crm("customer", "add", "Globex")
    crm("contact", "add", "Acme", "Li Wei")
    crm("contact", "add", "Globex", "Li Wei")
    err = crm.error("contact", "show", "li wei")
    assert "(Acme)" in err and "(Globex)" in err
    # within a customer, --with is unambiguous
    crm("log", "Globex", "--with", "li wei", "--via", "call")
    assert crm.json("history")[0]["contact_id"] == 2
