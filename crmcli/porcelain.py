"""The stable shapes scripts rely on: `--json` objects and CSV rows, from store rows.

Keys here are the contract (DESIGN.md): change them only by adding.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.dates import format_duration

Row = dict[str, Any]


def tags_list(tags: str | None) -> list[str]:
    return [t for t in (tags or "").split(";") if t]


def customer(row: Row, *, team: bool = False) -> Row:
    out = {
        "id": row["id"], "name": row["name"], "kind": row["kind"], "tier": row["tier"],
        "stage": row["stage"], "industry": row.get("industry"), "city": row.get("city"),
        "phone": row.get("phone"), "email": row.get("email"), "tags": tags_list(row.get("tags")),
        "every": format_duration(row.get("every_days")) or None, "since": row.get("since"),
        "last_contact": row.get("last_contact"), "next_due": row.get("next_due"),
        "snoozed_until": row.get("snoozed_until"), "note": row.get("note"),
        "created_at": row.get("created_at"), "updated_at": row.get("updated_at"),
    }
    if team:
        out["owner"] = row.get("owner")
    return out


def stakeholder(row: Row) -> Row:
    return {
        "id": row["id"], "customer_id": row.get("customer_id"), "customer": row.get("customer"),
        "name": row["name"], "role": row.get("role"), "level": row.get("level"),
        "title": row.get("title"), "department": row.get("department"), "phone": row.get("phone"),
        "email": row.get("email"), "im": row.get("im"), "prefers": row.get("prefers"),
        "best_time": row.get("best_time"), "birthday": row.get("birthday"),
        "every": format_duration(row.get("every_days")) or None,
        "last_contact": row.get("last_contact"), "note": row.get("note"),
    }


def interaction(row: Row) -> Row:
    return {
        "id": row["id"], "customer_id": row.get("customer_id"), "customer": row.get("customer"),
        "contact_id": row.get("contact_id"), "contact": row.get("contact"), "date": row["date"],
        "channel": row.get("channel"), "purpose": row.get("purpose"), "note": row.get("note"),
        "feedback": row.get("feedback"), "score": row.get("score"), "next": row.get("next"),
        "next_note": row.get("next_note"),
    }


def customer_page(page: Row, *, team: bool = False) -> Row:
    out = customer(page, team=team)
    out["stage_since"] = page.get("stage_since")
    out["stakeholders"] = [stakeholder({**s, "customer_id": page["id"], "customer": page["name"]})
                           for s in page["stakeholders"]]
    out["history"] = [interaction({**h, "customer_id": page["id"], "customer": page["name"]})
                      for h in page["history"]]
    out["contacts_logged"] = page.get("contacts_logged", len(page["history"]))
    out["follow_ups"] = [
        {"id": f["id"], "due_on": f["due_on"], "note": f["note"], "contact": f.get("contact")}
        for f in page["follow_ups"]
    ]
    out["stage_history"] = [{"stage": s["stage"], "at": s["at"], "note": s["note"]}
                            for s in page["stage_history"]]
    for key in ("purchases", "deals", "facts"):
        if key in page:
            out[key] = page[key]
    return out


def csv_customer(row: Row) -> Row:
    return {**customer(row), "tags": row.get("tags") or "", "every": format_duration(row.get("every_days"))}


def _money(cents: int | None) -> int | float | None:
    from crmcli.core.pipeline import amount_number

    return amount_number(cents)


def deal(row: Row) -> Row:
    """A deal (opportunity); `amount` is exact in the JSON text, `amount_cents` an integer."""
    out = {
        "id": row["id"], "customer_id": row.get("customer_id"), "customer": row.get("customer"),
        "title": row["title"], "stage": row["stage"], "intent": row.get("intent"),
        "amount": _money(row.get("amount_cents")), "amount_cents": row.get("amount_cents"),
        "currency": row.get("currency"), "close_on": row.get("close_on"),
        "contact_id": row.get("contact_id"), "contact": row.get("contact"), "note": row.get("note"),
        "closed_on": row.get("closed_on"), "lost_reason": row.get("lost_reason"),
        "created_at": row.get("created_at"), "updated_at": row.get("updated_at"),
    }
    for key in ("weighted_amount", "slipped"):
        if key in row:
            out[key] = row[key]
    return out


def purchase(row: Row) -> Row:
    return {
        "id": row["id"], "customer_id": row.get("customer_id"), "customer": row.get("customer"),
        "date": row["date"], "amount": _money(row.get("amount_cents")),
        "amount_cents": row.get("amount_cents"), "currency": row.get("currency"),
        "product": row.get("product"), "deal_id": row.get("deal_id"), "deal": row.get("deal"),
        "note": row.get("note"),
    }


def csv_purchase(row: Row) -> Row:
    """A purchase as a CSV row (columns core.pipeline.PURCHASE_COLUMNS): plain decimal amounts."""
    from crmcli.core.pipeline import plain_amount

    return {"id": row["id"], "customer": row.get("customer"), "date": row["date"],
            "amount": plain_amount(row.get("amount_cents")), "currency": row.get("currency") or "",
            "product": row.get("product") or "", "deal": row.get("deal") or "", "note": row.get("note") or ""}


def purchase_summary(summary: Row) -> Row:
    """The customer page's purchase history in brief: count, totals, first and last purchase."""
    totals = [{"currency": t["currency"], "count": t["n"], "amount": _money(t["cents"]),
               "amount_cents": t["cents"]} for t in summary["totals"]]

    def one(p: Row | None) -> Row | None:
        if p is None:
            return None
        return {"date": p["date"], "amount": _money(p["amount_cents"]), "amount_cents": p["amount_cents"],
                "currency": p.get("currency"), "product": p.get("product")}

    single = totals[0] if len(totals) == 1 else None
    return {
        "count": sum(t["count"] for t in totals),
        "total": single["amount"] if single else (0 if not totals else None),
        "total_cents": single["amount_cents"] if single else (0 if not totals else None),
        "currency": single["currency"] if single else None,
        "totals": totals,
        "first": one(summary["first"]), "last": one(summary["last"]),
    }
