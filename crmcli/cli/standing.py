"""`crm stage`, `crm level`, `crm snooze`: where a relationship stands, kept as history."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import At, Note
from crmcli.cli.session import session
from crmcli.core import vocabulary as vocab
from crmcli.core.dates import parse_date, parse_past_date
from crmcli.errors import CrmError


def stage(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Customer id or name.")],
    new_stage: Annotated[str, typer.Argument(metavar="STAGE", help=f"One of: {vocab.STAGES.help()} (or 新客户, 老客户…).")],
    at: At = None, note: Note = None,
) -> None:
    """Move a customer along the loyalty ladder (kept as history)."""
    s = session(ctx)
    value = vocab.STAGES.parse(new_stage)
    day = parse_past_date(at, s.today, what="stage date") if at else s.today
    account = s.customer(ref)
    from crmcli.store import customers

    current = customers.set_stage(s.db, account["id"], value, day.isoformat(), note, s.cadences)
    render.line(f"{account['name']}: stage {value} from {day.isoformat()}"
                + ("." if current == value else f" (current stage stays {current}: a later change exists)."))
    note_on_the_book_by(account, day.isoformat())


def note_on_the_book_by(account: dict, day: str) -> None:
    """Say so when something dated `day` moved the customer's `since` back
    (store.customers.on_the_book_by)."""
    if day < str(account["since"]):
        render.note(f"{account['name']} is now on the book since {day} (was {account['since']}), "
                    "with its starting stage.")


def level(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(metavar="CONTACT", help="Contact id or name.")],
    new_level: Annotated[str, typer.Argument(metavar="LEVEL", help=f"One of: {vocab.LEVELS.help()} (or 认识, 约会, 伙伴, 同盟).")],
    at: At = None, note: Note = None,
) -> None:
    """Set the relationship level with a stakeholder (kept as history)."""
    s = session(ctx)
    value = vocab.LEVELS.parse(new_level)
    day = parse_past_date(at, s.today, what="level date") if at else s.today
    person = s.stakeholder(ref)
    from crmcli.store import stakeholders

    current = stakeholders.set_level(s.db, person["id"], value, day.isoformat(), note)
    render.line(f"{person['name']} ({person['customer']}): level {value} from {day.isoformat()}"
                + ("." if current == value else f" (current level stays {current}: a later change exists)."))


def snooze(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Customer id or name.")],
    until: Annotated[str, typer.Argument(help="Hide from the agenda until this date ('off' to wake now).")],
) -> None:
    """Hide a customer from the agenda until a date."""
    s = session(ctx)
    if until.strip().lower() in ("off", "none", "clear"):
        day = None
    else:
        day = parse_date(until, s.today)
        if day <= s.today:
            raise CrmError(f"The snooze date {day.isoformat()} is not after today; give a future date such as +2w.")
    account = s.customer(ref)
    from crmcli.store import customers

    customers.set_snooze(s.db, account["id"], day.isoformat() if day else None)
    render.line(f"{account['name']} is snoozed until {day.isoformat()}." if day else f"{account['name']} is no longer snoozed.")
