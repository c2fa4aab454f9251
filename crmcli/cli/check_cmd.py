"""`crm db check [--fix]`: is the book's file sound, and do crm's invariants hold?"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import Json
from crmcli.cli.session import session

db_app = typer.Typer(help="The book's database: checks and upkeep.", no_args_is_help=True)


@db_app.command("check")
def check(
    ctx: typer.Context,
    fix: Annotated[bool, typer.Option("--fix", help="Recompute the derived dates that are wrong (one transaction).")] = False,
    json_: Json = False,
) -> None:
    """SQLite integrity and foreign keys, and crm's own invariants; exit 1 if a problem remains."""
    s = session(ctx)
    from crmcli.store import check as store

    findings = store.check(s.db, s.cadences, fix=fix)
    remaining = sum(f.remaining for f in findings)
    fixed = store.rows_changed(findings)
    if json_:
        render.emit_json({"ok": remaining == 0, "fixed": fixed, "checks": [f.as_dict() for f in findings]})
    else:
        render.table(
            [{"check": f.check, "status": _status(f), "detail": "; ".join(f.detail)} for f in findings],
            [("check", "Check"), ("status", "Status"), ("detail", "Detail")],
        )
        if fix:
            render.line(f"Fixed {fixed} row(s) in one transaction." if fixed else "Nothing needed fixing.")
        elif remaining:
            render.note("Run `crm db check --fix` to recompute the derived dates.")
    if remaining:
        raise typer.Exit(1)


def _status(f) -> str:
    if f.problems == 0:
        return "ok"
    if f.remaining == 0:
        return f"fixed {f.fixed}"
    return f"{f.remaining} problem(s)"
