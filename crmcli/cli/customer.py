"""`crm customer add|list|show|edit|rm`: the accounts on the book."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import porcelain, render
from crmcli.cli.options import (
    AllReps,
    Csv,
    Every,
    Json,
    Limit,
    Note,
    OwnerOpt,
    Since,
    StageOpt,
    TierOpt,
    Yes,
    one_format,
)
from crmcli.cli.session import ask, confirm, session
from crmcli.core import vocabulary as vocab
from crmcli.core.dates import format_duration
from crmcli.core.records import CUSTOMER_COLUMNS, customer_values

app = typer.Typer(help="Customers (accounts): companies, or people buying for themselves.", no_args_is_help=True)

Industry = Annotated[str | None, typer.Option("--industry", help="Industry, e.g. logistics.")]
City = Annotated[str | None, typer.Option("--city", help="City.")]
Phone = Annotated[str | None, typer.Option("--phone", help="Main phone number.")]
Email = Annotated[str | None, typer.Option("--email", help="Main email address.")]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")]
Person = Annotated[bool, typer.Option("--person", help="A person buying for themselves, not a company.")]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Customer name (company or person).", show_default=False)] = None,
    tier: TierOpt = None, stage: StageOpt = None, person: Person = False,
    industry: Industry = None, city: City = None, phone: Phone = None, email: Email = None,
    tag: Tags = None, every: Every = None, since: Since = None, note: Note = None,
) -> None:
    """Add a customer (defaults: tier iron, stage prospect, a company)."""
    s = session(ctx)
    name = ask(name, "Customer name:", "NAME")
    values = customer_values(
        {"name": name, "tier": tier, "stage": stage, "kind": "person" if person else None,
         "industry": industry, "city": city, "phone": phone, "email": email,
         "tags": tag, "every": every, "since": since, "note": note},
        s.today, creating=True,
    )
    from crmcli.store import customers

    cid = customers.add(s.db, values, s.cadences, owner=s.owner)
    render.line(f"Added customer #{cid} {values['name']} ({values['tier']}, {values['stage']}).")


@app.command("list")
def list_(
    ctx: typer.Context, tier: TierOpt = None, stage: StageOpt = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only customers with this tag.")] = None,
    city: City = None,
    search: Annotated[str | None, typer.Option("--search", help="Text in the name, industry, email or note.")] = None,
    limit: Limit = None, owner: OwnerOpt = None, all_: AllReps = False,
    json_: Json = False, csv_: Csv = False,
) -> None:
    """List customers, by name (on a team book: your own unless --owner or --all)."""
    one_format(json_, csv_)
    s = session(ctx)
    from crmcli.store import customers

    where, params = customers.filters_sql(
        tier=vocab.TIERS.parse(tier) if tier else None,
        stage=vocab.STAGES.parse(stage) if stage else None,
        tag=tag, city=city, search=search, owner=s.book_of(owner, all_),
    )
    # A person reading a table gets a screenful by default; scripts get every row.
    shown = limit if (limit or json_ or csv_) else 50
    rows = customers.list_rows(s.db, where, params, shown or None)
    if json_:
        render.emit_json([porcelain.customer(r, team=s.team) for r in rows])
        return
    if csv_:
        render.emit_csv((porcelain.csv_customer(r) | ({"owner": r["owner"]} if s.team else {}) for r in rows),
                        CUSTOMER_COLUMNS + (("owner",) if s.team else ()))
        return
    if not rows:
        render.line("No customers match." if where != "1 = 1" else
                    "No customers yet; add one with `crm customer add NAME`.")
        return
    render.table(
        [{**r, "every": format_duration(r["every_days"]), "tags": r["tags"].replace(";", ", ")} for r in rows],
        [("id", "ID"), ("name", "Name"), ("tier", "Tier"), ("stage", "Stage"), ("city", "City"),
         ("last_contact", "Last contact"), ("next_due", "Next due"), ("tags", "Tags")]
        + ([("owner", "Owner")] if s.team and s.book_of(owner, all_) != s.owner else []),
        styles=render.TIER_STYLE,
    )
    total = customers.count(s.db, where, params)
    if total > len(rows):
        render.note(f"Showing {len(rows)} of {total} customers; use --limit N (0 for all).")


@app.command("show")
def show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Customer id or name.")], json_: Json = False) -> None:
    """The page to read before a call: stakeholders, recent contacts, follow-ups, stage history."""
    s = session(ctx)
    from crmcli.store import customers

    page = customers.page(s.db, s.customer(ref)["id"])
    if json_:
        render.emit_json(porcelain.customer_page(page, team=s.db.dialect != "sqlite"))
        return
    from crmcli.cli.pages import customer_page

    if s.team:  # whose account it is, on a shared book
        page["extra_fields"] = [*page.get("extra_fields", []), ("Owner", page.get("owner") or "nobody")]
    customer_page(page, s.today)


@app.command("edit")
def edit(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Customer id or name.")],
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    tier: TierOpt = None, stage: StageOpt = None, person: Person = False,
    company: Annotated[bool, typer.Option("--company", help="Make it a company account.")] = False,
    industry: Industry = None, city: City = None, phone: Phone = None, email: Email = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Replace the tags (repeatable; --tag '' clears).")] = None,
    every: Every = None, since: Since = None, note: Note = None,
) -> None:
    """Change a customer's fields; a new stage is kept as history."""
    s = session(ctx)
    customer = s.customer(ref)
    if person and company:
        raise typer.BadParameter("Give --person or --company, not both.")
    values = customer_values(
        {"name": name, "tier": tier, "stage": stage,
         "kind": "person" if person else "company" if company else None,
         "industry": industry, "city": city, "phone": phone, "email": email,
         "tags": tag, "every": every, "since": since, "note": note},
        s.today, creating=False,
    )
    if not values:
        raise typer.BadParameter("Nothing to change; give at least one option such as --tier gold.")
    from crmcli.store import customers

    customers.update(s.db, customer, values, s.cadences, at=s.today.isoformat())
    render.line(f"Updated customer #{customer['id']} {values.get('name', customer['name'])}.")


@app.command("rm")
def rm(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Customer id or name.")], yes: Yes = False) -> None:
    """Delete a customer with its stakeholders and contact log (asks first)."""
    s = session(ctx)
    customer = s.customer(ref)
    from crmcli.store import customers

    people = s.db.value("SELECT count(*) FROM stakeholder WHERE customer_id = :c", {"c": customer["id"]})
    logged = s.db.value("SELECT count(*) FROM interaction WHERE customer_id = :c", {"c": customer["id"]})
    confirm(f"Delete customer #{customer['id']} {customer['name']} with {people} contact(s) and "
            f"{logged} logged contact(s)?", yes)
    customers.delete(s.db, customer["id"])
    render.line(f"Deleted customer #{customer['id']} {customer['name']}.")
