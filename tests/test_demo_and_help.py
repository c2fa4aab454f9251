"""`crm demo`, `crm config`, and help for every command."""

import json
import sqlite3
from typing import Any

import typer.main

from crmcli.cli.app import app


def test_demo_builds_a_separate_bilingual_book_and_shows_its_agenda(crm, tmp_path, db_path):
    target = tmp_path / "demo.db"
    result = crm("demo", str(target))
    assert "Due 2026-11-25" in result.stdout
    conn = sqlite3.connect(target)
    customers = conn.execute("SELECT count(*) FROM customer").fetchone()[0]
    people = conn.execute("SELECT count(*) FROM stakeholder").fetchone()[0]
    contacts = conn.execute("SELECT count(*) FROM interaction").fetchone()[0]
    assert customers == 40 and 70 <= people <= 100 and 280 <= contacts <= 400
    span = conn.execute("SELECT min(date), max(date) FROM interaction").fetchone()
    assert span[0] < "2025-01-01" and span[1] <= "2026-11-25"  # two years of history
    chinese = conn.execute("SELECT count(*) FROM customer WHERE name GLOB '*[一-龥]*'").fetchone()[0]
    assert 0 < chinese < customers
    assert not db_path.exists()  # the rep's own book is untouched
    rows = json.loads(crm("--db", str(target), "due", "--json").stdout)
    assert len(rows) == 15 and all(r["reasons"] for r in rows)


def test_demo_twice_starts_afresh(crm, tmp_path):
    target = tmp_path / "demo.db"
    crm("demo", str(target))
    crm("demo", str(target))
    assert sqlite3.connect(target).execute("SELECT count(*) FROM customer").fetchone()[0] == 40


def test_config_list_set_unset(crm):
    keys = {row["key"]: row for row in crm.json("config", "list")}
    assert keys["cadence.gold"]["value"] == "14d" and keys["agenda.capacity"]["value"] == "15"
    crm("config", "set", "agenda.capacity", "8")
    assert crm("config", "get", "agenda.capacity").stdout.strip() == "8"
    crm("config", "unset", "agenda.capacity")
    assert crm("config", "get", "agenda.capacity").stdout.strip() == "15"
    crm.error("config", "set", "agenda.capacity", "lots")
    crm.error("config", "get", "no.such.key")


def _commands(group: Any, prefix: str = ""):
    # Typer vendors its own Click: a group is whatever has sub-commands.
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_command_has_help_text(crm):
    root = typer.main.get_command(app)
    for name, command in _commands(root):
        assert (command.help or command.short_help or "").strip(), f"`crm {name}` has no help text"
        crm(*name.split(), "--help")
