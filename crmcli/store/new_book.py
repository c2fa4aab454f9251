"""A new SQLite book in one script: the schema the migrations build, written down once.

Running the alembic migrations (nine of them) on a new file costs about a second (SQLAlchemy and
alembic imported, every step replayed); a rep's first command, and every import into a
new book, paid it. The migrations stay the source of truth: `new_book.sql` is their
result on an empty SQLite file (tables, indexes and triggers as SQLite stores them, the
revision stamped), made by `python -m crmcli.store.new_book`; a test rebuilds it from
the migrations and fails when it differs (a new migration must regenerate it).
PostgreSQL books, and SQLite books to upgrade, still go through alembic (store/migrate.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCRIPT = Path(__file__).with_name("new_book.sql")
_END = ";\n\n"  # ends each statement (a trigger's body holds semicolons, never this)
_HEADER = "-- Written by `python -m crmcli.store.new_book` from the migrations: do not edit.\n"


def create(conn: sqlite3.Connection) -> None:
    """Lay the head schema into an empty SQLite book, in one transaction (nothing, when another
    process opening the same new file did it first)."""
    statements = SCRIPT.read_text(encoding="utf-8")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            conn.execute("ROLLBACK")
            return
        for statement in statements.split(_END):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def schema_script(conn: sqlite3.Connection) -> str:
    """The schema of `conn`'s book as the statements that build it again on an empty file:
    tables, then indexes, then triggers (each kind in the order SQLite keeps them), then the
    alembic revision."""
    kinds = {"table": 0, "index": 1, "trigger": 2, "view": 3}
    objects = conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid").fetchall()
    statements = [sql for _, sql in sorted(objects, key=lambda o: kinds[o[0]])]
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    statements.append(f"INSERT INTO alembic_version (version_num) VALUES ('{revision}')")
    assert not any(_END in s for s in statements), "a statement holds the separator"
    return _HEADER + "".join(f"{s}{_END}" for s in statements)


def migrated_script(folder: Path) -> str:
    """The schema script of a book that alembic migrated from empty to head, in `folder`."""
    from crmcli.store import migrate
    from crmcli.store.db import Database, connect_sqlite

    path = folder / "migrated.db"
    db = Database(connect_sqlite(path), str(path))
    try:
        migrate.upgrade(db, path)
        return schema_script(db._conn)
    finally:
        db.close()


if __name__ == "__main__":  # python -m crmcli.store.new_book: write new_book.sql again
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        SCRIPT.write_text(migrated_script(Path(tmp)), encoding="utf-8")
    print(f"wrote {SCRIPT}")
