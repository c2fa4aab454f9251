"""`crm deal add|list|show|edit|won|lost|forecast`: the sales pipeline and its forecast."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import typer

from crmcli import porcelain, render
from crmcli.cli.options import Csv, Json, Limit, Note, OnDay, one_format
from crmcli.cli.session import Session, session
from crmcli.core import vocabulary as vocab
from crmcli.core.dates import DATE_FORMS, DURATION_FORMS

app = typer.Typer(help="Deals (opportunities): expected date, value and intent; won, lost, forecast.",
                  no_args_is_help=True)

DealRef = Annotated[str, typer.Argument(metavar="DEAL", help="Deal id or title.")]
Amount = Annotated[str | None, typer.Option("--amount", help="Expected value, e.g. 120000, ¥120,000, 12万, 5k USD.", show_default=False)]
Close = Annotated[str | None, typer.Option("--close", help=f"Expected close date: {DATE_FORMS}.", show_default=False)]
DealStage = Annotated[str | None, typer.Option("--stage", help=f"Deal stage: {vocab.DEAL_STAGES.help()} (or 线索, 谈判…).", show_default=False)]
Intent = Annotated[str | None, typer.Option("--intent", help=f"Purchase intent: {vocab.INTENTS.help()} (or 热/温/冷).", show_default=False)]
With = Annotated[str | None, typer.Option("--with", help="The stakeholder the deal runs through.", show_default=False)]


def _weights(s: Session) -> dict[str, float]:
    return {k: float(s.settings.get(f"intent.{k}")) for k in vocab.INTENTS.keys}


def _currency(s: Session) -> str:
    return str(s.settings.get("currency"))


def _find(s: Session, ref: str) -> dict[str, Any]:
    from crmcli.cli.session import _choose
    from crmcli.store import deals

    picked = _choose(lambda: deals.find(s.db, ref), "deal")
    # A choice made in a terminal is a candidate row (id, title, customer): read the whole deal.
    return picked if "stage" in picked else deals.get(s.db, picked["id"])


def _label(deal: dict[str, Any]) -> str:
    return f"#{deal['id']} '{deal['title']}'"


@app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="Customer id or name.")],
    title: Annotated[str, typer.Argument(help="What the customer would buy, e.g. 'Fleet renewal'.")],
    amount: Amount = None, close: Close = None, stage: DealStage = None, intent: Intent = None,
    with_: With = None, note: Note = None,
) -> None:
    """Add a deal: what a customer is expected to buy, when, for how much."""
    from crmcli.core.pipeline import deal_values, format_amount
    from crmcli.store import deals

    s = session(ctx)
    values = deal_values({"title": title, "amount": amount, "close": close, "stage": stage,
                          "intent": intent, "note": note}, s.today, _currency(s), creating=True)
    account = s.customer(ref)
    person = s.stakeholder(with_, account["id"]) if with_ else None
    did = deals.add(s.db, account["id"], person["id"] if person else None, values,
                    s.today.isoformat(), s.cadences)
    extra = [x for x in (format_amount(values.get("amount_cents"), values.get("currency")),
                         f"closes {values['close_on']}" if values.get("close_on") else "",
                         values.get("intent") or "") if x]
    render.line(f"Added deal #{did} '{values['title']}' for {account['name']} ({values['stage']}"
                + (", " + ", ".join(extra) if extra else "") + ").")


def _closing_days(text: str | None) -> int | None:
    from crmcli.core.dates import parse_duration

    return parse_duration(text) if text is not None else None


@app.command("list")
def list_(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="[REF]", help="Only this customer's deals.", show_default=False)] = None,
    stage: DealStage = None,
    closing: Annotated[str | None, typer.Option("--closing", help=f"Open deals closing within this long, with the forecast: {DURATION_FORMS}.", show_default=False)] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only open deals (not won or lost).")] = False,
    on: OnDay = None, limit: Limit = None, json_: Json = False, csv_: Csv = False,
) -> None:
    """List deals, soonest close first; --closing 2w adds the forecast per window."""
    from crmcli.core.dates import parse_date
    from crmcli.core.pipeline import (
        DEAL_COLUMNS,
        amount_number,
        intent_weight,
        plain_amount,
        weighted_cents,
    )
    from crmcli.store import deals

    one_format(json_, csv_)
    s = session(ctx)
    day = parse_date(on, s.today) if on else s.today
    days = _closing_days(closing)
    stage_key = vocab.DEAL_STAGES.parse(stage) if stage else None
    cid = s.customer(ref)["id"] if ref else None
    base, base_params = deals.filters_sql(customer_id=cid, stage=stage_key)
    where, params = deals.filters_sql(
        customer_id=cid, stage=stage_key, open_only=open_ or days is not None,
        close_from=day.isoformat() if days is not None else None,
        close_to=(day + timedelta(days=days)).isoformat() if days is not None else None,
    )
    shown = limit if (limit or json_ or csv_) else 50
    rows = deals.list_rows(s.db, where, params, shown or None)
    weights = _weights(s)
    for r in rows:
        is_open = r["stage"] in vocab.OPEN_DEAL_STAGES
        r["slipped"] = bool(is_open and r["close_on"] and r["close_on"] < day.isoformat())
        r["weighted_amount"] = None
        if is_open and r["amount_cents"] is not None:
            r["weighted_amount"] = amount_number(weighted_cents(r["amount_cents"], intent_weight(r["intent"], weights)))
    if json_:
        render.emit_json([porcelain.deal(r) for r in rows])
        return
    if csv_:
        render.emit_csv(({**r, "amount": plain_amount(r["amount_cents"])} for r in rows), DEAL_COLUMNS)
        return
    if rows:
        _deal_table(rows, day, title=f"Deals closing {day.isoformat()} to {(day + timedelta(days=days)).isoformat()}"
                    if days is not None else None)
        total = deals.count(s.db, where, params)
        if total > len(rows):
            render.note(f"Showing {len(rows)} of {total} deals; use --limit N (0 for all).")
    else:
        render.line("No deals match." if (ref or stage or open_ or days is not None) else
                    "No deals yet; add one with `crm deal add CUSTOMER TITLE --amount N --close DATE`.")
    if days is not None:
        _forecast(s, base, base_params, day, days)


def _deal_table(rows: list[dict[str, Any]], day: date, title: str | None = None) -> None:
    from crmcli.core.pipeline import closes_text, format_amount

    render.table(
        [{**r, "amount": format_amount(r["amount_cents"], r["currency"]),
          "status": closes_text(r["close_on"], r["stage"], day)} for r in rows],
        [("id", "ID"), ("customer", "Customer"), ("title", "Deal"), ("stage", "Stage"),
         ("intent", "Intent"), ("amount", "Amount"), ("close_on", "Close"), ("status", ""),
         ("contact", "With")],
        title=title,
    )


def _forecast(s: Session, where: str, params: dict[str, Any], day: date, days: int,
              json_: bool = False) -> None:
    from crmcli.core.pipeline import forecast, money_list, windows_up_to
    from crmcli.store import deals

    windows = windows_up_to(days)
    sums = deals.window_sums(s.db, where, params, day, day + timedelta(days=windows[-1][0]))
    totals = forecast(sums, day, windows, _weights(s), _currency(s))
    slipped = deals.slipped_count(s.db, where, params, day)
    if json_:
        render.emit_json({"on": day.isoformat(), "windows": [t.as_json() for t in totals],
                          "slipped": slipped})
        return
    render.table(
        [{"window": f"{t.label} (to {t.until.isoformat()})", "deals": t.deals,
          "amount": money_list(t.amounts), "weighted": money_list(t.weighted)} for t in totals],
        [("window", "Closing within"), ("deals", "Deals"), ("amount", "Amount"),
         ("weighted", "Forecast (by intent)")],
        title="Forecast",
    )
    w = _weights(s)
    render.line(f"Weights: hot {w['hot']}, warm {w['warm']}, cold {w['cold']} (no intent counts as warm; "
                "`crm config set intent.hot 0.8` to change).", style="dim")
    if slipped:
        render.line(f"{slipped} open deal(s) slipped past their close date; see `crm deal list --open`.",
                    style="yellow")


@app.command("forecast")
def forecast_cmd(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="[REF]", help="Only this customer's deals.", show_default=False)] = None,
    on: OnDay = None, json_: Json = False,
) -> None:
    """What closes within a week, two weeks, a month and two months, weighted by intent."""
    from crmcli.core.dates import parse_date
    from crmcli.core.pipeline import WINDOWS
    from crmcli.store import deals

    s = session(ctx)
    day = parse_date(on, s.today) if on else s.today
    cid = s.customer(ref)["id"] if ref else None
    where, params = deals.filters_sql(customer_id=cid)
    _forecast(s, where, params, day, WINDOWS[-1][0], json_=json_)


@app.command("show")
def show(ctx: typer.Context, ref: DealRef, on: OnDay = None, json_: Json = False) -> None:
    """A deal with its stage history (and its purchase, once won)."""
    from crmcli.core.dates import parse_date
    from crmcli.core.pipeline import closes_text, format_amount
    from crmcli.store import deals

    s = session(ctx)
    day = parse_date(on, s.today) if on else s.today
    deal = _find(s, ref)
    history = deals.stage_history(s.db, deal["id"])
    bought = deals.purchases_of(s.db, deal["id"])
    if json_:
        out = porcelain.deal(deal)
        out["stage_history"] = history
        out["purchases"] = [porcelain.purchase({**p, "customer_id": deal["customer_id"],
                                                "customer": deal["customer"], "deal_id": deal["id"],
                                                "deal": deal["title"]}) for p in bought]
        render.emit_json(out)
        return
    render.fields_panel(
        f"Deal #{deal['id']} {deal['title']}",
        [("Customer", f"#{deal['customer_id']} {deal['customer']}"), ("Stage", deal["stage"]),
         ("Intent", deal["intent"]), ("Amount", format_amount(deal["amount_cents"], deal["currency"])),
         ("Close", " ".join(x for x in (deal["close_on"], f"({closes_text(deal['close_on'], deal['stage'], day)})"
                                          if closes_text(deal["close_on"], deal["stage"], day) else "") if x)),
         ("With", deal["contact"]), ("Closed on", deal["closed_on"]), ("Lost because", deal["lost_reason"]),
         ("Note", deal["note"])],
    )
    if bought:
        render.table([{**p, "amount": format_amount(p["amount_cents"], p["currency"])} for p in bought],
                     [("id", "ID"), ("date", "Date"), ("amount", "Amount"), ("product", "Product")],
                     title="Purchase")
    render.table(history, [("at", "Date"), ("stage", "Stage"), ("note", "Note")], title="Stage history")


@app.command("edit")
def edit(
    ctx: typer.Context, ref: DealRef,
    title: Annotated[str | None, typer.Option("--title", help="New title.", show_default=False)] = None,
    amount: Amount = None,
    close: Annotated[str | None, typer.Option("--close", help=f"New expected close date ('none' clears): {DATE_FORMS}.", show_default=False)] = None,
    stage: DealStage = None, intent: Intent = None, with_: With = None, note: Note = None,
) -> None:
    """Change a deal: amount, close date, stage (kept as history), intent, stakeholder."""
    from crmcli.core.pipeline import deal_values
    from crmcli.store import deals

    s = session(ctx)
    values = deal_values({"title": title, "amount": amount, "close": close, "stage": stage,
                          "intent": intent, "note": note}, s.today, _currency(s), creating=False)
    deal = _find(s, ref)
    if with_:
        values["stakeholder_id"] = s.stakeholder(with_, deal["customer_id"])["id"]
    if not values:
        raise typer.BadParameter("Nothing to change; give at least one option such as --close DATE.")
    deals.update(s.db, deal, values, s.today.isoformat(), s.cadences)
    changed = ", ".join(k.replace("_cents", "").replace("stakeholder_id", "with") for k in values)
    render.line(f"Updated deal {_label(deal)} ({changed}).")


@app.command("won")
def won(
    ctx: typer.Context, ref: DealRef,
    at: Annotated[str | None, typer.Option("--at", help="When it was won (default today; not in the future).", show_default=False)] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="The final amount (default: the deal's amount).", show_default=False)] = None,
) -> None:
    """Mark a deal won: records the purchase, and the customer's stage follows."""
    from crmcli.core.pipeline import format_amount, parse_amount, won_date
    from crmcli.errors import CrmError
    from crmcli.store import deals

    s = session(ctx)
    day = won_date(at, s.today)
    cents = currency = None
    if amount is not None:
        cents, currency = parse_amount(amount, None)
    deal = _find(s, ref)
    if cents is None:
        if deal["amount_cents"] is None:
            raise CrmError(f"Deal {_label(deal)} has no amount; give the final one with --amount N.")
        cents = deal["amount_cents"]
    currency = currency or deal["currency"] or _currency(s)
    pid, changes = deals.win(s.db, deal, day.isoformat(), cents, currency, s.cadences)
    render.line(f"Won deal {_label(deal)} for {deal['customer']}: {format_amount(cents, currency)} on "
                f"{day.isoformat()}; purchase #{pid} recorded.")
    _say_stage_changes(changes)


