"""Quick reads from a PostgreSQL book: libpq itself, through ctypes, until a command first writes.

Importing psycopg 3 costs about 250 ms of CPU, half of `crm due`'s whole budget
on a team server (issue 7 asks for 0.5 s). The psycopg wheel ships libpq; loading
that library with ctypes takes about 15 ms. So a command's reads go through this
small reader (text results, the few column types crm's schema has), and psycopg is
imported only when a command writes, streams, copies or upgrades the schema — or
when this reader cannot answer exactly as psycopg would, which it then says by
returning None, and the caller asks psycopg instead. It is an accelerator: crm is
correct without it (`CRM_LIBPQ_READS=0` turns it off).

Parameters are sent as text with the type psycopg 3 would give them (an int as
int2/int4/int8/numeric by size, a float as float8, a str, date or flag as unknown),
and results are read as psycopg with crm's loaders reads them (store/server.py):
integers as int, NUMERIC as int or float, booleans as 1 or 0, text as str.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

SWITCH_ENV = "CRM_LIBPQ_READS"

_CONNECTION_OK = 0
_PGRES_COMMAND_OK, _PGRES_TUPLES_OK = 1, 2

# Result column types this reader converts (pg_type oids); any other type: ask psycopg.
_INTEGERS = {20, 21, 23, 26}  # int8, int2, int4, oid
_FLOATS = {700, 701}  # float4, float8
_NUMERIC = 1700
_BOOL = 16
_TEXTS = {18, 19, 25, 705, 1042, 1043}  # char, name, text, unknown, bpchar, varchar


def number(text: str) -> int | float:
    """NUMERIC as SQLite would give it: int without a decimal point, float with one (both readers)."""
    if "." in text or "e" in text or "E" in text:
        return float(text)
    try:
        return int(text)
    except ValueError:  # NaN, Infinity
        return float(text)


def _parameter(value: Any) -> tuple[int, bytes | None] | None:
    """(type oid, text) of a parameter as psycopg 3 would send it; None when not one of crm's kinds."""
    if value is None:
        return 0, None
    if value is True or value is False:
        return 0, b"1" if value else b"0"  # crm's flags are integers (server.py's _BoolDumper)
    if type(value) is int:
        if -(2**15) <= value < 2**15:
            return 21, str(value).encode()
        if -(2**31) <= value < 2**31:
            return 23, str(value).encode()
        if -(2**63) <= value < 2**63:
            return 20, str(value).encode()
        return _NUMERIC, str(value).encode()
    if type(value) is float:
        return 701, repr(value).replace("inf", "Infinity").replace("nan", "NaN").encode()
    if type(value) is str:
        if "\x00" in value:
            return None
        return 0, value.encode()
    if type(value) is datetime:
        return 0, value.isoformat(" ").encode()
    if type(value) is date:
        return 0, value.isoformat().encode()
    if type(value) is Decimal:
        return _NUMERIC, str(value).encode()
    return None


def _library_paths() -> list[str]:
    """The libpq psycopg's binary wheel ships (found without importing it), then the system's."""
    from importlib.util import find_spec

    paths: list[str] = []
    try:
        spec = find_spec("psycopg_binary")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        for folder, pattern in ((package.parent / "psycopg_binary.libs", "libpq*"),
                                (package / ".dylibs", "libpq*")):
            if folder.is_dir():
                paths += sorted(str(p) for p in folder.glob(pattern))
    paths += {"darwin": ["libpq.5.dylib"], "win32": ["libpq.dll"]}.get(sys.platform, ["libpq.so.5"])
    return paths


_lib: ctypes.CDLL | None = None
_tried = False


def library() -> ctypes.CDLL | None:
    """libpq with the functions this reader calls, or None when there is none to load."""
    global _lib, _tried
    if _tried:
        return _lib
    _tried = True
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        _declare(lib)
        _lib = lib
        break
    return _lib


def _declare(lib: ctypes.CDLL) -> None:
    p, s, i, u = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint
    for name, args, result in (
        ("PQconnectdbParams", [ctypes.POINTER(s), ctypes.POINTER(s), i], p),
        ("PQstatus", [p], i),
        ("PQerrorMessage", [p], s),
        ("PQfinish", [p], None),
        ("PQexecParams", [p, s, i, ctypes.POINTER(u), ctypes.POINTER(s), p, p, i], p),
        ("PQresultStatus", [p], i),
        ("PQntuples", [p], i),
        ("PQnfields", [p], i),
        ("PQfname", [p, i], s),
        ("PQftype", [p, i], u),
        ("PQgetvalue", [p, i, i], s),  # text results hold no NUL: ctypes reads them as bytes
        ("PQgetisnull", [p, i, i], i),
        ("PQclear", [p], None),
        ("PQconninfoParse", [s, ctypes.POINTER(s)], p),
        ("PQconninfoFree", [p], None),
        ("PQfreemem", [p], None),
    ):
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = result


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0" and library() is not None


