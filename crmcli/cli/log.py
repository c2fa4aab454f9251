"""`crm log`, `crm history`, `crm follow-up`: contacts made and the next steps promised."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import porcelain, render
from crmcli.cli.options import (
    AllReps,
    At,
    Csv,
    Json,
    Limit,
    Note,
    OwnerOpt,
    one_format,
)
from crmcli.cli.session import session
from crmcli.cli.standing import note_on_the_book_by
from crmcli.core import vocabulary as vocab
from crmcli.core.dates import parse_date
from crmcli.core.records import HISTORY_COLUMNS, interaction_values

follow_up_app = typer.Typer(help="Follow-ups: next steps promised, due on a date.", no_args_is_help=True)

CustomerRef = Annotated[str, typer.Argument(help="Customer id or name.")]
With = Annotated[str | None, typer.Option("--with", help="The stakeholder (a contact of this customer).")]


def log(
    ctx: typer.Context, ref: CustomerRef, with_: With = None,
    via: Annotated[str | None, typer.Option("--via", help=f"Channel: {vocab.CHANNELS.help()} (or 电话, 微信…).")] = None,
    about: Annotated[str | None, typer.Option("--about", help=f"Purpose: {vocab.PURPOSES.help()}.")] = None,
    at: At = None, note: Note = None,
    feedback: Annotated[str | None, typer.Option("--feedback", help="What the customer said.")] = None,
    score: Annotated[str | None, typer.Option("--score", help="Satisfaction score 0–10 (a survey result).")] = None,
    next_: Annotated[str | None, typer.Option("--next", help="Date of the next step (a follow-up).")] = None,
    next_note: Annotated[str | None, typer.Option("--next-note", help="What the next step is.")] = None,
) -> None:
    """Record a contact with a customer (call, visit, email, gift, meal…)."""
    s = session(ctx)
    values = interaction_values(
        {"via": via, "about": about, "at": at, "note": note, "feedback": feedback, "score": score,
         "next": next_, "next_note": next_note},
        s.today,
    )
    account = s.customer(ref)
    person = s.stakeholder(with_, account["id"]) if with_ else None
    from crmcli.store import log as store_log

    iid = store_log.log(s.db, account["id"], person["id"] if person else None, values, s.cadences)
    who = f" with {person['name']}" if person else ""
    via_text = f" ({values['channel']})" if values["channel"] else ""
    render.line(f"Logged contact #{iid}{via_text} with {account['name']}{who} on {values['date']}.")
    note_on_the_book_by(account, values["date"])
    if values["next_on"]:
        render.line(f"Follow-up due {values['next_on']}" + (f": {values['next_note']}" if values["next_note"] else "."))


def history(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only contacts on or after this date.")] = None,
    limit: Limit = None, owner: OwnerOpt = None, all_: AllReps = False,
    json_: Json = False, csv_: Csv = False,
) -> None:
    """The contact log, newest first (on a team book: your customers unless --owner or --all)."""
    one_format(json_, csv_)
    s = session(ctx)
    from crmcli.store import log as store_log

    cid = s.customer(ref)["id"] if ref else None
    since_day = parse_date(since, s.today).isoformat() if since else None
    # A named customer's log is shown whoever owns it; otherwise the rep's own book.
    where, params = store_log.history_filters(customer_id=cid, since=since_day,
                                              owner=None if cid else s.book_of(owner, all_))
    shown = limit if (limit or json_ or csv_) else 50
    rows = store_log.history(s.db, where, params, shown or None)
    if json_:
        render.emit_json([porcelain.interaction(r) for r in rows])
        return
    if csv_:
        render.emit_csv((porcelain.interaction(r) for r in rows), HISTORY_COLUMNS)
        return
    if not rows:
        render.line("No contacts logged" + (" in that range." if since or ref else " yet; record one with `crm log CUSTOMER`."))
        return
    render.table(rows, [("id", "ID"), ("date", "Date"), ("customer", "Customer"), ("contact", "With"),
                        ("channel", "Via"), ("purpose", "About"), ("note", "Note"),
                        ("feedback", "Feedback"), ("score", "Score"), ("next", "Next")])


@follow_up_app.command("add")
def follow_up_add(
    ctx: typer.Context, ref: CustomerRef,
    day: Annotated[str, typer.Argument(help="When it is due.")],
    note: Annotated[str, typer.Argument(help="What is to be done.")],
    with_: With = None,
) -> None:
    """Promise a next step on a date; the agenda shows it until done."""
    s = session(ctx)
    due_on = parse_date(day, s.today).isoformat()
    from crmcli.core.records import _text

    text = _text(note, "follow-up note")
    if not text:
        raise typer.BadParameter("The follow-up NOTE must not be empty; say what is to be done.")
    account = s.customer(ref)
    person = s.stakeholder(with_, account["id"]) if with_ else None
    from crmcli.store import log as store_log

    fid = store_log.add_follow_up(s.db, account["id"], person["id"] if person else None, due_on, text, s.cadences)
    render.line(f"Follow-up #{fid} for {account['name']} due {due_on}: {text}")


@follow_up_app.command("list")
def follow_up_list(ctx: typer.Context, owner: OwnerOpt = None, all_: AllReps = False,
                   json_: Json = False) -> None:
    """Open follow-ups, soonest first."""
    s = session(ctx)
    from crmcli.store import log as store_log

    rows = store_log.open_follow_ups(s.db, owner=s.book_of(owner, all_))
    if json_:
        render.emit_json(rows)
        return
    if not rows:
        render.line("No open follow-ups.")
        return
    render.table(rows, [("id", "ID"), ("due_on", "Due"), ("customer", "Customer"), ("contact", "With"), ("note", "Follow-up")])


@follow_up_app.command("done")
def follow_up_done(
    ctx: typer.Context, follow_up_id: Annotated[int, typer.Argument(metavar="ID", help="Follow-up id.")],
    note: Note = None,
) -> None:
    """Mark a follow-up done."""
    s = session(ctx)
    from crmcli.errors import NotFound
    from crmcli.store import log as store_log

    row = store_log.follow_up(s.db, follow_up_id)
    if row is None:
        raise NotFound(f"No follow-up #{follow_up_id}; see `crm follow-up list`.")
    if row["done_at"]:
        render.line(f"Follow-up #{follow_up_id} was already done on {row['done_at']}.")
        return
    store_log.finish_follow_up(s.db, row, s.today.isoformat(), note, s.cadences)
    render.line(f"Follow-up #{follow_up_id} done.")
