"""The root `crm` command: global options, the command groups, and the one place errors are caught."""

from __future__ import annotations

import copy
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

    if db is not None and db_url is not None:
        # What is typed on the command line beats the environment; both typed is a mistake.
        typed = {name for name in ("db", "db_url")
                 # By name: Typer vendors its own Click, whose enum is not click's (and
                 # importing click just for this would cost every command's start-up).
                 if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"}
        if typed == {"db", "db_url"}:
            raise typer.BadParameter("Give --db FILE or --db-url URL, not both.")
        if typed == {"db"}:
            db_url = None
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
    from crmcli.cli import deal, purchase

    app.add_typer(deal.app, name="deal")
    app.add_typer(purchase.app, name="purchase")
    from crmcli.cli import backup_cmd, check_cmd, duplicates

    customer.app.command("duplicates")(duplicates.customer_duplicates)
    customer.app.command("merge")(duplicates.customer_merge)
    contact.app.command("duplicates")(duplicates.contact_duplicates)
    contact.app.command("merge")(duplicates.contact_merge)
    app.command("backup")(backup_cmd.backup)
    app.command("restore")(backup_cmd.restore)
    app.add_typer(check_cmd.db_app, name="db")
    from crmcli.cli import fact, report, segment

    app.add_typer(fact.app, name="fact")
    app.command("segment")(segment.segment)
    app.add_typer(report.app, name="report")
    from crmcli.cli import transfer

    app.add_typer(transfer.import_app, name="import")
    from crmcli.cli import undo_cmd

    transfer.import_app.command("list")(undo_cmd.list_)
    transfer.import_app.command("undo")(undo_cmd.undo)
    app.add_typer(transfer.export_app, name="export")
    from crmcli.cli import db, ownership

    customer.app.command("assign")(ownership.assign)
    check_cmd.db_app.command("info")(db.info)
    check_cmd.db_app.command("copy")(db.copy_cmd)


_register()

# Root options that take a value: skipped when looking for the command a user asked for.
_ROOT_VALUE_OPTIONS = ("--db", "--db-url")


def _command_asked(argv: list[str]) -> str | None:
    """The command or group named on the command line, or None when unsure (then: the full app)."""
    args = iter(argv)
    for arg in args:
        if arg in _ROOT_VALUE_OPTIONS:
            next(args, None)
        elif not arg.startswith(tuple(f"{o}=" for o in _ROOT_VALUE_OPTIONS)):
            return None if arg.startswith("-") else arg
    return None


def _only(name: str) -> typer.Typer | None:
    """The root app with just the command `name`: Typer converts every registered command to
    Click on each run (about 2 ms each, ~100 ms for all of them), so the console script
    converts only the one asked for. Help, version and anything unrecognised get the full app."""
    from typer.main import get_command_name

    commands = [c for c in app.registered_commands
                if (c.name or get_command_name(c.callback.__name__)) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return None
    only = copy.copy(app)
    only.registered_commands = commands
    only.registered_groups = groups + [g for g in app.registered_groups if not g.name]
    return only


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # asked by scripts: no command needs to be built for it
        typer.echo(f"crm {__version__}")
        return
    name = _command_asked(sys.argv[1:])
    only = _only(name) if name else None
    (app if only is None else only)()
