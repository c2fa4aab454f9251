"""Shared fixtures: every test gets its own book, settings dir and a fixed 'today'.

The engine under test is SQLite unless `--engine postgresql` (or env
CRM_TEST_DATABASE=postgresql) is given: then every test's book is a fresh
schema in one PostgreSQL database made for the session on the server at
CRM_TEST_DATABASE_URL (a login allowed to create databases; `scripts/test-postgres`
starts a throwaway server and sets it). Tests marked `sqlite_only` (file
modes, WAL, the backup API) are skipped in that pass and run in the SQLite one.
Tests that use `pg_server`/`pg_url` need a server whatever the engine: they
are marked `postgres`, skip without one on a laptop and fail without one in CI.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.testing import CliRunner

from crmcli.cli.app import app

# Typer's test runner converts the app to Click on every invoke: all ~60 commands, about 0.1 s,
# most of what a test's `crm …` costs (a command itself takes ~10 ms on a small book). The app
# does not change during a session, so it is converted once. (The console script converts only
# the command asked for: crmcli/cli/app.py `_only`.)
_CLICK_APP = typer.testing._get_command(app)
_convert = typer.testing._get_command
typer.testing._get_command = lambda typer_app: _CLICK_APP if typer_app is app else _convert(typer_app)

TODAY = "2026-11-25"  # a Wednesday


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--engine", choices=("sqlite", "postgresql"), default=None,
                     help="database engine of every test's book (default: env CRM_TEST_DATABASE or sqlite)")


def engine(config: pytest.Config) -> str:
    return config.getoption("--engine") or os.environ.get("CRM_TEST_DATABASE", "sqlite").lower()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; runs in the SQLite pass only")
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server (CRM_TEST_DATABASE_URL)")


def pytest_report_header(config: pytest.Config) -> str:
    return f"crm book engine: {engine(config)}"


@pytest.hookimpl(tryfirst=True)  # before `-m "not postgres"` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = engine(config) == "postgresql"
    for item in items:
        if {"pg_server", "pg_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        if on_postgres and item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="SQLite-only test: it runs in the SQLite pass"))


class PgServer:
    """One database for the test session; each book in it is a fresh schema (fast to make and drop)."""

    def __init__(self, admin_url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.admin = make_url(admin_url)
        self.dbname = f"crm_test_{os.getpid()}"
        with psycopg.connect(self._conninfo(self.admin), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.dbname} ENCODING 'UTF8' TEMPLATE template0")
        self.base = self.admin.set(database=self.dbname)
        self.conn = psycopg.connect(self._conninfo(self.base), autocommit=True)
        self.conn.execute("SET lock_timeout = '10s'")
        self._n = itertools.count(1)

    @staticmethod
    def _conninfo(u) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(host=u.host or "", port=u.port or "", user=u.username or "",
                             password=u.password or "", dbname=u.database or "")

    def new_book(self) -> str:
        """The URL of a new, empty book (crm creates its schema on first use)."""
        schema = f"book{next(self._n)}"
        self.conn.execute(f"CREATE SCHEMA {schema}")
        return self.base.set(query={"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        schema = make_url(url).query["options"].split("=", 1)[1]
        # A test that left a transaction open blocks the drop; the database goes at the end anyway.
        with contextlib.suppress(Exception):
            self.conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def close(self) -> None:
        import psycopg

        self.conn.close()
        with psycopg.connect(self._conninfo(self.admin), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of this run; without one: skip on a laptop, fail in CI."""
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not url:
        message = ("no PostgreSQL server for the tests: set CRM_TEST_DATABASE_URL, "
                   "or run scripts/test-postgres (it starts a throwaway one)")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    server = PgServer(url)
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server: PgServer):
    """A fresh, empty PostgreSQL book for this test (besides the test's own book)."""
    url = pg_server.new_book()
    yield url
    pg_server.drop(url)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """Point every path crm uses at tmp_path, and fix today's date.

    On the PostgreSQL pass CRM_DATABASE_URL names a fresh book too (it wins over
    CRM_DB); CRM_DB stays set so that `--db FILE` tests still have a folder.
    """
    db = tmp_path / "crm.db"
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRM_DATABASE_PASSWORD_FILE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    if engine(request.config) == "postgresql":
        server = request.getfixturevalue("pg_server")
        url = server.new_book()
        request.addfinalizer(lambda: server.drop(url))
        monkeypatch.setenv("CRM_DATABASE_URL", url)
    return db


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated


@pytest.fixture
def old_book(db_path: Path) -> Callable[..., Any]:
    """The test's SQLite book as an earlier release left it: migrated up to `revision` only, with
    `customers` (names) on it since 2020-01-01. Close it; the next crm command upgrades it."""

    def make(revision: str, customers: Sequence[str] = ()):
        from crmcli.store import migrate
        from crmcli.store.db import Database, connect_sqlite

        db = Database(connect_sqlite(db_path), str(db_path))
        migrate.upgrade(db, db_path, revision)
        for name in customers:
            db.run("INSERT INTO customer (name, name_key, since, created_at, updated_at) "
                   "VALUES (:n, lower(:n), '2020-01-01', 'x', 'x')", {"n": name})
        return db

    return make


@pytest.fixture
def book_db(isolated: Path):
    """The test's book opened directly (either engine), for checks the CLI does not show."""
    from crmcli.store.db import open_database

    db = open_database(isolated, os.environ.get("CRM_DATABASE_URL"))
    yield db
    db.close()


class Crm:
    """Runs `crm ARGS…` in-process, like a user at a shell; asserts the exit code."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0, input: str | None = None):
        """`code`: the exit code expected (None: any, the caller looks)."""
        result = self.runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        assert code is None or result.exit_code == code, (
            f"crm {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)

    def error(self, *args: str, code: int = 1) -> str:
        """Run a command that must fail; its stderr, checked to be one clean message."""
        result = self(*args, code=code)
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stderr.strip(), "an error must say what was wrong on stderr"
        return result.stderr


@pytest.fixture
def crm() -> Crm:
    return Crm()


@pytest.fixture
def book(crm: Crm) -> Callable[..., None]:
    """A small book: two customers, three stakeholders, a few contacts."""

    def make() -> None:
        crm("customer", "add", "Acme Trading", "--tier", "gold", "--city", "Shenzhen", "--since", "2025-01-10")
        crm("customer", "add", "华东物流有限公司", "--tier", "silver", "--stage", "client", "--since", "2024-06-01")
        crm("contact", "add", "Acme Trading", "Li Wei", "--role", "decision-maker", "--level", "engaged",
            "--prefers", "im", "--best-time", "evenings")
        crm("contact", "add", "Acme Trading", "Zhang Min", "--role", "executor", "--prefers", "call")
        crm("contact", "add", "华东物流有限公司", "王芳", "--role", "决策者", "--level", "伙伴")
        crm("log", "Acme Trading", "--with", "Li Wei", "--via", "call", "--about", "sell",
            "--at", "2026-11-01", "--note", "quote discussed", "--feedback", "price is high")
        crm("log", "华东物流有限公司", "--with", "王芳", "--via", "微信", "--at", "2026-11-20", "--note", "年度合同")

    return make
