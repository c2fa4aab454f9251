"""`crm due`: whom to contact today, why, with whom and how, most urgent first."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import Json, OnDay
from crmcli.cli.session import Session, session
from crmcli.core import vocabulary as vocab
from crmcli.errors import CrmError


def due(
    ctx: typer.Context,
    on: OnDay = None,
    ahead: Annotated[str | None, typer.Option("--ahead", help="Also what falls due in the next N days.", show_default=False)] = None,
    limit: Annotated[str | None, typer.Option("--limit", help="At most N rows (default: config agenda.capacity; 0: all).", show_default=False)] = None,
    tier: Annotated[str | None, typer.Option("--tier", help=f"Only this tier: {vocab.TIERS.help()}.", show_default=False)] = None,
    json_: Json = False,
) -> None:
    """The agenda: customers due for a contact, ranked."""
    show_agenda(session(ctx), on=on, ahead=_count(ahead, "--ahead"), limit=_count(limit, "--limit"),
                tier=tier, json_=json_)


def _count(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        value = int(text.strip().rstrip("dD"))
    except ValueError:
        raise CrmError(f"{option} takes a whole number of days or rows, such as 7; {text!r} is not one.") from None
    if value < 0 or value > 3660:
        raise CrmError(f"{option} must be between 0 and 3660, not {value}.")
    return value


def build_agenda(s: Session, *, on: str | None, ahead: int | None, limit: int | None,
                 tier: str | None):
    """The agenda rows (core.agenda.AgendaRow) and how many are due in all."""
    from crmcli.core.agenda import explain
    from crmcli.core.dates import parse_date
    from crmcli.store import agenda as store_agenda

    day = parse_date(on, s.today) if on else s.today
    ahead = ahead or 0
    tier_key = vocab.TIERS.parse(tier) if tier else None
    capacity = limit if limit is not None else int(s.settings.get("agenda.capacity"))
    cadences = s.cadences
    rows, total = store_agenda.due_rows(s.db, day, ahead, cadences, limit=capacity or None, tier=tier_key)
    info = store_agenda.details(s.db, [r["id"] for r in rows], day + timedelta(days=ahead))
    agenda = []
    for r in rows:
        row = explain(r, info["stakeholders"].get(r["id"], []), info["follow_ups"].get(r["id"], []),
                      info["last"].get(r["id"]), day, ahead, cadences, r["rank"])
        if row is not None:
            agenda.append(row)
    return day, agenda, total


def show_agenda(s: Session, *, on: str | None, ahead: int | None, limit: int | None,
                tier: str | None, json_: bool) -> None:
    day, agenda, total = build_agenda(s, on=on, ahead=ahead, limit=limit, tier=tier)
    if json_:
        render.emit_json([row.as_json() for row in agenda])
        return
    if not agenda:
        render.line(f"Nobody is due on {day.isoformat()}" + (f" or in the {ahead} days after." if ahead else "."))
        return
    table_rows = []
    for i, row in enumerate(agenda, 1):
        last = ""
        if row.last_contact:
            last = row.last_contact + (f" {row.last_channel}" if row.last_channel else "")
            if row.last_note:
                last += f": {row.last_note}"
        table_rows.append({
            "n": i, "customer": row.customer, "tier": row.tier, "why": "; ".join(row.reasons),
            "with": row.contact or "", "how": ", ".join(x for x in (row.channel, row.best_time) if x),
            "last": last or "never",
        })
    render.table(
        table_rows,
        [("n", "#"), ("customer", "Customer"), ("why", "Why"), ("with", "With"), ("how", "How"),
         ("last", "Last contact")],
        title=f"Due {day.isoformat()} ({day.strftime('%a')})" + (f" and the next {ahead} days" if ahead else ""),
        styles=render.TIER_STYLE,
    )
    if total > len(agenda):
        render.line(f"{total - len(agenda)} more due; see them with --limit 0.", style="dim")
