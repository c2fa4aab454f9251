"""The `purchases` import kind: past purchases from a spreadsheet, by the import pipeline's rules.

Columns (DESIGN.md): id, customer, date, amount, currency, product, deal, note
(Chinese headers such as 客户, 购买日期, 金额, 币种, 产品, 备注 are known too).
Every row is validated as `crm purchase add` validates (core.pipeline:
exact amounts, never negative, a date not after today); a purchase already on
the book, or earlier in the file, is the same customer + date + amount +
product (product compared case- and width-insensitively), and `--on-conflict`
decides what it does (skip, update its note/currency/deal, or fail).

The customer is found by name (or created, like history's); the deal, when
given, is that customer's deal of that title (or id), else a won deal of that
title is created, so an exported book round-trips. Stage follows purchases
as everywhere (store.purchases.follow_stage), recorded in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmcli.core.names import clean_name, name_key
from crmcli.core.pipeline import purchase_values
from crmcli.errors import CrmError
from crmcli.io import headers
from crmcli.store import purchase_totals
from crmcli.store.import_filing import CHUNK, _pairs_sql
from crmcli.store.importer import Kind, Record, Run, _date, _merge, register_kind

COLUMNS = ("customer_id", "deal_id", "date", "amount_cents", "currency", "product", "note", "created_at")
_UPDATABLE = ("currency", "note", "deal_id")

HEADERS: dict[str, tuple[str, ...]] = {
    "customer": headers._COMPANY + ("buyer", "client", "购买客户", "购买人", "买家"),
    "date": ("date", "purchase date", "bought on", "order date", "invoice date", "sale date",
             "date of purchase", "购买日期", "购买时间", "日期", "成交日期", "下单日期", "订单日期",
             "购车日期", "交易日期"),
    "amount": ("amount", "value", "total", "order value", "price", "sum", "revenue", "金额",
               "购买金额", "成交金额", "订单金额", "总金额", "总价", "价格", "合计", "售价"),
    "currency": ("currency", "curr", "币种", "货币"),
    "product": ("product", "product name", "item", "goods", "description", "model", "产品",
                "产品名称", "商品", "商品名称", "购买产品", "品名", "车型", "型号"),
    "deal": ("deal", "opportunity", "deal title", "商机", "销售机会"),
    "note": ("note", "notes", "remark", "remarks", "comment", "comments", "备注", "说明"),
}
headers.register_kind("purchases", HEADERS, informative=("id", "created_at", "customer_id", "deal_id"),
                      required=(("customer",), ("date",), ("amount",)))


@dataclass
class _Item:
    values: dict[str, Any]
    currency_given: bool
    customer_name: str | None
    customer_key: str | None
    deal: str | None


def _default_currency(run: Run) -> str:
    currency = getattr(run, "_purchase_currency", None)
    if currency is None:
        currency = getattr(run.options, "currency", None)
        if not currency:
            from crmcli.config import Settings

            currency = str(Settings().get("currency"))
        run._purchase_currency = currency  # type: ignore[attr-defined]
    return currency


def _key(customer_id: int, row: dict[str, Any]) -> tuple:
    return (customer_id, row["date"], row["amount_cents"], name_key(row.get("product") or ""))


class Purchases(Kind):
    name = "purchases"
    record_kinds = ("purchases", "customers", "deals")

    def validate(self, run: Run, fields: dict[str, str]) -> _Item:
        day = _date(fields, "date", run, "purchase date")
        if not day:
            raise CrmError("the date is empty; every purchase needs the day it was made.")
        if not (fields.get("amount") or "").strip():
            raise CrmError("the amount is empty; every purchase needs how much it was.")
        values = purchase_values(
            {"date": day, "amount": fields.get("amount"), "currency": fields.get("currency"),
             "product": fields.get("product"), "note": fields.get("note")},
            run.today, _default_currency(run),
        )
        customer = fields.get("customer")
        if run.options.customer_id is not None:
            name = key = None
        elif customer:
            name = clean_name(customer, "customer name")
            key = name_key(name)
        else:
            raise CrmError("the customer is empty; every purchase belongs to a customer "
                           "(or give --customer REF for the whole file).")
        deal = (fields.get("deal") or "").strip() or None
        given = bool((fields.get("currency") or "").strip()) or values["currency"] != _default_currency(run)
        return _Item(values, given, name, key, deal)

    def apply(self, run: Run, items: list[tuple[Record, Any]]) -> None:
        db = run.db
        fixed = run.options.customer_id
        ids = run.customers_named(i for _, i in items) if fixed is None else {}

        def cid_of(item: _Item) -> int:
            return fixed if fixed is not None else ids[item.customer_key]

        deals = self._deals(run, [(cid_of(i), i) for _, i in items if i.deal])
        rows = []
        for _, item in items:
            cid = cid_of(item)
            deal_id = deals.get((cid, item.deal.casefold())) if item.deal else None
            rows.append({**item.values, "customer_id": cid, "deal_id": deal_id})
        existing: dict[tuple, dict[str, Any]] = {}
        pairs = list(dict.fromkeys((r["customer_id"], r["date"]) for r in rows))
        for start in range(0, len(pairs), CHUNK):
            values_sql, params = _pairs_sql(pairs[start:start + CHUNK])
            # A join on a VALUES list, not a row-value IN: SQLite answers that with a table scan.
            for old in db.rows(
                f"WITH v(c, d) AS ({values_sql}) SELECT p.id, p.customer_id, p.date, p.amount_cents, "
                "p.currency, p.product, p.note, p.deal_id FROM v "
                "JOIN purchase p ON p.customer_id = v.c AND p.date = v.d ORDER BY p.id", params,
            ):
                existing.setdefault(_key(old["customer_id"], old), old)
        new: dict[tuple, tuple[Record, dict[str, Any]]] = {}
        for (record, item), row in zip(items, rows):
            key = _key(row["customer_id"], row)
            changes = {k: row[k] for k in _UPDATABLE if row.get(k) is not None
                       and (k != "currency" or item.currency_given)}
            if key in existing:
                old = existing[key]
                what = (f"it repeats the purchase of {row['date']}, added earlier in this file"
                        if old["id"] >= run.first_new.get("purchase", 1 << 62) else
                        f"purchase #{old['id']} of {row['date']} is already on the book")
                run.matched("purchases", record, what,
                            lambda old=old, changes=changes: bool(run.update_row("purchase", old, changes, stamp=False)))
            elif key in new:
                first_record, first = new[key]
                run.matched("purchases", record, f"it repeats line {first_record.line}",
                            lambda first=first, changes=changes: _merge(first, changes))
            else:
                new[key] = (record, row)
        if new:
            created = run.insert_rows("purchase", COLUMNS, [{**row, "created_at": run.stamp} for _, row in new.values()])
            run.created("purchase", created)
            run.counts("purchases").created += len(created)
            customers = {row["customer_id"] for _, row in new.values()}
            run.on_the_book_by_first_records(customers)  # before the ladder follows, as `purchase add`
            self._follow_stage(run, customers)
            run.touched_customers.update(customers)
        purchase_totals.refresh(db, [r["customer_id"] for r in rows])  # purchases added or amounts updated

    def _deals(self, run: Run, wanted: list[tuple[int, _Item]]) -> dict[tuple[int, str], int]:
        """(customer id, deal text folded) -> deal id: the customer's deal of that title or id, else a new won one."""
        from crmcli.store.clock import now_stamp

        out: dict[tuple[int, str], int] = {}
        if not wanted:
            return out
        db = run.db
        pairs = list(dict.fromkeys((cid, item.deal.casefold()) for cid, item in wanted))
        marks, params = db.in_list("c", sorted({cid for cid, _ in pairs}))
        titles: dict[tuple[int, str], list[int]] = {}
        for d in db.rows(f"SELECT id, customer_id, title FROM deal WHERE customer_id IN {marks} ORDER BY id", params):
            titles.setdefault((d["customer_id"], d["title"].casefold()), []).append(d["id"])
        first: dict[tuple[int, str], _Item] = {}
        for cid, item in wanted:
            first.setdefault((cid, item.deal.casefold()), item)
        create = []
        for pair in pairs:
            found = titles.get(pair, [])
            if len(found) == 1:
                out[pair] = found[0]
            elif pair[1].lstrip("#").isdigit() and db.value(
                    "SELECT id FROM deal WHERE id = :i AND customer_id = :c",
                    {"i": int(pair[1].lstrip("#")), "c": pair[0]}):
                out[pair] = int(pair[1].lstrip("#"))
            elif not found:
                create.append(pair)
            # several deals of that title: the purchase stays unlinked rather than guess
        stamp = now_stamp()
        for pair in create:
            item = first[pair]
            v = item.values
            did = db.insert(
                "INSERT INTO deal (customer_id, title, amount_cents, currency, close_on, stage, closed_on, "
                "note, created_at, updated_at) VALUES (:c, :t, :a, :cur, :d, 'won', :d, 'imported with its purchase', :s, :s)",
                {"c": pair[0], "t": item.deal, "a": v["amount_cents"], "cur": v["currency"], "d": v["date"], "s": stamp},
            )
            db.insert("INSERT INTO deal_stage_change (deal_id, stage, at, note, created_at) "
                      "VALUES (:d, 'won', :at, 'imported', :s)", {"d": did, "at": v["date"], "s": stamp})
            run.created("deal", [did])
            run.counts("deals").created += 1
            out[pair] = did
        return out

    def _follow_stage(self, run: Run, customer_ids: set[int]) -> None:
        """The ladder follows the imported purchases, each change recorded in the batch for undo."""
        from crmcli.store.purchases import follow_stage

        first_new = run.first_new.get("customer", 1 << 62)
        moved: set[int] = run.__dict__.setdefault("purchase_stage_moved", set())  # across chunks
        before = len(moved)
        for change in follow_stage(run.db, sorted(customer_ids)):
            # Recorded for new customers too: undo then tells the batch's own history from later work.
            run.created("stage_change", [change["stage_change_id"]])
            # A customer this batch created goes whole on undo; another gets its stage written back.
            if change["customer_id"] < first_new and change["customer_id"] not in moved:
                run.updated("customer", change["customer_id"], {"stage": change["from"]})
                moved.add(change["customer_id"])
        run.counts("customers").updated += len(moved) - before  # their stage moved: counted, never silent


register_kind(Purchases())
