"""Start-up cost: the hot commands must not import what they do not use (issues 2 and 3).

Each command runs in a fresh interpreter, as a user runs it, and the test
reads which modules ended up in sys.modules: SQLAlchemy, SQLModel, alembic,
questionary and dateutil's parser cost more than the whole agenda and are
for rarer paths (migrations, PostgreSQL, prompts, odd date forms). Not a
timing test: a module imported or not is a fact, on any machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "questionary", "dateutil.parser")

RUN_AND_REPORT = """
import json, os, sys
sys.argv = ["crm", *sys.argv[1:]]
from crmcli.cli.app import main
code = 0
try:
    main()
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
with open(os.environ["STARTUP_REPORT"], "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def run_fresh(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run `crm ARGS` in a new interpreter: its stdout and the modules it imported."""
    report = tmp_path / "startup.json"
    environment = {**os.environ, **(env or {}), "STARTUP_REPORT": str(report)}
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, *args], env=environment,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 0, f"crm {' '.join(args)} exited {result['code']}: {done.stderr}"
    return done.stdout, set(result["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def current_book(crm, book) -> None:
    """A book already at the current schema (the migrations, which do need alembic, ran here)."""
    book()
    crm("log", "Acme Trading", "--via", "call", "--at", "2026-08-01", "--next", "2026-11-20",
        "--next-note", "send the quote")


def test_help_imports_no_database_stack(tmp_path):
    out, modules = run_fresh(tmp_path, "--help")
    assert "customer" in out and "due" in out
    assert heavy(modules) == []
    assert "crmcli.store.db" not in modules  # no book is opened for --help


def test_version_imports_no_database_stack(tmp_path):
    out, modules = run_fresh(tmp_path, "--version")
    assert out.startswith("crm ")
    assert heavy(modules) == []
    assert "crmcli.store.db" not in modules


@pytest.mark.parametrize("args", [("due",), ("due", "--json"), ("due", "--on", "2026-12-01", "--ahead", "7")])
def test_agenda_reads_the_book_with_stdlib_sqlite_only(tmp_path, current_book, args):
    out, modules = run_fresh(tmp_path, *args)
    assert "Acme Trading" in out  # the agenda really ran on the book
    assert "crmcli.store.agenda" in modules
    assert heavy(modules) == []
    assert "click" not in modules  # Typer brings its own Click; a second one is pure start-up cost
    # Only the command asked for is imported, not the modules of the twenty others.
    assert {"crmcli.cli.report", "crmcli.cli.segment", "crmcli.cli.transfer", "crmcli.core.segments"}.isdisjoint(modules)
    # The table is drawn by crmcli/text_table.py: rich's import and layout cost ~0.15 s of 0.4 s.
    assert "rich" not in modules


@pytest.mark.parametrize("args", [
    ("customer", "list", "--limit", "20"),
    ("customer", "show", "Acme Trading"),
    ("log", "Acme Trading", "--via", "call", "--note", "x"),
])
def test_everyday_commands_stay_off_the_orm(tmp_path, current_book, args):
    out, modules = run_fresh(tmp_path, *args)
    assert "Acme" in out
    assert heavy(modules) == []
    assert "rich" not in modules  # tables and panels: crmcli/text_table.py


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is for Linux")
def test_default_folders_do_not_import_platformdirs(tmp_path, current_book):
    """With no CRM_CONFIG_DIR the settings are found by the XDG rule, without platformdirs."""
    env = {k: v for k, v in os.environ.items() if k != "CRM_CONFIG_DIR"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    report = tmp_path / "startup.json"
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, "due"],
                          env={**env, "STARTUP_REPORT": str(report)}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    result = json.loads(report.read_text())
    assert result["code"] == 0, done.stderr
    assert "platformdirs" not in result["modules"]


# -- crmcli.dirs answers as platformdirs does -----------------------------------

ENVIRONMENTS = [
    {},
    {"XDG_DATA_HOME": "/srv/data", "XDG_CONFIG_HOME": "/srv/conf"},
    {"XDG_DATA_HOME": "/srv/data/", "XDG_CONFIG_HOME": "/srv/conf//"},
    {"XDG_DATA_HOME": "relative/data", "XDG_CONFIG_HOME": "relative/conf"},  # ignored: not absolute
    {"XDG_DATA_HOME": "", "XDG_CONFIG_HOME": "  "},
    {"XDG_DATA_HOME": "~/data", "XDG_CONFIG_HOME": "~/conf"},  # not expanded by either
    {"HOME": "/home/rep"},
    {"HOME": "/"},
    {"HOME": "/home/rep/", "XDG_DATA_HOME": "/data"},
    {"HOME": "relative-home"},  # left to platformdirs
    {"HOME": None},  # unset: left to platformdirs
]


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()) or "empty")
def test_default_folders_match_platformdirs(monkeypatch, env):
    platformdirs = pytest.importorskip("platformdirs")
    from crmcli.dirs import user_config_dir, user_data_dir

    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert user_data_dir() == Path(platformdirs.user_data_dir("crm", appauthor=False))
    assert user_config_dir() == Path(platformdirs.user_config_dir("crm", appauthor=False))


