"""The `contacts` import kind: stakeholders from an address book, by the import pipeline's rules.

Columns (DESIGN.md): customer, name, role, level, title, department, phone, email, im,
prefers, best_time, birthday, every, note (io/headers.py knows the English, Chinese,
Outlook and Google spellings; io/vcard.py reads vCards into the same fields). Every row is
validated as `crm contact add` validates (core.records stakeholder_values). A company
column finds or creates the customer; a row with no company becomes an individual customer
named after the person, with them as its decision-maker; `--customer` files every row under
one customer. A contact already on the book, or earlier in the file, is the one with the
same email, else the same phone digits (a mobile number alone; an office line, which a
whole company may share, only with the same name), else the same name within the customer,
and `--on-conflict` decides what it does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from crmcli.core.matching import personal_phone, phone_spellings
from crmcli.core.names import clean_name, name_key
from crmcli.core.records import stakeholder_values
from crmcli.io import values as cells
from crmcli.store import stakeholder_coverage
from crmcli.store.db import Row
from crmcli.store.importer import Kind, Record, Run, _merge, register_kind

PHONE_MATCH_DIGITS = 6  # shorter numbers (extensions, "0") identify nobody
_CONTACT_UNIQUE = ("name", "phone", "email", "im", "note")


@dataclass
class _ContactItem:
    values: dict[str, Any]
    changes: dict[str, Any]
    customer_name: str | None  # None: --customer gave it
    customer_key: str | None
    individual: bool


class Contacts(Kind):
    name = "contacts"
    record_kinds = ("contacts", "customers")

    def validate(self, run: Run, fields: dict[str, str]) -> _ContactItem:
        if not fields.get("name"):
            clean_name(None, "contact name")  # raises: the name is required
        if "phone" in fields:
            cells.phone(fields["phone"])
        changes = stakeholder_values({k: fields[k] for k in _CONTACT_UNIQUE if k in fields},
                                     run.today, creating=False)
        repeated = run.field_cache(self.name, self._field)
        known = repeated.known
        for key, text in fields.items():
            if key not in _CONTACT_UNIQUE and key != "customer":
                found = known.get((key, text))
                changes.update(found if type(found) is dict else repeated(key, text))
        values = dict(changes)
        del changes["name"], changes["name_key"]
        if run.options.customer_id is not None:
            return _ContactItem(values, changes, None, None, False)
        company = fields.get("customer")
        if company:
            name = clean_name(company, "customer name")
            return _ContactItem(values, changes, name, name_key(name), False)
        # A person with no company buys for themselves: their own customer and decision-maker.
        values["role"] = values.get("role") or "decision-maker"
        return _ContactItem(values, changes, values["name"], values["name_key"], True)

    @staticmethod
    def _field(run: Run, key: str, text: str) -> dict[str, Any]:
        if key == "birthday":
            born = cells.birthday(text, dayfirst=run.options.dayfirst, today=run.today)
            if not born:
                return {}
            text = born
        return stakeholder_values({key: text}, run.today, creating=False)

    def apply(self, run: Run, items: list[tuple[Record, Any]]) -> None:
        if len(items) >= stakeholder_coverage.PAUSE_ROWS:
            run.pause_coverage()
        full = run.options.on_conflict == "update"
        by_email = run.find_stakeholders("email_key", (i.values.get("email_key") for _, i in items),
                                         full=full)
        # Each row's number by its first spelling (a mobile's national digits), looked up as
        # given and in its other common spelling (with 86 or without).
        numbers = [_number(i.values.get("phone_digits")) for _, i in items]
        found = run.find_stakeholders("phone_digits", itertools.chain.from_iterable(
            (i.values["phone_digits"], *spellings[:2]) for (_, i), spellings in zip(items, numbers) if spellings),
            full=full)
        by_phone: dict[str, Row] = {}  # by the number's first spelling, the oldest contact
        for digits, row in sorted(found.items(), key=lambda kv: kv[1]["id"]):
            by_phone.setdefault(phone_spellings(digits)[0], row)
        fixed = run.options.customer_id
        customers = run.find_customers(i.customer_key for _, i in items if i.customer_key)

        def customer_id(item: _ContactItem) -> int | None:
            if fixed is not None:
                return fixed
            row = customers.get(item.customer_key or "")
            return row["id"] if row else None

        by_name = run.find_stakeholders_by_name(
            ((cid, i.values["name_key"]) for _, i in items if (cid := customer_id(i)) is not None),
            full=full)
        # Records of this chunk not yet written, by the same keys.
        new: list[tuple[Record, _ContactItem]] = []
        new_email: dict[str, int] = {}
        new_phone: dict[str, int] = {}
        new_name: dict[tuple[Any, str], int] = {}
        for (record, item), spellings in zip(items, numbers):
            v = item.values
            email, digits = v.get("email_key"), spellings[0] if spellings else None
            cid = customer_id(item)
            owner_key = cid if cid is not None else ("new", item.customer_key)
            row = by_email.get(email) if email else None
            earlier = new_email.get(email) if email and row is None else None
            if row is None and earlier is None and digits:
                row = _compatible(by_phone.get(digits), email)
                if row is not None and row["name_key"] != v["name_key"] and not personal_phone(v["phone"]):
                    row = None  # an office line: the names must agree as well
                at = new_phone.get(digits)
                if (row is None and at is not None and _compatible_new(new[at][1], email)
                        and (new[at][1].values["name_key"] == v["name_key"] or personal_phone(v["phone"]))):
                    earlier = at
            if row is None and earlier is None:
                row = _compatible(by_name.get((cid, v["name_key"])) if cid is not None else None, email)
                at = new_name.get((owner_key, v["name_key"]))
                if row is None and at is not None and _compatible_new(new[at][1], email):
                    earlier = at
            if row is not None:
                run.matched("contacts", record, run.describe("stakeholder", row, "contact"),
                            lambda row=row, item=item: run.update_stakeholder(row, item.changes))
            elif earlier is not None:
                first_record, first = new[earlier]
                run.matched("contacts", record,
                            f"it repeats line {first_record.line} ({first.values['name']!r})",
                            lambda first=first, item=item: _merge(first.values, item.changes))
            else:
                index = len(new)
                new.append((record, item))
                if email:
                    new_email.setdefault(email, index)
                if digits:
                    new_phone.setdefault(digits, index)
                new_name.setdefault((owner_key, v["name_key"]), index)
        if not new:
            return
        # The customers the new contacts need: found, or created now.
        wanted: dict[str, dict[str, Any]] = {}
        for _, item in new:
            if customer_id(item) is None and item.customer_key not in wanted:
                wanted[item.customer_key] = run.plain_customer(
                    item.customer_name, kind="person" if item.individual else None)
        ids = run.create_customers(list(wanted.values()))
        created = dict(zip(wanted, ids))
        rows = []
        for _, item in new:
            cid = customer_id(item) or created[item.customer_key]
            rows.append({**item.values, "customer_id": cid})
        run.create_stakeholders(rows)


def _number(digits: str | None) -> tuple[str, ...] | None:
    """The spellings of a row's phone number (core.matching.phone_spellings); None when it has
    too few digits to identify anyone."""
    return phone_spellings(digits) if digits and len(digits) >= PHONE_MATCH_DIGITS else None


def _compatible(row: Row | None, email: str | None) -> Row | None:
    """A match by phone or name, unless the two carry different email addresses (two people)."""
    if row is None or not email or not row.get("email_key") or row["email_key"] == email:
        return row
    return None


def _compatible_new(item: _ContactItem, email: str | None) -> bool:
    other = item.values.get("email_key")
    return not email or not other or other == email


register_kind(Contacts())
