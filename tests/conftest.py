"""Shared fixtures: every test gets its own book, settings dir and a fixed 'today'."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli.cli.app import app

TODAY = "2026-11-25"  # a Wednesday


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every path crm uses at tmp_path, and fix today's date."""
    db = tmp_path / "crm.db"
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return db


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated


class Crm:
    """Runs `crm ARGS…` in-process, like a user at a shell; asserts the exit code."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, input: str | None = None):
        result = self.runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        assert result.exit_code == code, (
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
