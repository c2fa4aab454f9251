"""Consistent copies of a SQLite book, through SQLite's online backup API, and restoring one.

A copy is taken page by page inside one read transaction of the live book,
so other terminals keep writing and the copy is the book as of one moment
(never a torn file copy). Copies made without a FILE go to the data dir's
`backups/` folder as `<book>-YYYYMMDD-HHMMSS[-reason].db`; the last
KEEP_BACKUPS of each book are kept. Automatic copies (before a schema
migration, a merge, an import undo, a restore) are made here too, so naming
and rotation live in one place.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.errors import CrmError

if TYPE_CHECKING:
    from crmcli.store.db import Database

KEEP_BACKUPS = 10
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_ADVICE = (
    "this book is on a PostgreSQL server; back it up and restore it with the server's own tools "
    "(pg_dump and pg_restore)."
)


def backups_dir() -> Path:
    from crmcli.dirs import user_data_dir

    return user_data_dir() / "backups"


def book_path(db: Database) -> Path:
    if db.dialect != "sqlite":
        raise CrmError(f"Backups are for SQLite books: {PG_ADVICE}")
    return Path(db.location)


def backup_sqlite(db: Database, target: Path) -> Path:
    """Copy the open book to `target` (mode 0600) while others may keep writing."""
    target = Path(target)
    if target.exists() and _same_file(target, Path(db.location)):
        raise CrmError(f"{target} is the book itself; give another file for the backup.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
    except OSError as e:
        raise CrmError(f"Cannot write the backup {target}: {e.strerror}.") from None
    dest = sqlite3.connect(tmp)
    try:
        # One step (pages=-1): the whole book inside one read transaction, a consistent snapshot.
        db._conn.backup(dest)
        # A backup is one self-contained file: no -wal beside it.
        dest.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        dest.close()
        tmp.unlink(missing_ok=True)
        raise
    dest.close()
    os.replace(tmp, target)  # a half-written backup never carries the final name
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


_STAMP = "%Y%m%d-%H%M%S"


def _pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-\d{{8}}-\d{{6}}(-\d+)?(-[a-z][a-z0-9-]*)?\.db$")


def _new_name(folder: Path, stem: str, reason: str | None) -> Path:
    stamp = datetime.now().strftime(_STAMP)
    tail = f"-{reason}" if reason else ""
    target = folder / f"{stem}-{stamp}{tail}.db"
    n = 2
    while target.exists():
        target = folder / f"{stem}-{stamp}-{n}{tail}.db"
        n += 1
    return target


def listed(folder: Path, stem: str) -> list[Path]:
    """This book's backups in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    pattern = _pattern(stem)
    found = [p for p in folder.iterdir() if pattern.match(p.name)]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def rotate(folder: Path, stem: str, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Delete all but the newest `keep` backups of this book; the ones deleted."""
    old = listed(folder, stem)[:-keep] if keep else []
    for p in old:
        p.unlink(missing_ok=True)
    return old


def backup(db: Database, target: Path | None = None, reason: str | None = None) -> Path:
    """`crm backup [FILE]`: to FILE (or into FILE when it is a folder), else the backups folder."""
    book = book_path(db)
    if target is not None and not Path(target).is_dir():
        return backup_sqlite(db, Path(target).expanduser())
    folder = Path(target).expanduser() if target is not None else backups_dir()
    made = backup_sqlite(db, _new_name(folder, book.stem, reason))
    if target is None:
        rotate(folder, book.stem)
    return made


def automatic(db: Database, reason: str, path: Path | None = None) -> Path | None:
    """The copy made before a risky change (migration, merge, undo, restore); None off SQLite."""
    if db.dialect != "sqlite":
        return None
    book = Path(path) if path is not None else Path(db.location)
    folder = backups_dir()
    made = backup_sqlite(db, _new_name(folder, book.stem, reason))
    rotate(folder, book.stem)
    return made


# -- restore -----------------------------------------------------------------
def inspect_book(source: Path) -> str:
    """The schema revision of a crm book file; refuses anything else with a clear sentence."""
    from crmcli.store.migrate import REVISIONS

    source = Path(source).expanduser()
    if not source.is_file():
        raise CrmError(f"{source} does not exist or is not a file; give a crm backup file.")
    with open(source, "rb") as f:
        if f.read(16) != SQLITE_MAGIC:
            raise CrmError(f"{source} is not a crm database (not an SQLite file); nothing was restored.")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise CrmError(f"Cannot read {source}: {e}.") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables or "customer" not in tables:
            raise CrmError(f"{source} is an SQLite file but not a crm book; nothing was restored.")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision[0] if revision else None
        if revision not in REVISIONS:
            raise CrmError(
                f"{source} is a crm book of schema {revision}, which this release does not know "
                "(made by a newer crm?); upgrade crm to restore it."
            )
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise CrmError(f"{source} is damaged ({status}); nothing was restored.")
    except sqlite3.DatabaseError as e:
        raise CrmError(f"{source} cannot be read as a crm book ({e}); nothing was restored.") from None
    finally:
        conn.close()
    return revision


def restore(db: Database, source: Path) -> dict:
    """Replace the open book's content with `source` (checked first), after backing it up.

    The content is copied into the live file with the backup API, so other
    terminals that have the book open see the restored book, not a stale file.
    """
    book = book_path(db)
    source = Path(source).expanduser()
    if _same_file(source, book):
        raise CrmError(f"{source} is the book itself; give a backup file to restore.")
    revision = inspect_book(source)
    saved = automatic(db, "before-restore")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(db._conn)
    except sqlite3.Error as e:
        raise CrmError(f"Could not restore from {source} ({e}); the book is unchanged.") from None
    finally:
        src.close()
    if db._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db._conn.execute("PRAGMA journal_mode = WAL")
    from crmcli.store import migrate

    migrate.ensure_current(db, book)  # an older backup is brought to this release's schema
    return {"file": str(source), "revision": revision, "saved": str(saved) if saved else None}
