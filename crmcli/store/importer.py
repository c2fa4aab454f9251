"""The import pipeline: records in; validated, de-duplicated and written as one batch.

    summary = import_records(db, "contacts", records, options, "outlook.csv", sha256)

`records` is any iterable of `(line, {field: raw text})` (or `Record`s, which
may also carry the raw row, handed back to `options.on_reject`, and a
`problem` the reader found, such as a ragged row). The field names are the
kind's CSV columns (core/records.py); io/headers.py turns CSV headers into
them, io/vcard.py turns vCards into them, and the pipeline does not care
which: every value goes through the same validation as the commands
(core/records.py customer_values, stakeholder_values, interaction_values).

What one call does, inside one transaction (all or nothing):
- validates each record; a bad one is listed by line with its reason. By
  default any bad row refuses the whole import (`ImportRefused`, listing the
  first 20 and a count); `skip_invalid` imports the rest and hands each bad
  record to `on_reject`.
- de-duplicates against the book and against earlier rows of the same
  input: customers on their normalised name (core.names.name_key); contacts on
  email, else phone digits, else name within the customer; history on
  customer + contact + date + channel + note. `on_conflict` decides what a
  match does: skip (default), update (fill in the fields the row gives) or
  fail (the row is refused).
- finds or creates what the records refer to: a contact's customer (by
  name; a contact with no company becomes an individual customer named after
  them, with them as its decision-maker), a contact logged's customer and
  stakeholder.
- writes in chunks with executemany (memory stays flat: only the keys of one
  chunk are looked up, with SQL), then recomputes last contact and next due of
  every customer touched (store.due), and closes follow-ups that the imported
  contacts answered. A history import that skips duplicates (the default) on
  SQLite stages its resolved rows in a temporary table and matches and writes
  them set-based at the end, with the same outcome (store/history_import.py); given a CSV file
  (`CsvRows`) with a plain header, it reads each chunk column by column (`Kind.read_columns`,
  History, customers), and any chunk holding an unusual row row by row, so messages stay the
  same.
- records the batch: one `import_batch` row (file, sha256, kind, counts) and
  one `import_item` per created or updated row (`before`: JSON of the changed
  fields' old values), so `crm import undo` can take it back; a run of new ids
  is recorded with one INSERT … SELECT.
- `dry_run` does all of it and rolls back: the counts are exact, nothing stays.

A kind subclasses `Kind` with `validate` and `apply` (and, to read CSV column by
column, `columnar`, `read_columns`, `apply_columns`), using the `Run` helpers
(find/create customers, `insert_rows`, `matched`), and calls `register_kind`:
store/customer_import.py, contact_import.py, history_import.py and
purchase_import.py (whose CSV headers are registered in io/headers.py). This
module is the pipeline they share: `import_records`, the `Run` of one import
(validating, recording the batch, the refresh at the end) and its caches; finding
and creating the customers, contacts and contacts logged a file names is
store/import_filing.py's half of `Run`.
"""

from __future__ import annotations

import gc
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from crmcli.errors import CrmError
from crmcli.io import values as cells
from crmcli.store import import_filing, stakeholder_coverage
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row
from crmcli.store.import_filing import (
    _CUSTOMER_BRIEF_COLUMNS,
    _STAKEHOLDER_BRIEF_COLUMNS,
    Filing,
    _Bounded,
)

RECORDS_PER_CHUNK = 2000  # records validated, matched and written together
MAX_LISTED = 20
CONFLICT_MODES = ("skip", "update", "fail")
IMPORT_CACHE_KIB = 16 * 1024  # SQLite page cache (and sort memory) during an import: bounded
# Staged history imports drop the secondary indexes of `interaction` and build them again after
# when the rows to insert are at least this many and at least a quarter of the table's rows:
# inserting a million rows without them and rebuilding costs a third of inserting with them,
# but the rebuild reads the whole table, so a small import into a large book keeps them.
BULK_MIN_ROWS = 5000
BULK_TABLE_SHARE = 4
BULK_WITHOUT_FK_CHECKS = True  # see _SqlitePlanner


class Record(NamedTuple):
    line: int
    fields: dict[str, str]
    raw: Any = None  # the row as read, handed back to Options.on_reject
    problem: str | None = None  # set by the reader when the row is unusable as it stands


