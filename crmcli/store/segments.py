"""Segments in SQL: the grid's counts, a cell's customers, saved segments, the agenda filter.

Each measure of core/segments.py becomes an expression on the customer `c`:
the last purchase, last contact, latest fact and latest survey score are
scalar subqueries that read one index each ((customer_id, date), (customer_id,
key, at), and the partial index of the scored contacts, schema 0004); the
customers with an open complaint are one list, read from the partial index of
the complaint-or-resolved contacts (OPEN_COMPLAINTS). Bands and comparisons are
evaluated on those values, and the grid is one GROUP BY over the customers.
`crm due --segment` uses the same query as a subquery. A rep's book (`owner`;
None = every rep's) is one more condition on `c`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from crmcli.core import segments as seg
from crmcli.errors import CrmError, NotFound
from crmcli.store import purchase_totals
from crmcli.store.clock import now_stamp
from crmcli.store.db import Database, Row
from crmcli.store.reports import none_later, stage_on

# Seed 003: a customer has an open complaint when their latest complaint-or-resolved contact
# (by date, then as written) is a complaint: a complaint that no complaint-or-resolved contact
# of theirs followed by the day. Found from the complaints (a walk of the partial index, one
# probe each) rather than by probing every customer on the book. The WHERE repeats the partial
# index's condition word for word (SQLite uses a partial index only for a query whose WHERE
# contains it), and (date, id) is its order.
_KEPT = "purpose IN ('complaint', 'resolved')"
OPEN_COMPLAINTS = (
    f"(SELECT i.customer_id FROM interaction i WHERE i.{_KEPT} AND i.purpose = 'complaint' AND i.date <= {{on}} "
    f"AND {none_later('interaction', 'i', 'date', '{on}', also=f' AND j.{_KEPT}')})"
)


class Sql:
    """Builds SQL fragments on the customer alias `c`, collecting their parameters and joins."""

    def __init__(self, on: date, today: date, dialect: str, prefix: str = "sg",
                 owner: str | None = None, stored_purchases: bool = False) -> None:
        self.on = on
        self.owner = owner
        self.dialect = dialect
        self.params: dict[str, Any] = {}
        self.joins: dict[str, str] = {}
        self._prefix = prefix
        self._n = 0
        self.on_param = self.param(on.isoformat())
        # As of today the stored last contact (imports included) is exact and indexed.
        self._live = on >= today
        # No purchase dated after the day: the stored last purchase (migration 0007) is the
        # latest purchase up to it, read with the customer row instead of probing purchases.
        self._stored_purchases = stored_purchases

    def param(self, value: Any) -> str:
        name = f"{self._prefix}{self._n}"
        self._n += 1
        self.params[name] = value
        return ":" + name

    def source(self) -> str:
        """`customer c` with the joins the fragments built so far need."""
        return "customer c" + "".join(f" {j}" for j in self.joins.values())

    # -- one value per customer, as a scalar subquery around an expression of it --
    def scalar(self, measure: str, key: str | None, expr: str, *, text: bool = False) -> str:
        """`expr` (with {v} for the measured value) evaluated for customer c."""
        on = self.on_param
        if measure == "years-since-purchase":  # the latest purchase: one step down the index
            if self._stored_purchases:
                return f"({expr.format(v='c.last_purchase')})"
            return (f"(SELECT {expr.format(v='p.date')} FROM purchase p "
                    f"WHERE p.customer_id = c.id AND p.date <= {on} ORDER BY p.date DESC LIMIT 1)")
        if measure == "days-since-contact":  # never contacted: counted from joining the book
            if self._live:
                return f"({expr.format(v='coalesce(c.last_contact, c.since)')})"
            v = (f"coalesce(max(i.date), CASE WHEN c.imported_last_contact <= {on} "
                 "THEN c.imported_last_contact END, c.since)")
            return (f"(SELECT {expr.format(v=v)} FROM interaction i "
                    f"WHERE i.customer_id = c.id AND i.date <= {on})")
        if measure == "score":  # the latest survey score (`log --score`), from its partial index
            return (f"(SELECT {expr.format(v='i.score')} FROM interaction i WHERE i.customer_id = c.id "
                    f"AND i.score IS NOT NULL AND i.date <= {on} ORDER BY i.date DESC, i.id DESC LIMIT 1)")
        if measure == "fact":
            k = self.param(key)
            v = "lower(f.value)" if text else "f.number"
            return (f"(SELECT {expr.format(v=v)} FROM fact f WHERE f.customer_id = c.id AND f.key = {k} "
                    f"AND f.at <= {on} ORDER BY f.at DESC, f.id DESC LIMIT 1)")
        if measure in seg.CATEGORIES:
            return f"({expr.format(v=self.category(measure))})"
        raise AssertionError(measure)

    def category(self, measure: str) -> str:
        """Customer c's tier, stage or kind; on an earlier day the stage it stood at then (its
        stage history, as `report ladder` reads it; tier and kind keep no history)."""
        if measure == "stage" and not self._live:
            return f"coalesce({stage_on(self.on_param)}, c.stage)"
        return f"c.{measure}"

    def band(self, dim: seg.Dimension) -> str:
        """The band index (or, for a fact's text, the lower-cased value) of customer c."""
        if dim.measure == "fact" and not dim.bands:
            return self.scalar("fact", dim.key, "{v}", text=True)
        whens = []
        for b in reversed(dim.bands):
            if dim.measure in seg.SINCE_MEASURES:
                assert b.low is not None
                limit = self.param(seg.since_threshold(dim.measure, b.low, self.on).isoformat())
                whens.append(f"WHEN {{v}} <= {limit} THEN {b.index}")
            elif dim.measure in seg.CATEGORIES:
                whens.append(f"WHEN {{v}} = {self.param(b.value)} THEN {b.index}")
            else:
                whens.append(f"WHEN {{v}} >= {self.param(b.low)} THEN {b.index}")
        return self.scalar(dim.measure, dim.key, f"CASE {' '.join(whens)} END")

    def value(self, dim: seg.Dimension) -> str:
        """What a listed customer shows for the measure (a date for the since-measures)."""
        if dim.measure == "fact":
            return self.scalar("fact", dim.key, "f.value")
        return self.scalar(dim.measure, dim.key, "{v}")

    def condition(self, cond: seg.Condition) -> str:
        if cond.measure in ("no-complaint", "open-complaint"):
            unhappy = OPEN_COMPLAINTS.format(on=self.on_param)
            return f"c.id {'NOT IN' if cond.measure == 'no-complaint' else 'IN'} {unhappy}"
        if cond.measure == "tag":
            test = f"lower(';' || c.tags || ';') LIKE {self.param('%;' + cond.values[0] + ';%')}"
            return test if cond.op == "=" else f"NOT ({test})"
        if cond.measure in seg.CATEGORIES:
            marks = ", ".join(self.param(v) for v in cond.values)
            return f"{self.category(cond.measure)} {'NOT IN' if cond.op == '!=' else 'IN'} ({marks})"
        if cond.op is None:  # fact:KEY, the fact is known
            return f"EXISTS (SELECT 1 FROM fact f WHERE f.customer_id = c.id AND f.key = {self.param(cond.key)} AND f.at <= {self.on_param})"
        negative = cond.op == "!="
        op = "=" if negative else cond.op
        if cond.measure in seg.SINCE_MEASURES:
            test = self._since_test(cond.measure, op, cond.number or 0.0)
        elif cond.number is not None:
            test = f"{{v}} {op} {self.param(cond.number)}"
        else:
            test = f"{{v}} = {self.param(cond.values[0])}"
        if negative:
            test = f"{{v}} IS NULL OR NOT ({test})"
        expr = self.scalar(cond.measure, cond.key, f"CASE WHEN {test} THEN 1 ELSE 0 END",
                           text=cond.measure == "fact" and cond.number is None)
        return f"coalesce({expr}, {1 if negative else 0}) = 1"

    def _since_test(self, measure: str, op: str, count: float) -> str:
        """Whole units since {v} compared with `count`, as date comparisons."""
        n = int(count)

        def at_least(k: int) -> str:
            return f"{{v}} <= {self.param(seg.since_threshold(measure, k, self.on).isoformat())}"

        def below(k: int) -> str:
            return f"{{v}} > {self.param(seg.since_threshold(measure, k, self.on).isoformat())}"

        if op == ">=":
            return at_least(n)
        if op == ">":
            return at_least(n + 1)
        if op == "<":
            return below(n)
        if op == "<=":
            return below(n + 1)
        return f"{at_least(n)} AND {below(n + 1)}"  # =: at least n, and not n + 1

    def where(self, spec: seg.Spec) -> str:
        parts = [f"c.since <= {self.on_param}"] + [f"({self.condition(c)})" for c in spec.where]
        if self.owner is not None:
            parts.append(f"c.owner = {self.param(self.owner)}")
        return " AND ".join(parts)

    def in_cell(self, spec: seg.Spec, labels: tuple[str, ...] | None) -> str:
        """Customers in the given cell, or (labels None) anywhere in the grid."""
        parts = []
        for i, dim in enumerate(spec.by):
            expr = self.band(dim)
            if labels is None:
                parts.append(f"{expr} IS NOT NULL")
            elif dim.bands:
                band = next(b for b in dim.bands if b.label == labels[i])
                parts.append(f"{expr} = {self.param(band.index)}")
            else:
                parts.append(f"{expr} = {self.param(labels[i])}")
        return " AND ".join(parts) or "1 = 1"


def _sql(db: Database, spec: seg.Spec, on: date, today: date, **kwargs: Any) -> Sql:
    """A Sql builder for the spec, told whether the stored purchase totals answer for the day
    (asked only when the spec measures purchases)."""
    measures = {d.measure for d in spec.by} | {c.measure for c in spec.where}
    stored = "years-since-purchase" in measures and purchase_totals.stored_answers(db, on.isoformat())
    return Sql(on, today, db.dialect, stored_purchases=stored, **kwargs)


# -- checks ---------------------------------------------------------------------

def check_facts(db: Database, spec: seg.Spec) -> str | None:
    """Refuse a fact key nobody has recorded (a typo, most likely), naming the known keys.
    On a book with no facts at all nothing is mistyped: the segment is just empty, and the
    returned remark says why (None when every key is known)."""
    keys = sorted(k for k in ({d.key for d in spec.by if d.measure == "fact"}
                              | {c.key for c in spec.where if c.measure == "fact"}) if k)
    for key in keys:
        if db.value("SELECT 1 FROM fact WHERE key = :k LIMIT 1", {"k": key}) is None:
            known = [r["key"] for r in db.rows("SELECT DISTINCT key FROM fact ORDER BY key LIMIT 30")]
            if not known:
                return (f"No facts are recorded yet, so no customer has {', '.join(keys)}; "
                        "record them with `crm fact set REF KEY VALUE`.")
            raise CrmError(f"No customer has a fact {key!r}; known keys: {', '.join(known)}.")
    return None


# -- the grid and a cell --------------------------------------------------------

def grid(db: Database, spec: seg.Spec, on: date, today: date,
         owner: str | None = None) -> tuple[dict[tuple, int], int]:
    """Counts per cell (keys: band index, or fact text), and how many matched the filters but fall
    outside; of the rep's customers when `owner` is given."""
    q = _sql(db, spec, on, today, owner=owner)
    where = q.where(spec)
    if not spec.by:
        total = int(db.value(f"SELECT count(*) FROM {q.source()} WHERE {where}", q.params))
        return {(): total}, 0
    exprs = [q.band(d) for d in spec.by]
    # A customer with no band on one dimension falls outside the grid whatever its others are:
    # a band that needs a probe (a subquery) is looked up only for customers banded on every
    # dimension read from the customer row itself (the stored last purchase, tier, …).
    cheap = [e for e in exprs if "SELECT" not in e]
    if cheap and len(cheap) < len(exprs):
        known = " AND ".join(f"{e} IS NOT NULL" for e in cheap)
        exprs = [e if e in cheap else f"CASE WHEN {known} THEN {e} END" for e in exprs]
    bands = ", ".join(f"{e} AS b{i}" for i, e in enumerate(exprs))
    groups = ", ".join(str(i + 1) for i in range(len(spec.by)))
    counts: dict[tuple, int] = {}
    outside = 0
    for r in db.rows(f"SELECT {bands}, count(*) AS n FROM {q.source()} WHERE {where} GROUP BY {groups}",
                     q.params):
        key = tuple(r[f"b{i}"] for i in range(len(spec.by)))
        if any(k is None for k in key):
            outside += int(r["n"])
        else:
            counts[key] = int(r["n"])
    return counts, outside


def cell_customers(db: Database, spec: seg.Spec, labels: tuple[str, ...], on: date, today: date,
                   limit: int | None, owner: str | None = None) -> tuple[list[Row], int]:
    """The customers in one cell (name order), with each measure's value, and how many in all."""
    q = _sql(db, spec, on, today, owner=owner)
    where = f"{q.where(spec)} AND {q.in_cell(spec, labels)}"
    values = "".join(f", {q.value(d)} AS v{i}" for i, d in enumerate(spec.by))
    sql = (f"SELECT c.id, c.name, c.kind, c.tier, {q.category('stage')} AS stage, c.last_contact, c.next_due{values} "
           f"FROM {q.source()} WHERE {where} ORDER BY c.name_key, c.id")
    params = dict(q.params)
    if limit:
        sql += " LIMIT :sg_limit"
        params["sg_limit"] = limit
    rows = db.rows(sql, params)
    total = len(rows) if not limit or len(rows) < limit else int(
        db.value(f"SELECT count(*) FROM {q.source()} WHERE {where}", q.params))
    return rows, total


def agenda_filter(db: Database, spec: seg.Spec, on: date, today: date) -> tuple[str, dict[str, Any]]:
    """A WHERE fragment on `c` for `crm due --segment`: the segment's customers (its cell, if
    saved with one), as one uncorrelated subquery the database computes once."""
    q = _sql(db, spec, on, today, prefix="seg")
    where = f"{q.where(spec)} AND {q.in_cell(spec, spec.cell)}"
    return f"c.id IN (SELECT c.id FROM {q.source()} WHERE {where})", q.params


# -- saved segments ---------------------------------------------------------------

def save(db: Database, name: str, definition: dict) -> bool:
    """Keep a segment under a name; True when it replaced one of the same name."""
    text = json.dumps(definition, ensure_ascii=False)
    with db.transaction():
        replaced = db.run("UPDATE segment SET definition = :d WHERE name = :n", {"d": text, "n": name})
        if not replaced:
            db.insert("INSERT INTO segment (name, definition, created_at) VALUES (:n, :d, :t)",
                      {"n": name, "d": text, "t": now_stamp()})
    return bool(replaced)


def saved(db: Database) -> list[Row]:
    return [{"name": r["name"], **json.loads(r["definition"]), "created_at": r["created_at"]}
            for r in db.rows("SELECT name, definition, created_at FROM segment ORDER BY name")]


def load(db: Database, name: str) -> dict:
    row = db.row("SELECT definition FROM segment WHERE name = :n", {"n": name})
    if row is None:
        names = [r["name"] for r in db.rows("SELECT name FROM segment ORDER BY name LIMIT 30")]
        hint = f"saved segments: {', '.join(names)}" if names else "none is saved yet (crm segment … --save NAME)"
        raise NotFound(f"No saved segment {name!r}; {hint}.")
    return json.loads(row["definition"])


def delete(db: Database, name: str) -> bool:
    with db.transaction():
        return db.run("DELETE FROM segment WHERE name = :n", {"n": name}) > 0
