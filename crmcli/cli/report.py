"""`crm report coverage|ladder|churn|value|winback|activity`: the analytical reads of the book.

Each report: the store aggregates in SQL, core/reports.py scores and names,
this module prints a table or chart, or `--json` (rates as fractions, money as
numbers with two decimals, ISO dates). `--on DATE` reads the book as of a day.
On a team book each report covers the rep's own customers unless `--owner NAME`
or `--all` (Session.book_of); a solo SQLite book is one rep's, all of it.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated

import typer

from crmcli import render
from crmcli.cli import charts
from crmcli.cli.options import AllReps, Json, OnDay, OwnerOpt, checked_limit
from crmcli.cli.session import Session, session
from crmcli.core.dates import add_months, parse_date
from crmcli.errors import CrmError

app = typer.Typer(help="Reports: coverage risk, loyalty ladder, churn, value (80/20, RFM), win-back, activity.",
                  no_args_is_help=True)

SinceOpt = Annotated[str | None, typer.Option("--since", help="Start of the period (default: a year before --on).", show_default=False)]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="At most N rows on the terminal (0: all; --json lists all).",
                                              show_default=False, callback=checked_limit)]
TIER_STYLE = render.TIER_STYLE
BAND_STYLE = {"high": "bold green", "ordinary": "yellow", "small": "dim"}
BIG_JSON_ROWS = 1000  # from here on the orjson import (40 ms) pays for itself


def _day(s: Session, on: str | None) -> date:
    return parse_date(on, s.today) if on else s.today


def _period(s: Session, since: str | None, on: str | None) -> tuple[date, date]:
    until = _day(s, on)
    start = parse_date(since, s.today) if since else add_months(until, -12)
    if start >= until:
        raise CrmError(f"--since {start.isoformat()} must be before --on {until.isoformat()}; "
                       "give an earlier --since, such as -3m or 2026-01-01.")
    return start, until


def _limit(limit: int | None, default: int = 20) -> int | None:
    shown = default if limit is None else limit
    return shown or None


def _emit_json(data: object, rows: int) -> None:
    """render.emit_json, for a report listing `rows` customers: a big list (a book's 70,000)
    is encoded by orjson, ten times as fast as the json module, into the same compact JSON
    that render.emit_json writes to a pipe; small output, or output to a terminal, is
    render.emit_json's own (indented)."""
    if rows < BIG_JSON_ROWS or render.is_terminal():
        render.emit_json(data)
        return
    try:
        import orjson
    except ImportError:  # an install without it: the same JSON, slower
        render.emit_json(data)
        return
    _emit_json_text([orjson.dumps(data, default=str)], data)


def _emit_json_text(pieces: list[bytes], data: object = None) -> None:
    """Compact UTF-8 JSON (of `data`, when at hand), in pieces to write one after another,
    written as _emit_json writes a list: as it is when big, indented by render.emit_json when
    small."""
    size = sum(len(p) for p in pieces)
    if size <= render.COMPACT_JSON_CHARS * 4:
        text = b"".join(pieces).decode()
        if len(text) <= render.COMPACT_JSON_CHARS:
            render.emit_json(json.loads(text) if data is None else data)
            return
    out = sys.stdout
    out.flush()
    for piece in [*pieces, b"\n"]:  # not joined: a copy of 10–17 MB on a big book
        if hasattr(out, "buffer"):
            out.buffer.write(piece)
        else:
            out.write(piece.decode())
    out.flush()


def _more(total: int, shown: int) -> None:
    if total > shown:
        render.line(f"{total - shown} more; see them all with --limit 0 or --json.", style="dim")


@app.command("coverage")
def coverage(ctx: typer.Context, on: OnDay = None, limit: LimitOpt = None, json_: Json = False,
             owner: OwnerOpt = None, all_: AllReps = False) -> None:
    """Single-threaded accounts: one stakeholder, no decision-maker, or one below partner."""
    from crmcli.core.reports import coverage_report
    from crmcli.store import coverage as accounts

    s = session(ctx)
    book = s.book_of(owner, all_)
    day = _day(s, on)
    if json_:
        text = None if render.is_terminal() else accounts.coverage_json(s.db, day, s.today, book)
        if text is not None:
            _emit_json_text(text)
            return
        found = coverage_report(accounts.coverage(s.db, day, s.today, owner=book))
        _emit_json(found, len(found))
        return
    shown_limit = _limit(limit)
    if shown_limit:
        found, total = accounts.coverage_shown(s.db, day, s.today, shown_limit, book)
    else:
        found = accounts.coverage(s.db, day, s.today, owner=book)
        total = len(found)
    shown = coverage_report(found)
    if not shown:
        render.line(f"No single-threaded accounts on {day.isoformat()}: every company account has several "
                    "stakeholders and a decision-maker at partner level or closer.")
        return
    charts.heading(f"Single-threaded accounts on {day.isoformat()} ({total})")
    render.table(
        [{**r, "n": i, "problems": ", ".join(r["problems"]), "value": charts.amount(r["value"])}
         for i, r in enumerate(shown, 1)],
        [("n", "#"), ("customer", "Customer"), ("tier", "Tier"), ("stakeholders", "People"),
         ("value", "Value"), ("problems", "Risk"), ("advice", "Next")],
        styles=TIER_STYLE,
    )
    _more(total, len(shown))


@app.command("ladder")
def ladder(ctx: typer.Context, since: SinceOpt = None, on: OnDay = None, json_: Json = False,
           owner: OwnerOpt = None, all_: AllReps = False) -> None:
    """Customers per lifecycle stage, median days in each, moves up and down in a period."""
    from crmcli.core.reports import ladder_report
    from crmcli.store import reports

    s = session(ctx)
    book = s.book_of(owner, all_)
    start, day = _period(s, since, on)
    report = ladder_report(reports.stage_counts(s.db, day, s.today, book),
                           reports.stage_moves(s.db, start, day, book), start, day)
    if json_:
        render.emit_json(report)
        return
    total = sum(st["customers"] for st in report["stages"])
    if not total:
        render.line(f"No customers on the book on {day.isoformat()}; add one with `crm customer add NAME`.")
        return
    largest = max(st["customers"] for st in report["stages"])
    t = charts.grid(title=f"Loyalty ladder on {day.isoformat()} ({total} customers)")
    for header, justify in (("Stage", "left"), ("Customers", "right"), ("", "left"), ("Median days", "right")):
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    for st in reversed(report["stages"][:-1]):  # the top of the ladder on top
        t.add_row(st["stage"], str(st["customers"]), charts.bar(st["customers"], largest),
                  _days(st["median_days"]), style=None)
    lost = report["stages"][-1]
    t.add_row("lost", str(lost["customers"]), charts.bar(lost["customers"], largest),
              _days(lost["median_days"]), style="red" if render.is_terminal() else None)
    charts.show(t)
    render.line(f"Moves since {start.isoformat()}: {report['up']} up the ladder, {report['down']} down.")


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


@app.command("churn")
def churn(ctx: typer.Context, since: SinceOpt = None, on: OnDay = None, json_: Json = False,
          owner: OwnerOpt = None, all_: AllReps = False) -> None:
    """Churn and retention in a period (lost / customers at its start), overall and by tier."""
    from crmcli.core.reports import churn_report
    from crmcli.store import reports

    s = session(ctx)
    book = s.book_of(owner, all_)
    start, day = _period(s, since, on)
    report = churn_report(reports.churn(s.db, start, day, book), start, day)
    if json_:
        render.emit_json(report)
        return
    if not report["at_start"]:
        render.line(f"No customers were on the book on {start.isoformat()}, so there is no churn to measure; "
                    "give an earlier --since.")
        return
    render.line(f"From {start.isoformat()} to {day.isoformat()}: {report['at_start']} customers at the start, "
                f"{report['lost']} lost — churn {charts.percent(report['churn_rate'])}, "
                f"retention {charts.percent(report['retention_rate'])}.")
    largest = max((t["churn_rate"] or 0) for t in report["by_tier"].values())
    charts.heading("By tier")
    render.table(
        [{"tier": tier, "at_start": t["at_start"], "lost": t["lost"],
          "rate": charts.percent(t["churn_rate"]), "bar": charts.bar(t["churn_rate"] or 0, largest or 1, 20)}
         for tier, t in report["by_tier"].items()],
        [("tier", "Tier"), ("at_start", "At start"), ("lost", "Lost"), ("rate", "Churn"), ("bar", "")],
        styles=TIER_STYLE,
    )


@app.command("value")
def value(ctx: typer.Context, since: Annotated[str | None, typer.Option("--since", help="Only purchases on or after this date (default: all).", show_default=False)] = None,
          on: OnDay = None, json_: Json = False, owner: OwnerOpt = None, all_: AllReps = False) -> None:
    """Revenue per customer: the 80/20 share, a Pareto chart, RFM scores and segments."""
    from crmcli.core.reports import value_cuts_of, value_report, value_summary
    from crmcli.store import reports

    s = session(ctx)
    book = s.book_of(owner, all_)
    day = _day(s, on)
    start = parse_date(since, s.today) if since else None
    if json_ and not start and not render.is_terminal():
        text = reports.value_json(s.db, day, book)  # written by SQLite (None: by Python below)
        if text is not None:
            _emit_json_text(text)
            return
    counted = None if start else reports.buyer_counts(s.db, day, book)
    if counted and counted[0] and not json_:  # the terminal's totals from counts and a grid of scores, in SQL
        cuts = value_cuts_of(*counted)
        report, tenths, segments = value_summary(counted[0], reports.rfm_grid(s.db, day, cuts, book))
    else:
        buyers = reports.buyers(s.db, day, start, names=json_, owner=book)
        report, tenths, segments = value_report(buyers, listed=json_)
    if json_:
        _emit_json(report, len(report["rfm"]))
        return
    if not report["customers"]:
        render.line(f"No purchases recorded up to {day.isoformat()}; record them with `crm purchase add`.")
        return
    render.line(f"{render.counted(report['customers'], 'buying customer')}, revenue {charts.amount(report['revenue'])}; "
                f"the top 20% bring {charts.percent(report['top20_share'])} of it.")
    t = charts.grid(title="Pareto: revenue by tenth of the customers, best first")
    for header, justify in (("Customers", "left"), ("Revenue", "right"), ("Share", "right"),
                            ("", "left"), ("Cumulative", "right")):
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    best = max((p["share"] for p in tenths), default=0)
    for p in tenths:
        t.add_row(f"top {p['customers_share'] * 100:.0f}%", charts.amount(p["cents"] / 100),
                  charts.percent(p["share"]), charts.bar(p["share"], best, 25), charts.percent(p["cumulative"]))
    charts.show(t)
    total = sum(g["cents"] for g in segments.values()) or 1
    charts.heading("RFM segments (recency, frequency, monetary: 1–5 each)")
    render.table(
        [{"segment": name, "customers": g["customers"], "revenue": charts.amount(g["cents"] / 100),
          "share": charts.percent(g["cents"] / total)} for name, g in segments.items()],
        [("segment", "RFM segment"), ("customers", "Customers"), ("revenue", "Revenue"), ("share", "Share")],
    )


@app.command("winback")
def winback(ctx: typer.Context, on: OnDay = None, limit: LimitOpt = None, json_: Json = False,
            owner: OwnerOpt = None, all_: AllReps = False) -> None:
    """Lost customers by past value, with the treatment for each band."""
    from crmcli.core.reports import TREATMENTS, winback_report
    from crmcli.store import reports

    s = session(ctx)
    book = s.book_of(owner, all_)
    day = _day(s, on)
    lost = reports.lost_customers(s.db, day, s.today, book)
    # The bands cut the book the report covers: a rep's lost customers against the rep's others.
    rows = winback_report(lost, reports.revenues(s.db, day, book) if lost else [])
    if json_:
        _emit_json(rows, len(rows))
        return
    if not rows:
        render.line(f"No lost customers on {day.isoformat()}.")
        return
    shown = rows[:_limit(limit)] if _limit(limit) else rows
    t = charts.grid(title=f"Lost customers on {day.isoformat()} ({len(rows)}), by past value")
    for header, justify in (("#", "right"), ("Customer", "left"), ("Tier", "left"),
                            ("Lifetime value", "right"), ("Lost on", "left"), ("Band", "left")):
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    for i, r in enumerate(shown, 1):
        style = BAND_STYLE[r["band"]] if render.is_terminal() else None
        t.add_row(str(i), charts.text(r["customer"]), r["tier"], charts.amount(r["lifetime_value"]), r["lost_on"] or "",
                  r["band"], style=style)
    charts.show(t)
    _more(len(rows), len(shown))
    for band, text in TREATMENTS.items():
        count = sum(1 for r in rows if r["band"] == band)
        if count:
            render.line(f"{band} ({count}): {text}")


@app.command("activity")
def activity(
    ctx: typer.Context, on: OnDay = None,
    weeks: Annotated[int, typer.Option("--weeks", help="How many weeks back, ending with the week of --on.")] = 12,
    limit: Annotated[int, typer.Option("--limit", help="How many of the longest-silent customers to show.")] = 10,
    json_: Json = False, owner: OwnerOpt = None, all_: AllReps = False,
) -> None:
    """Contacts per week by channel and purpose, and who has gone longest without one."""
    from crmcli.core.reports import activity_report, week_starts
    from crmcli.store import reports

    if not 1 <= weeks <= 520:
        raise CrmError(f"--weeks must be between 1 and 520, not {weeks}.")
    if not 0 <= limit <= 10000:
        raise CrmError(f"--limit must be between 0 and 10000, not {limit}.")
    s = session(ctx)
    book = s.book_of(owner, all_)
    day = _day(s, on)
    first = week_starts(day, weeks)[0]
    report = activity_report(reports.contacts_by_day(s.db, first, day, book),
                             reports.longest_silent(s.db, day, s.today, limit, book) if limit else [],
                             day, weeks)
    if json_:
        render.emit_json(report)
        return
    _activity_chart(report, day)


def _activity_chart(report: dict, day: date) -> None:
    weeks = report["weeks"]
    total = sum(w["contacts"] for w in weeks)
    largest = max((w["contacts"] for w in weeks), default=0)
    t = charts.grid(title=f"Contacts per week, {len(weeks)} weeks to {day.isoformat()} ({total} in all)")
    for header, justify in (("Week of", "left"), ("Contacts", "right"), ("", "left"), ("Most via", "left")):
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    for w in weeks:
        top = sorted(w["by_channel"].items(), key=lambda kv: -kv[1])[:3]
        t.add_row(w["week_start"], str(w["contacts"]), charts.bar(w["contacts"], largest, 25),
                  ", ".join(f"{k} {n}" for k, n in top))
    charts.show(t)
    if total:
        _heat_map(weeks)
    if report["longest_silent"]:
        charts.heading("Longest without a contact")
        render.table(
            [{**r, "last_contact": r["last_contact"] or "never", "days": r["days"]} for r in report["longest_silent"]],
            [("customer_id", "ID"), ("customer", "Customer"), ("last_contact", "Last contact"), ("days", "Days silent")],
        )


def _heat_map(weeks: list[dict]) -> None:
    """Channels × weeks, each cell coloured by its count: where the effort went."""
    channels = sorted({c for w in weeks for c in w["by_channel"]},
                      key=lambda c: -sum(w["by_channel"].get(c, 0) for w in weeks))
    largest = max(n for w in weeks for n in w["by_channel"].values())
    t = charts.grid(title="By channel (columns: weeks, oldest first)")
    t.add_column("Channel")
    for w in weeks:
        t.add_column(w["week_start"][5:], justify="right")
    for c in channels:
        cells = []
        for w in weeks:
            n = w["by_channel"].get(c, 0)
            style = charts.heat(n, largest)
            cells.append(charts.text(n, style))
        t.add_row(c, *cells)
    charts.show(t)
