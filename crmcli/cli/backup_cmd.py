"""`crm backup [FILE]` and `crm restore FILE`: a consistent copy of the book, and putting one back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmcli import render
from crmcli.cli.options import Yes
from crmcli.cli.session import confirm, session


def backup(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(
        help="Where to write the copy (a file, or a folder). Default: the data dir's backups "
             "folder, with a timestamp; the last 10 are kept.", show_default=False)] = None,
) -> None:
    """Write a consistent copy of the book, even while other terminals keep writing."""
    s = session(ctx)
    from crmcli.store import backup as store

    made = store.backup(s.db, file)
    render.line(f"Backed up the book to {made}.")


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A crm backup (this release's schema or older).")],
    yes: Yes = False,
) -> None:
    """Replace the book with a backup (the current book is backed up first)."""
    s = session(ctx)
    from crmcli.store import backup as store

    book = store.book_path(s.db)
    revision = store.inspect_book(file)
    confirm(f"Replace the book {book} with the backup {file} (schema {revision})? "
            "The current book is backed up first.", yes)
    done = store.restore(s.db, file)
    render.line(f"Restored the book from {done['file']}.")
    if done["saved"]:
        render.note(f"The book as it was before: {done['saved']}")