class _ConninfoOption(ctypes.Structure):
    _fields_ = [("keyword", ctypes.c_char_p), ("envvar", ctypes.c_char_p),
                ("compiled", ctypes.c_char_p), ("val", ctypes.c_char_p),
                ("label", ctypes.c_char_p), ("dispchar", ctypes.c_char_p),
                ("dispsize", ctypes.c_int)]


def parse_conninfo(text: str) -> dict[str, str]:
    """The parameters a URL or `key=value` string gives, as libpq reads them (ValueError if it cannot)."""
    lib = library()
    assert lib is not None
    error = ctypes.c_char_p()
    options = lib.PQconninfoParse(text.encode(), ctypes.byref(error))
    if not options:
        reason = (error.value or b"out of memory").decode(errors="replace").strip()
        if error.value:
            lib.PQfreemem(ctypes.cast(error, ctypes.c_void_p))
        raise ValueError(reason)
    try:
        found: dict[str, str] = {}
        array = ctypes.cast(options, ctypes.POINTER(_ConninfoOption))
        k = 0
        while array[k].keyword:
            if array[k].val is not None:
                found[array[k].keyword.decode()] = array[k].val.decode()
            k += 1
        return found
    finally:
        lib.PQconninfoFree(options)


class Reader:
    """One libpq connection in autocommit mode that answers read queries (`$1` placeholders)."""

    def __init__(self, lib: ctypes.CDLL, conn: int) -> None:
        self._lib = lib
        self._conn = conn

    @classmethod
    def connect(cls, args: dict[str, Any]) -> Reader | str:
        """A connected reader, or libpq's reason why it could not connect."""
        lib = library()
        assert lib is not None
        params = {**{k: str(v) for k, v in args.items()}, "client_encoding": "UTF8"}
        keys = (ctypes.c_char_p * (len(params) + 1))(*[k.encode() for k in params], None)
        values = (ctypes.c_char_p * (len(params) + 1))(*[v.encode() for v in params.values()], None)
        conn = lib.PQconnectdbParams(keys, values, 0)
        if not conn:
            return "out of memory"
        if lib.PQstatus(conn) != _CONNECTION_OK:
            reason = (lib.PQerrorMessage(conn) or b"").decode(errors="replace")
            lib.PQfinish(conn)
            return reason
        return cls(lib, conn)

    def close(self) -> None:
        if self._conn:
            self._lib.PQfinish(self._conn)
            self._conn = 0

    def query(self, sql: str, values: Sequence[Any], first: bool = False) -> tuple[list[str], list[tuple]] | None:
        """Column names and rows (the first only, if `first`); None when psycopg should answer
        instead (a type this reader does not convert, an error for psycopg to put in words)."""
        sent = [_parameter(v) for v in values]
        if any(p is None for p in sent):
            return None
        n = len(sent)
        oids = (ctypes.c_uint * n)(*[p[0] for p in sent])  # type: ignore[index]
        texts = (ctypes.c_char_p * n)(*[p[1] for p in sent])  # type: ignore[index]
        lib = self._lib
        result = lib.PQexecParams(self._conn, sql.encode(), n, oids, texts, None, None, 0)
        if not result:
            return None
        try:
            status = lib.PQresultStatus(result)
            if status == _PGRES_COMMAND_OK:
                return [], []
            if status != _PGRES_TUPLES_OK:
                return None  # an error: psycopg runs it again and says what went wrong
            return _read(lib, result, first)
        finally:
            lib.PQclear(result)


def _read(lib: ctypes.CDLL, result: int, first: bool) -> tuple[list[str], list[tuple]] | None:
    fields = lib.PQnfields(result)
    names = [lib.PQfname(result, j).decode() for j in range(fields)]
    converters = []
    for j in range(fields):
        oid = lib.PQftype(result, j)
        if oid in _INTEGERS:
            converters.append(int)
        elif oid in _FLOATS:
            converters.append(float)
        elif oid == _NUMERIC:
            converters.append(number)
        elif oid == _BOOL:
            converters.append(lambda text: 1 if text == "t" else 0)
        elif oid in _TEXTS:
            converters.append(str)
        else:
            return None
    value, isnull = lib.PQgetvalue, lib.PQgetisnull
    rows = []
    for i in range(min(lib.PQntuples(result), 1) if first else lib.PQntuples(result)):
        row = []
        for j, convert in enumerate(converters):
            text = value(result, i, j)
            # One call per cell: libpq gives "" for NULL, so only an empty value asks which it is.
            row.append(None if not text and isnull(result, i, j) else convert(text.decode()))
        rows.append(tuple(row))
    return names, rows