@dataclass
class Options:
    today: date
    cadences: dict[str, int]
    on_conflict: str = "skip"
    skip_invalid: bool = False
    dry_run: bool = False
    dayfirst: bool = False
    customer_id: int | None = None  # --customer: every record belongs to this customer
    owner: str = ""
    on_reject: Callable[[Record, str], None] | None = None
    on_progress: Callable[[int], None] | None = None  # called with the rows read so far
    chunk_size: int = RECORDS_PER_CHUNK


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped,
                "rejected": self.rejected}


@dataclass
class Summary:
    kind: str
    source: str
    dry_run: bool = False
    rows: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)  # the first MAX_LISTED
    problem_count: int = 0
    batch_id: int | None = None
    since_moved: int = 0  # customers now on the book since an earlier day (dated records)

    def of(self, kind: str) -> Counts:
        return self.counts.setdefault(kind, Counts())

    @property
    def refused(self) -> bool:
        return self.problem_count > 0

    def problem_text(self) -> str:
        lines = [f"  line {line}: {reason}" for line, reason in self.problems]
        more = self.problem_count - len(self.problems)
        if more > 0:
            lines.append(f"  … and {more:,} more.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "file": self.source, "dry_run": self.dry_run, "rows": self.rows,
            "batch": self.batch_id,
            "counts": {k: c.as_dict() for k, c in self.counts.items()},
            "invalid": self.problem_count,
            "problems": [{"line": line, "reason": reason} for line, reason in self.problems],
            "since_moved": self.since_moved,
        }


class ImportRefused(CrmError):
    """Invalid rows and no --skip-invalid: nothing was written."""

    def __init__(self, summary: Summary) -> None:
        n = summary.problem_count
        rows = "1 row is" if n == 1 else f"{n:,} rows are"
        super().__init__(
            f"{summary.source}: {rows} invalid, so nothing was imported:\n{summary.problem_text()}\n"
            "Fix them and import again, or pass --skip-invalid to import the valid rows and "
            f"write the others to {summary.source}.rejects.csv."
        )
        self.summary = summary


INVALID = object()  # Run.column: the text of this cell is refused


class _RollBack(Exception):
    """Ends a dry run: the transaction is rolled back, the summary kept."""


# -- the registry of kinds ------------------------------------------------------------
class Kind:
    """One importable kind: how a record is validated, and how a chunk of them is written."""

    name: str = ""
    record_kinds: tuple[str, ...] = ()  # the summary's rows, this kind's own first

    def validate(self, run: Run, fields: dict[str, str]) -> Any:
        """Check one record (raise CrmError with the reason); what `apply` needs."""
        raise NotImplementedError

    def apply(self, run: Run, items: list[tuple[Record, Any]]) -> None:
        """Match and write one chunk of validated records, in order."""
        raise NotImplementedError

    def start(self, run: Run) -> None:
        """Before the first chunk (a kind that stages its rows sets that up here)."""

    def bulk(self, db: Database, options: Options) -> bool:
        """Whether this import is written set-based from ids it resolved itself (_SqlitePlanner)."""
        return False

    def columnar(self, run: Run) -> bool:
        """Whether this import can take CSV rows column by column (`read_columns`, `apply_columns`)."""
        return False

    def read_columns(self, run: Run, columns: dict[str, list[str]], size: int) -> Any:
        """Validate a chunk given column by column (HeaderMap.by_field); what `apply_columns`
        needs, or None when some row is invalid (the chunk is then taken row by row, so every
        problem is reported exactly as `validate` words it). Writes nothing."""
        return None

    def apply_columns(self, run: Run, prepared: Any) -> None:
        """Match and write a chunk that `read_columns` validated."""
        raise NotImplementedError

    def finish(self, run: Run) -> None:
        """After the last chunk of an import that is not refused, before the refresh."""


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


