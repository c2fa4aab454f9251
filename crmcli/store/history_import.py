"""The `history` import kind: contacts logged, from a spreadsheet, by the import pipeline's rules.

Columns (DESIGN.md): customer, contact, date, channel, purpose, note, feedback, score, next,
next_note. Every row is validated as `crm log` validates (core.records interaction_values);
the customer is found by name or created (on the book since its earliest row), the contact
likewise within the customer. A contact logged already on the book, or earlier in the file,
is the same customer + contact + date + channel + note, and `--on-conflict` decides what it
does; a `next` date opens a follow-up, and a contact logged answers the customer's open
follow-ups due by then.

On SQLite, skipping duplicates (the default), the rows are staged in a temporary table and
matched and written set-based at the end (`_StagedHistory`), with `interaction`'s indexes
rebuilt after a large write; a plain CSV file is read column by column (`read_columns`), any
chunk holding an unusual row row by row, so messages stay the same. `--on-conflict
update|fail`, and PostgreSQL, go chunk by chunk (`validate`, `apply`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crmcli.core import records
from crmcli.core.names import all_clean, clean_name, name_key
from crmcli.core.records import MAX_TEXT, interaction_values
from crmcli.errors import CrmError
from crmcli.io import values as cells
from crmcli.io.headers import MAX_CELL
from crmcli.store import importer
from crmcli.store.db import Database, Row
from crmcli.store.import_filing import _FOLLOW_UP_COLUMNS, CHUNK, _contact_ids, _pairs_sql
from crmcli.store.importer import (
    INVALID,
    Kind,
    Options,
    Record,
    Run,
    _drop_indexes,
    _has_json,
    _merge,
    register_kind,
)

HASH_BITMAP_BYTES = 1 << 23  # _StagedHistory: 67 million bits, 1.5% of a million rows met again
REPEATED_HASHES_LIMIT = 250_000  # hashes met again kept in memory (beyond: grouped in SQL)
STAGED_ROWS_PER_INSERT = 80  # _StagedHistory: 960 values a statement (SQLite before 3.32: 999)


@dataclass
class _HistoryItem:
    values: dict[str, Any]
    customer_name: str | None
    customer_key: str | None
    contact_name: str | None
    contact_key: str | None


_HISTORY_UPDATABLE = ("purpose", "feedback", "score", "next_on", "next_note")


class History(Kind):
    name = "history"
    record_kinds = ("history", "customers", "contacts")

    def validate(self, run: Run, fields: dict[str, str]) -> _HistoryItem:
        repeated = run.field_cache(self.name, self._field)
        known = repeated.known
        get = fields.get
        text = get("date")
        if text:
            found = known.get(("date", text))
            day = found if type(found) is dict else repeated("date", text)
        if not text or not day["v"]:
            raise CrmError("the date is empty; every contact logged needs the day it happened.")
        text = get("next")
        next_day = repeated("next", text)["v"] if text else None
        score = get("score")
        if score:
            score = cells.whole_number(score)
        if day["late"]:
            raise CrmError(day["late"])  # in the future: interaction_values' own check, kept once
        # The date was checked above, once per distinct text; the rest of the row here.
        values = interaction_values(
            {"note": get("note"), "feedback": get("feedback"), "score": score or None,
             "next": next_day, "next_note": get("next_note")},
            run.today,
        )
        values["date"] = day["v"]
        for key in ("channel", "purpose"):
            text = get(key)
            if text:
                found = known.get((key, text))
                values[key] = (found if type(found) is dict else repeated(key, text))["v"]
        customer = get("customer")
        if run.options.customer_id is not None:
            customer_name = customer_key = None
        elif customer:
            found = known.get(("customer", customer))
            customer_name, customer_key = (found if type(found) is dict
                                           else repeated("customer", customer))["v"]
        else:
            raise CrmError("the customer is empty; every contact logged belongs to a customer "
                           "(or give --customer REF for the whole file).")
        contact = get("contact")
        if contact:
            found = known.get(("contact", contact))
            contact_name, contact_key = (found if type(found) is dict
                                         else repeated("contact", contact))["v"]
        else:
            contact_name = contact_key = None
        return _HistoryItem(values, customer_name, customer_key, contact_name, contact_key)

    @staticmethod
    def _field(run: Run, key: str, text: str) -> dict[str, Any]:
        """What repeats down a history file, validated once per distinct text."""
        if key == "date":
            iso = cells.excel_date(text, dayfirst=run.options.dayfirst, what="contact date",
                                   today=run.today)
            late = None
            if iso:
                try:
                    interaction_values({"at": iso}, run.today)  # not in the future
                except CrmError as e:
                    late = e.message
            return {"v": iso, "late": late}
        if key == "next":
            return {"v": cells.excel_date(text, dayfirst=run.options.dayfirst, what="next date",
                                          today=run.today)}
        if key == "channel":
            return {"v": interaction_values({"via": text}, run.today)["channel"]}
        if key == "purpose":
            return {"v": interaction_values({"about": text}, run.today)["purpose"]}
        name = clean_name(text, f"{key} name")  # customer, contact: names recur
        return {"v": (name, name_key(name))}

    def apply(self, run: Run, items: list[tuple[Record, Any]]) -> None:
        fixed = run.options.customer_id
        customer_ids = run.customers_named(i for _, i in items) if fixed is None else {}

        def cid_of(item: _HistoryItem) -> int:
            return fixed if fixed is not None else customer_ids[item.customer_key]

        people = {(cid_of(i), i.contact_key): i.contact_name for _, i in items if i.contact_key}
        stakeholder_ids = _contact_ids(run, people)

        staged = run.staged
        if staged is not None:  # matched and written set-based at the end (History.finish)
            staged.add(items, cid_of, stakeholder_ids)
            return
        rows = []
        for _, item in items:
            cid = cid_of(item)
            sid = stakeholder_ids[(cid, item.contact_key)] if item.contact_key else None
            rows.append({**item.values, "customer_id": cid, "stakeholder_id": sid})
        existing: dict[tuple, Row] = {}
        pairs = list(dict.fromkeys((r["customer_id"], r["date"]) for r in rows))
        for start in range(0, len(pairs), CHUNK):
            values_sql, params = _pairs_sql(pairs[start:start + CHUNK])
            for row in run.db.rows(
                f"WITH v(c, d) AS ({values_sql}) SELECT i.id, i.customer_id, i.stakeholder_id, "
                "i.date, i.channel, i.note, i.purpose, i.feedback, i.score, i.next_on, i.next_note "
                "FROM v JOIN interaction i ON i.customer_id = v.c AND i.date = v.d ORDER BY i.id",
                params,
            ):
                existing.setdefault(_history_key(row), row)
        new: dict[tuple, tuple[Record, dict[str, Any]]] = {}
        for (record, _item), row in zip(items, rows):
            key = _history_key(row)
            changes = {k: row[k] for k in _HISTORY_UPDATABLE if row.get(k) is not None}
            if key in existing:
                old = existing[key]
                what = (f"it repeats the contact logged on {row['date']}, added earlier in this file"
                        if old["id"] >= run.first_new["interaction"] else
                        f"contact logged #{old['id']} on {row['date']} is already on the book")
                run.matched("history", record, what,
                            lambda old=old, changes=changes: _update_logged(run, old, changes))
            elif key in new:
                first_record, first = new[key]
                run.matched("history", record, f"it repeats line {first_record.line}",
                            lambda first=first, changes=changes: _merge(first, changes))
            else:
                new[key] = (record, row)
        run.create_interactions([row for _, row in new.values()])


    # -- column by column (staged imports): what validate and apply do, a chunk at a time --
    def columnar(self, run: Run) -> bool:
        return run.staged is not None and _has_json(run.db)

    def read_columns(self, run: Run, columns: dict[str, list[str]], size: int) -> Any:
        blank = [""] * size
        get = columns.get
        field = self._field

        def day(text: str) -> str:
            if not text:
                raise CrmError("empty")
            found = field(run, "date", text)
            if not found["v"] or found["late"]:
                raise CrmError("empty or in the future")
            return found["v"]

        def optional(key: str) -> Callable[[str], Any]:
            return lambda text: (field(run, key, text)["v"] or "") if text else ""

        def score(text: str) -> int | str:
            return records.score(cells.whole_number(text)) if text else ""

        notes, feedbacks, next_notes = get("note", blank), get("feedback", blank), get("next_note", blank)
        # (HeaderMap.by_field gives no cell longer than MAX_CELL: no text is too long if that fits)
        if MAX_CELL > MAX_TEXT and max(max(map(len, notes)), max(map(len, feedbacks)),
                                       max(map(len, next_notes))) > MAX_TEXT:
            return None
        customers = None if run.options.customer_id is not None else get("customer", blank)
        contacts = get("contact", blank)
        # Names are checked a chunk at once; matched (to ids) by apply_columns.
        if customers is not None and not all_clean(set(customers)):
            return None
        if not all_clean(set(contacts).difference(("",))):
            return None
        out = {
            "date": run.column("history.date", get("date", blank), day),
            "next": run.column("history.next", get("next", blank), optional("next")),
            "score": run.column("history.score", get("score", blank), score),
            "channel": run.column("history.channel", get("channel", blank), optional("channel")),
            "purpose": run.column("history.purpose", get("purpose", blank), optional("purpose")),
            "note": notes, "feedback": feedbacks, "next_note": next_notes,
        }
        if any(INVALID in out[key] for key in ("date", "next", "score", "channel", "purpose")):
            return None  # (the texts above are taken as they stand)
        if "" in itertools.compress(out["next"], next_notes):
            return None  # a next note needs its date (interaction_values says so)
        out["customer"], out["contact"] = customers, contacts
        return out

    def apply_columns(self, run: Run, prepared: Any) -> None:
        days, contacts = prepared["date"], prepared["contact"]
        fixed = run.options.customer_id
        cids = ([fixed] * len(days) if fixed is not None
                else run.customer_ids_of_names(prepared["customer"], days))
        sids = run.contact_ids_of_names(cids, contacts)
        run.staged.add_columns(cids, sids, days, prepared["channel"], prepared["purpose"],
                               prepared["note"], prepared["feedback"], prepared["score"],
                               prepared["next"], prepared["next_note"])

    def bulk(self, db: Database, options: Options) -> bool:
        # Skipping duplicates needs no per-row outcome, so matching can wait for the whole file
        # and run set-based; --on-conflict update/fail (and PostgreSQL) match chunk by chunk.
        return db.dialect == "sqlite" and options.on_conflict == "skip"

    def start(self, run: Run) -> None:
        if self.bulk(run.db, run.options):
            run.staged = _StagedHistory(run)

    def finish(self, run: Run) -> None:
        if run.staged is not None:
            run.staged.write()
        run.on_the_book_by_first_records(run.logged_customers)


class _StagedHistory:
    """A history import on SQLite that skips duplicates: rows staged, then matched and written in SQL.

    Each chunk's rows, resolved to customer and stakeholder ids, go into a
    temporary table (on disk: memory stays flat). At the end, in the same
    transaction: a row repeating a contact already on the book, or an earlier
    row of the file (same customer, contact, date, channel and note, as
    `_history_key`), is skipped; the others are inserted in file order, so
    their ids are what the chunk-by-chunk path gives; their follow-ups, the
    batch's `import_item` rows and the customers to refresh follow from them
    with INSERT … SELECT. When the rows are many against the table, the
    secondary indexes of `interaction` are dropped for the insert and built
    again before anything reads them (importer.BULK_MIN_ROWS, importer.BULK_TABLE_SHARE).
    """

    TABLE = "temp.crm_import_history"
    COLUMNS = ("customer_id", "stakeholder_id", "date", "channel", "purpose", "note", "feedback",
               "score", "next_on", "next_note")
    EMPTY = (None, 0, None, "", "", "", "", "", "", "")  # how each column stages "none"
    # What goes into `interaction` from the staged columns ("none" back to NULL).
    VALUES = ("customer_id", "nullif(stakeholder_id, 0)", "date", "nullif(channel, '')",
              "nullif(purpose, '')", "nullif(note, '')", "nullif(feedback, '')",
              "nullif(score, '')", "nullif(next_on, '')", "nullif(next_note, '')")

    # The staged rows repeating a contact on the book, found through each one's (customer, date)
    # index entries. `+` keeps SQLite off the (stakeholder, date) index, which it would otherwise
    # pick: for a row naming no contact it reads every contact logged that day without one (a
    # million rows imported again took ten minutes instead of half a minute).
    ON_BOOK = (f"INSERT INTO {TABLE}_dup SELECT s.seq FROM {TABLE} s WHERE EXISTS "
               "(SELECT 1 FROM interaction i WHERE i.customer_id = s.customer_id "
               "AND i.date = s.date AND +i.stakeholder_id IS nullif(s.stakeholder_id, 0) "
               "AND coalesce(i.channel, '') = s.channel AND coalesce(i.note, '') = s.note)")

    def __init__(self, run: Run) -> None:
        self.run, self.db = run, run.db
        self.count = 0
        self.db.run(f"DROP TABLE IF EXISTS {self.TABLE}")
        # `h`: a hash of the row's matching key (this process's own), so that finding the rows
        # repeated within the file sorts integers, and compares keys only where hashes meet.
        self.db.run(f"CREATE TABLE {self.TABLE} (seq INTEGER PRIMARY KEY, h INTEGER, "
                    f"{', '.join(self.COLUMNS)})")
        self.width = len(self.COLUMNS) + 2  # seq, h and the columns
        self.sql = self._insert(STAGED_ROWS_PER_INSERT)
        # A bitmap of the hashes staged so far: a hash met again (a repeated row, or another
        # row whose hash shares its bits) is kept in `repeated`, and only the rows with those
        # hashes are compared in SQL, instead of grouping a million hashes there.
        self.seen = bytearray(HASH_BITMAP_BYTES)
        self.repeated: set[int] | None = set()  # None: too many, every hash is grouped in SQL

    def add(self, items: list[tuple[Record, Any]], cid_of: Callable[[Any], int],
            stakeholder_ids: dict[tuple[int, str], int]) -> None:
        columns: list[list[Any]] = [[] for _ in self.COLUMNS]
        for _, item in items:
            cid = cid_of(item)
            sid = stakeholder_ids[(cid, item.contact_key)] if item.contact_key else None
            v = item.values
            for column, value in zip(columns, (cid, sid, v["date"], v["channel"], v["purpose"],
                                               v["note"], v["feedback"], v["score"], v["next_on"],
                                               v["next_note"])):
                column.append(value)
        staged = [[x if x is not None else empty for x in column]
                  for column, empty in zip(columns, self.EMPTY)]
        self.add_columns(*staged)

    def add_columns(self, *columns: list[Any]) -> None:
        """Stage rows given column by column, in COLUMNS order: none is '' (0 for a contact)."""
        cids, sids, days, channels, notes = (columns[0], columns[1], columns[2], columns[3],
                                             columns[5])
        start = self.count + 1
        self.count += len(cids)
        hashes = list(map(hash, zip(cids, sids, days, channels, notes)))
        if self.repeated is not None:
            seen, repeated, bits = self.seen, self.repeated, len(self.seen) * 8
            for h in hashes:
                at = h % bits
                mask = 1 << (at & 7)
                if seen[at >> 3] & mask:
                    repeated.add(h)
                else:
                    seen[at >> 3] |= mask
            if len(repeated) > REPEATED_HASHES_LIMIT:  # a huge file fills the bitmap: SQL groups
                self.seen, self.repeated = bytearray(), None
        # Positional values with no None: sqlite3 binds None through its adapter lookup,
        # several times slower than a string or an integer. STAGED_ROWS_PER_INSERT rows a
        # statement: a third less time than a statement a row.
        values = list(itertools.chain.from_iterable(zip(itertools.count(start), hashes, *columns)))
        step = STAGED_ROWS_PER_INSERT * self.width
        whole = len(values) - len(values) % step
        conn = self.db._conn  # type: ignore[attr-defined]
        conn.executemany(self.sql, [values[i:i + step] for i in range(0, whole, step)])
        if whole < len(values):
            conn.execute(self._insert((len(values) - whole) // self.width), values[whole:])

    def _insert(self, rows: int) -> str:
        """The INSERT of `rows` staged rows, given as one flat list of values."""
        marks = "(" + ", ".join("?" * self.width) + ")"
        return (f"INSERT INTO {self.TABLE} (seq, h, {', '.join(self.COLUMNS)}) "
                f"VALUES {', '.join([marks] * rows)}")

    def write(self) -> None:
        from crmcli.store.due import build_indexes

        run, db, table = self.run, self.db, self.TABLE
        first = run.first_new["interaction"]
        # Duplicates: of a contact on the book (ON_BOOK), or of an earlier row.
        db.run(f"CREATE TABLE {table}_dup (seq INTEGER PRIMARY KEY)")
        if first > 1:
            db.run(self.ON_BOOK)
        repeats = (f"INSERT OR IGNORE INTO {table}_dup SELECT seq FROM (SELECT seq, row_number() "
                   "OVER (PARTITION BY customer_id, stakeholder_id, date, channel, note "
                   f"ORDER BY seq) AS n FROM {table} WHERE h IN ({{}})) WHERE n > 1")
        if self.repeated is None:
            db.run(repeats.format(f"SELECT h FROM {table} GROUP BY h HAVING count(*) > 1"))
        elif self.repeated:
            db.run(f"CREATE TABLE {table}_h (h INTEGER PRIMARY KEY)")
            db._conn.executemany(f"INSERT INTO {table}_h VALUES (?)",  # type: ignore[attr-defined]
                                 ((h,) for h in self.repeated))
            db.run(repeats.format(f"SELECT h FROM {table}_h"))
            db.run(f"DROP TABLE {table}_h")
        self.seen, self.repeated = bytearray(), set()
        skipped = int(db.value(f"SELECT count(*) FROM {table}_dup"))
        created = self.count - skipped
        rebuild = self._drop_indexes(created, first)
        # In file order, each new row taking the next id (one writer: max(id) + 1 = `first`),
        # as the chunk-by-chunk path numbers them.
        keep = f"WHERE seq NOT IN (SELECT seq FROM {table}_dup) " if skipped else ""
        db.run(
            f"INSERT INTO interaction ({', '.join(self.COLUMNS)}, created_at) "
            f"SELECT {', '.join(self.VALUES)}, :stamp FROM {table} {keep}ORDER BY seq",
            {"stamp": run.stamp},
        )
        self._numbered("interaction", first, created)
        build_indexes(db, rebuild)
        db.run(f"DROP TABLE {table}_dup")
        db.run(f"DROP TABLE {table}")
        run.counts("history").created += created
        run.counts("history").skipped += skipped
        if not created:
            return
        first_follow_up = run.first_new["follow_up"]
        follow_ups = db.run(
            f"INSERT INTO follow_up ({', '.join(_FOLLOW_UP_COLUMNS)}) "
            "SELECT customer_id, stakeholder_id, id, next_on, next_note, :stamp FROM interaction "
            "WHERE id >= :first AND next_on IS NOT NULL ORDER BY id",
            {"first": first, "stamp": run.stamp},
        )
        self._numbered("follow_up", first_follow_up, follow_ups)
        if run.batch_id is not None:
            run._flush_items(force=True)
            for name, start in (("interaction", first), ("follow_up", first_follow_up)):
                db.run(
                    "INSERT INTO import_item (batch_id, table_name, row_id, action, before) "
                    f"SELECT :b, :t, id, 'created', NULL FROM {name} WHERE id >= :first ORDER BY id",
                    {"b": run.batch_id, "t": name, "first": start},
                )
        # Streamed: a million contacts logged name a hundred thousand customers.
        conn = db._conn  # type: ignore[attr-defined]  # tuples, not a dict per row
        run.logged_customers.update(itertools.chain.from_iterable(conn.execute(
            "SELECT DISTINCT customer_id FROM interaction WHERE id >= ?", (first,))))
        run.touched_customers.update(run.logged_customers)
        run.touched_stakeholders.update(itertools.chain.from_iterable(conn.execute(
            "SELECT DISTINCT stakeholder_id FROM interaction WHERE id >= ? "
            "AND stakeholder_id IS NOT NULL", (first,))))

    def _numbered(self, table: str, first: int, count: int) -> None:
        """Rows inserted without ids took max(id) + 1 on: check they are first … first + count - 1."""
        if count and int(self.db.value(f"SELECT max(id) FROM {table}")) != first + count - 1:
            raise CrmError(f"The new {table} rows were not numbered as expected; nothing was imported.")

    def _drop_indexes(self, created: int, first: int) -> list[str]:
        """Drop the secondary indexes of `interaction` when building them again is cheaper; their SQL."""
        db = self.db
        if created < importer.BULK_MIN_ROWS:
            return []
        existing = int(db.value("SELECT count(*) FROM interaction")) if first > 1 else 0
        if created * importer.BULK_TABLE_SHARE < existing:
            return []
        return _drop_indexes(db, "interaction")


def _update_logged(run: Run, row: Row, changes: dict[str, Any]) -> bool:
    if run.update_row("interaction", row, changes, stamp=False):
        run.touched_customers.add(row["customer_id"])
        return True
    return False


def _history_key(row: Row) -> tuple:
    return (row["customer_id"], row["stakeholder_id"], row["date"], row["channel"] or "",
            row["note"] or "")


register_kind(History())
