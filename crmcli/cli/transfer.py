"""`crm import KIND FILE` and `crm export KIND`: CSV (and vCard) in and out of the book.

KIND is customers, contacts or history (`crm import --help` lists them);
each is a subcommand, so later kinds (purchases) and `crm import list|undo`
join the same groups. The work is in io/ (reading, header mapping, writing)
and store/importer.py, store/exports.py; this module wires options to them
and prints the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli import render
from crmcli.cli.options import AllReps, Json, Limit, OwnerOpt, StageOpt, TierOpt
from crmcli.cli.session import Session, session
from crmcli.core import vocabulary as vocab
from crmcli.core.records import CONTACT_COLUMNS, CUSTOMER_COLUMNS, HISTORY_COLUMNS, PURCHASE_COLUMNS
from crmcli.errors import CrmError

import_app = typer.Typer(
    help="Import customers, contacts, contact history or purchases from CSV (contacts also from vCard .vcf).",
    no_args_is_help=True,
)
export_app = typer.Typer(help="Export customers, contacts, contact history or purchases as CSV.",
                         no_args_is_help=True)

COLUMNS = {"customers": CUSTOMER_COLUMNS, "contacts": CONTACT_COLUMNS, "history": HISTORY_COLUMNS,
           "purchases": PURCHASE_COLUMNS}
PROGRESS_BYTES = 1 << 17  # about 1,000 rows: smaller files import too fast for a progress bar
PROGRESS_ROWS = 1000

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="The file: .csv (UTF-8, GBK, UTF-16; comma, semicolon or tab), or .vcf for contacts.", show_default=False)]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check every row and count what would happen; write nothing.")]
MapOpt = Annotated[list[str] | None, typer.Option("--map", metavar="COLUMN=FIELD", help="Read COLUMN as FIELD (repeatable); FIELD 'ignore' drops the column.", show_default=False)]
OnConflict = Annotated[str, typer.Option("--on-conflict", help="A record already on the book (or earlier in the file): skip, update (fill in the row's fields) or fail.")]
SkipInvalid = Annotated[bool, typer.Option("--skip-invalid", help="Import the valid rows; write the others, with a reason column, to FILE.rejects.csv.")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="The file's encoding (default: detected; e.g. utf-8, gb18030, utf-16, cp1252).", show_default=False)]
DayFirst = Annotated[bool, typer.Option("--dayfirst", help="Read 5/3/2024 as 5 March (day first), not May 3.")]
CustomerOpt = Annotated[str | None, typer.Option("--customer", help="File every row under this customer (id or name).", show_default=False)]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: standard output).", show_default=False)]
Excel = Annotated[bool, typer.Option("--excel", help="For Excel: UTF-8 with BOM, CRLF, formulas neutralised with a leading '.")]

_IMPORT_HELP = {
    "customers": "Import customers (accounts) from a CSV file: crm's export, an Excel sheet, Outlook or Google.",
    "contacts": "Import contacts (stakeholders) from CSV or vCard; a company column finds or creates the customer.",
    "history": "Import the contact history (contacts logged) from a CSV file.",
    "purchases": "Import purchases (customer, date, amount, product…) from a CSV file; stages follow them.",
}


# -- import --------------------------------------------------------------------------------
def import_command(kind: str) -> Callable[..., None]:
    """The `crm import KIND FILE` command of one kind (a factory, so new kinds reuse it)."""

    def command(
        ctx: typer.Context, file: FileArg, dry_run: DryRun = False, map_: MapOpt = None,
        on_conflict: OnConflict = "skip", skip_invalid: SkipInvalid = False,
        encoding: EncodingOpt = None, dayfirst: DayFirst = False, customer: CustomerOpt = None,
        json_: Json = False,
    ) -> None:
        run_import(ctx, kind, file, dry_run=dry_run, maps=map_ or [], on_conflict=on_conflict,
                   skip_invalid=skip_invalid, encoding=encoding, dayfirst=dayfirst,
                   customer=customer, json_=json_)

    command.__doc__ = _IMPORT_HELP.get(kind, f"Import {kind} from a CSV file.")
    command.__name__ = f"import_{kind}"
    return command


def run_import(ctx: typer.Context, kind: str, file: Path, *, dry_run: bool, maps: list[str],
               on_conflict: str, skip_invalid: bool, encoding: str | None, dayfirst: bool,
               customer: str | None, json_: bool) -> None:
    from crmcli.io import csv_source
    from crmcli.store import importer

    if on_conflict not in importer.CONFLICT_MODES:
        raise typer.BadParameter(f"--on-conflict must be skip, update or fail, not {on_conflict!r}.")
    if customer is not None and kind == "customers":
        raise typer.BadParameter("--customer applies to contacts and history, not to customers.")
    s = session(ctx)
    csv_source.check_readable(file)
    from crmcli.cli.undo_cmd import same_file_imported

    same_file_imported(s, file, dry_run)  # the same file twice: asked in a terminal, else a warning
    head = csv_source.file_head(file)
    options = importer.Options(
        today=s.today, cadences=s.cadences, on_conflict=on_conflict, skip_invalid=skip_invalid,
        dry_run=dry_run, dayfirst=dayfirst, owner=s.owner,
    )
    if _is_vcard(head) or file.suffix.lower() in (".vcf", ".vcard"):
        if kind != "contacts":
            raise CrmError(f"{file} is a vCard file; import it with `crm import contacts {file}`.")
        if maps:
            raise typer.BadParameter("--map applies to CSV columns; a vCard's fields are known.")
        if customer:
            options.customer_id = s.customer(customer)["id"]
        report = _import_vcard(s, file, options, encoding)
    else:
        if customer:
            options.customer_id = s.customer(customer)["id"]
        report = _import_csv(s, kind, file, options, maps, encoding)
    summary = report["summary"]
    if json_:
        render.emit_json(report["json"])
    else:
        _print_summary(summary, report)
    if dry_run and summary.refused and not skip_invalid:
        raise CrmError(f"{summary.problem_count:,} row(s) of {file} are invalid: the import would be "
                       "refused (see above); fix them, or pass --skip-invalid.")


def _is_vcard(head: bytes) -> bool:
    try:
        from crmcli.io.vcard import is_vcard
    except ImportError:  # the vCard reader (issue 8) is not installed: CSV only
        return False
    return is_vcard(head)


def _import_csv(s: Session, kind: str, file: Path, options: Any, maps: list[str],
                encoding: str | None) -> dict[str, Any]:
    from crmcli.io import csv_source, csv_write, headers
    from crmcli.store import importer

    pairs = headers.parse_maps(maps)
    with csv_source.open_csv(file, encoding) as source:
        hmap = headers.recognise_source(
            kind, source, pairs, fixed=("customer",) if options.customer_id is not None else ())
        hmap.excel_quoted = source.has_bom
        rejects = None
        if options.skip_invalid and not options.dry_run:
            rejects = csv_write.RejectsFile(Path(f"{file}.rejects.csv"), source.header, source.delimiter)
            options.on_reject = lambda record, reason: rejects.add(record.raw, f"line {record.line}: {reason}")

        try:
            with _progress(source, options):
                summary = importer.import_records(s.db, kind, importer.CsvRows(source.rows(), hmap),
                                                  options, str(file), source.sha256)
            rejects_path = rejects.finish() if rejects else None
        finally:
            if rejects:
                rejects.discard()
    columns = {
        "mapped": hmap.mapped(),
        "notes": [{"column": c, "rows": n} for c, n in hmap.kept_in_notes()],
        "ignored": hmap.ignored(),
    }
    about = {"format": "csv", "encoding": source.encoding_label, "delimiter": source.delimiter_label}
    return {
        "summary": summary, "columns": columns, "about": about, "rejects": rejects_path,
        "json": {**summary.as_dict(), **about, "columns": columns,
                 "rejects_file": str(rejects_path) if rejects_path else None},
    }


def _import_vcard(s: Session, file: Path, options: Any, encoding: str | None) -> dict[str, Any]:
    from crmcli.io import csv_source, csv_write, vcard
    from crmcli.store import importer

    report = vcard.VCardReport()
    rejects = None
    if options.skip_invalid and not options.dry_run:
        header = [c for c in CONTACT_COLUMNS if c != "id"]
        rejects = csv_write.RejectsFile(Path(f"{file}.rejects.csv"), header)
        options.on_reject = lambda record, reason: rejects.add(None, f"line {record.line}: {reason}",
                                                               record.fields)
    digest = csv_source.sha256_of(file)
    try:
        cards = vcard.read_cards(file, encoding=encoding, name=str(file), report=report)
        summary = importer.import_records(s.db, "contacts", cards, options, str(file), digest)
        rejects_path = rejects.finish() if rejects else None
    finally:
        if rejects:
            rejects.discard()
    about = {"format": "vcard", "notes": report.summary()}
    return {"summary": summary, "about": about, "rejects": rejects_path, "columns": None,
            "json": {**summary.as_dict(), "format": "vcard", "cards": report.cards,
                     "versions": dict(report.versions), "photos_skipped": report.photos_skipped,
                     "ignored_properties": dict(report.ignored),
                     "rejects_file": str(rejects_path) if rejects_path else None}}


class _progress:
    """A rich progress bar on stderr for a large file on a terminal; nothing otherwise."""

    def __init__(self, source: Any, options: Any) -> None:
        self.source, self.options = source, options
        self.bar: Any = None

    def __enter__(self) -> None:
        if render.is_terminal() and self.source.size >= PROGRESS_BYTES:
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            self.bar = Progress("[progress.description]{task.description}", BarColumn(),
                                DownloadColumn(), TimeRemainingColumn(), console=render.err_console(),
                                transient=True)
            self.bar.start()
            task = self.bar.add_task(f"Importing {self.source.path.name}", total=self.source.size)
            self.options.on_progress = lambda _rows: self.bar.update(task, completed=self.source.position())

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_summary(summary: Any, report: dict[str, Any]) -> None:
    about = report["about"]
    if about["format"] == "csv":
        what = f"{about['encoding']}, {about['delimiter']}-separated"
    else:
        what = "vCard"
    verb = "Dry run of importing" if summary.dry_run else "Imported"
    render.line(f"{verb} {summary.kind} from {summary.source} ({what}): "
                f"{render.counted(summary.rows, 'row')}.")
    for kind, c in summary.counts.items():
        if kind != summary.kind and not c.created and not c.updated:
            continue
        render.line(f"  {kind}: {c.created:,} created, {c.updated:,} updated, {c.skipped:,} skipped, "
                    f"{c.rejected:,} rejected" if kind == summary.kind else f"  {kind}: {c.created:,} created"
                    + (f", {c.updated:,} updated" if c.updated else ""))
    columns = report.get("columns")
    if columns and columns["notes"]:
        kept = ", ".join(f"{n['column']} ({render.counted(n['rows'], 'row')})"
                         for n in columns["notes"])
        render.line(f"Kept in notes: {kept}.")
    if columns and columns["ignored"]:
        render.line(f"Ignored columns: {', '.join(columns['ignored'])}.")
    for text in about.get("notes", []):
        render.line(text)
    if summary.since_moved:
        render.line(f"{render.counted(summary.since_moved, 'customer')} now on the book since their "
                    "earliest record in the file (`since` and the starting stage moved back).")
    if summary.problem_count and (summary.dry_run or not report.get("rejects")):
        render.line("Invalid rows:")
        render.line(summary.problem_text())
    if report.get("rejects"):
        render.line(f"{render.counted(summary.problem_count, 'rejected row')} "
                    f"written to {report['rejects']}.")
    if summary.dry_run:
        render.line("Nothing was written (dry run).")
    elif summary.batch_id:
        render.line(f"Import batch #{summary.batch_id}.")


for _kind in ("customers", "contacts", "history", "purchases"):
    import_app.command(_kind)(import_command(_kind))


# -- export --------------------------------------------------------------------------------
def _export(s: Session, kind: str, where: str, params: dict[str, Any], output: Path | None,
            excel: bool, limit: int | None) -> None:
    from crmcli.io import csv_write
    from crmcli.store import exports

    # On a team book customers carry their owner, as `customer list --csv` does (DESIGN.md).
    owner = kind == "customers" and s.team
    columns = COLUMNS[kind] + (("owner",) if owner else ())
    rows: Iterator[Any] = exports.rows(s.db, kind, where, params, limit or None, owner=owner)
    bar = None
    if output is not None and render.is_terminal():
        total = exports.count(s.db, kind, where, params)
        total = min(total, limit) if limit else total
        if total > PROGRESS_ROWS:
            from rich.progress import Progress

            bar = Progress(console=render.err_console(), transient=True)
            bar.start()
            task = bar.add_task(f"Exporting {kind}", total=total)
            rows = _counted(rows, lambda n: bar.update(task, completed=n))
    try:
        with csv_write.output(output) as out:
            written = csv_write.write_rows(out, columns, rows, excel=excel)
    finally:
        if bar is not None:
            bar.stop()
    if output is not None:
        what = "contacts logged" if kind == "history" else kind
        render.note(f"Exported {written:,} {what} to {output}.")


def _counted(rows: Iterator[Any], update: Callable[[int], None]) -> Iterator[Any]:
    n = 0
    for n, row in enumerate(rows, 1):
        yield row
        if n % 1000 == 0:
            update(n)
    update(n)


@export_app.command("customers")
def export_customers(
    ctx: typer.Context, output: Output = None, excel: Excel = False,
    tier: TierOpt = None, stage: StageOpt = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only customers with this tag.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="Only customers in this city.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Text in the name, industry, email or note.")] = None,
    limit: Limit = None, owner: OwnerOpt = None, all_: AllReps = False,
) -> None:
    """Export customers as CSV (the columns `crm import customers` reads)."""
    s = session(ctx)
    from crmcli.store import customers

    where, params = customers.filters_sql(
        tier=vocab.TIERS.parse(tier) if tier else None,
        stage=vocab.STAGES.parse(stage) if stage else None,
        tag=tag, city=city, search=search, owner=s.book_of(owner, all_),
    )
    _export(s, "customers", where, params, output, excel, limit)


@export_app.command("contacts")
def export_contacts(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Argument(help="Only this customer's contacts.", show_default=False)] = None,
    output: Output = None, excel: Excel = False,
    role: Annotated[str | None, typer.Option("--role", help=f"Only this role: {vocab.ROLES.help()}.", show_default=False)] = None,
    vcard: Annotated[bool, typer.Option("--vcard", help="Write vCard 3.0 (for phones) instead of CSV.")] = False,
    limit: Limit = None, owner: OwnerOpt = None, all_: AllReps = False,
) -> None:
    """Export contacts (stakeholders) as CSV, or as vCards with --vcard."""
    if vcard and excel:
        raise typer.BadParameter("Give --vcard or --excel, not both.")
    s = session(ctx)
    from crmcli.store import stakeholders

    cid = s.customer(customer)["id"] if customer else None
    # As `contact list`: a named customer's contacts whoever owns it, else the rep's own book.
    where, params = stakeholders.filters_sql(customer_id=cid, role=vocab.ROLES.parse(role) if role else None,
                                             owner=None if cid else s.book_of(owner, all_))
    if vcard:
        _export_vcards(s, where, params, output, limit)
        return
    _export(s, "contacts", where, params, output, excel, limit)


def _export_vcards(s: Session, where: str, params: dict[str, Any], output: Path | None,
                   limit: int | None) -> None:
    import sys

    from crmcli.io import vcard
    from crmcli.store import exports

    cards = exports.contact_cards(s.db, where, params, limit or None)
    if output is None:
        sys.stdout.flush()
        vcard.write_cards(cards, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    from crmcli.io import csv_write

    with csv_write.binary_output(output) as out:
        written = vcard.write_cards(cards, out)
    render.note(f"Exported {written:,} contacts to {output} (vCard 3.0).")


@export_app.command("history")
def export_history(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only contacts on or after this date.", show_default=False)] = None,
    output: Output = None, excel: Excel = False, limit: Limit = None,
    owner: OwnerOpt = None, all_: AllReps = False,
) -> None:
    """Export the contact history as CSV, oldest first (the columns `crm import history` reads)."""
    s = session(ctx)
    from crmcli.core.dates import parse_date
    from crmcli.store import log as store_log

    cid = s.customer(ref)["id"] if ref else None
    since_day = parse_date(since, s.today).isoformat() if since else None
    # As `crm history`: a named customer's log whoever owns it, else the rep's own book.
    where, params = store_log.history_filters(customer_id=cid, since=since_day,
                                              owner=None if cid else s.book_of(owner, all_))
    _export(s, "history", where, params, output, excel, limit)


@export_app.command("purchases")
def export_purchases(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer's purchases.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only purchases on or after this date.", show_default=False)] = None,
    output: Output = None, excel: Excel = False, limit: Limit = None,
) -> None:
    """Export purchases as CSV, oldest first (the columns `crm import purchases` reads)."""
    s = session(ctx)
    from crmcli.core.dates import parse_date
    from crmcli.store import purchases

    cid = s.customer(ref)["id"] if ref else None
    where, params = purchases.filters_sql(
        customer_id=cid, since=parse_date(since, s.today).isoformat() if since else None)
    _export(s, "purchases", where, params, output, excel, limit)
