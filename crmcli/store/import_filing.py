"""Finding what an import names on the book, and filing what is new: customers, their contacts
(stakeholders) and the contacts logged with them; store/importer.py's `Run` takes these methods.

A file names customers and contacts by name, email or phone; each chunk's
keys are looked up with one SQL statement (or, on the column path, in a map of
the book's names loaded once while the book is small), and what is found is
kept in bounded caches, so that a history file naming 100,000 customers does
not ask the book again chunk after chunk. New customers, stakeholders and
contacts logged are written a chunk at a time (`Run.insert_rows`,
`Run.insert_columns`) and recorded in the batch; the follow-ups that imported
contacts answered are closed at the end.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from operator import is_, itemgetter
from typing import TYPE_CHECKING, Any

from crmcli.core.names import name_key
from crmcli.core.records import customer_values, stakeholder_values
from crmcli.store import stakeholder_coverage
from crmcli.store.db import Database, Row
from crmcli.store.stakeholders import IMPORTED

if TYPE_CHECKING:
    from crmcli.store.importer import Options, Run

CHUNK = 500  # keys per SQL lookup (IN lists, VALUES joins)
COLUMN_CACHE_LIMIT = 120_000  # distinct texts remembered per column (names recur over a file)
# The column path loads the book's customer (and contact) ids by name key in one query while the
# table holds at most this many rows (Filing._book_ids), instead of a lookup per chunk for the names
# it has not met yet; a larger book, or one that grows past it, is looked up chunk by chunk.
BOOK_MAP_LIMIT = 120_000  # about 15 MiB of customers and 20 MiB of contacts at the limit
# SQLite closes the follow-ups an import answered in three statements over a temporary table of
# the customers given contacts (Filing._close_answered_set_based) from this many customers on.
SET_BASED_CLOSE_MIN = 1

_CUSTOMER_COLUMNS = ("name", "name_key", "kind", "tier", "stage", "industry", "city", "phone",
                     "email", "tags", "every_days", "since", "note", "owner",
                     "imported_last_contact", "created_at", "updated_at")
_STAKEHOLDER_COLUMNS = ("customer_id", "name", "name_key", "role", "level", "title", "department",
                        "phone", "phone_digits", "email", "email_key", "im", "prefers",
                        "best_time", "birthday", "every_days", "note", "created_at", "updated_at")
_INTERACTION_COLUMNS = ("customer_id", "stakeholder_id", "date", "channel", "purpose", "note",
                        "feedback", "score", "next_on", "next_note", "created_at")
_FOLLOW_UP_COLUMNS = ("customer_id", "stakeholder_id", "interaction_id", "due_on", "note",
                      "created_at")


class Filing:
    """The half of an import's `Run` that finds and files customers, contacts and contacts logged.

    It works on the state `Run` keeps (declared below) and writes through `Run`'s helpers
    (`insert_rows`, `insert_columns`, `created`, `updated`, `update_row`, `counts`)."""

    db: Database
    options: Options
    today: date
    stamp: str
    first_new: dict[str, int]
    touched_customers: set[int]
    touched_stakeholders: set[int]
    logged_customers: set[int]
    paused_coverage: list[str] | None
    _customers: _Bounded
    _stakeholders: _Bounded
    _ids_by_text: dict[str, dict[Any, int]]
    _book: dict[str, dict[Any, int] | None]

    # -- customers, for every kind -------------------------------------------------
    def find_customers(self, keys: Iterable[str], *, full: bool = False) -> dict[str, Row]:
        """Customers on the book by name key (the oldest when several share one).

        Rows hold id, name and name_key, or every column with `full` (to update
        them). Ids found or created are kept in a bounded cache: a history file
        names the same customers again and again.
        """
        keys = list(dict.fromkeys(keys))
        found: dict[str, Row] = {}
        if not full:
            missing = []
            for key in keys:
                hit = self._customers.row(key)
                if hit is None:
                    missing.append(key)
                else:
                    found[key] = hit
            keys = missing
        columns = "*" if full else "id, name, name_key"
        for start in range(0, len(keys), CHUNK):
            marks, params = self.db.in_list("k", keys[start:start + CHUNK])
            for row in self.db.rows(
                f"SELECT {columns} FROM customer WHERE name_key IN {marks} ORDER BY id", params
            ):
                if row["name_key"] not in found:
                    found[row["name_key"]] = row
                    if not full:
                        self._customers.put(row["name_key"], row)
        return found

    @staticmethod
    def ids_of(cache: _Bounded, keys: Iterable[Any],
               find: Callable[[list[Any]], dict[Any, Row]]) -> dict[Any, int]:
        """The ids of the records with these keys: from the cache, else `find` (one query a CHUNK)."""
        out: dict[Any, int] = {}
        missing = []
        for key in keys:
            hit = cache.get(key)
            if hit is None:
                missing.append(key)
            else:
                out[key] = hit[0]  # the brief row's first column is its id
        if missing:
            out.update((key, row["id"]) for key, row in find(missing).items())
        return out

    def create_customers(self, rows: list[dict[str, Any]]) -> list[int]:
        """New customers (validated values from customer_values), with their first stage dated
        (as `create_customer_columns`); kept in the cache of customers by name key."""
        if not rows:
            return []
        given = {key for row in rows for key in row}
        ids = self.create_customer_columns({c: [r.get(c) for r in rows] for c in given}, len(rows))
        put = self._customers.put
        for row, new_id in zip(rows, ids):
            put(row["name_key"], {"id": new_id, "name": row["name"], "name_key": row["name_key"]})
        return ids

    def create_customer_columns(self, columns: dict[str, list[Any]], size: int) -> list[int]:
        """`size` new customers given column by column (lists of validated values by customer
        column: name, name_key, kind, tier, stage and since always; a column not given is
        empty), with their first stage dated; their ids.

        A new customer has no contacts logged, stakeholders or follow-ups yet, so
        its last contact is the imported one, its next due date follows from its
        cadence alone (core.cadence) and its agenda weight from its tier and stage;
        kinds that then add stakeholders or contacts to it mark it touched, and it
        is refreshed at the end.
        """
        if not size:
            return []
        from crmcli.core.agenda import agenda_weight
        from crmcli.core.cadence import CustomerDue, effective_cadence, next_due

        cadences = self.options.cadences
        empty = [None] * size
        tiers, stages, last = columns["tier"], columns["stage"], columns.get("imported_last_contact", empty)
        dues = []
        for stage, since, every, tier, last_contact in zip(
                stages, columns["since"], columns.get("every_days", empty), tiers, last):
            due = next_due(CustomerDue(
                stage=stage, since=date.fromisoformat(since),
                cadence_days=effective_cadence(every, tier, cadences),
                last_contact=date.fromisoformat(last_contact) if last_contact else None,
            ))
            dues.append(due.isoformat() if due else None)
        weights: dict[tuple[str, str], float] = {}
        for pair in zip(tiers, stages):
            if pair not in weights:
                weights[pair] = agenda_weight(*pair)
        written = {**{c: columns.get(c, empty) for c in _CUSTOMER_COLUMNS},
                   "tags": [t or "" for t in columns["tags"]] if "tags" in columns else [""] * size,
                   "owner": [self.options.owner] * size, "created_at": [self.stamp] * size,
                   "updated_at": [self.stamp] * size, "last_contact": last, "next_due": dues,
                   "agenda_weight": list(map(weights.__getitem__, zip(tiers, stages)))}
        ids = self.insert_columns("customer", written, size)
        self._book_add("customer", columns["name_key"], ids)
        if ids == list(range(ids[0], ids[0] + size)):  # SQLite: a run of new ids
            self.db.run(
                "INSERT INTO stage_change (customer_id, stage, at, note, created_at) "
                "SELECT id, stage, since, 'imported', created_at FROM customer "
                "WHERE id BETWEEN :lo AND :hi ORDER BY id", {"lo": ids[0], "hi": ids[-1]})
        else:
            self.db.run_many(
                "INSERT INTO stage_change (customer_id, stage, at, note, created_at) "
                "VALUES (:id, :stage, :since, 'imported', :at)",
                [{"id": i, "stage": stage, "since": since, "at": self.stamp}
                 for i, stage, since in zip(ids, stages, columns["since"])])
        self.created("customer", ids)
        self.counts("customers").created += size
        return ids

    def customers_named(self, items: Iterable[Any]) -> dict[str, int]:
        """The customer id of each item's `customer_key`, creating the customers not on the book
        (known only by name, on the book since their earliest dated item)."""
        wanted: dict[str, Any] = {}
        for item in items:
            first = wanted.setdefault(item.customer_key, item)
            if item.values["date"] < first.values["date"]:
                wanted[item.customer_key] = item
        ids = self.ids_of(self._customers, wanted, self.find_customers)
        missing = [key for key in wanted if key not in ids]
        ids.update(zip(missing, self.create_customers([
            self.plain_customer(wanted[k].customer_name, since=wanted[k].values["date"]) for k in missing])))
        return ids

    def customer_ids_of_names(self, names: list[str], days: list[str]) -> list[int]:
        """The customer id of each name of a column (clean names, as all_clean checks), creating
        the customers not on the book: as `customers_named`, named as on their earliest row
        of `days`. Ids are remembered by the name as written (a bounded cache of ints), starting
        with the names as the book writes them (`_spellings`)."""
        known = self._ids_by_text.get("customer")
        if known is None:
            known = self._ids_by_text["customer"] = self._spellings("customer")
        ids = list(map(known.get, names))
        if None not in ids:
            return ids  # every name seen before: the common case, in C
        keys = {text: name_key(text) for text in set(itertools.compress(names, map(_is_none, ids)))}
        book = self._book_ids("customer")
        if book is not None:
            found = {key: book[key] for key in set(keys.values()) if key in book}
        else:
            found = self._oldest_ids(
                "SELECT j.value, (SELECT min(id) FROM customer WHERE name_key = j.value) "
                "FROM json_each(?) j", set(keys.values()))
        missing = {key for key in keys.values() if key not in found}
        wanted: dict[str, tuple[str, str]] = {}  # in the order the file names them
        if missing:
            for text, day in zip(names, days):
                key = keys.get(text)
                if key in missing and (key not in wanted or day < wanted[key][0]):
                    wanted[key] = (day, text)
        created = dict(zip(wanted, self.create_customers([
            self.plain_customer(name, since=day) for day, name in wanted.values()])))
        local = {text: found[key] if key in found else created[key] for text, key in keys.items()}
        _remember(known, local)
        return list(map(local.get, names, ids))  # the names met just now, else as known before

    def contact_ids_of_names(self, customer_ids: list[int], names: list[str]) -> list[int]:
        """The stakeholder id (0: none) of each (customer id, name) of two columns, creating
        the contacts not on the book (the last spelling of a name in the chunk, as History.apply)."""
        known = self._ids_by_text.get("contact")
        if known is None:
            known = self._ids_by_text["contact"] = self._spellings("stakeholder")
        pairs = list(zip(customer_ids, names))
        # No contact named: 0 (never remembered); an unknown pair: None. All in C.
        sids = list(map(known.get, pairs, map(_NO_CONTACT.get, names)))
        if None not in sids:
            return sids
        unknown = list(itertools.compress(pairs, map(_is_none, sids)))  # in file order
        local = dict.fromkeys(unknown)
        keys = {text: name_key(text) for _, text in local}
        people: dict[tuple[int, str], str] = {}
        for cid, text in unknown:
            people[(cid, keys[text])] = text

        def find(wanted: list[tuple[int, str]]) -> dict[tuple[int, str], Row]:
            book = self._book_ids("stakeholder")
            if book is not None:
                return {pair: {"id": book[pair]} for pair in wanted if pair in book}
            found = self._oldest_ids(
                "SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), "
                "(SELECT min(s.id) FROM stakeholder s WHERE s.name_key = "
                "json_extract(j.value, '$[1]') AND s.customer_id = json_extract(j.value, '$[0]')) "
                "FROM json_each(?) j", wanted)
            return {pair: {"id": sid} for pair, sid in found.items()}

        ids = _contact_ids(self, people, find)
        for cid, text in local:
            local[(cid, text)] = ids[(cid, keys[text])]
        _remember(known, local)
        return list(map(local.get, pairs, sids))  # the pairs met just now, else as known before

    def _spellings(self, table: str) -> dict[Any, int]:
        """SQLite, the column path: each customer name ("customer"), or (customer id, contact
        name) ("stakeholder"), as the book writes it -> the id its name key finds (the oldest),
        to start the cache of names as written: a history file mostly writes the names as the
        book does, and those are then found with no name_key and no lookup. The book's map by
        name key (`_book_ids`) comes from the same pass. Empty for a book of more rows than
        either cache holds (BOOK_MAP_LIMIT, COLUMN_CACHE_LIMIT)."""
        if int(self.db.value(f"SELECT count(*) FROM {table}")) > min(BOOK_MAP_LIMIT, COLUMN_CACHE_LIMIT):
            return {}
        conn = self.db._conn  # type: ignore[attr-defined]  # tuples, not a dict per row
        oldest: dict[Any, int] = {}
        spellings: dict[Any, int] = {}
        if table == "customer":
            for row_id, name, key in conn.execute("SELECT id, name, name_key FROM customer ORDER BY id"):
                spellings[name] = oldest.setdefault(key, row_id)
        else:
            for row_id, cid, name, key in conn.execute(
                    "SELECT id, customer_id, name, name_key FROM stakeholder ORDER BY id"):
                spellings[(cid, name)] = oldest.setdefault((cid, key), row_id)
        self._book.setdefault(table, oldest)  # what _book_ids would read
        return spellings

    def _book_ids(self, table: str) -> dict[Any, int] | None:
        """SQLite, the column path: the book's oldest customer id by name key ("customer"), or
        stakeholder id by (customer id, name key) ("stakeholder"), what `_oldest_ids` finds, read
        in one query the first time; rows this import creates are added as they are
        (`_book_add`). None while the table holds more than BOOK_MAP_LIMIT rows: memory bounded."""
        if table not in self._book:
            self._book[table] = None
            if int(self.db.value(f"SELECT count(*) FROM {table}")) <= BOOK_MAP_LIMIT:
                conn = self.db._conn  # type: ignore[attr-defined]
                if table == "customer":
                    self._book[table] = dict(conn.execute(
                        "SELECT name_key, min(id) FROM customer GROUP BY name_key"))
                else:
                    self._book[table] = {(cid, key): sid for cid, key, sid in conn.execute(
                        "SELECT customer_id, name_key, min(id) FROM stakeholder "
                        "GROUP BY customer_id, name_key")}
        return self._book[table]

    def _book_add(self, table: str, keys: Iterable[Any], ids: Iterable[int]) -> None:
        """New rows of `table` in its loaded map (an older row with the same key stays first)."""
        book = self._book.get(table)
        if book is None:
            return
        for key, row_id in zip(keys, ids):
            book.setdefault(key, row_id)
        if len(book) > BOOK_MAP_LIMIT:
            self._book[table] = None  # grown too large: looked up chunk by chunk from here on

    def _oldest_ids(self, sql: str, keys: Iterable[Any]) -> dict[Any, int]:
        """SQLite: the id the query finds for each key (a string, or a pair), given as one JSON
        list (json_each): one statement, prepared once, however many keys."""
        found: dict[Any, int] = {}
        keys = list(keys)
        for start in range(0, len(keys), 5000):
            doc = json.dumps(keys[start:start + 5000], ensure_ascii=False)
            for *key, row_id in self.db._conn.execute(sql, (doc,)):  # type: ignore[attr-defined]
                if row_id is not None:
                    found[key[0] if len(key) == 1 else tuple(key)] = row_id
        return found

    def plain_customer(self, name: str, *, kind: str | None = None, since: str | None = None) -> dict:
        """The values of a customer known only by name (defaults: iron, prospect)."""
        return customer_values({"name": name, "kind": kind, "since": since}, self.today, creating=True)

    def update_customer(self, row: Row, changes: dict[str, Any]) -> bool:
        """Fill in what the row gives; a new stage is recorded as a stage change (history)."""
        from crmcli.store.customers import change_stage

        changes = dict(changes)
        stage = changes.pop("stage", None)
        before = self.update_row("customer", row, changes, record=False)
        if stage and stage != row["stage"]:
            before["stage"] = row["stage"]
            row["stage"] = change_stage(self.db, row["id"], stage, self.today.isoformat(), "imported")
        if before:
            self.updated("customer", row["id"], before)
            self.touched_customers.add(row["id"])
        return bool(before)

    # -- stakeholders --------------------------------------------------------------
    def find_stakeholders(self, column: str, keys: Iterable[Any], *, full: bool = False) -> dict[Any, Row]:
        """Stakeholders whose `column` (email_key, phone_digits) is one of `keys`; oldest first."""
        keys = [k for k in dict.fromkeys(keys) if k]
        found: dict[Any, Row] = {}
        columns = "*" if full else _STAKEHOLDER_BRIEF
        for start in range(0, len(keys), CHUNK):
            marks, params = self.db.in_list("k", keys[start:start + CHUNK])
            for row in self.db.rows(
                f"SELECT {columns} FROM stakeholder WHERE {column} IN {marks} ORDER BY id", params
            ):
                found.setdefault(row[column], row)
        return found

    def find_stakeholders_by_name(self, pairs: Iterable[tuple[int, str]], *,
                                  full: bool = False) -> dict[tuple[int, str], Row]:
        """Stakeholders by (customer id, name key); the oldest when several share a name."""
        pairs = list(dict.fromkeys(pairs))
        found: dict[tuple[int, str], Row] = {}
        if not full:
            missing = []
            for pair in pairs:
                hit = self._stakeholders.row(pair)
                if hit is None:
                    missing.append(pair)
                else:
                    found[pair] = hit
            pairs = missing
        columns = "s.*" if full else ", ".join(f"s.{c.strip()}" for c in _STAKEHOLDER_BRIEF.split(","))
        for start in range(0, len(pairs), CHUNK):
            values_sql, params = _pairs_sql(pairs[start:start + CHUNK])
            # A join on a VALUES list, not a row-value IN, so SQLite searches the index per pair.
            for row in self.db.rows(
                f"WITH v(c, k) AS ({values_sql}) SELECT {columns} FROM v "
                "JOIN stakeholder s ON s.customer_id = v.c AND s.name_key = v.k ORDER BY s.id",
                params,
            ):
                pair = (row["customer_id"], row["name_key"])
                if pair not in found:
                    found[pair] = row
                    if not full:
                        self._stakeholders.put(pair, row)
        return found

    def create_stakeholders(self, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        full = [{**dict.fromkeys(_STAKEHOLDER_COLUMNS), **r, "created_at": self.stamp,
                 "updated_at": self.stamp} for r in rows]
        ids = self.insert_rows("stakeholder", _STAKEHOLDER_COLUMNS, full)
        for row in full:
            self._stakeholders.put((row["customer_id"], row["name_key"]), row)
        self._book_add("stakeholder", map(itemgetter("customer_id", "name_key"), full), ids)
        levels = [r for r in full if r.get("level")]
        if levels:
            # The level they came onto the book with: noted and stamped as coverage --on reads it
            # (store/stakeholders.py IMPORTED, the stakeholder's own created_at).
            self.db.run_many(
                "INSERT INTO level_change (stakeholder_id, level, at, note, created_at) "
                "VALUES (:id, :level, :at_, :note_, :created_at)",
                [{**r, "at_": self.today.isoformat(), "note_": IMPORTED} for r in levels],
            )
        self.created("stakeholder", ids)
        self.counts("contacts").created += len(ids)
        self.touched_customers.update(r["customer_id"] for r in full)
        return ids

    def pause_coverage(self) -> None:
        """A large contacts import: the stakeholder triggers wait until `finish` recounts the
        customers touched (SQLite; inside the import's transaction, so a rollback restores them)."""
        if self.paused_coverage is None and not self.options.dry_run:
            self.paused_coverage = stakeholder_coverage.pause(self.db)

    def update_stakeholder(self, row: Row, changes: dict[str, Any]) -> bool:
        """Fill in what the row gives; a new level is recorded as a level change (history)."""
        from crmcli.store.stakeholders import change_level

        changes = dict(changes)
        level = changes.pop("level", None)
        before = self.update_row("stakeholder", row, changes, record=False)
        if level and level != row["level"]:
            before["level"] = row["level"]
            row["level"] = change_level(self.db, row["id"], level, self.today.isoformat(), "imported")
        if before:
            self.updated("stakeholder", row["id"], before)
            self.touched_customers.add(row["customer_id"])
        return bool(before)

    # -- contacts logged -------------------------------------------------------------
    def create_interactions(self, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        full = [{**r, "created_at": self.stamp} for r in rows]
        ids = self.insert_rows("interaction", _INTERACTION_COLUMNS, full)
        self.created("interaction", ids)
        self.counts("history").created += len(ids)
        follow_ups = [
            {"customer_id": r["customer_id"], "stakeholder_id": r["stakeholder_id"],
             "interaction_id": r["id"], "due_on": r["next_on"], "note": r["next_note"],
             "created_at": self.stamp}
            for r in full if r.get("next_on")
        ]
        self.created("follow_up", self.insert_rows("follow_up", _FOLLOW_UP_COLUMNS, follow_ups))
        for r in full:
            self.logged_customers.add(r["customer_id"])
            if r["stakeholder_id"]:
                self.touched_stakeholders.add(r["stakeholder_id"])
        self.touched_customers.update(self.logged_customers)
        return ids

    def _close_answered_follow_ups(self, customer_ids: list[int]) -> None:
        """A contact on or after a follow-up's date answers it (the agenda's rule, as `crm log`)."""
        first_new = self.first_new.get("follow_up", 1 << 62)
        if self.db.dialect == "sqlite" and len(customer_ids) >= SET_BASED_CLOSE_MIN:
            self._close_answered_set_based(customer_ids, first_new)
            return
        for start in range(0, len(customer_ids), CHUNK):
            marks, params = self.db.in_list("c", customer_ids[start:start + CHUNK])
            # The first contact on or after the due day answers it, noted as `crm log` notes it.
            answered = self.db.rows(
                "SELECT f.id, i.id AS by_id, i.date AS on_day FROM follow_up f "
                "JOIN interaction i ON i.id = (SELECT a.id FROM interaction a "
                "WHERE a.customer_id = f.customer_id AND a.date >= f.due_on ORDER BY a.date, a.id LIMIT 1) "
                f"WHERE f.customer_id IN {marks} AND f.done_at IS NULL",
                params,
            )
            done = [{"id": r["id"], "d": r["on_day"], "n": f"contact logged (#{r['by_id']})"}
                    for r in answered]
            if not done:
                continue
            self.db.run_many("UPDATE follow_up SET done_at = :d, done_note = :n WHERE id = :id", done)
            for r in done:
                if r["id"] < first_new:
                    self.updated("follow_up", r["id"], {"done_at": None, "done_note": None})

    def _close_answered_set_based(self, customer_ids: list[int], first_new: int) -> None:
        """`_close_answered_follow_ups` on SQLite: the same rule, the same notes and batch items,
        for all the customers at once (a few seconds of Python dicts less for 100,000)."""
        conn = self.db._conn  # type: ignore[attr-defined]
        for table in ("crm_logged", "crm_answered"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute("CREATE TEMP TABLE crm_logged (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TEMP TABLE crm_answered (id INTEGER PRIMARY KEY, note TEXT, on_day TEXT)")
        conn.executemany("INSERT INTO temp.crm_logged (id) VALUES (?)", ((i,) for i in customer_ids))
        # The first contact on or after the due day answers it, noted as `crm log` notes it.
        conn.execute(
            "INSERT INTO temp.crm_answered (id, note, on_day) "
            "SELECT f.id, 'contact logged (#' || i.id || ')', i.date "
            "FROM temp.crm_logged t CROSS JOIN follow_up f ON f.customer_id = t.id "
            "JOIN interaction i ON i.id = (SELECT a.id FROM interaction a "
            "WHERE a.customer_id = f.customer_id AND a.date >= f.due_on ORDER BY a.date, a.id LIMIT 1) "
            "WHERE f.done_at IS NULL")
        conn.execute(
            "UPDATE follow_up SET "
            "done_at = (SELECT a.on_day FROM temp.crm_answered a WHERE a.id = follow_up.id), "
            "done_note = (SELECT a.note FROM temp.crm_answered a WHERE a.id = follow_up.id) "
            "WHERE id IN (SELECT id FROM temp.crm_answered)")
        for (follow_up_id,) in conn.execute(
                "SELECT id FROM temp.crm_answered WHERE id < ? ORDER BY id", (first_new,)).fetchall():
            self.updated("follow_up", follow_up_id, {"done_at": None, "done_note": None})
        for table in ("crm_logged", "crm_answered"):
            conn.execute(f"DROP TABLE temp.{table}")


_STAKEHOLDER_BRIEF_COLUMNS = ("id", "customer_id", "name", "name_key", "email_key", "phone_digits",
                              "level")
_STAKEHOLDER_BRIEF = ", ".join(_STAKEHOLDER_BRIEF_COLUMNS)


_CUSTOMER_BRIEF_COLUMNS = ("id", "name", "name_key")


class _Bounded(dict):
    """A cache of brief rows that forgets everything when full: memory stays bounded on any file.

    A row is kept as a tuple of `columns` (a third of a dict's size), so that a
    history file naming 100,000 customers finds them all here instead of asking
    the book again chunk after chunk (about 25 MiB at the limit).
    """

    LIMIT = 120_000

    def __init__(self, columns: tuple[str, ...]) -> None:
        super().__init__()
        self.columns = columns

    def put(self, key: Any, row: Row) -> None:
        if len(self) >= self.LIMIT:
            self.clear()
        self[key] = tuple([row.get(c) for c in self.columns])

    def row(self, key: Any) -> Row | None:
        """A fresh dict of the cached row (None when not cached)."""
        found = self.get(key)
        return None if found is None else dict(zip(self.columns, found))


_is_none = partial(is_, None)


def _remember(cache: dict[Any, int], found: dict[Any, Any]) -> None:
    """Keep `found` ids in `cache`, forgetting everything first when it would grow past the limit."""
    if len(cache) + len(found) > COLUMN_CACHE_LIMIT:
        cache.clear()
    cache.update(found)


_NO_CONTACT = {"": 0}  # .get(name): 0 where a history row names no contact, else None


def _contact_ids(run: Run, people: dict[tuple[int, str], str],
                 find: Callable[[list[Any]], dict[Any, Row]] | None = None) -> dict[tuple[int, str], int]:
    """Stakeholder ids of (customer id, name key) pairs; those not on the book created (name)."""
    stakeholder_ids = run.ids_of(run._stakeholders, people, find or run.find_stakeholders_by_name)
    missing_people = [pair for pair in people if pair not in stakeholder_ids]
    new_ids = run.create_stakeholders([
        {**stakeholder_values({"name": people[pair]}, run.today, creating=True), "customer_id": pair[0]}
        for pair in missing_people
    ])
    stakeholder_ids.update(zip(missing_people, new_ids))
    return stakeholder_ids


def _pairs_sql(pairs: list[tuple[Any, Any]]) -> tuple[str, dict[str, Any]]:
    """`VALUES (:a0, :b0), …` over (x, y) pairs, for `WITH v(x, y) AS (VALUES …)` joined to a table.

    (A row-value `(x, y) IN (VALUES …)` reads the same on SQLite and PostgreSQL,
    but SQLite answers it with a full scan; the join searches the index per pair.)
    """
    params: dict[str, Any] = {}
    marks = []
    for i, (a, b) in enumerate(pairs):
        params[f"a{i}"], params[f"b{i}"] = a, b
        marks.append(f"(:a{i}, :b{i})")
    return "VALUES " + ", ".join(marks), params
