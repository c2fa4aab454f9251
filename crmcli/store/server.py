"""A team's book on a PostgreSQL server: the same `Database` interface as the SQLite book.

The URL is read by libpq itself (`postgresql://user@host:port/dbname?…`; the
SQLAlchemy spelling `postgresql+psycopg://` is accepted). A command's reads go first
through libpq directly (store/libpq.py: importing psycopg costs 250 ms, libpq 15), and
the first write, stream or copy opens a plain psycopg 3 connection in autocommit mode:
each read stands alone, and `transaction()` wraps a command's writes in one
BEGIN…COMMIT; from then on every statement, reads too, goes through psycopg. The store's
SQL keeps its `:name` parameters; they are rewritten once per statement text into
psycopg's positional `%s` form (libpq's `$1`). SQLAlchemy is imported only when alembic
needs an engine (a schema to create or upgrade), so a team book starts nearly as fast as a
file.

The password never leaves this module: `location` is the URL with `***`, and
every connection error is one sentence that names host, port, database and
user only. It may come from the URL, from a password file named by
`CRM_DATABASE_PASSWORD_FILE` (the file holds just the password), from a libpq
password file (`?passfile=PATH`) or from `~/.pgpass`.

Values read and bind the same as on SQLite (store/server_types.py): a `date` parameter is
sent as ISO text (dates are TEXT columns), a NUMERIC value (PostgreSQL's answer to
`sum(bigint)` or `x * 1.0 / y`) comes back as an int when it has no decimal point and a
float otherwise, and a boolean as 1 or 0.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcli.errors import CrmError
from crmcli.store import libpq
from crmcli.store.db import Database, Params, Row

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 5
PASSWORD_FILE_ENV = "CRM_DATABASE_PASSWORD_FILE"

# A string literal, a quoted name, a `:name` parameter, or a bare %: what the rewrite must see.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(?<![:\w]):(\w+)|%")


@lru_cache(maxsize=1024)
def compile_sql(sql: str, numbered: bool = False) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters as positional `%s` (literal % doubled), or as libpq's `$1, $2…`
    with `numbered` (% left alone); with the names in order.

    Each use of a name is its own placeholder: PostgreSQL types a placeholder
    from where it appears, and `:on` may be a date in one place and TEXT in another.
    """
    names: list[str] = []

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            names.append(m.group(1))
            return f"${len(names)}" if numbered else "%s"
        return m.group(0) if numbered else m.group(0).replace("%", "%%")

    return _TOKENS.sub(sub, sql), tuple(names)


def bind(names: tuple[str, ...], params: Params) -> list[Any]:
    if not names:
        return []
    try:
        return [params[n] for n in names]  # type: ignore[index]
    except (KeyError, TypeError) as e:
        raise TypeError(f"the query needs the parameter {e}, which was not given") from None


