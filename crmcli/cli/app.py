"""The root `crm` command: global options, the command groups, and the one place errors are caught."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from crmcli import __version__
from crmcli.errors import CrmError


class CrmGroup(TyperGroup):
    """Turns every CrmError (and a few driver errors) into one sentence on stderr, exit 1."""

    def invoke(self, ctx):  # type: ignore[override]
        from crmcli import render

        try:
            return super().invoke(ctx)
        except CrmError as e:
            render.error(e.message)
            ctx.exit(e.exit_code)
        except sqlite3.OperationalError as e:
            text = str(e)
            if "locked" in text or "busy" in text:
                text = "the database is busy in another terminal; try again in a moment"
            render.error(f"The database refused the change ({text}); nothing was written.")
            ctx.exit(1)
        except sqlite3.DatabaseError as e:
            render.error(f"The database file is damaged or not a crm book ({e}); nothing was written.")
            ctx.exit(1)
        except KeyboardInterrupt:
            render.error("Interrupted; nothing was written.")
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="A relationship tracker for salespeople: customers, stakeholders, contacts, and whom to contact today.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option("--db", envvar="CRM_DB", help="SQLite file of the book (default: the user data dir).", show_default=False)] = None,
    db_url: Annotated[str | None, typer.Option("--db-url", envvar="CRM_DATABASE_URL", help="SQLAlchemy URL of the book, e.g. postgresql://host/crm.", show_default=False, show_envvar=False)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    from crmcli.cli.session import Session

    ctx.obj = Session(db_path=db, db_url=db_url)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from crmcli.cli import config_cmd, contact, customer, demo, due, log, standing

    app.add_typer(customer.app, name="customer")
    app.add_typer(contact.app, name="contact")
    app.command("log")(log.log)
    app.command("history")(log.history)
    app.command("stage")(standing.stage)
    app.command("level")(standing.level)
    app.command("snooze")(standing.snooze)
    app.command("due")(due.due)
    app.add_typer(log.follow_up_app, name="follow-up")
    app.add_typer(config_cmd.app, name="config")
    app.command("demo")(demo.demo)


_register()


def main() -> None:
    app()
