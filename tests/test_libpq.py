"""Quick reads on a team book (store/libpq.py): the same answers as psycopg, psycopg only when needed.

The reader is an accelerator: wherever it answers, it must answer exactly as the
psycopg connection would (values and their Python types), and wherever it cannot
(a type it does not convert, an error), psycopg answers instead.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.errors import CrmError
from crmcli.store import libpq
from crmcli.store.db import open_database
from crmcli.store.server import ServerDatabase

pytestmark = pytest.mark.skipif(libpq.library() is None, reason="no libpq to load on this machine")


# -- without a server ---------------------------------------------------------
@settings(deadline=None)  # the first example imports psycopg
@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_an_int_parameter_has_the_type_psycopg_gives_it(n):
    from psycopg.adapt import PyFormat, Transformer

    assert libpq._parameter(n)[0] == Transformer().get_dumper(n, PyFormat.AUTO).oid
    assert libpq._parameter(n)[1] == str(n).encode()


def test_other_parameters_are_sent_as_crm_binds_them():
    assert libpq._parameter(None) == (0, None)
    assert libpq._parameter(True) == (0, b"1") and libpq._parameter(False) == (0, b"0")
    assert libpq._parameter("王建国") == (0, "王建国".encode())
    assert libpq._parameter(date(2026, 3, 5)) == (0, b"2026-03-05")
    assert libpq._parameter(datetime(2026, 3, 5, 9, 30)) == (0, b"2026-03-05 09:30:00")
    assert libpq._parameter(2.5) == (701, b"2.5")
    assert libpq._parameter(float("inf")) == (701, b"Infinity")
    assert libpq._parameter(Decimal("1.10")) == (1700, b"1.10")
    assert libpq._parameter("a\x00b") is None  # psycopg says what is wrong with it
    assert libpq._parameter([1, 2]) is None


def test_urls_are_read_by_libpq_itself():
    assert libpq.parse_conninfo("postgresql://rep:pw@db.example:6543/crm?sslmode=require") == {
        "user": "rep", "password": "pw", "host": "db.example", "port": "6543", "dbname": "crm",
        "sslmode": "require"}
    with pytest.raises(ValueError, match="percent"):
        libpq.parse_conninfo("postgresql://rep:top%zzsecret@localhost/crm")


# -- on a server ---------------------------------------------------------------
@pytest.fixture
def server_book(pg_url):
    db = open_database(url=pg_url)
    assert isinstance(db, ServerDatabase)
    yield db
    db.close()


@pytest.mark.postgres
def test_reads_go_through_libpq_until_the_first_write(server_book):
    db = server_book
    assert db._reader is not None and db._psycopg is None  # opening read the schema version only
    assert db.value("SELECT count(*) FROM customer") == 0
    assert db._psycopg is None
    with db.transaction():
        db.run("CREATE TEMP TABLE scratch (name text)")  # a temporary table: one connection sees it
        db.run("INSERT INTO scratch VALUES ('Acme')")
        assert db.value("SELECT count(*) FROM scratch") == 1  # the transaction sees its own write
    assert db._reader is None  # from the first write on, psycopg answers everything
    assert db.rows("SELECT name FROM scratch") == [{"name": "Acme"}]


QUERY = ("SELECT :i AS i, CAST(:i AS bigint) * 2 AS doubled, :f * 2 AS f2, :s AS s, "
         "length(:s) AS chars, :flag = 1 AS flagged, CAST(:i AS numeric) / 4 AS quarter, "
         "sum(CAST(:i AS bigint)) AS total, :d AS d, CAST(NULL AS text) AS nothing")


@pytest.mark.postgres
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(i=st.integers(min_value=-(2**61), max_value=2**61),  # doubled in the query: stays a bigint
       f=st.floats(min_value=-1e300, max_value=1e300, allow_nan=False),
       s=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
       flag=st.booleans(), d=st.dates())
def test_libpq_answers_exactly_as_psycopg(server_book, i, f, s, flag, d):
    params = {"i": i, "f": f, "s": s, "flag": flag, "d": d}
    args = server_book._connect_args
    quick = ServerDatabase(libpq.Reader.connect(args), server_book.location, args)
    slow = ServerDatabase(None, server_book.location, args)
    try:
        got, expected = quick.rows(QUERY, params), slow.rows(QUERY, params)
        assert quick._psycopg is None  # libpq answered
    finally:
        quick.close()
        slow.close()
    assert got == expected
    assert [type(v) for v in got[0].values()] == [type(v) for v in expected[0].values()]


@pytest.mark.postgres
def test_what_libpq_does_not_convert_psycopg_answers(server_book):
    assert server_book.value("SELECT CAST('2026-11-25' AS date)") == date(2026, 11, 25)
    assert server_book.value("SELECT ARRAY[1, 2]") == [1, 2]
    assert server_book.row("SELECT 1 AS a UNION ALL SELECT 2") == {"a": 1}


@pytest.mark.postgres
def test_a_failed_read_is_one_sentence_from_psycopg(server_book):
    with pytest.raises(CrmError, match="refused"):
        server_book.rows("SELECT nothing FROM nowhere")


@pytest.mark.postgres
def test_the_switch_turns_the_quick_reads_off(pg_url, monkeypatch):
    monkeypatch.setenv(libpq.SWITCH_ENV, "0")
    db = open_database(url=pg_url)
    try:
        assert db._reader is None and db._psycopg is not None
        assert db.value("SELECT count(*) FROM customer") == 0
    finally:
        db.close()


@pytest.mark.postgres
def test_the_agenda_on_a_team_book_never_imports_psycopg(crm, pg_url, tmp_path):
    from tests.test_startup import run_fresh

    env = {"CRM_DATABASE_URL": pg_url}
    crm("--db-url", pg_url, "customer", "add", "Acme Trading", "--tier", "gold")
    out, modules = run_fresh(tmp_path, "due", env=env)
    assert "Acme Trading" in out
    assert not any(m == "psycopg" or m.startswith("psycopg.") for m in modules)
