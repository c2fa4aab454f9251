"""`crm demo`: a separate sample book, filled afresh, then its agenda."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.session import Session, session


def demo_path() -> Path:
    from crmcli.store.db import default_path

    return default_path().with_name("demo.db")


def demo(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="Where to write the demo book (default: demo.db in the data dir).", show_default=False)] = None,
) -> None:
    """Build a bilingual sample book (40 customers, 80 stakeholders, 300 contacts) and show its agenda."""
    s = session(ctx)
    target = (path or demo_path()).expanduser()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    book = Session(db_path=target)
    try:
        from crmcli.sample_book import build

        counts = build(book.db, s.today, s.cadences)
        render.note(f"Demo book written to {target}: {counts['customers']} customers, "
                    f"{counts['stakeholders']} stakeholders, {counts['contacts']} contacts.")
        render.note(f"Explore it with: crm --db {target} customer list")
        from crmcli.cli.due import show_agenda

        show_agenda(book, on=None, ahead=0, limit=None, tier=None, json_=False)
    finally:
        book.close()
