"""How values cross psycopg on a team book: the same Python values as the SQLite book gives.

Imported only with psycopg itself (store/server.py opens a psycopg connection on a
command's first write); store/libpq.py reads and binds by the same rules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader

from crmcli.store.libpq import number


class NumberLoader(Loader):
    """NUMERIC as SQLite would give it: int without a decimal point, float with one."""

    def load(self, data: Any) -> Any:
        return number(bytes(data).decode("ascii"))


class DateDumper(Dumper):
    """A date parameter as ISO text of unknown type, as SQLite stores it: the columns are TEXT."""

    oid = 0  # unknown: PostgreSQL takes the type from where the value is used

    def dump(self, obj: Any) -> bytes:
        return obj.isoformat().encode("ascii")


class DateTimeDumper(DateDumper):
    def dump(self, obj: Any) -> bytes:
        return obj.isoformat(" ").encode("ascii")  # sqlite3's own adapter uses a space


class BoolDumper(Dumper):
    """True/False as 1/0 of unknown type: SQLite keeps flags as integers, so the SQL compares them so."""

    oid = 0

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class BoolLoader(Loader):
    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


def register(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", NumberLoader)
    conn.adapters.register_loader("bool", BoolLoader)
    conn.adapters.register_dumper(date, DateDumper)
    conn.adapters.register_dumper(datetime, DateTimeDumper)
    conn.adapters.register_dumper(bool, BoolDumper)
