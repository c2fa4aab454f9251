"""`crm purchase add|list`: what each customer has bought (winning a deal records one too)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import porcelain, render
from crmcli.cli.options import Csv, Json, Limit, Note, one_format
from crmcli.cli.session import session
from crmcli.cli.standing import note_on_the_book_by
from crmcli.core.dates import DATE_FORMS

app = typer.Typer(help="Purchases: what each customer bought, when, for how much.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="Customer id or name.")],
    at: Annotated[str, typer.Option("--at", help=f"When it was bought (not in the future): {DATE_FORMS}.", show_default=False)],
    amount: Annotated[str, typer.Option("--amount", help="How much, e.g. 120000, ¥120,000.50, 12万, 5k USD.", show_default=False)],
    product: Annotated[str | None, typer.Option("--product", help="What was bought.", show_default=False)] = None,
    note: Note = None,
) -> None:
    """Record a past purchase (no deal needed); the customer's stage follows."""
    from crmcli.cli.deal import _say_stage_changes
    from crmcli.core.pipeline import format_amount, purchase_values
    from crmcli.store import purchases

    s = session(ctx)
    values = purchase_values({"date": at, "amount": amount, "product": product, "note": note},
                             s.today, str(s.settings.get("currency")))
    account = s.customer(ref)
    pid, changes = purchases.record(s.db, account["id"], values, s.cadences)
    what = f" {values['product']}" if values["product"] else ""
    render.line(f"Recorded purchase #{pid} by {account['name']}:{what} "
                f"{format_amount(values['amount_cents'], values['currency'])} on {values['date']}.")
    note_on_the_book_by(account, str(values["date"]))
    _say_stage_changes(changes)


@app.command("list")
def list_(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="[REF]", help="Only this customer's purchases.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only purchases on or after this date.", show_default=False)] = None,
    limit: Limit = None, json_: Json = False, csv_: Csv = False,
) -> None:
    """Purchases, newest first."""
    from crmcli.core.dates import parse_date
    from crmcli.core.pipeline import PURCHASE_COLUMNS, format_amount
    from crmcli.store import purchases

    one_format(json_, csv_)
    s = session(ctx)
    cid = s.customer(ref)["id"] if ref else None
    where, params = purchases.filters_sql(
        customer_id=cid, since=parse_date(since, s.today).isoformat() if since else None)
    shown = limit if (limit or json_ or csv_) else 50
    rows = purchases.list_rows(s.db, where, params, shown or None)
    if json_:
        render.emit_json([porcelain.purchase(r) for r in rows])
        return
    if csv_:
        render.emit_csv((porcelain.csv_purchase(r) for r in rows), PURCHASE_COLUMNS)
        return
    if not rows:
        render.line("No purchases match." if ref or since else
                    "No purchases yet; record one with `crm purchase add CUSTOMER --at DATE --amount N`.")
        return
    render.table(
        [{**r, "amount": format_amount(r["amount_cents"], r["currency"]),
          "deal": f"#{r['deal_id']} {r['deal']}" if r["deal_id"] else ""} for r in rows],
        [("id", "ID"), ("date", "Date"), ("customer", "Customer"), ("product", "Product"),
         ("amount", "Amount"), ("deal", "Deal"), ("note", "Note")],
    )
    total = purchases.count(s.db, where, params)
    if total > len(rows):
        render.note(f"Showing {len(rows)} of {total} purchases; use --limit N (0 for all).")
