"""Copy a whole book from one database to another (SQLite ⇄ PostgreSQL), ids remapped.

Tables are copied parents first; every row gets a new id in the target and
every reference (foreign keys, and the two tables that point at rows by kind:
import_item and not_duplicate) is rewritten through the map of old to new ids.

Running a copy twice duplicates nothing: a row is "already there" when the
target holds a row with the same identity (TABLES: the fields that never
change once written, with references already mapped: a customer is its
name and creation time, a logged contact its customer, date, channel,
purpose, notes and creation time…). Equal rows are paired one to one, so two
identical rows in the source stay two rows. Rows already there are left as
the target has them; customers that gained rows (contacts logged since the
last copy, stage changes…) have their stage and derived dates recomputed.

The target is written in one transaction: a failed copy leaves it as it was.
The source is read inside one transaction too, so it is copied as of one moment.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crmcli.errors import CrmError
from crmcli.store import purchase_totals, stage_moves
from crmcli.store.db import Database, Row

BATCH = 2000


@dataclass(frozen=True)
class Table:
    name: str
    refs: dict[str, str]  # column -> the table its id points at
    identity: tuple[str, ...]  # what makes a row "the same row" in another book
    by_kind: tuple[str, dict[str, str], tuple[str, ...]] | None = None  # (kind column, kind -> table, id columns)


# Parents before children. A test checks that every table of the schema is here.
TABLES: tuple[Table, ...] = (
    Table("customer", {}, ("name_key", "created_at")),
    Table("stakeholder", {"customer_id": "customer"}, ("customer_id", "name_key", "created_at")),
    Table("interaction", {"customer_id": "customer", "stakeholder_id": "stakeholder"},
          ("customer_id", "date", "channel", "purpose", "note", "feedback", "score", "next_on", "created_at")),
    Table("follow_up", {"customer_id": "customer", "stakeholder_id": "stakeholder", "interaction_id": "interaction"},
          ("customer_id", "due_on", "note", "created_at")),
    Table("stage_change", {"customer_id": "customer"}, ("customer_id", "stage", "at", "note", "created_at")),
    Table("level_change", {"stakeholder_id": "stakeholder"}, ("stakeholder_id", "level", "at", "note", "created_at")),
    Table("deal", {"customer_id": "customer", "stakeholder_id": "stakeholder"}, ("customer_id", "title", "created_at")),
    Table("deal_stage_change", {"deal_id": "deal"}, ("deal_id", "stage", "at", "note", "created_at")),
    Table("purchase", {"customer_id": "customer", "deal_id": "deal"},
          ("customer_id", "date", "amount_cents", "currency", "product", "note", "created_at")),
    Table("fact", {"customer_id": "customer", "stakeholder_id": "stakeholder"},
          ("customer_id", "stakeholder_id", "key", "value", "at", "created_at")),
    Table("segment", {}, ("name",)),
    Table("owner_change", {"customer_id": "customer"}, ("customer_id", "owner", "at", "note", "created_at")),
    Table("import_batch", {}, ("file", "sha256", "kind", "at")),
    Table("import_item", {"batch_id": "import_batch"}, ("batch_id", "table_name", "row_id", "action"),
          by_kind=("table_name", {}, ("row_id",))),  # {}: the kind is the table's own name
    Table("not_duplicate", {}, ("kind", "a_id", "b_id"),
          by_kind=("kind", {"customer": "customer", "contact": "stakeholder"}, ("a_id", "b_id"))),
)
BY_NAME = {t.name: t for t in TABLES}
# Rows under a customer or a stakeholder: a new one means that record's derived fields move.
UNDER_CUSTOMER = ("stakeholder", "interaction", "follow_up", "stage_change", "deal", "purchase", "fact",
                  "owner_change")


@dataclass
class Counts:
    table: str
    copied: int = 0
    already: int = 0  # the same row was in the target (an earlier copy)
    dangling: int = 0  # pointed at a row that no longer exists: nothing to copy

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "copied": self.copied, "already_there": self.already,
                "dangling": self.dangling}


@dataclass
class Report:
    source: str
    target: str
    tables: list[Counts] = field(default_factory=list)
    assigned: int = 0  # customers without an owner given to the rep on a team book

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "assigned_owner": self.assigned,
                "tables": [c.as_dict() for c in self.tables]}


def row_counts(db: Database) -> dict[str, int]:
    """How many rows each of the book's tables holds (`crm db info`)."""
    present = set(db.table_names())
    return {t.name: int(db.value(f"SELECT count(*) FROM {t.name}")) for t in TABLES if t.name in present}


