"""The record pages a rep reads (`customer show`, `contact show`), as rich text."""

from __future__ import annotations

from datetime import date
from typing import Any

from crmcli import render
from crmcli.core import vocabulary as vocab
from crmcli.core.dates import format_duration


def _ago(day: str | None, today: date) -> str:
    if not day:
        return ""
    try:
        days = (today - date.fromisoformat(day)).days
    except ValueError:
        return day
    if days == 0:
        return f"{day} (today)"
    if days < 0:
        return f"{day} (in {-days} days)"
    return f"{day} ({days} days ago)"


def _how(person: dict[str, Any]) -> str:
    parts = [vocab.CHANNELS.label(person.get("prefers")), person.get("best_time") or ""]
    return ", ".join(p for p in parts if p)


def customer_page(page: dict[str, Any], today: date) -> None:
    kind = "person" if page["kind"] == "person" else "company"
    render.fields_panel(
        f"#{page['id']} {page['name']}",
        [
            ("Tier", f"{page['tier']}" + (f", every {format_duration(page['every_days'])}" if page["every_days"] else "")),
            ("Stage", f"{page['stage']} since {_ago(page.get('stage_since'), today)}"),
            ("Kind", kind),
            ("Industry", page.get("industry")), ("City", page.get("city")),
            ("Phone", page.get("phone")), ("Email", page.get("email")),
            ("Tags", page["tags"].replace(";", ", ")),
            ("On book since", page.get("since")),
            ("Last contact", _ago(page.get("last_contact"), today) or "never"),
            ("Next due", page.get("next_due") + (f" (snoozed until {page['snoozed_until']})" if page.get("snoozed_until") else "") if page.get("next_due") else ""),
            ("Note", page.get("note")),
        ] + _purchase_fields(page) + [(label, value) for label, value in page.get("extra_fields", [])],
    )
    people = page["stakeholders"]
    if people:
        render.table(
            [{**p, "how": _how(p), "every": format_duration(p["every_days"])} for p in people],
            [("id", "ID"), ("name", "Stakeholder"), ("role", "Role"), ("level", "Level"),
             ("title", "Title"), ("how", "Prefers"), ("phone", "Phone"),
             ("last_contact", "Last contact"), ("birthday", "Birthday")],
            title="Stakeholders",
        )
    else:
        render.line("No stakeholders yet: add one with `crm contact add CUSTOMER NAME`.")
    if page["follow_ups"]:
        render.table(page["follow_ups"], [("id", "ID"), ("due_on", "Due"), ("contact", "With"), ("note", "Follow-up")],
                     title="Open follow-ups")
    if page["history"]:
        shown = len(page["history"])
        total = page.get("contacts_logged", shown)
        render.table(
            page["history"],
            [("date", "Date"), ("contact", "With"), ("channel", "Via"), ("purpose", "About"),
             ("note", "Note"), ("feedback", "Feedback"), ("score", "Score")],
            title=f"Last contacts ({shown} of {total})" if total > shown else "Last contacts",
        )
    else:
        render.line("No contacts logged yet.")
    if page.get("deals"):
        render.table(_deal_rows(page["deals"], today),
                     [("id", "ID"), ("title", "Deal"), ("stage", "Stage"), ("intent", "Intent"),
                      ("amount", "Amount"), ("close_on", "Close"), ("status", "")],
                     title="Open deals")
    if page.get("facts"):
        render.table(page["facts"], [("key", "Fact"), ("value", "Latest value"), ("at", "On"),
                                     ("contact", "From")], title="Facts (latest; `crm fact history` for all)")
    for title, rows, columns in page.get("extra_tables", []):
        render.table(rows, columns, title=title)
    render.table(page["stage_history"], [("at", "Date"), ("stage", "Stage"), ("note", "Note")],
                 title="Stage history")


def _purchase_fields(page: dict[str, Any]) -> list[tuple[str, Any]]:
    """Purchases in brief (issue 5): how many, how much, the first and the last."""
    from crmcli.core.pipeline import format_amount, money_list

    summary = page.get("purchases")
    if not summary or not summary["count"]:
        return [("Purchases", "none yet")] if summary is not None else []

    def one(p: dict[str, Any]) -> str:
        text = f"{p['date']} {format_amount(p['amount_cents'], p['currency'])}"
        return text + (f" {p['product']}" if p.get("product") else "")

    total = money_list({t["currency"] or "": t["amount_cents"] for t in summary["totals"]})
    fields = [("Purchases", f"{summary['count']}, total {total}"), ("Last purchase", one(summary["last"]))]
    if summary["count"] > 1:
        fields.append(("First purchase", one(summary["first"])))
    return fields


def _deal_rows(deals: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    from crmcli.core.pipeline import closes_text, format_amount

    return [{**d, "amount": format_amount(d["amount_cents"], d["currency"]),
             "status": closes_text(d["close_on"], d["stage"], today)} for d in deals]


def contact_page(person: dict[str, Any], today: date) -> None:
    render.fields_panel(
        f"#{person['id']} {person['name']} — {person['customer']}",
        [
            ("Role", person.get("role")), ("Level", person.get("level")),
            ("Title", person.get("title")), ("Department", person.get("department")),
            ("Phone", person.get("phone")), ("Email", person.get("email")), ("IM", person.get("im")),
            ("Prefers", _how(person)), ("Birthday", person.get("birthday")),
            ("Every", format_duration(person.get("every_days"))),
            ("Last contact", _ago(person.get("last_contact"), today) or "never"),
            ("Note", person.get("note")),
        ],
    )
    if person["level_history"]:
        render.table(person["level_history"], [("at", "Date"), ("level", "Level"), ("note", "Note")],
                     title="Level history")
    if person["history"]:
        render.table(person["history"], [("date", "Date"), ("channel", "Via"), ("purpose", "About"),
                                         ("note", "Note"), ("feedback", "Feedback")], title="Last contacts")
