"""`crm config get|set|list|unset`: the rep's settings (cadences, agenda capacity, name…)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import Json
from crmcli.cli.session import session
from crmcli.config import KEYS

app = typer.Typer(help="Settings: " + ", ".join(KEYS) + ".", no_args_is_help=True)

KeyArg = Annotated[str, typer.Argument(metavar="KEY", help="A setting, e.g. cadence.gold.")]


@app.command("get")
def get(ctx: typer.Context, key: KeyArg) -> None:
    """Print one setting's value."""
    render.line(session(ctx).settings.show(key))


@app.command("set")
def set_(ctx: typer.Context, key: KeyArg, value: Annotated[str, typer.Argument(help="The new value.")]) -> None:
    """Change a setting (a tier cadence change re-dates that tier's agenda)."""
    s = session(ctx)
    s.settings.set(key, value)
    name = key.strip().lower()
    if name.startswith("cadence."):
        _refresh_tier(s, name.split(".", 1)[1])
    render.line(f"{name} = {s.settings.show(name)}")


@app.command("unset")
def unset(ctx: typer.Context, key: KeyArg) -> None:
    """Go back to a setting's default."""
    s = session(ctx)
    s.settings.unset(key)
    name = key.strip().lower()
    if name.startswith("cadence."):
        _refresh_tier(s, name.split(".", 1)[1])
    render.line(f"{name} = {s.settings.show(name)} (default)")


def _refresh_tier(s, tier: str) -> None:
    from crmcli.store.due import refresh_tier

    with s.db.transaction():
        refresh_tier(s.db, tier, s.cadences)


@app.command("list")
def list_(ctx: typer.Context, json_: Json = False) -> None:
    """Every setting with its value."""
    settings = session(ctx).settings
    rows = [{"key": k, "value": settings.show(k), "default": not settings.is_set(k), "help": KEYS[k].help} for k in KEYS]
    if json_:
        render.emit_json(rows)
        return
    render.table([{**r, "default": "" if r["default"] else "set"} for r in rows],
                 [("key", "Key"), ("value", "Value"), ("default", ""), ("help", "Meaning")])