def server_version(db: Database) -> str:
    return str(db.value("SHOW server_version")) if db.dialect != "sqlite" else ""


def same_book(a: Database, b: Database) -> bool:
    """Whether two open databases are one book (a copy onto itself would double it)."""
    if a.dialect != b.dialect:
        return False
    if a.dialect == "sqlite":
        from pathlib import Path

        try:
            return Path(a.location).resolve() == Path(b.location).resolve()
        except OSError:
            return False
    # The server's start time tells servers apart whatever host name reached them.
    probe = ("SELECT current_database() AS d, current_schema() AS s, inet_server_port() AS p, "
             "CAST(pg_postmaster_start_time() AS text) AS t")
    return a.row(probe) == b.row(probe)


def columns(db: Database, table: str) -> list[str]:
    if db.dialect == "sqlite":
        return [r["name"] for r in db.rows(f"PRAGMA table_info({table})")]
    return [r["column_name"] for r in db.rows(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position", {"t": table})]


class _Ids:
    """New ids for rows about to be inserted, known before the insert (children need them)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.next: dict[str, int] = {}

    def take(self, table: str, n: int) -> list[int]:
        if self.db.dialect != "sqlite":
            return self.db.reserve_ids(table, n)  # type: ignore[attr-defined]
        # The target's write lock is held for the whole copy: max(id) cannot move under us.
        start = self.next.get(table)
        if start is None:
            start = int(self.db.value(f"SELECT coalesce(max(id), 0) FROM {table}")) + 1
        self.next[table] = start + n
        return list(range(start, start + n))


def _digest(values: tuple[Any, ...]) -> bytes:
    return hashlib.blake2b(repr(values).encode("utf-8"), digest_size=16).digest()


def check_tables(source: Database, target: Database) -> None:
    """Refuse a copy that would leave a table behind or a column out."""
    unknown = sorted(set(source.table_names()) - set(BY_NAME) - {"alembic_version"})
    if unknown:
        raise CrmError(f"The book at {source.location} has tables this release cannot copy "
                       f"({', '.join(unknown)}); upgrade crm first. Nothing was copied.")
    for t in TABLES:
        missing = set(columns(source, t.name)) - set(columns(target, t.name))
        if missing:
            raise CrmError(f"The target {target.location} lacks the column(s) {', '.join(sorted(missing))} "
                           f"of {t.name}; upgrade crm and open it once. Nothing was copied.")


def copy_book(source: Database, target: Database, *, cadences: dict[str, int],
              owner: str | None = None) -> Report:
    """Copy every row of `source` into `target` (one transaction); `owner` fills empty owners."""
    check_tables(source, target)
    report = Report(source.location, target.location)
    maps: dict[str, dict[int, int]] = {t.name: {} for t in TABLES}
    fresh: dict[str, set[int]] = {t.name: set() for t in TABLES}  # target ids inserted by this copy
    touched_customers: set[int] = set()
    touched_stakeholders: set[int] = set()
    with source.transaction(), target.transaction():
        ids = _Ids(target)
        for t in TABLES:
            counts = Counts(t.name)
            report.tables.append(counts)
            cols = columns(source, t.name)
            known = _target_identities(target, t) if target.value(f"SELECT count(*) FROM {t.name}") else {}
            insert_sql = (f"INSERT INTO {t.name} ({', '.join(cols)}) "
                          f"VALUES ({', '.join(':' + c for c in cols)})")
            for batch in _batches(source.iter_rows(f"SELECT {', '.join(cols)} FROM {t.name} ORDER BY id")):
                pending: list[tuple[int, Row]] = []
                for row in batch:
                    old_id = row["id"]
                    mapped = _remap(t, row, maps)
                    if mapped is None:
                        counts.dangling += 1
                        continue
                    unowned = t.name == "customer" and owner and not mapped.get("owner")
                    if unowned:
                        mapped["owner"] = owner
                    same = known and known.get(_digest(tuple(mapped.get(c) for c in t.identity)))
                    if same:
                        maps[t.name][old_id] = same.pop()
                        counts.already += 1
                        continue
                    pending.append((old_id, mapped))
                    report.assigned += bool(unowned)
                if not pending:
                    continue
                for (old_id, mapped), new_id in zip(pending, ids.take(t.name, len(pending))):
                    mapped["id"] = new_id
                    maps[t.name][old_id] = new_id
                    fresh[t.name].add(new_id)
                    if t.name in UNDER_CUSTOMER and mapped["customer_id"] not in fresh["customer"]:
                        touched_customers.add(mapped["customer_id"])
                    sid = mapped.get("stakeholder_id")
                    if t.name in ("interaction", "level_change") and sid and sid not in fresh["stakeholder"]:
                        touched_stakeholders.add(sid)
                if target.dialect == "sqlite":
                    target.run_many(insert_sql, [m for _, m in pending])
                else:
                    target.copy_rows(t.name, cols, ([m[c] for c in cols] for _, m in pending))  # type: ignore[attr-defined]
                counts.copied += len(pending)
        # The purchase totals came with each new customer; recounted from the purchases
        # that were copied (a row whose parent is gone is not), and for those already there.
        purchase_totals.refresh(target, fresh["customer"])
        _settle(target, touched_customers, touched_stakeholders, cadences)
    return report


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for r in rows:
        batch.append(r)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _remap(t: Table, row: Row, maps: dict[str, dict[int, int]]) -> Row | None:
    """The row with every reference pointing into the target; None when its parent is gone."""
    out = dict(row)
    for col, parent in t.refs.items():
        old = row.get(col)
        if old is None:
            continue
        new = maps[parent].get(old)
        if new is None:
            return None
        out[col] = new
    if t.by_kind:
        kind_col, kinds, id_cols = t.by_kind
        parent = kinds.get(row[kind_col], row[kind_col]) if kinds else row[kind_col]
        for col in id_cols:
            new = maps.get(parent, {}).get(row[col])
            if new is None:
                return None
            out[col] = new
        if t.name == "not_duplicate":  # the pair is kept in id order (store/duplicates.py)
            out["a_id"], out["b_id"] = sorted((out["a_id"], out["b_id"]))
    return out


def _target_identities(target: Database, t: Table) -> dict[bytes, list[int]]:
    """Rows already in the target, by identity; each id listed once per equal row."""
    known: dict[bytes, list[int]] = defaultdict(list)
    for r in target.iter_rows(f"SELECT id, {', '.join(t.identity)} FROM {t.name} ORDER BY id DESC"):
        known[_digest(tuple(r[c] for c in t.identity))].append(r["id"])
    return known


def _settle(target: Database, customers: set[int], stakeholders: set[int], cadences: dict[str, int]) -> None:
    """Records that were already there but gained rows: current stage/level, derived dates."""
    from crmcli.store.due import refresh_customers, refresh_stakeholder_contact

    stage_moves.refresh(target, customers)  # new changes among those already there
    purchase_totals.refresh(target, customers)
    for cid in customers:
        target.run(
            "UPDATE customer SET stage = coalesce((SELECT stage FROM stage_change WHERE customer_id = :c "
            "ORDER BY at DESC, id DESC LIMIT 1), stage) WHERE id = :c", {"c": cid})
    for sid in stakeholders:
        target.run(
            "UPDATE stakeholder SET level = coalesce((SELECT level FROM level_change WHERE stakeholder_id = :s "
            "ORDER BY at DESC, id DESC LIMIT 1), level) WHERE id = :s", {"s": sid})
    if stakeholders:
        refresh_stakeholder_contact(target, stakeholders)
    if customers:
        refresh_customers(target, customers, cadences)