# -- one import -------------------------------------------------------------------------
def import_records(db: Database, kind: str, records: Iterable[Record | tuple], options: Options,
                   source_name: str, sha256: str) -> Summary:
    """Import `records` of `kind` as one batch, in one transaction; what happened.

    - `db`: the open book (SQLite or PostgreSQL).
    - `kind`: a registered kind: "customers", "contacts", "history" (and "purchases").
    - `records`: an iterable, streamed (never held whole), of `(line, {field: raw text})`
      or `Record(line, fields, raw, problem)`; the fields are the kind's CSV column
      names (core/records.py), raw text as read, only the non-empty ones needed.
      `line` is what messages and the rejects file cite; `raw` (the cells as read)
      is handed back to `options.on_reject`; a `problem` refuses the record as it is.
    - `options`: today, cadences, on_conflict (skip|update|fail), skip_invalid,
      dry_run, dayfirst, customer_id (--customer), owner, and the callbacks
      on_reject(record, reason) and on_progress(rows read).
    - `source_name`, `sha256`: what the import_batch row records about the input.

    Returns the Summary: rows read, per kind of record created/updated/skipped/
    rejected, the first MAX_LISTED problems with their lines, and the batch id.
    Raises ImportRefused (nothing written) when a record is invalid and
    `options.skip_invalid` is off; with `options.dry_run` nothing is written
    either way (no batch either) and the summary says what would have happened.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise CrmError(f"Cannot import {kind!r}; crm imports {', '.join(KINDS)}.")
    if options.on_conflict not in CONFLICT_MODES:
        raise CrmError(f"--on-conflict {options.on_conflict!r} is not one of {', '.join(CONFLICT_MODES)}.")
    summary = Summary(kind, source_name, dry_run=options.dry_run)
    for name in spec.record_kinds:
        summary.of(name)
    run = Run(db, options, summary, spec)
    planner = _SqlitePlanner(db, bulk=spec.bulk(db, options))
    try:
        with planner, _NoCycleCollector(), db.transaction():
            if not options.dry_run:
                run.batch_id = summary.batch_id = db.insert(
                    "INSERT INTO import_batch (file, sha256, kind, at) VALUES (:f, :s, :k, :at)",
                    {"f": source_name, "s": sha256, "k": kind, "at": run.stamp},
                )
            run.start()
            if isinstance(records, CsvRows) and spec.columnar(run) and records.hmap.plain:
                chunks: Iterable[list[Record] | RowChunk] = records.chunks(options.chunk_size)
            else:
                chunks = _chunks(records, options.chunk_size)
            for chunk in chunks:
                run.process(chunk)
            run.finish()
            if summary.refused and not options.skip_invalid and not options.dry_run:
                raise ImportRefused(summary)
            if options.dry_run:
                raise _RollBack
    except _RollBack:
        summary.batch_id = None
    return summary


class _SqlitePlanner:
    """Keeps SQLite from building automatic indexes for the import's lookups.

    The lookups join a VALUES list to a table on indexed columns; with some
    list lengths SQLite's planner prefers to index the whole table on the fly
    (a second for 100,000 stakeholders, each time). Off for the import, as it was after.

    A `bulk` import (Kind.bulk: one whose every reference is an id it read or created
    itself in this transaction, written set-based) also turns off SQLite's per-row
    foreign-key checks: checked again row by row, a million contacts logged spend most
    of their INSERT looking up customers and stakeholders they were just matched to.
    The pragma only takes effect outside a transaction, so it is set before BEGIN and
    restored after the commit or rollback.
    """

    def __init__(self, db: Database, bulk: bool = False) -> None:
        self.db = db
        self.bulk = bulk and BULK_WITHOUT_FK_CHECKS
        self.before: Any = None
        self.foreign_keys: Any = None

    def __enter__(self) -> None:
        if self.db.dialect == "sqlite":
            self.before = self.db.value("PRAGMA automatic_index")
            self.cache = self.db.value("PRAGMA cache_size")
            self.db.run("PRAGMA automatic_index = OFF")
            # A large import touches index pages all over the book: with SQLite's default
            # 2 MiB page cache it re-reads them from the file again and again.
            self.db.run(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
            if self.bulk:
                self.foreign_keys = self.db.value("PRAGMA foreign_keys")
                self.db.run("PRAGMA foreign_keys = OFF")

    def __exit__(self, *exc: object) -> None:
        if self.before is not None:
            self.db.run(f"PRAGMA automatic_index = {int(self.before)}")
            self.db.run(f"PRAGMA cache_size = {int(self.cache)}")
        if self.foreign_keys is not None:
            self.db.run(f"PRAGMA foreign_keys = {int(self.foreign_keys)}")


class _NoCycleCollector:
    """Python's cycle collector paused for the import, and resumed as it was.

    An import allocates millions of short-lived tuples, lists and dicts (none in a
    reference cycle: reference counting frees them), which keep triggering the
    collector; each pass walks the import's long-lived caches and finds nothing:
    a tenth of the CPU time of a million contacts logged.
    """

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


class CsvRows:
    """The rows of a CSV file, `(line, cells)`, with the HeaderMap that reads them.

    Iterated, it gives a `Record` per row (HeaderMap.record), as any other input;
    a kind that can (`Kind.columnar`) takes it in chunks, column by column, instead.
    """

    def __init__(self, rows: Iterable[tuple[int, list[str]]], hmap: Any) -> None:
        self.rows, self.hmap = iter(rows), hmap
        self.take = getattr(rows, "chunk", None)  # io.csv_source's rows read a chunk at a time

    def __iter__(self) -> Iterator[Record]:
        record = self.hmap.record
        for line, row in self.rows:
            fields, problem = record(row)
            yield Record(line, fields, row, problem)

    def chunks(self, size: int) -> Iterator[RowChunk]:
        if self.take is not None:
            while block := self.take(size):
                yield RowChunk(block.lines, block.rows, self.hmap, block.columns, block.longest)
            return
        rows = self.rows
        while pairs := list(itertools.islice(rows, size)):
            yield RowChunk([line for line, _ in pairs], [row for _, row in pairs], self.hmap)


class RowChunk(NamedTuple):
    """Rows of a CSV file read together, column by column where the kind can: given as rows
    (`cells`), or as columns (`columns`, `cells` None) with the longest line (csv_source.Block)."""

    lines: list[int]
    cells: list[list[str]] | None
    hmap: Any
    columns: list[list[str]] | None = None
    longest: int | None = None

    def records(self) -> list[Record]:
        out = []
        rows = self.cells if self.cells is not None else list(map(list, zip(*self.columns)))
        for line, row in zip(self.lines, rows):
            fields, problem = self.hmap.record(row)
            out.append(Record(line, fields, row, problem))
        return out


def _chunks(records: Iterable[Record | tuple], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for item in records:
        chunk.append(item if isinstance(item, Record) else Record(*item))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_TABLES = ("customer", "stakeholder", "interaction", "follow_up", "purchase")


class Run(Filing):
    """The state of one import: the batch, its counters, what it touched; helpers for kinds."""

    def __init__(self, db: Database, options: Options, summary: Summary, spec: Kind) -> None:
        self.db, self.options, self.summary, self.spec = db, options, summary, spec
        self.today = options.today
        self.stamp = now_stamp()
        self.batch_id: int | None = None
        self.first_new: dict[str, int] = {}
        self._items: list[dict[str, Any]] = []
        self.touched_customers: set[int] = set()
        self.moved_since: set[int] = set()  # customers whose `since` this import moved back
        self.touched_stakeholders: set[int] = set()
        self.logged_customers: set[int] = set()  # customers given new contacts logged
        self._caches: dict[str, _FieldCache] = {}
        self._columns: dict[str, dict[str, Any]] = {}  # Run.column's caches
        self._ids_by_text: dict[str, dict[Any, int]] = {}  # names as written -> ids (bounded)
        self._book: dict[str, dict[Any, int] | None] = {}  # Run._book_ids, per table
        self._customers = _Bounded(_CUSTOMER_BRIEF_COLUMNS)  # name_key -> (id, name, name_key)
        self._stakeholders = _Bounded(_STAKEHOLDER_BRIEF_COLUMNS)  # (customer id, name_key) -> brief
        self._defaults: dict[str, dict[str, Any]] = {}
        self.staged: Any = None  # a kind's rows staged for a set-based write (History)
        self.rebuild: list[str] | None = None  # indexes dropped for a large import (SQL to rebuild)
        self.paused_coverage: list[str] | None = None  # stakeholder triggers paused (SQL to restore)

    # -- the flow --------------------------------------------------------------
    def start(self) -> None:
        for table in _TABLES:
            self.first_new[table] = int(self.db.value(f"SELECT coalesce(max(id), 0) FROM {table}")) + 1
        self.spec.start(self)

    def process(self, chunk: list[Record] | RowChunk) -> None:
        """One chunk of the input: validated, matched and written (row by row, or column by
        column for a RowChunk that the kind reads so; row by row when some row needs it: one
        the header map cannot read as columns, or an invalid one)."""
        if isinstance(chunk, RowChunk):
            if self._process_columns(chunk):
                return
            chunk = chunk.records()
        good: list[tuple[Record, Any]] = []
        for record in chunk:
            self.summary.rows += 1
            if record.problem:
                self.reject(record, record.problem)
                continue
            try:
                good.append((record, self.spec.validate(self, record.fields)))
            except CrmError as e:
                self.reject(record, e.message)
        if good and not self._doomed():
            self.spec.apply(self, good)
        self._flush_items()
        if self.options.on_progress:
            self.options.on_progress(self.summary.rows)

    def _doomed(self) -> bool:
        # A file already refused (all or nothing) is only checked from here on, not written,
        # unless matching itself refuses rows (--on-conflict fail) and must go on.
        return (self.summary.refused and not self.options.skip_invalid
                and not self.options.dry_run and self.options.on_conflict != "fail")

    def _process_columns(self, chunk: RowChunk) -> bool:
        """A chunk validated column by column; False (nothing done) when it must go row by row."""
        columns = chunk.hmap.by_field(chunk.cells, chunk.columns, chunk.longest)
        prepared = None if columns is None else self.spec.read_columns(self, columns, len(chunk.lines))
        if prepared is None:
            return False
        self.summary.rows += len(chunk.lines)
        if not self._doomed():
            self.spec.apply_columns(self, prepared)
        self._flush_items()
        if self.options.on_progress:
            self.options.on_progress(self.summary.rows)
        return True

    def column(self, name: str, texts: list[str], convert: Callable[[str], Any]) -> list[Any]:
        """`convert` of each text of a column, computed once per distinct text (bounded cache);
        `INVALID` where it raised a CrmError."""
        cache = self._columns.get(name)
        if cache is None:
            cache = self._columns[name] = {}
        distinct = set(texts)
        missing = distinct.difference(cache)
        if len(cache) + len(missing) > import_filing.COLUMN_CACHE_LIMIT:
            cache.clear()  # bounded: a column of ever new texts just misses
            missing = distinct
        for text in missing:
            try:
                cache[text] = convert(text)
            except CrmError:
                cache[text] = INVALID
        return list(map(cache.__getitem__, texts))

    def finish(self) -> None:
        from crmcli.store.due import build_indexes, refresh_imported, refresh_stakeholder_contact

        if self.summary.refused and not self.options.skip_invalid and not self.options.dry_run:
            return  # refused: everything is rolled back, nothing to bring up to date
        build_indexes(self.db, self.rebuild or [])  # before the steps below read them

        # The chunks are done: what they cached is not needed by the set-based steps below.
        self._customers.clear()
        self._stakeholders.clear()
        self._caches.clear()
        self._columns.clear()
        self._ids_by_text.clear()
        self._book.clear()
        self.spec.finish(self)
        if self.logged_customers:
            self._close_answered_follow_ups(sorted(self.logged_customers))
        if self.touched_stakeholders:
            refresh_stakeholder_contact(self.db, sorted(self.touched_stakeholders))
        if self.touched_customers:
            refresh_imported(self.db, self.touched_customers, self.options.cadences)
        if self.paused_coverage:
            stakeholder_coverage.resume(self.db, self.paused_coverage, self.touched_customers)
        self._flush_items(force=True)
        if self.batch_id is not None:
            totals = Counts()
            for c in self.summary.counts.values():
                totals.created += c.created
                totals.updated += c.updated
            own = self.summary.of(self.spec.record_kinds[0])
            self.db.run(
                "UPDATE import_batch SET created = :c, updated = :u, skipped = :s, rejected = :r "
                "WHERE id = :id",
                {"c": totals.created, "u": totals.updated, "s": own.skipped, "r": own.rejected,
                 "id": self.batch_id},
            )

    # -- validation helpers for kinds ----------------------------------------------
    def field_cache(self, kind: str, check: Callable[[Run, str, str], dict[str, Any]]) -> _FieldCache:
        """A cache of `check(run, field, text)` results for this import (see _FieldCache)."""
        cache = self._caches.get(kind)
        if cache is None:
            cache = self._caches[kind] = _FieldCache(self, check)
        return cache

    def defaults(self, kind: str, make: Callable[[Run], dict[str, Any]]) -> dict[str, Any]:
        if kind not in self._defaults:
            self._defaults[kind] = make(self)
        return self._defaults[kind]

    # -- outcomes ----------------------------------------------------------------
    def counts(self, kind: str) -> Counts:
        return self.summary.of(kind)

    def reject(self, record: Record, reason: str) -> None:
        self.summary.problem_count += 1
        if len(self.summary.problems) < MAX_LISTED:
            self.summary.problems.append((record.line, reason))
        self.counts(self.spec.record_kinds[0]).rejected += 1
        if self.options.on_reject is not None and not self.options.dry_run:
            self.options.on_reject(record, reason)

    def matched(self, kind: str, record: Record, what: str, update: Callable[[], bool]) -> None:
        """A record matching `what` (an existing record or an earlier row): skip, update or fail."""
        mode = self.options.on_conflict
        counts = self.counts(kind)
        if mode == "fail":
            self.reject(record, f"{what}; --on-conflict fail refuses duplicates")
        elif mode == "update" and update():
            counts.updated += 1
        else:
            counts.skipped += 1

    def describe(self, table: str, row: Row, label: str) -> str:
        if row["id"] >= self.first_new.get(table, 1 << 62):
            return f"it repeats {label} {row['name']!r}, added earlier in this file"
        return f"{label} #{row['id']} {row['name']!r} is already on the book"

    # -- writing -----------------------------------------------------------------
    def new_ids(self, table: str, count: int) -> list[int]:
        """Ids for `count` rows about to be inserted into `table`."""
        if self.db.dialect == "sqlite":
            # One writer holds the lock (BEGIN IMMEDIATE), so ids after max(id) are ours:
            # executemany cannot return them, and every created row is recorded in the batch.
            base = int(self.db.value(f"SELECT coalesce(max(id), 0) FROM {table}"))
            return list(range(base + 1, base + 1 + count))
        # PostgreSQL: ids drawn from the table's sequence first, safe beside other writers.
        return self.db.reserve_ids(table, count)  # type: ignore[attr-defined]

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> list[int]:
        """Insert rows (dicts with `columns`) in bulk; their new ids, in order (also set as
        each row's "id")."""
        if not rows:
            return []
        ids = self.new_ids(table, len(rows))
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        if self.db.dialect == "sqlite":
            # Bound by position: sqlite3 looks each named parameter up in the row's dict
            # through a new string, about a third of the cost of inserting a wide row.
            self.db._conn.executemany(  # type: ignore[attr-defined]
                f"INSERT INTO {table} (id, {', '.join(columns)}) "
                f"VALUES ({', '.join('?' * (len(columns) + 1))})",
                map(itemgetter("id", *columns), rows))
        else:
            self.db.run_many(f"INSERT INTO {table} (id, {', '.join(columns)}) "
                             f"VALUES (:id, {', '.join(':' + c for c in columns)})", rows)
        return ids

    def insert_columns(self, table: str, columns: dict[str, list[Any]], size: int) -> list[int]:
        """Insert `size` rows given column by column (lists by column name); their new ids."""
        ids = self.new_ids(table, size)
        names = ", ".join(columns)
        if self.db.dialect == "sqlite":
            self.db._conn.executemany(  # type: ignore[attr-defined]
                f"INSERT INTO {table} (id, {names}) VALUES ({', '.join('?' * (len(columns) + 1))})",
                zip(ids, *columns.values()))
        else:
            keys = ("id", *columns)
            self.db.run_many(f"INSERT INTO {table} ({', '.join(keys)}) "
                             f"VALUES ({', '.join(':' + k for k in keys)})",
                             [dict(zip(keys, values)) for values in zip(ids, *columns.values())])
        return ids

    def created(self, table: str, ids: Iterable[int]) -> None:
        if self.batch_id is None:
            return
        ids = list(ids)
        if len(ids) > 1 and ids == list(range(ids[0], ids[0] + len(ids))):
            # A run of new ids (insert_rows on SQLite): recorded by the database, not row by row.
            self._flush_items(force=True)  # the batch's items stay in the order they happened
            self.db.run(
                "INSERT INTO import_item (batch_id, table_name, row_id, action, before) "
                f"SELECT :b, :t, id, 'created', NULL FROM {table} WHERE id BETWEEN :lo AND :hi "
                "ORDER BY id",
                {"b": self.batch_id, "t": table, "lo": ids[0], "hi": ids[-1]},
            )
            return
        self._items.extend({"b": self.batch_id, "t": table, "r": i, "a": "created", "x": None}
                           for i in ids)

    def updated(self, table: str, row_id: int, before: dict[str, Any]) -> None:
        if self.batch_id is None:
            return
        self._items.append({"b": self.batch_id, "t": table, "r": row_id, "a": "updated",
                            "x": json.dumps(before, ensure_ascii=False, default=str)})

    def on_the_book_by_first_records(self, customer_ids: Iterable[int]) -> None:
        """Move `since` (and the starting stage) of the customers whose records this import dates
        before it back to their first record (as `crm log --at` does), recorded so that an undo
        puts them back. After the records are written, before anything reads `since`."""
        from crmcli.store.customers import first_records_before_since

        moved = first_records_before_since(self.db, sorted(customer_ids))
        for cid, since, _, starting in moved:
            self.updated("customer", cid, {"since": since})
            if starting is not None:
                self.updated("stage_change", starting, {"at": since})
        self.moved_since.update(cid for cid, *_ in moved)
        self.summary.since_moved = len(self.moved_since)

    def _flush_items(self, force: bool = False) -> None:
        if self._items and (force or len(self._items) >= 5000):
            self.db.run_many(
                "INSERT INTO import_item (batch_id, table_name, row_id, action, before) "
                "VALUES (:b, :t, :r, :a, :x)",
                self._items,
            )
            self._items = []

    def update_row(self, table: str, row: Row, changes: dict[str, Any], *, stamp: bool = True,
                   record: bool = True) -> dict[str, Any]:
        """Set the fields that differ; the old values of those fields (empty: nothing changed)."""
        diff = {k: v for k, v in changes.items() if row.get(k) != v}
        if not diff:
            return {}
        params = dict(diff)
        sets = ", ".join(f"{k} = :{k}" for k in diff)
        if stamp:
            sets += ", updated_at = :updated_at_"
            params["updated_at_"] = self.stamp
        self.db.run(f"UPDATE {table} SET {sets} WHERE id = :id_", {**params, "id_": row["id"]})
        before = {k: row.get(k) for k in diff}
        if record:
            self.updated(table, row["id"], before)
        row.update(diff)
        return before

def _drop_indexes(db: Database, table: str, keep: str | None = None) -> list[str]:
    """Drop the secondary indexes of `table` (SQLite), but those on column `keep`; their SQL."""
    dropped = []
    for index in db.rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                         "AND tbl_name = :t AND sql IS NOT NULL ORDER BY name", {"t": table}):
        if keep and keep in {r["name"] for r in db.rows(f'PRAGMA index_info("{index["name"]}")')}:
            continue
        db.run(f'DROP INDEX "{index["name"]}"')
        dropped.append(index["sql"])
    return dropped


