"""`crm customer assign REF REP`: hand an account to another rep, kept as history."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import At, Note
from crmcli.cli.session import session


def assign(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id or name.")],
    rep: Annotated[str, typer.Argument(help="The rep who looks after it from now on (their user.name).")],
    at: At = None, note: Note = None,
) -> None:
    """Make REP the customer's owner; the hand-over is kept in its history."""
    s = session(ctx)
    rep = rep.strip()
    if not rep:
        raise typer.BadParameter("REP is empty; give the rep's name, as in their `crm config get user.name`.")
    from crmcli.core.dates import parse_past_date
    from crmcli.store import ownership

    customer = s.customer(ref)
    day = parse_past_date(at, s.today).isoformat() if at else s.today.isoformat()
    previous = customer.get("owner") or ""
    if not ownership.assign(s.db, customer, rep, day, note):
        render.line(f"Customer #{customer['id']} {customer['name']} already belongs to {rep}; nothing changed.")
        return
    was = f" (was {previous}'s)" if previous else ""
    render.line(f"Customer #{customer['id']} {customer['name']} now belongs to {rep}{was}, from {day}.")
