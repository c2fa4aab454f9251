"""The root `crm` command: global options, the command groups, and the one place errors are caught."""

from __future__ import annotations

import copy
import sqlite3
import sys
from collections.abc import Callable, Iterable
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


_root = typer.Typer(
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


@_root.callback()
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


# Each top-level command, and the function that imports and wires it. A run imports only the
# command asked for (each command module costs a few ms to import, all of them ~100 ms);
# help, `crm` alone and anything unrecognised get them all, in this order.
_WIRING: dict[str, Callable[[], None]] = {}
_wired: set[Callable[[], None]] = set()


def _wires(*names: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        for name in names:
            _WIRING[name] = fn
        return fn
    return register


@_wires("customer")
def _customer() -> None:
    from crmcli.cli import customer, duplicates, ownership

    _root.add_typer(customer.app, name="customer")
    customer.app.command("duplicates")(duplicates.customer_duplicates)
    customer.app.command("merge")(duplicates.customer_merge)
    customer.app.command("assign")(ownership.assign)


@_wires("contact")
def _contact() -> None:
    from crmcli.cli import contact, duplicates

    _root.add_typer(contact.app, name="contact")
    contact.app.command("duplicates")(duplicates.contact_duplicates)
    contact.app.command("merge")(duplicates.contact_merge)


@_wires("log", "history", "follow-up")
def _log() -> None:
    from crmcli.cli import log

    _root.command("log")(log.log)
    _root.command("history")(log.history)
    _root.add_typer(log.follow_up_app, name="follow-up")


@_wires("stage", "level", "snooze")
def _standing() -> None:
    from crmcli.cli import standing

    _root.command("stage")(standing.stage)
    _root.command("level")(standing.level)
    _root.command("snooze")(standing.snooze)


@_wires("due")
def _due() -> None:
    from crmcli.cli import due

    _root.command("due")(due.due)


@_wires("config")
def _config() -> None:
    from crmcli.cli import config_cmd

    _root.add_typer(config_cmd.app, name="config")


@_wires("demo")
def _demo() -> None:
    from crmcli.cli import demo

    _root.command("demo")(demo.demo)


@_wires("deal")
def _deal() -> None:
    from crmcli.cli import deal

    _root.add_typer(deal.app, name="deal")


@_wires("purchase")
def _purchase() -> None:
    from crmcli.cli import purchase

    _root.add_typer(purchase.app, name="purchase")


@_wires("backup", "restore")
def _backup() -> None:
    from crmcli.cli import backup_cmd

    _root.command("backup")(backup_cmd.backup)
    _root.command("restore")(backup_cmd.restore)


@_wires("db")
def _db() -> None:
    from crmcli.cli import check_cmd, db

    _root.add_typer(check_cmd.db_app, name="db")
    check_cmd.db_app.command("info")(db.info)
    check_cmd.db_app.command("copy")(db.copy_cmd)


@_wires("fact")
def _fact() -> None:
    from crmcli.cli import fact

    _root.add_typer(fact.app, name="fact")


@_wires("segment")
def _segment() -> None:
    from crmcli.cli import segment

    _root.command("segment")(segment.segment)


@_wires("report")
def _report() -> None:
    from crmcli.cli import report

    _root.add_typer(report.app, name="report")


@_wires("import", "export")
def _transfer() -> None:
    from crmcli.cli import transfer, undo_cmd

    _root.add_typer(transfer.import_app, name="import")
    transfer.import_app.command("list")(undo_cmd.list_)
    transfer.import_app.command("undo")(undo_cmd.undo)
    _root.add_typer(transfer.export_app, name="export")


def _wire(names: Iterable[str]) -> None:
    for fn in dict.fromkeys(_WIRING[n] for n in names if n in _WIRING):
        if fn not in _wired:
            _wired.add(fn)
            fn()


def full_app() -> typer.Typer:
    """The root command with every command wired (help, tests, `python -m crmcli`)."""
    _wire(_WIRING)
    return _root


def __getattr__(name: str) -> typer.Typer:
    # `from crmcli.cli.app import app` gets the full app; the console script wires only one.
    if name == "app":
        return full_app()
    raise AttributeError(name)


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

    _wire([name])
    commands = [c for c in _root.registered_commands
                if (c.name or get_command_name(c.callback.__name__)) == name]
    groups = [g for g in _root.registered_groups if g.name == name]
    if not commands and not groups:
        return None
    only = copy.copy(_root)
    only.registered_commands = commands
    only.registered_groups = groups + [g for g in _root.registered_groups if not g.name]
    return only


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # asked by scripts: no command needs to be built for it
        typer.echo(f"crm {__version__}")
        return
    name = _command_asked(sys.argv[1:])
    only = _only(name) if name else None
    (full_app() if only is None else only)()
