"""`crm import list` and `crm import undo BATCH`: the import batches, and taking one back.

Registered on the `import` group of crmcli/cli/transfer.py, beside the
`crm import KIND FILE` commands. `same_file_imported` is the check the
importer makes first: the same file (by its sha256) imported before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli import render
from crmcli.cli.options import Json, Yes
from crmcli.cli.session import Session, confirm, session
from crmcli.errors import CrmError


def _batch_json(b: dict[str, Any]) -> dict[str, Any]:
    return {"id": b["id"], "file": b["file"], "kind": b["kind"], "at": b["at"],
            "created": b["created"], "updated": b["updated"], "skipped": b["skipped"],
            "rejected": b["rejected"], "sha256": b["sha256"], "undone_at": b["undone_at"]}


def list_(ctx: typer.Context, json_: Json = False) -> None:
    """The import batches: file, kind, when, and what each created, updated, skipped, rejected."""
    s = session(ctx)
    from crmcli.store import undo

    rows = undo.batches(s.db)
    if json_:
        render.emit_json([_batch_json(b) for b in rows])
        return
    if not rows:
        render.line("No imports yet; import a file with `crm import customers FILE`.")
        return
    render.table(
        [{**b, "state": f"undone {b['undone_at']}" if b["undone_at"] else ""} for b in rows],
        [("id", "Batch"), ("at", "At"), ("kind", "Kind"), ("file", "File"), ("created", "Created"),
         ("updated", "Updated"), ("skipped", "Skipped"), ("rejected", "Rejected"), ("state", "")],
    )


def _counts(counts: dict[str, int]) -> str:
    from crmcli.store.undo import LABELS

    return ", ".join(f"{n} {LABELS.get(t, (t, t))[n != 1]}" for t, n in counts.items()) or "nothing"


def undo(
    ctx: typer.Context,
    batch: Annotated[str, typer.Argument(help="The batch number (see `crm import list`).")],
    yes: Yes = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Undo even records worked on since the import (they are removed too).")] = False,
    json_: Json = False,
) -> None:
    """Remove what an import created and restore what it updated (a backup is made first)."""
    s = session(ctx)
    from crmcli.store import backup
    from crmcli.store import undo as store

    plan = store.undo_plan(s.db, batch)
    b = plan["batch"]
    if plan["changed"] and not force:
        raise CrmError(
            f"Import batch #{b['id']} was worked on since: {store.changed_sentence(plan['changed'])}. "
            "Nothing was undone; pass --force to undo it anyway (those records go too)."
        )
    confirm(f"Undo import batch #{b['id']} ({b['file']}, {b['at']}): remove {_counts(plan['remove'])}"
            f" and restore {_counts(plan['restore'])}?", yes)
    saved = backup.automatic(s.db, "before-undo")
    plan = store.undo(s.db, b["id"], s.cadences, force=force)
    if json_:
        render.emit_json({"batch": _batch_json(plan["batch"]), "removed": plan["remove"],
                          "restored": plan["restore"], "changed": plan["changed"],
                          "backup": str(saved) if saved else None})
        return
    render.line(f"Undid import batch #{b['id']} ({b['file']}): removed {_counts(plan['remove'])}; "
                f"restored {_counts(plan['restore'])}.")
    if saved:
        render.note(f"Backup of the book before the undo: {saved}")


def same_file_imported(s: Session, file: Path, dry_run: bool = False) -> None:
    """Before an import: this very file (same sha256) was imported before? Ask, or warn.

    In a terminal the rep chooses; in scripts the import goes on (records
    already on the book are matched as usual) with a warning naming the batch.
    """
    from crmcli.io.csv_source import sha256_of
    from crmcli.store import undo as store

    earlier = store.earlier_batch(s.db, sha256_of(file))
    if earlier is None:
        return
    said = (f"{file} was imported before, as batch #{earlier['id']} on {earlier['at']} "
            f"({earlier['created']} created, {earlier['updated']} updated)")
    if dry_run or not render.is_interactive():
        render.note(f"Warning: {said}; importing it again (records already on the book are matched, "
                    f"not doubled; `crm import undo {earlier['id']}` takes that import back).")
        return
    import questionary

    if not questionary.confirm(f"{said}. Import it again?", default=False).ask():
        raise CrmError("Cancelled; nothing was imported.")