def _has_json(db: Database) -> bool:
    """Whether this SQLite has its JSON functions (Run._oldest_ids looks keys up with json_each);
    without them (SQLite before 3.38 built without JSON1) imports go row by row."""
    try:
        return db.value("SELECT count(*) FROM json_each('[1]')") == 1
    except Exception:  # sqlite3.OperationalError: no such table: json_each
        return False





class _FieldCache:
    """Validation of values that repeat down a column (tiers, stages, cities, dates), done once each.

    The check is the same core/records.py function the commands use, called
    with one field; its result (or its error) is kept for the next row with
    the same text, up to LIMIT distinct values, so memory stays bounded.
    """

    LIMIT = 20_000

    def __init__(self, run: Run, check: Callable[[Run, str, str], dict[str, Any]]) -> None:
        self.run, self.check = run, check
        self.known: dict[tuple[str, str], dict[str, Any] | str] = {}

    def __call__(self, key: str, text: str) -> dict[str, Any]:
        found = self.known.get((key, text))
        if found is None:
            try:
                found = self.check(self.run, key, text)
            except CrmError as e:
                found = e.message
            if len(self.known) >= self.LIMIT:
                self.known.clear()  # bounded: a column of all-different values just misses
            self.known[(key, text)] = found
        if isinstance(found, str):
            raise CrmError(found)
        return found


def _date(fields: dict[str, str], key: str, run: Run, what: str) -> str | None:
    """A date cell of `fields` as ISO (the spreadsheet forms of io/values.py); None when empty."""
    text = fields.get(key)
    if not text:
        return None
    return cells.excel_date(text, dayfirst=run.options.dayfirst, what=what, today=run.today)


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> bool:
    """A later row of the file updating a record not yet written."""
    diff = {k: v for k, v in changes.items() if target.get(k) != v}
    target.update(diff)
    return bool(diff)


# The kinds live beside the pipeline and register themselves.
import crmcli.store.contact_import  # noqa: E402,F401
import crmcli.store.customer_import  # noqa: E402,F401
import crmcli.store.history_import  # noqa: E402,F401
import crmcli.store.purchase_import  # noqa: E402,F401