def _say_stage_changes(changes: list[dict[str, Any]]) -> None:
    for c in changes:
        render.line(f"{c['customer']}: stage {c['from']} → {c['to']} from {c['at']} ({c['note']}).")


@app.command("lost")
def lost(
    ctx: typer.Context, ref: DealRef,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it was lost (price, timing, competitor…).", show_default=False)] = None,
    nurture: Annotated[str | None, typer.Option("--nurture", help=f"Revisit it after this long (default 90d; 'none' for never): {DURATION_FORMS}.", show_default=False)] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it was lost (default today).", show_default=False)] = None,
) -> None:
    """Mark a deal lost, keep why, and set a follow-up to revisit it (nurture, not the bin)."""
    from crmcli.cli.session import ask
    from crmcli.core.dates import parse_past_date
    from crmcli.core.pipeline import _text, nurture_days
    from crmcli.errors import CrmError
    from crmcli.store import deals

    s = session(ctx)
    why = _text(ask(reason, "Why was it lost?", "--reason"), "reason")
    if not why:
        raise CrmError("--reason must not be empty; say why the deal was lost (price, timing, competitor…).")
    days = nurture_days(nurture)
    day = parse_past_date(at, s.today, what="date the deal was lost") if at else s.today
    deal = _find(s, ref)
    revisit = (day + timedelta(days=days)).isoformat() if days else None
    fid = deals.lose(s.db, deal, day.isoformat(), why, revisit, s.cadences)
    render.line(f"Lost deal {_label(deal)} for {deal['customer']}: {why}.")
    if fid:
        render.line(f"Follow-up #{fid} on {revisit}: revisit lost deal '{deal['title']}'.")
