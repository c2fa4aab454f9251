"""The connection to a book: open, check the schema, run SQL, one transaction per write.

SQL is written once, with `:name` parameters, and runs on both engines:
on SQLite through the stdlib `sqlite3` driver (no SQLAlchemy import on the
common path, so `crm` starts fast), on PostgreSQL through SQLAlchemy and
psycopg 3. Everything above this module sees only `Database`.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from crmcli.errors import CrmError

Row = dict[str, Any]
Params = Mapping[str, Any] | None

BUSY_TIMEOUT_MS = 5000


class Database:
    """A crm book on SQLite or PostgreSQL; rows come back as dicts."""

    dialect: str = "sqlite"

    def __init__(self, conn: sqlite3.Connection, location: str) -> None:
        self._conn = conn
        self.location = location  # shown to the user: a path, or a URL without password
        self._depth = 0

    # -- reading ---------------------------------------------------------
    def rows(self, sql: str, params: Params = None) -> list[Row]:
        cur = self._conn.execute(sql, params or {})
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def tuples(self, sql: str, params: Params = None) -> list[tuple]:
        """Rows as plain tuples in column order: no dict per row, for reports over many rows."""
        return self._conn.execute(sql, params or {}).fetchall()

    def iter_rows(self, sql: str, params: Params = None, size: int = 2000) -> Iterator[Row]:
        """Stream rows (exports), never holding the whole result in memory."""
        cur = self._conn.execute(sql, params or {})
        names = [d[0] for d in cur.description]
        while batch := cur.fetchmany(size):
            for r in batch:
                yield dict(zip(names, r))

    def iter_tuples(self, sql: str, params: Params = None, size: int = 2000) -> Iterator[tuple]:
        """Stream rows as plain tuples in column order: no Python step per row, so a consumer
        in C (csv.writer.writerows) takes 100,000 rows at the speed of the query."""
        cur = self._conn.execute(sql, params or {})
        return itertools.chain.from_iterable(iter(partial(cur.fetchmany, size), []))

    def row(self, sql: str, params: Params = None) -> Row | None:
        cur = self._conn.execute(sql, params or {})
        r = cur.fetchone()
        if r is None:
            return None
        return dict(zip([d[0] for d in cur.description], r))

    def value(self, sql: str, params: Params = None) -> Any:
        r = self._conn.execute(sql, params or {}).fetchone()
        return None if r is None else r[0]

    # -- writing ---------------------------------------------------------
    def run(self, sql: str, params: Params = None) -> int:
        """Execute a statement; the number of rows it changed."""
        return self._conn.execute(sql, params or {}).rowcount

    def insert(self, sql: str, params: Params = None) -> int:
        """Execute an INSERT; the new row's id."""
        return int(self._conn.execute(sql + " RETURNING id", params or {}).fetchone()[0])

    def run_many(self, sql: str, seq: Iterable[Mapping[str, Any]]) -> None:
        self._conn.executemany(sql, seq)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All or nothing: the block's writes commit together, or none do.

        Nested calls join the outer transaction. SQLite takes the write lock
        at the start (BEGIN IMMEDIATE) so two terminals queue instead of failing.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._conn.rollback()
            raise
        self._depth = 0
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    def table_names(self) -> list[str]:
        return [r["name"] for r in self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]

    def has_table(self, name: str) -> bool:
        return self.value("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :n",
                          {"n": name}) > 0

    def sqlalchemy_engine(self, path: Path | None):  # -> sqlalchemy.Engine
        """An SQLAlchemy engine on the same file, for alembic and bulk tools."""
        from sqlalchemy import create_engine

        return create_engine(f"sqlite:///{path}")

    def in_list(self, prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
        """`(:p0, :p1, …)` and its parameters, for `IN` over a short list."""
        names = [f"{prefix}{i}" for i in range(len(values))]
        return "(" + ", ".join(":" + n for n in names) + ")", dict(zip(names, values))


IN_LIST_SIZE = 500  # ids per `IN (…)` list: well under every engine's parameter limit


def id_chunks(ids: Iterable[int | None], size: int = IN_LIST_SIZE) -> Iterator[list[int]]:
    """The distinct ids (None left out), in first-seen order, in lists of at most `size`."""
    unique = [i for i in dict.fromkeys(ids) if i is not None]
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def default_path() -> Path:
    from crmcli.dirs import user_data_dir

    return user_data_dir() / "crm.db"


def _create_private(path: Path) -> None:
    """Create an empty file readable by its owner only (it holds personal data)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except OSError as e:
        raise CrmError(f"Cannot create the database {path}: {e.strerror}.") from None


def connect_sqlite(path: Path) -> sqlite3.Connection:
    if path.is_dir():
        raise CrmError(f"{path} is a folder, not a crm database file; give a file path to --db.")
    if not path.exists():
        _create_private(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as e:
        raise CrmError(f"Cannot open the database {path}: {e}.") from None
    conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
    try:
        # Reading the schema fails here, before anything is written, on a file
        # that is not SQLite at all.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        conn.close()
        raise CrmError(
            f"{path} is not a crm database (not an SQLite file); it was left untouched. "
            "Give --db a new file name or an existing crm database."
        ) from None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_database(path: Path | None = None, url: str | None = None,
                  notify: Callable[[str], None] | None = None) -> Database:
    """Open (creating or upgrading as needed) the book at `path` or `url`; `notify` hears of
    an upgrade before it starts."""
    from crmcli.store import migrate

    if url and not url.startswith("sqlite"):
        from crmcli.store.server import open_server

        db: Database = open_server(url)
        migrate.ensure_current(db, notify=notify)
        return db
    if url:
        path = Path(url.split(":///", 1)[-1]) if ":///" in url else None
        if path is None:
            raise CrmError("A sqlite URL must name a file, e.g. sqlite:///path/to/crm.db.")
    path = Path(path or default_path()).expanduser()
    conn = connect_sqlite(path)
    db = Database(conn, str(path))
    try:
        migrate.ensure_current(db, path, notify)
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        conn.close()
        raise
    return db
