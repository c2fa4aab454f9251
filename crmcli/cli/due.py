"""`crm due`: whom to contact today, why, with whom and how, most urgent first."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import Json, OnDay, OwnerOpt
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
    ics: Annotated[bool, typer.Option("--ics", help="Write the agenda and birthdays as iCalendar all-day events (for a phone calendar).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="With --ics: write to FILE instead of stdout.", show_default=False)] = None,
    segment: Annotated[str | None, typer.Option("--segment", metavar="NAME", help="Only the customers of a saved segment (crm segment … --save NAME).", show_default=False)] = None,
    owner: OwnerOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every rep's agenda, grouped by rep (team book).")] = False,
) -> None:
    """The agenda: customers due for a contact, ranked (on a team book: yours unless --owner or --all)."""
    if output is not None and not ics:
        raise typer.BadParameter("-o/--output goes with --ics: crm due --ics -o agenda.ics")
    if ics and json_:
        raise typer.BadParameter("Give --ics or --json, not both.")
    s = session(ctx)
    book = s.book_of(owner, all_)
    if ics:
        write_ics(s, on=on, ahead=_count(ahead, "--ahead"), limit=_count(limit, "--limit"),
                  tier=tier, output=output, segment=segment, owner=book)
        return
    show_agenda(s, on=on, ahead=_count(ahead, "--ahead"), limit=_count(limit, "--limit"),
                tier=tier, json_=json_, segment=segment, owner=book)


def write_ics(s: Session, *, on: str | None, ahead: int | None, limit: int | None,
              tier: str | None, output: Path | None, segment: str | None = None,
              owner: str | None = None) -> None:
    """The agenda as .ics: every due row (the capacity applies only with --limit), and birthdays."""
    import sys

    from crmcli.io.csv_write import binary_output
    from crmcli.io.ical import agenda_calendar
    from crmcli.store.birthdays import birthdays

    day, agenda, _total = build_agenda(s, on=on, ahead=ahead, limit=limit or 0, tier=tier, segment=segment,
                                       owner=owner)
    extra_where, extra_params = _segment_filter(s, segment, day)
    people = list(birthdays(s.db, tier=vocab.TIERS.parse(tier) if tier else None,
                            owner=owner,
                            extra_where=extra_where, extra_params=extra_params))
    data = agenda_calendar(day, agenda, people)
    if output is None or str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        with binary_output(output) as out:
            out.write(data)
        render.note(f"Wrote {render.counted(len(agenda), 'agenda event')} and "
                    f"{render.counted(len(people), 'birthday')} to {output}.")


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
                 tier: str | None, segment: str | None = None, owner: str | None = None):
    """The agenda rows (core.agenda.AgendaRow) and how many are due in all.

    `owner`: only that rep's customers (Session.book_of); None: the whole book.
    """
    from crmcli.core import pipeline
    from crmcli.core.agenda import explain
    from crmcli.core.dates import parse_date
    from crmcli.store import agenda as store_agenda

    day = parse_date(on, s.today) if on else s.today
    ahead = ahead or 0
    tier_key = vocab.TIERS.parse(tier) if tier else None
    capacity = limit if limit is not None else int(s.settings.get("agenda.capacity"))
    cadences = s.cadences
    extra_where, extra_params = _segment_filter(s, segment, day)
    rows, total = store_agenda.due_rows(s.db, day, ahead, cadences, limit=capacity or None, tier=tier_key,
                                        owner=owner, extra_where=extra_where, extra_params=extra_params)
    info = store_agenda.details(s.db, [r["id"] for r in rows], day + timedelta(days=ahead))
    agenda = []
    for r in rows:
        last = date.fromisoformat(r["last_contact"]) if r.get("last_contact") else None
        deal_reasons = pipeline.deal_reasons(info["deals"].get(r["id"], []), last, day,
                                             day + timedelta(days=ahead))
        row = explain(r, info["stakeholders"].get(r["id"], []), info["follow_ups"].get(r["id"], []),
                      info["last"].get(r["id"]), day, ahead, cadences, r["rank"],
                      extra_reasons=deal_reasons)
        if row is not None:
            agenda.append(row)
    return day, agenda, total


def _segment_filter(s: Session, name: str | None, day: date) -> tuple[str | None, dict | None]:
    """The saved segment's customers as a WHERE fragment on the agenda query (issue 6)."""
    if name is None:
        return None, None
    from crmcli.core.segments import parse_spec
    from crmcli.store import segments

    kept = segments.load(s.db, name.strip())
    spec = parse_spec(kept.get("by", []), kept.get("where", []), kept.get("cell"))
    return segments.agenda_filter(s.db, spec, day, s.today)


def show_agenda(s: Session, *, on: str | None, ahead: int | None, limit: int | None,
                tier: str | None, json_: bool, segment: str | None = None,
                owner: str | None = None) -> None:
    day, agenda, total = build_agenda(s, on=on, ahead=ahead, limit=limit, tier=tier, segment=segment,
                                      owner=owner)
    if json_:
        # The rep shows only on a team book; a solo SQLite book has one rep and never shows it.
        render.emit_json([{k: v for k, v in row.as_json().items() if s.team or k != "owner"}
                          for row in agenda])
        return
    if not agenda:
        render.line(f"Nobody is due on {day.isoformat()}" + (f" or in the {ahead} days after." if ahead else "."))
        return
    title = f"Due {day.isoformat()} ({day.strftime('%a')})" + (f" and the next {ahead} days" if ahead else "")
    if s.team and owner is None:
        # A manager's view: each rep's rows together (the rep named on the first), most urgent
        # first within each rep. One table: twenty reps are not twenty tables to draw.
        agenda = sorted(agenda, key=lambda row: row.owner or "")  # stable: rank order within a rep
        _agenda_table(agenda, title, by_rep=True)
    else:
        _agenda_table(agenda, title)
    if total > len(agenda):
        render.line(f"{total - len(agenda)} more due; see them with --limit 0.", style="dim")


def _agenda_table(agenda: list, title: str, by_rep: bool = False) -> None:
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
            "rep": (row.owner or "(no owner)") if i == 1 or row.owner != agenda[i - 2].owner else "",
        })
    render.table(
        table_rows,
        [("rep", "Rep")] * by_rep +
        [("n", "#"), ("customer", "Customer"), ("why", "Why"), ("with", "With"), ("how", "How"),
         ("last", "Last contact")],
        title=title,
        styles=render.TIER_STYLE,
    )
