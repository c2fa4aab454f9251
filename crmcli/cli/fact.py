"""`crm fact set|history|rm`: what a rep learns about a customer, each value kept with its date."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import At, Json, Yes
from crmcli.cli.session import confirm, session
from crmcli.core.facts import as_number, fact_json, fact_key, fact_value

app = typer.Typer(help="Dated facts (mileage, income, family, job, satisfaction…): history, never overwritten.",
                  no_args_is_help=True)

CustomerRef = Annotated[str, typer.Argument(help="Customer id or name.")]


# A value may start with '-' (a trend of -2, -2.5%): read it as the value, not as an option.
@app.command("set", context_settings={"ignore_unknown_options": True})
def set_(
    ctx: typer.Context, ref: CustomerRef,
    key: Annotated[str, typer.Argument(help="What the fact is about: mileage, satisfaction, income, family, job…")],
    value: Annotated[str, typer.Argument(help="Its value now: 65000, married, promoted… (numbers are kept as numbers too).")],
    at: At = None,
    with_: Annotated[str | None, typer.Option("--with", help="The stakeholder who told you (a contact of this customer).", show_default=False)] = None,
) -> None:
    """Record a fact's value on a date; earlier values stay in the history."""
    from crmcli.core.dates import parse_past_date
    from crmcli.store import facts

    s = session(ctx)
    k, v = fact_key(key), fact_value(value)
    day = parse_past_date(at, s.today, what="fact date") if at else s.today
    account = s.customer(ref)
    person = s.stakeholder(with_, account["id"]) if with_ else None
    fid, before = facts.record(s.db, account["id"], person["id"] if person else None, k, v, as_number(v),
                               day.isoformat())
    if fid is None:
        render.line(f"{account['name']}: {k} = {v} on {day.isoformat()} was already recorded.")
        return
    was = ""
    if before is not None and before["at"] > day.isoformat():
        was = f" (history only: the latest stays {before['value']} from {before['at']})"
    elif before is not None:
        was = f" (was {before['value']} on {before['at']})"
    render.line(f"{account['name']}: {k} = {v} on {day.isoformat()}{was}.")


@app.command("history")
def history(
    ctx: typer.Context, ref: CustomerRef,
    key: Annotated[str | None, typer.Argument(help="Only this fact.", show_default=False)] = None,
    json_: Json = False,
) -> None:
    """Every value of a customer's facts over time, oldest first."""
    from crmcli.errors import NotFound
    from crmcli.store import facts

    s = session(ctx)
    k = fact_key(key) if key is not None else None
    account = s.customer(ref)
    rows = facts.history(s.db, account["id"], k)
    if k and not rows:
        known = facts.keys_of(s.db, account["id"])
        hint = f"its facts: {', '.join(known)}" if known else "none is recorded yet"
        raise NotFound(f"{account['name']} has no fact {k!r}; {hint}.")
    if json_:
        render.emit_json([fact_json(r) for r in rows])
        return
    if not rows:
        render.line(f"No facts about {account['name']} yet; record one with `crm fact set {account['id']} KEY VALUE`.")
        return
    render.table(rows, [("id", "ID"), ("key", "Fact"), ("at", "Date"), ("value", "Value"), ("contact", "From")],
                 title=f"Facts about {account['name']}")


@app.command("rm")
def rm(
    ctx: typer.Context,
    fact_id: Annotated[int, typer.Argument(metavar="ID", help="The id of the entry (see `crm fact history`).")],
    yes: Yes = False,
) -> None:
    """Delete one mistaken entry (the other values of the fact stay)."""
    from crmcli.errors import NotFound
    from crmcli.store import facts

    s = session(ctx)
    row = facts.get(s.db, fact_id)
    if row is None:
        raise NotFound(f"No fact entry #{fact_id}; see `crm fact history CUSTOMER` for ids.")
    confirm(f"Delete {row['customer']}: {row['key']} = {row['value']} on {row['at']}?", yes)
    facts.delete(s.db, fact_id)
    render.line(f"Deleted fact entry #{fact_id} ({row['key']} = {row['value']} on {row['at']}).")