class ServerDatabase(Database):
    """A crm book in a PostgreSQL database (or schema: `?options=-csearch_path%3Dname`)."""

    dialect = "postgresql"

    def __init__(self, reader: libpq.Reader | None, location: str, connect_args: dict[str, Any]) -> None:
        self._reader = reader  # quick reads until psycopg is needed (store/libpq.py)
        self._psycopg: psycopg.Connection | None = None
        self.location = location
        self._depth = 0
        self._cursors = 0
        self._connect_args = connect_args  # holds the password: never shown, never logged

    @property
    def _conn(self) -> psycopg.Connection:
        """The psycopg connection, opened on first need; from then on every statement uses it."""
        if self._psycopg is None:
            self._psycopg = _connect(self._connect_args, self.location, autocommit=True)
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        return self._psycopg

    # -- reading ---------------------------------------------------------
    def _execute(self, sql: str, params: Params) -> psycopg.Cursor:
        text, names = compile_sql(sql)
        with _translated(self.location):
            return self._conn.execute(text, bind(names, params))

    def _read(self, sql: str, params: Params, first: bool = False) -> tuple[list[str], list[tuple]]:
        """Column names and rows (the first only, if `first`): through libpq while it can, else psycopg."""
        if self._reader is not None:
            text, names = compile_sql(sql, numbered=True)
            found = self._reader.query(text, bind(names, params), first)
            if found is not None:
                return found
        cur = self._execute(sql, params)
        if cur.description is None:
            return [], []
        if first:
            r = cur.fetchone()
            return [d.name for d in cur.description], [] if r is None else [r]
        return [d.name for d in cur.description], cur.fetchall()

    def rows(self, sql: str, params: Params = None) -> list[Row]:
        names, found = self._read(sql, params)
        return [dict(zip(names, r)) for r in found]

    def tuples(self, sql: str, params: Params = None) -> list[tuple]:
        return self._read(sql, params)[1]

    def iter_rows(self, sql: str, params: Params = None, size: int = 2000) -> Iterator[Row]:
        """Stream rows through a server-side cursor (inside a transaction, as PostgreSQL needs).

        A caller that stops early ends the transaction normally: writes it made
        while reading are kept, as they would be on SQLite.
        """
        names: list[str] = []
        for r in self._stream(sql, params, size, names):
            yield dict(zip(names, r))

    def iter_tuples(self, sql: str, params: Params = None, size: int = 2000) -> Iterator[tuple]:
        """`iter_rows` as plain tuples in column order."""
        return self._stream(sql, params, size, [])

    def _stream(self, sql: str, params: Params, size: int, names: list[str]) -> Iterator[tuple]:
        """The rows of `sql` in batches from a named cursor; `names` filled with the column
        names once the first batch is in."""
        self._cursors += 1
        name = f"crm_rows_{self._cursors}"
        with self.transaction(), _translated(self.location):
            cur = self._conn.cursor(name=name)
            text, bound = compile_sql(sql)
            try:
                cur.execute(text, bind(bound, params))
                while batch := cur.fetchmany(size):
                    if not names:
                        names.extend(d.name for d in cur.description)
                    yield from batch
            except GeneratorExit:
                pass
            finally:
                cur.close()

    def row(self, sql: str, params: Params = None) -> Row | None:
        names, found = self._read(sql, params, first=True)
        return dict(zip(names, found[0])) if found else None

    def value(self, sql: str, params: Params = None) -> Any:
        _, found = self._read(sql, params, first=True)
        return found[0][0] if found else None

    # -- writing ---------------------------------------------------------
    def run(self, sql: str, params: Params = None) -> int:
        return self._execute(sql, params).rowcount

    def insert(self, sql: str, params: Params = None) -> int:
        return int(self._execute(sql + " RETURNING id", params).fetchone()[0])

    def run_many(self, sql: str, seq: Iterable[Mapping[str, Any]]) -> None:
        # psycopg pipelines executemany: one round trip per batch, not per row.
        text, names = compile_sql(sql)
        with _translated(self.location), self._conn.cursor() as cur:
            cur.executemany(text, [bind(names, p) for p in seq])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Bulk insert through COPY: ten times the speed of executemany, for `db copy`."""
        with _translated(self.location), self._conn.cursor() as cur, \
                cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All or nothing; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with _translated(self.location), self._conn.transaction():
                yield self
        finally:
            self._depth = 0

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._psycopg is not None:
            self._psycopg.close()

    def table_names(self) -> list[str]:
        # pg_tables, not information_schema: the same answer, ten times faster on every open.
        return [r["tablename"] for r in self.rows(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
        )]

    def has_table(self, name: str) -> bool:
        # to_regclass: one lookup in the search path, where a catalog query costs a plan.
        return self.value("SELECT to_regclass(:n) IS NOT NULL", {"n": name}) == 1

    def sqlalchemy_engine(self, path: Path | None = None):  # -> sqlalchemy.Engine
        """An SQLAlchemy engine with the same login (its own connections), for alembic."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        args = dict(self._connect_args)
        return create_engine("postgresql+psycopg://", poolclass=NullPool,
                             creator=lambda: _connect(args, self.location, autocommit=False))

    def in_list(self, prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
        names = [f"{prefix}{i}" for i in range(len(values))]
        return "(" + ", ".join(":" + n for n in names) + ")", dict(zip(names, values))

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """`count` new ids from the table's sequence (for bulk copies that must know ids first)."""
        if count <= 0:
            return []
        rows = self._execute(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)",
            {"t": table, "n": count},
        ).fetchall()
        return [int(r[0]) for r in rows]


# -- opening -------------------------------------------------------------
def parse_url(url: str) -> tuple[dict[str, Any], str]:
    """libpq's connection parameters from the URL (as libpq itself reads it), and its display.

    SQLAlchemy's spellings are accepted (`postgresql+psycopg://`, `postgres://`); SQLAlchemy
    itself is not imported here: a team book starts as fast as the driver allows.
    """
    from urllib.parse import urlsplit

    text = url.strip()
    scheme, sep, rest = text.partition("://")
    backend = scheme.split("+", 1)[0].lower()
    if not sep or backend not in ("postgresql", "postgres"):
        raise CrmError(
            f"crm works with SQLite and PostgreSQL, not {backend or text[:20]!r}; give a URL "
            "such as postgresql://user@host:5432/dbname (or sqlite:///path/to/crm.db)."
        )
    text = "postgresql://" + rest
    try:
        secret = urlsplit(text).password
    except ValueError:
        secret = None
    try:
        args = _conninfo(text)
    except ValueError as e:
        reason = _scrub(str(e), {"password": secret})
        raise CrmError(f"The database URL could not be read ({reason}); give one such as "
                       "postgresql://user@host:5432/dbname.") from None
    if not args.get("dbname"):
        raise CrmError("The database URL names no database; add it at the end: postgresql://user@host/dbname.")
    return args, display(text)


def _conninfo(text: str) -> dict[str, Any]:
    """libpq's reading of a URL (ValueError with its reason): directly, or through psycopg."""
    if libpq.library() is not None:
        return libpq.parse_conninfo(text)
    psycopg = _driver()
    try:
        return psycopg.conninfo.conninfo_to_dict(text)
    except psycopg.Error as e:
        raise ValueError(str(e)) from None


