"""Schema check on open, and alembic upgrades when the book is older than this release.

The check reads one row (`alembic_version`) and imports nothing heavy; alembic
and SQLAlchemy are imported only when there is something to upgrade. A new SQLite
book is laid out from the migrations' result written down (store/new_book.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.errors import CrmError

if TYPE_CHECKING:
    from crmcli.store.db import Database

# Every revision this release knows, oldest first; the last is the head.
# A test checks this against the alembic scripts in migrations/versions.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010")
HEAD = REVISIONS[-1]


def stored_revision(db: Database) -> str | None:
    if not db.has_table("alembic_version"):
        return None
    return db.value("SELECT version_num FROM alembic_version")


def ensure_current(db: Database, path: Path | None = None, notify: Callable[[str], None] | None = None) -> None:
    """Bring the book to HEAD: a new file gets the whole schema; an older book is copied to the
    backups folder (SQLite) and upgraded, with a word to the user through `notify` first (a
    100,000-customer book takes a few seconds, once)."""
    revision = stored_revision(db)
    if revision == HEAD:
        return
    if revision is None:
        if db.table_names():
            raise CrmError(
                f"{db.location} is a database but not a crm book (it has other tables); "
                "it was left untouched. Give --db a new file name or an existing crm database."
            )
        if db.dialect == "sqlite":
            from crmcli.store import new_book

            new_book.create(db._conn)  # type: ignore[attr-defined]
            if stored_revision(db) == HEAD:
                return
    elif revision not in REVISIONS:
        raise CrmError(
            f"{db.location} was made by a newer release of crm (schema {revision}); "
            "upgrade crm to open it."
        )
    else:
        kept = _backup_before_upgrade(db, path)
        if notify:
            notify(f"Upgrading {db.location} from schema {revision} to {HEAD} (once; a big book takes a few "
                   "seconds)" + (f"; the book as it was is kept in {kept}." if kept else "."))
    upgrade(db, path)


def _backup_before_upgrade(db: Database, path: Path | None) -> Path | None:
    """A copy of the book as it was, before a migration touches it (in the backups folder)."""
    if path is None:
        return None
    from crmcli.store.backup import automatic

    return automatic(db, f"before-{HEAD}", path)


def alembic_config(url: str):  # -> alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "crmcli.store:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, path: Path | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` with alembic, in one transaction."""
    from alembic import command

    engine = db.sqlalchemy_engine(path)
    cfg = alembic_config(str(engine.url))
    try:
        with engine.begin() as connection:
            if db.dialect == "postgresql":
                # Reps opening a new team database at once: one migrates, the others wait
                # on this lock and then find the schema current (alembic re-reads its version).
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7151)")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        if path is not None:
            engine.dispose()
