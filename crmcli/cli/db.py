"""`crm db info` and `crm db copy --to URL | --from URL`: which book this is, and moving it.

`db info` names the engine, the file or the server (never a password), the
schema revision and how many rows each table holds. `db copy` copies the
whole book between SQLite and PostgreSQL (store/copy.py); the current book
(`--db`, `--db-url` or the default) is the source of `--to` and the target of
`--from`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli import render
from crmcli.cli.options import Json
from crmcli.cli.session import session
from crmcli.errors import CrmError

if TYPE_CHECKING:
    from crmcli.store.db import Database


def info(ctx: typer.Context, json_: Json = False) -> None:
    """Engine, file or server, schema revision and row counts of the book."""
    s = session(ctx)
    from crmcli.store import migrate
    from crmcli.store.copy import row_counts, server_version

    db = s.db
    rows = row_counts(db)
    revision = migrate.stored_revision(db)
    data = {"engine": db.dialect, "location": db.location, "schema": revision,
            "schema_current": revision == migrate.HEAD, "rows": rows}
    if s.team:
        from crmcli.store.ownership import reps

        data["server_version"] = server_version(db)
        data["rep"] = s.owner
        data["reps"] = {r["owner"]: r["customers"] for r in reps(db)}
    elif Path(db.location).exists():
        data["size_bytes"] = Path(db.location).stat().st_size
    if json_:
        render.emit_json(data)
        return
    fields = {
        "Engine": "SQLite" if db.dialect == "sqlite" else f"PostgreSQL {data['server_version']}",
        ("File" if db.dialect == "sqlite" else "Server"): db.location,
        "Schema": f"{revision}" + (" (current)" if data["schema_current"] else f" (this release: {migrate.HEAD})"),
    }
    if "size_bytes" in data:
        fields["Size"] = _size(data["size_bytes"])
    if s.team:
        fields["You"] = f"{s.owner} (config user.name)"
        fields["Reps"] = ", ".join(f"{rep or '(none)'}: {n}" for rep, n in data["reps"].items()) or "none yet"
    render.fields_panel("Book", list(fields.items()))
    render.table([{"table": t, "rows": n} for t, n in rows.items()], [("table", "Table"), ("rows", "Rows")])


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def copy_cmd(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", metavar="URL", help="Copy this book into that database (postgresql://… or a SQLite file).", show_default=False)] = None,
    from_: Annotated[str | None, typer.Option("--from", metavar="URL", help="Copy that database's book into this one.", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="On a team server, the rep who gets customers that have no owner (default: config user.name).", show_default=False)] = None,
    json_: Json = False,
) -> None:
    """Copy a whole book between SQLite and PostgreSQL; running it again adds only what is new."""
    if (to is None) == (from_ is None):
        raise typer.BadParameter("Give --to URL (copy this book there) or --from URL (copy that book here).")
    s = session(ctx)
    from crmcli.store.copy import copy_book, same_book

    here = s.db
    there = _open(to or from_)
    try:
        source, target = (here, there) if to else (there, here)
        if same_book(source, target):
            raise CrmError(f"{target.location} is this very book; give another database to copy to or from.")
        rep = owner.strip() if owner and owner.strip() else str(s.settings.get("user.name"))
        report = copy_book(source, target, cadences=s.cadences,
                           owner=rep if target.dialect != "sqlite" else None)
    finally:
        there.close()
    if json_:
        render.emit_json(report.as_dict())
        return
    render.table(
        [{"table": c.table, "copied": c.copied, "already": c.already} for c in report.tables
         if c.copied or c.already],
        [("table", "Table"), ("copied", "Copied"), ("already", "Already there")],
        title=f"{report.source} → {report.target}",
    )
    copied = sum(c.copied for c in report.tables)
    already = sum(c.already for c in report.tables)
    dangling = sum(c.dangling for c in report.tables)
    render.line(f"Copied {copied} row(s); {already} were already there." if copied or already
                else "The source book is empty; nothing to copy.")
    if report.assigned:
        render.line(f"{report.assigned} customer(s) without an owner now belong to {rep}.")
    if dangling:
        render.note(f"{dangling} row(s) pointed at records that no longer exist and were left out.")


def _open(url: str) -> Database:
    """The other book: a URL, or a plain path meaning a SQLite file."""
    from crmcli.store.db import open_database

    text = url.strip()
    if not text:
        raise typer.BadParameter("The URL is empty; give postgresql://user@host/dbname or a SQLite file.")
    if "://" in text:
        return open_database(url=text)
    return open_database(Path(text).expanduser())
