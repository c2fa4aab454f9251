"""Options shared by several commands, declared once (help texts read the vocabulary)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.core import vocabulary as vocab
from crmcli.core.dates import DATE_FORMS, DURATION_FORMS

TierOpt = Annotated[str | None, typer.Option("--tier", help=f"Tier: {vocab.TIERS.help()} (or 金/银/铁/铅).", show_default=False)]
StageOpt = Annotated[str | None, typer.Option("--stage", help=f"Lifecycle stage: {vocab.STAGES.help()}.", show_default=False)]
RoleOpt = Annotated[str | None, typer.Option("--role", help=f"Role: {vocab.ROLES.help()} (or 决策者…).", show_default=False)]
LevelOpt = Annotated[str | None, typer.Option("--level", help=f"Relationship level: {vocab.LEVELS.help()}.", show_default=False)]
Every = Annotated[str | None, typer.Option("--every", help=f"Contact cadence: {DURATION_FORMS}.", show_default=False)]
Since = Annotated[str | None, typer.Option("--since", help="On the book since this date (default: today).", show_default=False)]
At = Annotated[str | None, typer.Option("--at", help=f"When it happened (default today): {DATE_FORMS}.", show_default=False)]
OnDay = Annotated[str | None, typer.Option("--on", help="As of this day (default today).", show_default=False)]
Note = Annotated[str | None, typer.Option("--note", help="A free-text note.", show_default=False)]


def checked_limit(limit: int | None) -> int | None:
    """--limit as given, refused when negative (the option's callback: checked before any work,
    whatever the book holds and with --json too)."""
    if limit is not None and limit < 0:
        raise typer.BadParameter(f"--limit must be 0 (no limit) or a positive number, not {limit}.")
    return limit


Limit = Annotated[int | None, typer.Option("--limit", help="At most N rows (0: all).", show_default=False,
                                           callback=checked_limit)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys, ISO dates).")]
Csv = Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", help="Only this rep's customers (team book; default: your own).", show_default=False)]
AllReps = Annotated[bool, typer.Option("--all", help="Every rep's customers (team book).")]


def one_format(json_: bool, csv_: bool) -> None:
    if json_ and csv_:
        raise typer.BadParameter("Give --json or --csv, not both.")

