"""The one context object of a command: which book, which settings, what day, who is asking.

Made by the root callback from the global options; the database is opened on
first use (so `crm config` and `--help` never touch it) and closed on exit.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from crmcli.errors import Ambiguous, CrmError

if TYPE_CHECKING:
    from crmcli.config import Settings
    from crmcli.store.db import Database, Row


class Session:
    def __init__(self, db_path: Path | None = None, db_url: str | None = None) -> None:
        self.db_path = db_path
        self.db_url = db_url
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            from crmcli import render
            from crmcli.store.db import open_database

            self._db = open_database(self.db_path, self.db_url, notify=render.note)
        return self._db

    @cached_property
    def settings(self) -> Settings:
        from crmcli.config import Settings

        return Settings()

    @cached_property
    def today(self) -> date:
        from crmcli.store.clock import today

        return today()

    @property
    def cadences(self) -> dict[str, int]:
        return self.settings.cadences()

    @property
    def team(self) -> bool:
        """A shared book on a server: owners exist and show."""
        return self.db.dialect != "sqlite"

    @property
    def owner(self) -> str:
        """The rep who owns new records; on a personal SQLite book it is always empty."""
        if not self.team:
            return ""
        return str(self.settings.get("user.name"))

    def book_of(self, owner: str | None = None, everyone: bool = False) -> str | None:
        """Whose customers a list shows (`--owner NAME`, `--all`); None means every rep's.

        By default a rep on a team server sees their own book, and a solo user
        on SQLite sees everything (there is only one rep).
        """
        if owner is not None and everyone:
            raise typer.BadParameter("Give --owner NAME or --all, not both.")
        if everyone:
            return None
        if owner is not None:
            if not owner.strip():
                raise typer.BadParameter("--owner needs a rep's name, such as --owner alice.")
            return owner.strip()
        return self.owner or None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- finding records, with a choice offered in a terminal -----------
    def customer(self, ref: str) -> Row:
        from crmcli.store import refs

        return _choose(lambda: refs.customer(self.db, ref), "customer")

    def stakeholder(self, ref: str, customer_id: int | None = None) -> Row:
        from crmcli.store import refs

        return _choose(lambda: refs.stakeholder(self.db, ref, customer_id), "contact")


def _choose(find, what: str) -> Any:
    from crmcli.render import is_interactive

    try:
        return find()
    except Ambiguous as e:
        if not is_interactive():
            raise
        import questionary

        choices = [
            questionary.Choice(
                f"#{r['id']} {r['name']}" + (f" ({r['customer']})" if r.get("customer") else ""),
                value=r,
            )
            for r in e.candidates
        ]
        picked = questionary.select(f"Which {what}?", choices=choices).ask()
        if picked is None:
            raise CrmError("Cancelled; nothing was changed.") from None
        return picked


def session(ctx: typer.Context) -> Session:
    obj = ctx.find_root().obj
    assert isinstance(obj, Session)
    return obj


def ask(value: str | None, prompt: str, option: str) -> str:
    """A required value: as given, asked for in a terminal, or a usage error in scripts."""
    if value is not None and value.strip():
        return value
    from crmcli.render import is_interactive

    if is_interactive():
        import questionary

        answer = questionary.text(prompt).ask()
        if answer is None or not answer.strip():
            raise CrmError("Cancelled; nothing was changed.")
        return answer
    if value is not None:
        return value  # blank: let validation say what is wrong
    raise typer.BadParameter(f"{option} is required (give it on the command line).")


def confirm(question: str, yes: bool) -> None:
    """Go ahead only with --yes or a 'yes' typed at a terminal."""
    if yes:
        return
    from crmcli.render import is_interactive

    if not is_interactive():
        raise CrmError(f"{question} Refusing without a terminal to ask; pass --yes to confirm.")
    import questionary

    if not questionary.confirm(question, default=False).ask():
        raise CrmError("Cancelled; nothing was changed.")

