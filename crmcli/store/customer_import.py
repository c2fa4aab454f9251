"""The `customers` import kind: accounts from a spreadsheet, by the import pipeline's rules.

Columns (DESIGN.md): name, kind, tier, stage, industry, city, phone, email, tags, every,
since, last_contact, note (io/headers.py knows the English, Chinese, Outlook and Google
spellings). Every row is validated as `crm customer add` validates (core.records
customer_values); a customer already on the book, or earlier in the file, is the one with
the same name key (case, width and spacing folded), and `--on-conflict` decides what it does.

A plain file that skips duplicates is read column by column (`read_columns`): a chunk's
names, phones, emails and notes checked in one pass each, its repeated values (tiers,
stages, dates) once per distinct text, its new customers written from the columns; a chunk
holding any unusual row goes row by row (`validate`, `apply`), so messages stay the same.
A large import drops `customer`'s secondary indexes and builds them again at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from crmcli.core import records
from crmcli.core.names import all_clean, clean_name, name_key
from crmcli.core.records import customer_values
from crmcli.errors import CrmError
from crmcli.io import values as cells
from crmcli.store import importer
from crmcli.store.importer import INVALID, Kind, Record, Run, _merge, register_kind

# Fields unique to each row, validated every time; the others (tier, stage, city, dates…)
# repeat down a column and are validated once per distinct value (Run.field_cache).
_CUSTOMER_UNIQUE = ("name", "phone", "email", "note")
# The column each repeated field fills (read_columns); a field not here fills none (an export's id).
_CUSTOMER_FIELD_COLUMNS = {"kind": "kind", "tier": "tier", "stage": "stage", "industry": "industry",
                           "city": "city", "tags": "tags", "every": "every_days", "since": "since",
                           "last_contact": "imported_last_contact"}


def _phone_cell(text: str) -> str | None:
    return records.phone_value(cells.phone(text))


def _each(texts: list[str], check: Callable[[str], Any]) -> list[Any] | None:
    """`check` of every non-empty text of a column (None for empty ones); None if one is refused."""
    try:
        return [check(text) if text else None for text in texts]
    except CrmError:
        return None


@dataclass
class _CustomerItem:
    values: dict[str, Any]
    changes: dict[str, Any]  # what the row gives (an update changes only these)


class Customers(Kind):
    name = "customers"
    record_kinds = ("customers",)

    def validate(self, run: Run, fields: dict[str, str]) -> _CustomerItem:
        if not fields.get("name"):
            clean_name(None, "customer name")  # raises: the name is required
        if "phone" in fields:
            cells.phone(fields["phone"])
        changes = customer_values({k: fields[k] for k in _CUSTOMER_UNIQUE if k in fields},
                                  run.today, creating=False)
        repeated = run.field_cache(self.name, self._field)
        known = repeated.known
        for key, text in fields.items():
            if key not in _CUSTOMER_UNIQUE:
                found = known.get((key, text))
                changes.update(found if type(found) is dict else repeated(key, text))
        values = {**run.defaults(self.name, self._defaults), **changes}
        del changes["name"], changes["name_key"]
        return _CustomerItem(values, changes)

    @staticmethod
    def _defaults(run: Run) -> dict[str, Any]:
        values = customer_values({"name": "-"}, run.today, creating=True)
        del values["name"], values["name_key"]
        return values

    @staticmethod
    def _field(run: Run, key: str, text: str) -> dict[str, Any]:
        if key in ("since", "last_contact"):
            what = "since date" if key == "since" else "last contact date"
            iso = cells.excel_date(text, dayfirst=run.options.dayfirst, what=what, today=run.today)
            if not iso:
                return {}
            text = iso
        return customer_values({key: text}, run.today, creating=False)

    def apply(self, run: Run, items: list[tuple[Record, Any]]) -> None:
        existing = run.find_customers((item.values["name_key"] for _, item in items),
                                      full=run.options.on_conflict == "update")
        new: dict[str, tuple[Record, _CustomerItem]] = {}
        for record, item in items:
            key = item.values["name_key"]
            row = existing.get(key)
            if row is not None:
                run.matched("customers", record, run.describe("customer", row, "customer"),
                            lambda row=row, item=item: run.update_customer(row, item.changes))
            elif key in new:
                first_record, first = new[key]
                run.matched("customers", record, f"it repeats line {first_record.line} ({first.values['name']!r})",
                            lambda first=first, item=item: _merge(first.values, item.changes))
            else:
                new[key] = (record, item)
        if new and run.rebuild is None:
            self._maybe_drop_indexes(run, len(new))
        run.create_customers([item.values for _, item in new.values()])

    # -- column by column: what validate and apply do, a chunk at a time (skipping duplicates) --
    def columnar(self, run: Run) -> bool:
        return run.options.on_conflict == "skip"

    def read_columns(self, run: Run, columns: dict[str, list[str]], size: int) -> Any:
        names = columns.get("name")
        if names is None or not all_clean(set(names)):
            return None  # a name missing or to be trimmed: row by row says which
        out: dict[str, list[Any]] = {"name": names}
        for key, check in (("phone", _phone_cell), ("email", records.email_value),
                           ("note", records.note_value)):
            if key in columns:
                checked = _each(columns[key], check)
                if checked is None:
                    return None
                out[key] = checked
        defaults = run.defaults(self.name, self._defaults)
        for key, texts in columns.items():
            if key in _CUSTOMER_UNIQUE:
                continue
            column = _CUSTOMER_FIELD_COLUMNS.get(key)
            fallback = defaults.get(column) if column else None
            checked = run.column(f"customers.{key}", texts,
                                 partial(self._column_value, run, key, column, fallback))
            if INVALID in checked:
                return None
            if column is not None:
                out[column] = checked
        for column, value in defaults.items():
            out.setdefault(column, [value] * size)
        return out

    def _column_value(self, run: Run, key: str, column: str | None, fallback: Any, text: str) -> Any:
        """What `validate` makes of one text of field `key`, as the value of `column`."""
        if not text:
            return fallback
        found = self._field(run, key, text)  # raises CrmError: refused
        if column is None:
            return INVALID if found else None  # a field validate would keep, unknown here
        return found.get(column, fallback)

    def apply_columns(self, run: Run, prepared: Any) -> None:
        keys = list(map(name_key, prepared["name"]))
        book = run._book_ids("customer") if run.db.dialect == "sqlite" else None
        known: Any = book if book is not None else run.find_customers(keys)
        first: dict[str, int] = {}  # each new name key: its first row in the chunk
        for i, key in enumerate(keys):
            if key not in known and key not in first:
                first[key] = i
        run.counts("customers").skipped += len(keys) - len(first)  # on the book, or repeated
        if not first:
            return
        if run.rebuild is None:
            self._maybe_drop_indexes(run, len(first))
        columns = {**prepared, "name_key": keys}
        if len(first) < len(keys):
            rows = list(first.values())
            columns = {c: [values[i] for i in rows] for c, values in columns.items()}
        run.create_customer_columns(columns, len(first))

    @staticmethod
    def _maybe_drop_indexes(run: Run, adding: int) -> None:
        """Once the customers created reach BULK_MIN_ROWS and a quarter of the book, drop the
        indexes of `customer` (all but the name_key one that matching reads) and of
        `stage_change`, to build them again in one pass at the end (Run.finish): inserting
        100,000 customers into seven indexes costs more than building them. SQLite only;
        skipping duplicates only (an update reads a customer's stage history). The limits are
        the pipeline's (store/importer.py), shared with history imports."""
        db = run.db
        total = run.counts("customers").created + adding
        if (db.dialect != "sqlite" or run.options.on_conflict != "skip"
                or total < importer.BULK_MIN_ROWS):
            return
        if total * importer.BULK_TABLE_SHARE < run.first_new["customer"] - 1:  # the book, about
            return
        run.rebuild = (importer._drop_indexes(db, "customer", keep="name_key")
                       + importer._drop_indexes(db, "stage_change"))


register_kind(Customers())
