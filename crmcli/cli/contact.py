"""`crm contact add|list|show|edit|rm`: stakeholders, the people at each customer."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import porcelain, render
from crmcli.cli.options import (
    AllReps,
    Csv,
    Every,
    Json,
    LevelOpt,
    Limit,
    Note,
    OwnerOpt,
    RoleOpt,
    Yes,
    one_format,
)
from crmcli.cli.session import ask, confirm, session
from crmcli.core import vocabulary as vocab
from crmcli.core.dates import format_duration
from crmcli.core.records import CONTACT_COLUMNS, stakeholder_values

app = typer.Typer(help="Stakeholders: decision-makers, influencers, executors, supervisors.", no_args_is_help=True)

Title = Annotated[str | None, typer.Option("--title", help="Job title.")]
Department = Annotated[str | None, typer.Option("--department", help="Department.")]
Phone = Annotated[str | None, typer.Option("--phone", help="Phone number.")]
Email = Annotated[str | None, typer.Option("--email", help="Email address.")]
Im = Annotated[str | None, typer.Option("--im", help="WeChat or other messenger id.")]
Prefers = Annotated[str | None, typer.Option("--prefers", help=f"Preferred channel: {vocab.CHANNELS.help()}.")]
BestTime = Annotated[str | None, typer.Option("--best-time", help="Best time to reach them, e.g. 'evenings'.")]
Birthday = Annotated[str | None, typer.Option("--birthday", help="Birthday, e.g. 1980-03-22 or --03-22.")]


def _raw(**kw) -> dict:
    return {k: v for k, v in kw.items()}


@app.command("add")
def add(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Argument(help="Customer id or name.", show_default=False)] = None,
    name: Annotated[str | None, typer.Argument(help="The person's name.", show_default=False)] = None,
    role: RoleOpt = None, level: LevelOpt = None, title: Title = None, department: Department = None,
    phone: Phone = None, email: Email = None, im: Im = None, prefers: Prefers = None,
    best_time: BestTime = None, birthday: Birthday = None, every: Every = None, note: Note = None,
) -> None:
    """Add a stakeholder to a customer."""
    s = session(ctx)
    account = s.customer(ask(customer, "Customer:", "CUSTOMER"))
    name = ask(name, "Name:", "NAME")
    values = stakeholder_values(
        _raw(name=name, role=role, level=level, title=title, department=department, phone=phone,
             email=email, im=im, prefers=prefers, best_time=best_time, birthday=birthday,
             every=every, note=note),
        s.today, creating=True,
    )
    from crmcli.store import stakeholders

    sid = stakeholders.add(s.db, account["id"], values, s.today.isoformat(), s.cadences)
    role_text = f" ({values['role']})" if values.get("role") else ""
    render.line(f"Added contact #{sid} {values['name']}{role_text} at {account['name']}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Argument(help="Only this customer's stakeholders.", show_default=False)] = None,
    role: RoleOpt = None, limit: Limit = None, owner: OwnerOpt = None, all_: AllReps = False,
    json_: Json = False, csv_: Csv = False,
) -> None:
    """List stakeholders, by customer (on a team book: your customers' unless --owner or --all)."""
    one_format(json_, csv_)
    s = session(ctx)
    from crmcli.store import stakeholders

    cid = s.customer(customer)["id"] if customer else None
    where, params = stakeholders.filters_sql(customer_id=cid, role=vocab.ROLES.parse(role) if role else None,
                                             owner=None if cid else s.book_of(owner, all_))
    shown = limit if (limit or json_ or csv_) else 50
    rows = stakeholders.list_rows(s.db, where, params, shown or None)
    if json_:
        render.emit_json([porcelain.stakeholder(r) for r in rows])
        return
    if csv_:
        render.emit_csv(({**porcelain.stakeholder(r), "every": format_duration(r["every_days"])} for r in rows),
                        CONTACT_COLUMNS)
        return
    if not rows:
        render.line("No contacts match." if where != "1 = 1" else
                    "No contacts yet; add one with `crm contact add CUSTOMER NAME`.")
        return
    render.table(
        [{**r, "how": ", ".join(x for x in (r["prefers"], r["best_time"]) if x)} for r in rows],
        [("id", "ID"), ("name", "Name"), ("customer", "Customer"), ("role", "Role"), ("level", "Level"),
         ("title", "Title"), ("phone", "Phone"), ("how", "Prefers"), ("last_contact", "Last contact")],
    )
    if len(rows) == shown:
        total = s.db.value(
            f"SELECT count(*) FROM stakeholder s JOIN customer c ON c.id = s.customer_id WHERE {where}", params)
        if total > len(rows):
            render.note(f"Showing {len(rows)} of {total} contacts; use --limit N (0 for all).")


@app.command("show")
def show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Contact id or name.")], json_: Json = False) -> None:
    """A stakeholder's details, level history and last contacts."""
    s = session(ctx)
    from crmcli.store import stakeholders

    page = stakeholders.page(s.db, s.stakeholder(ref)["id"])
    if json_:
        render.emit_json({**porcelain.stakeholder(page), "level_history": page["level_history"],
                          "history": page["history"]})
        return
    from crmcli.cli.pages import contact_page

    contact_page(page, s.today)


@app.command("edit")
def edit(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Contact id or name.")],
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    role: RoleOpt = None, level: LevelOpt = None, title: Title = None, department: Department = None,
    phone: Phone = None, email: Email = None, im: Im = None, prefers: Prefers = None,
    best_time: BestTime = None, birthday: Birthday = None, every: Every = None, note: Note = None,
) -> None:
    """Change a stakeholder's fields; a new level is kept as history."""
    s = session(ctx)
    person = s.stakeholder(ref)
    values = stakeholder_values(
        _raw(name=name, role=role, level=level, title=title, department=department, phone=phone,
             email=email, im=im, prefers=prefers, best_time=best_time, birthday=birthday,
             every=every, note=note),
        s.today, creating=False,
    )
    if not values:
        raise typer.BadParameter("Nothing to change; give at least one option such as --role influencer.")
    from crmcli.store import stakeholders

    stakeholders.update(s.db, person, values, s.today.isoformat(), s.cadences)
    render.line(f"Updated contact #{person['id']} {values.get('name', person['name'])}.")


@app.command("rm")
def rm(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Contact id or name.")], yes: Yes = False) -> None:
    """Delete a stakeholder (their logged contacts stay with the customer)."""
    s = session(ctx)
    person = s.stakeholder(ref)
    confirm(f"Delete contact #{person['id']} {person['name']} of {person['customer']}?", yes)
    from crmcli.store import stakeholders

    stakeholders.delete(s.db, person, s.cadences)
    render.line(f"Deleted contact #{person['id']} {person['name']}.")