def _driver():  # -> the psycopg module
    try:
        import psycopg
        import psycopg.conninfo
    except ImportError:  # an install without the driver: say how to get it, no traceback
        raise CrmError("A postgresql:// book needs the psycopg 3 driver: pip install 'psycopg[binary]'.") from None
    return psycopg


def display(url: str) -> str:
    """The URL as shown to people: the password (in the address or the query) as ***."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.split(':', 1)[0]}:***@{host}"
        query = urlencode([(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="/*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "postgresql://(a URL that could not be read)"


def connect_args(args: dict[str, Any]) -> dict[str, Any]:
    """The URL's parameters with the password file and crm's defaults."""
    args = dict(args)
    if not args.get("password"):
        password_file = os.environ.get(PASSWORD_FILE_ENV)
        if password_file:
            args["password"] = _read_password(Path(password_file).expanduser())
    args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    args.setdefault("application_name", "crm")
    return {k: v for k, v in args.items() if v not in (None, "")}


def _read_password(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CrmError(f"Cannot read the password file {path} ({PASSWORD_FILE_ENV}): {e.strerror}.") from None
    password = text.splitlines()[0] if text.strip() else ""
    if not password:
        raise CrmError(f"The password file {path} ({PASSWORD_FILE_ENV}) is empty; put the password on its first line.")
    return password


def _connect(args: dict[str, Any], location: str, *, autocommit: bool) -> psycopg.Connection:
    psycopg = _driver()
    from crmcli.store import server_types

    try:
        conn = psycopg.connect(autocommit=autocommit, **args)
    except psycopg.Error as e:
        raise CrmError(_connect_error(str(e), args)) from None
    server_types.register(conn)
    return conn


def open_server(url: str) -> ServerDatabase:
    """Connect to the book at a postgresql:// URL (the schema is checked by the caller).

    Through libpq directly when it can be loaded (quick reads), else psycopg at once.
    """
    parsed, location = parse_url(url)
    args = connect_args(parsed)
    if libpq.enabled():
        reader = libpq.Reader.connect(args)
        if isinstance(reader, str):
            raise CrmError(_connect_error(reader, args))
        return ServerDatabase(reader, location, args)
    db = ServerDatabase(None, location, args)
    db._conn  # noqa: B018 -- connect now: a wrong login is said on open, not at the first query
    return db


def _where(args: dict[str, Any]) -> str:
    host = args.get("host") or "the local socket"
    port = f":{args['port']}" if args.get("port") else ""
    return f"{host}{port}"


def _scrub(text: str, args: dict[str, Any]) -> str:
    password = args.get("password")
    first = (text.strip().splitlines() or [""])[0]
    if password:
        first = first.replace(str(password), "***")
    # libpq repeats 'connection to server at "…" failed:' before the reason; keep the reason.
    return re.sub(r'^.*?failed:\s*', "", first).replace("FATAL:  ", "").strip().rstrip(".")


def _connect_error(text: str, args: dict[str, Any]) -> str:
    where, user, dbname = _where(args), args.get("user") or "(your login name)", args.get("dbname")
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low or "fe_sendauth" in low:
        return (f"The PostgreSQL server at {where} refused the login of user {user}: wrong or missing "
                f"password. Give it in the URL, in a file named by {PASSWORD_FILE_ENV}, or in ~/.pgpass.")
    if re.search(r'database ".*" does not exist', text):
        return (f"There is no database {dbname!r} on the PostgreSQL server at {where}; create it "
                f"(createdb {dbname}) or correct the URL.")
    if re.search(r'role ".*" does not exist', text):
        return f"The PostgreSQL server at {where} has no user {user!r}; correct the URL or ask its administrator."
    if "timeout expired" in low:
        return (f"The PostgreSQL server at {where} did not answer within {args.get('connect_timeout')} "
                "seconds; check the host and port, and that the server is running.")
    if any(s in low for s in ("connection refused", "could not translate host name", "no such file",
                              "network is unreachable", "no route to host", "name or service not known")):
        return (f"Cannot reach a PostgreSQL server at {where} ({_scrub(text, args)}); check the host "
                "and port, and that the server is running.")
    return f"Cannot connect to the PostgreSQL server at {where}: {_scrub(text, args)}."


@contextmanager
def _translated(location: str) -> Iterator[None]:
    """Driver errors during a command as one sentence; the transaction has been rolled back."""
    import psycopg

    try:
        yield
    except psycopg.errors.DeadlockDetected:
        raise CrmError("Another rep changed the same records at the same moment; nothing was written. "
                       "Run the command again.") from None
    except psycopg.errors.SerializationFailure:
        raise CrmError("Another rep changed the same records at the same moment; nothing was written. "
                       "Run the command again.") from None
    except psycopg.OperationalError as e:
        raise CrmError(f"Lost the connection to the PostgreSQL server ({_scrub(str(e), {})}); "
                       "nothing was written.") from None
    except psycopg.Error as e:
        raise CrmError(f"The database refused the change ({_scrub(str(e), {})}); nothing was written.") from None
