"""The server store's pure parts, without a server: the SQL rewrite, reading URLs, hiding passwords."""

from __future__ import annotations

import pytest

from crmcli.errors import CrmError
from crmcli.store.server import (
    PASSWORD_FILE_ENV,
    bind,
    compile_sql,
    connect_args,
    display,
    parse_url,
)


def test_each_parameter_use_is_its_own_placeholder():
    sql, names = compile_sql("SELECT * FROM t WHERE a <= :on AND CAST(:on AS date) > b AND c = :c")
    assert sql == "SELECT * FROM t WHERE a <= %s AND CAST(%s AS date) > b AND c = %s"
    assert names == ("on", "on", "c")
    assert bind(names, {"on": "2026-11-25", "c": 3, "unused": 1}) == ["2026-11-25", "2026-11-25", 3]
    numbered, names = compile_sql("SELECT x LIKE '%a%' FROM t WHERE a <= :on AND b > :on AND c = :c", numbered=True)
    assert numbered == "SELECT x LIKE '%a%' FROM t WHERE a <= $1 AND b > $2 AND c = $3"  # libpq's form
    assert names == ("on", "on", "c")


def test_literals_and_percent_signs_are_left_alone():
    sql, names = compile_sql("SELECT ':not_a_param', \"odd:name\", x LIKE '%a%' FROM t WHERE y = :y % 2")
    assert names == ("y",)
    assert sql == "SELECT ':not_a_param', \"odd:name\", x LIKE '%%a%%' FROM t WHERE y = %s %% 2"
    assert compile_sql("SELECT 1::bigint")[1] == ()  # a cast is not a parameter
    with pytest.raises(TypeError, match="'missing'"):
        bind(("missing",), {})


def test_urls_are_read_by_libpq_and_shown_without_the_password():
    args, shown = parse_url("postgresql+psycopg://rep:s3cr%40t@db.example:6543/crm?sslmode=require")
    assert args == {"user": "rep", "password": "s3cr@t", "host": "db.example", "port": "6543",
                    "dbname": "crm", "sslmode": "require"}
    assert shown == "postgresql://rep:***@db.example:6543/crm?sslmode=require"
    assert "s3cr" not in shown
    assert parse_url("postgres://rep@localhost/crm")[1] == "postgresql://rep@localhost/crm"
    assert "hidden" not in display("postgresql://rep@h/crm?password=hidden&sslmode=disable")


@pytest.mark.parametrize(("url", "says"), [
    ("mysql://rep:pw@localhost/crm", "not 'mysql'"),
    ("postgresql://rep:topsecret@localhost", "names no database"),
    ("postgresql://rep:top%zzsecret@localhost/crm", "could not be read"),
    ("localhost/crm", "give a URL such as postgresql://"),
])
def test_bad_urls_are_one_sentence_without_the_password(url, says):
    with pytest.raises(CrmError) as e:
        parse_url(url)
    assert says in e.value.message
    assert "topsecret" not in e.value.message and "zzsecret" not in e.value.message


def test_the_password_file_fills_a_url_without_password(tmp_path, monkeypatch):
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(secret))
    args, _ = parse_url("postgresql://rep@localhost/crm")
    assert connect_args(args)["password"] == "from-file"
    args, _ = parse_url("postgresql://rep:in-url@localhost/crm")
    assert connect_args(args)["password"] == "in-url"  # the URL's own password wins
    assert connect_args(args)["connect_timeout"] == 5
    secret.write_text("\n")
    with pytest.raises(CrmError, match="is empty"):
        connect_args(parse_url("postgresql://rep@localhost/crm")[0])