def test_default_book_and_settings_live_in_the_xdg_folders(monkeypatch, tmp_path):
    from crmcli.config import config_dir
    from crmcli.store.db import default_path

    monkeypatch.delenv("CRM_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    if sys.platform.startswith("linux"):
        assert default_path() == tmp_path / "d" / "crm" / "crm.db"
        assert config_dir() == tmp_path / "c" / "crm"


# -- the console script converts only the command asked for ------------------------

@pytest.mark.parametrize(("argv", "expected"), [
    (["due"], "due"),
    (["due", "--json"], "due"),
    (["customer", "list"], "customer"),
    (["--db", "/tmp/x.db", "log", "Acme"], "log"),
    (["--db", "due", "due"], "due"),  # the value of --db is not the command
    (["--db=/tmp/x.db", "customer", "show", "1"], "customer"),
    (["--db-url", "sqlite:///x.db", "report", "ladder"], "report"),
    ([], None),
    (["--help"], None),
    (["-h"], None),
    (["--version"], None),
    (["--db"], None),
    (["--something-new", "due"], None),  # an option it does not know: the full app decides
])
def test_command_asked(argv, expected):
    from crmcli.cli.app import _command_asked

    assert _command_asked(argv) == expected


def _top_level_names() -> list[str]:
    from typer.main import get_command_name

    from crmcli.cli.app import app

    return sorted({c.name or get_command_name(c.callback.__name__) for c in app.registered_commands}
                  | {g.name for g in app.registered_groups if g.name})


def test_every_command_behaves_the_same_alone():
    """Each command's usage, options and help are the same in the one-command app as in the full one."""
    from typer.testing import CliRunner

    from crmcli.cli.app import _only, app

    runner = CliRunner()
    names = _top_level_names()
    assert {"customer", "contact", "log", "due"} <= set(names)
    for name in names:
        only = _only(name)
        assert only is not None, name
        full = runner.invoke(app, [name, "--help"])
        alone = runner.invoke(only, [name, "--help"])
        assert full.exit_code == alone.exit_code == 0, name
        assert alone.stdout == full.stdout, name
    assert _only("no-such-command") is None


def test_one_command_app_runs_the_command(crm, book):
    from typer.testing import CliRunner

    from crmcli.cli.app import _only

    book()
    full = crm("due", "--json").stdout
    alone = CliRunner().invoke(_only("due"), ["due", "--json"], catch_exceptions=False)
    assert alone.exit_code == 0
    assert alone.stdout == full
    error = CliRunner().invoke(_only("customer"), ["customer", "show", "Nobody"])
    assert error.exit_code == 1 and "Nobody" in error.stderr  # errors are still caught by the root


def test_db_and_db_url_both_typed_is_refused(crm, tmp_path):
    """The root tells typed options from environment ones (Typer's own Click enum, compared by name)."""
    message = crm.error("--db", str(tmp_path / "a.db"), "--db-url", f"sqlite:///{tmp_path / 'b.db'}",
                        "customer", "list", code=2)
    assert "not both" in message
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()


@pytest.mark.sqlite_only
def test_the_big_reports_json_imports_nothing_of_the_agenda(tmp_path, current_book):
    """`report coverage --json` and `report value --json` list tens of thousands of customers
    on a big book, a few hundred milliseconds against `crm due`: the agenda's modules are none
    of theirs (coverage only needs the stakeholder history's notes for an earlier day)."""
    for args in (("report", "coverage", "--json"), ("report", "value", "--json")):
        _, modules = run_fresh(tmp_path, *args)
        assert not {"crmcli.core.agenda", "crmcli.core.cadence", "crmcli.store.due"} & modules, args
